"""A Gemini upstream that answers a stream as one JSON array (ignoring ``alt=sse``) still
reaches a same-format ``send_stream`` caller as the SSE it was promised, and a break-off then
ends that SSE with an error event a parser can read."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from dispatch.conftest import serve
from google.genai import types

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.sse import SSEParser
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio

C1 = b'{"candidates":[{"content":{"role":"model","parts":[{"text":"hello"}]},"index":0}]}'
C2 = (
    b'{"candidates":[{"content":{"role":"model","parts":[{"text":" there"}]},'
    b'"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1,'
    b'"candidatesTokenCount":2,"totalTokenCount":3}}'
)


@contextlib.asynccontextmanager
async def upstream(cut: bool, linger: float = 0) -> AsyncIterator[str]:
    async def generate(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b"[" + C1)
        await asyncio.sleep(0.05)
        if cut:
            assert request.transport is not None
            request.transport.abort()
            return response
        await response.write(b",\r\n" + C2 + b"]")
        if linger:  # a proxy holding the connection open after the array's end
            with contextlib.suppress(Exception):
                await asyncio.sleep(linger)
        await response.write_eof()
        return response

    async with serve("/v1beta/models/{target}", generate) as base:
        yield base + "/v1beta"


async def _relay(cut: bool) -> bytes:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    async with upstream(cut) as base:
        client = nexgate.Client(
            providers=[Provider("g", base, "gemini", keys=["k"])],
            default=Route("g"),
            retry=RetryPolicy(max_retries=0),
            environ={},
        )
        async with client, client.send_stream(body, format="gemini", model="m") as chunks:
            return b"".join([chunk async for chunk in chunks])


def _sse_payloads(data: bytes) -> list[bytes]:
    parser = SSEParser(1 << 20)
    return [event.data for event in [*parser.feed(data), *parser.close()]]


async def test_a_same_format_gemini_caller_gets_sse_from_an_array() -> None:
    out = await _relay(cut=False)
    assert out.startswith(b"data: ")
    chunks = [types.GenerateContentResponse.model_validate_json(p) for p in _sse_payloads(out)]
    text = "".join(
        part.text or ""
        for chunk in chunks
        for candidate in chunk.candidates or []
        for part in (candidate.content.parts if candidate.content else None) or []
    )
    assert text == "hello there"
    assert chunks[-1].candidates and chunks[-1].candidates[0].finish_reason == "STOP"


async def test_a_break_off_of_an_array_ends_in_a_parseable_error_event() -> None:
    out = await _relay(cut=True)
    assert out.startswith(b"data: ") and b"the stream broke off" in out
    payloads = _sse_payloads(out)
    assert b"hello" in payloads[0] and b'"error"' in payloads[-1]


@pytest.mark.parametrize("caller", ["gemini", "openai"])
async def test_an_array_stream_ends_at_its_last_element_under_a_lingering_connection(
    caller: str,
) -> None:
    body = (
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        if caller == "gemini"
        else {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    )
    async with upstream(cut=False, linger=2) as base:
        client = nexgate.Client(
            providers=[Provider("g", base, "gemini", keys=["k"])],
            default=Route("g"),
            retry=RetryPolicy(max_retries=0),
            timeouts=Timeouts(connect=2, first_byte=5, idle=0.5, total=30),
            environ={},
        )
        started = time.monotonic()
        async with client, client.send_stream(body, format=caller, model="m") as chunks:
            out = b"".join([chunk async for chunk in chunks])
        elapsed = time.monotonic() - started
    assert b"there" in out and b"broke off" not in out
    assert elapsed < 0.5
