"""A mock upstream and a client pointed at it, per format, with fast retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import msgspec
import pytest
from aiohttp import web

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


def tasks_now() -> set[asyncio.Task[Any]]:
    """Live tasks, except the pytest runner's own ones."""
    return {
        task
        for task in asyncio.all_tasks()
        if "TestRunner" not in getattr(task.get_coro(), "__qualname__", "")
    }


async def assert_no_tasks_left(before: set[asyncio.Task[Any]]) -> None:
    """No task started since ``before`` is still alive (server handlers get a moment)."""
    left: set[asyncio.Task[Any]] = set()
    for _ in range(50):
        left = {t for t in tasks_now() - before if t is not asyncio.current_task()}
        if not left:
            return
        await anyio.sleep(0.02)
    raise AssertionError(f"tasks left behind: {left}")


async def assert_released(client: nexgate.Client, mock: MockUpstream, before: set[Any]) -> None:
    """After any scenario: no limiter slot held or awaited, no connection, no task left."""
    assert client.limiters.in_flight == 0
    assert client.limiters.waiting == 0
    assert all(scope.borrowed == 0 for scope in client.limiters.scopes.values())
    assert client.limiters.global_scope.borrowed == 0
    await client.aclose()
    await settle(mock)
    assert mock.open_connections() == 0
    await assert_no_tasks_left(before)


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


def openai_completion(text: str = "hi", model: str = "m") -> dict[str, Any]:
    """A minimal OpenAI chat completion answering ``text``, for upstreams of our own."""
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def openai_stream(text: str = "hi", model: str = "m") -> bytes:
    """A minimal OpenAI stream answering ``text`` in one chunk, then ``[DONE]``."""
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}],
    }
    return b"data: " + msgspec.json.encode(chunk) + b"\n\ndata: [DONE]\n\n"


@contextlib.asynccontextmanager
async def serve(
    path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> AsyncIterator[str]:
    """A one-route upstream of our own on 127.0.0.1, for answers MockUpstream does not give;
    yields its base URL. Handlers still running at the end are not waited for."""
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
