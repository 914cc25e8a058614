"""A 200 answer to a streamed call that holds no stream (an empty body, a proxy's HTML page)
has delivered nothing to the caller: it is retried, or failed over, as ``send()`` would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from dispatch.conftest import serve

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio
KEY = "k"
GOOD = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":0,"model":"m","choices":'
    b'[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":0,"model":"m","choices":'
    b'[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
BODY = {
    "model": "m",
    "max_tokens": 16,
    "stream": True,
    "messages": [{"role": "user", "content": "hi"}],
}


@contextlib.asynccontextmanager
async def upstream(path: str, first: bytes, calls: list[int]) -> AsyncIterator[str]:
    """The first answer is a 200 with ``first`` as its whole body; later ones a good stream."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        calls.append(1)
        kind = "text/html" if first.startswith(b"<") else "text/event-stream"
        response = web.StreamResponse(headers={"Content-Type": kind})
        await response.prepare(request)
        await response.write(GOOD if len(calls) > 1 else first)
        await response.write_eof()
        return response

    async with serve(path, handler) as base:
        yield base


@pytest.mark.parametrize("first", [b"", b"<html><body>Bad gateway</body></html>"])
@pytest.mark.parametrize("caller", ["openai", "claude"])
async def test_a_stream_with_no_stream_in_it_is_retried(first: bytes, caller: str) -> None:
    calls: list[int] = []
    async with upstream("/v1/chat/completions", first, calls) as base:
        client = nexgate.Client(
            providers=[Provider("up", base, "openai", keys=[KEY])],
            default=Route("up"),
            retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02),
            environ={},
        )
        async with client, client.send_stream(BODY, format=caller) as chunks:
            out = b"".join([chunk async for chunk in chunks])
    assert len(calls) == 2
    assert b"hi" in out and b"error" not in out


async def test_an_html_page_for_a_stream_falls_over_to_the_alternate() -> None:
    calls: list[int] = []
    async with (
        upstream("/v1/messages", b"<html>Bad gateway</html>", calls) as bad,
        MockUpstream(keys=[KEY]) as mock,
    ):
        client = nexgate.Client(
            providers=[
                Provider("bad", bad, "claude", keys=[KEY]),
                Provider("good", mock.base_url, "openai", keys=[KEY]),
            ],
            default=Route("bad", fallbacks=(Route("good"),)),
            retry=RetryPolicy(max_retries=0),
            environ={},
        )
        async with client:
            async with client.send_stream(BODY, format="openai") as chunks:
                out = b"".join([chunk async for chunk in chunks])
            assert client.stats.fallbacks == 1
    assert out.endswith(b"data: [DONE]\n\n") and b"error" not in out
