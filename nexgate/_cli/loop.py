"""Running a command's coroutine: on uvloop when it is installed (the `uvloop` extra)."""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


def run(main: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``anyio.run`` on asyncio, with uvloop's faster event loop when available."""
    use_uvloop = importlib.util.find_spec("uvloop") is not None
    return anyio.run(main, *args, backend="asyncio", backend_options={"use_uvloop": use_uvloop})
