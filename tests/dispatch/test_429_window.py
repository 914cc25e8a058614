"""A 429's rate-limit headers say when the window opens again; the retry waits for it.

OpenAI answers a 429 with ``x-ratelimit-reset-requests`` and no ``retry-after``. Those headers
were read only from successful answers, so the key paused for the 1 s default and the
retries struck the still-shut window until they ran out.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from dispatch.conftest import KEY, body, openai_completion, openai_stream, serve

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy

pytestmark = pytest.mark.anyio

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WINDOW = 1.6  # seconds the upstream's request window stays shut after the first call


def _handler(calls: list[float], stream: bool) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        calls.append(now)
        left = calls[0] + WINDOW - now
        if left > 0:
            return web.json_response(
                {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}},
                status=429,
                headers={
                    "x-ratelimit-limit-requests": "3",
                    "x-ratelimit-remaining-requests": "0",
                    "x-ratelimit-reset-requests": f"{left:.3f}s",
                },
            )
        if not stream:
            return web.json_response(openai_completion())
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(openai_stream())
        return response

    return handler


def _client(url: str) -> nexgate.Client:
    return nexgate.Client(
        providers=[Provider("up", url, "openai", keys=[KEY])],
        default=Route("up"),
        environ={},
        retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05),
    )


async def test_a_unary_retry_waits_for_the_announced_reset() -> None:
    calls: list[float] = []
    async with serve("/v1/chat/completions", _handler(calls, False)) as url, _client(url) as c:
        out = await c.send(body("openai"), format="openai")
    assert out["choices"][0]["message"]["content"] == "hi"
    assert len(calls) == 2
    assert calls[1] - calls[0] >= WINDOW - 0.1


async def test_a_streamed_retry_waits_for_the_announced_reset() -> None:
    calls: list[float] = []
    async with serve("/v1/chat/completions", _handler(calls, True)) as url, _client(url) as c:
        streamed = {**body("openai"), "stream": True}
        async with c.send_stream(streamed, format="openai") as chunks:
            out = b"".join([chunk async for chunk in chunks])
    assert b'"hi"' in out
    assert len(calls) == 2
    assert calls[1] - calls[0] >= WINDOW - 0.1
