"""A mock upstream and a client pointed at it, per format, with fast retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

import nexgate
from nexgate.limits import LimitConfig
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import MockUpstream
from nexgate.transport import Timeouts

KEY = "sk-test-key-0123456789"
FORMATS = ("openai", "claude", "gemini")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def mock() -> AsyncIterator[MockUpstream]:
    async with MockUpstream(keys=[KEY]) as upstream:
        yield upstream
    assert upstream.open_connections() == 0


def make_client(
    mock: MockUpstream, fmt: str = "openai", key: str = KEY, **options: Any
) -> nexgate.Client:
    providers = [Provider(f"mock-{f}", mock.base_url, f, keys=[key]) for f in FORMATS]
    options.setdefault("retry", RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05))
    options.setdefault("timeouts", Timeouts(connect=2, first_byte=5, idle=2, total=20))
    options.setdefault("limits", LimitConfig(max_concurrency=64))
    return nexgate.Client(providers=providers, default=Route(f"mock-{fmt}"), environ={}, **options)


async def settle(mock: MockUpstream) -> None:
    """Give the server a moment to see connections close."""
    for _ in range(50):
        if mock.open_connections() == 0:
            return
        await anyio.sleep(0.02)


def body(
    fmt: str, text: str = "hello", *, stream: bool = False, model: str = "m"
) -> dict[str, Any]:
    if fmt == "openai":
        out: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": text}]}
    elif fmt == "claude":
        out = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": text}]}
    else:
        return {"contents": [{"role": "user", "parts": [{"text": text}]}]}
    if stream:
        out["stream"] = True
    return out
