"""The mock upstream for synchronous code: its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .server import MockUpstream


@contextmanager
def mock_in_thread(**options: Any) -> Iterator[MockUpstream]:
    """Run ``MockUpstream(**options)`` in a daemon thread; yields it once it listens.

    ``inject``, ``script_*`` and ``stats`` may be used from the calling thread (they only
    touch plain containers); the server is closed when the block ends.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="nexgate-mock", daemon=True)
    thread.start()
    mock = MockUpstream(**options)
    try:
        asyncio.run_coroutine_threadsafe(mock.start(), loop).result(timeout=30)
        yield mock
    finally:
        try:
            asyncio.run_coroutine_threadsafe(mock.close(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()
