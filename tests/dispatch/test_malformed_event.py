"""A malformed event that arrives in the same read as whole ones ends the stream after them:
the caller gets what the upstream delivered, then the break-off, whatever the chunking. A
same-format relay passes the whole events on and not the malformed bytes."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from dispatch.conftest import serve

import nexgate
from nexgate import Message, Request, TextPart
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy

pytestmark = pytest.mark.anyio

GOOD = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message",'
    b'"role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,'
    b'"usage":{"input_tokens":5,"output_tokens":0}}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"DELIVERED-TEXT"}}\n\n'
)
BROKEN = b'event: content_block_delta\ndata: {"broken": \n\n'


@contextlib.asynccontextmanager
async def upstream(*writes: bytes, path: str = "/v1/messages") -> AsyncIterator[str]:
    """Answers with ``writes``, each a separate read at the client."""

    async def messages(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for i, data in enumerate(writes):
            if i:
                await asyncio.sleep(0.2)  # a separate TCP read at the client
            await response.write(data)
        await response.write_eof()
        return response

    async with serve(path, messages) as base:
        yield base


def _client(base: str) -> nexgate.Client:
    return nexgate.Client(
        providers=[Provider("up", base, "claude", keys=["k"])],
        default=Route("up"),
        retry=RetryPolicy(max_retries=0),
        environ={},
    )


async def test_stream_keeps_whole_events_before_a_malformed_one() -> None:
    request = Request(model="m", messages=[Message(role="user", parts=[TextPart(text="hi")])])
    seen: list[str] = []
    # One write: one read at the client.
    async with upstream(GOOD + BROKEN) as base, _client(base) as client:
        with pytest.raises(nexgate.StreamInterruptedError):
            async with client.stream(request) as events:
                async for event in events:
                    if isinstance(event, nexgate.events.TextDelta):
                        seen.append(event.text)
    assert "".join(seen) == "DELIVERED-TEXT"


@pytest.mark.parametrize("caller", ["openai", "claude"])
async def test_send_stream_keeps_whole_events_before_a_malformed_one(caller: str) -> None:
    body = {
        "model": "m",
        "max_tokens": 16,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
    async with (
        upstream(GOOD + BROKEN) as base,
        _client(base) as client,
        client.send_stream(body, format=caller) as chunks,
    ):
        out = b"".join([chunk async for chunk in chunks])
    assert b"stream broke off" in out
    assert b"DELIVERED-TEXT" in out, out
    assert b'{"broken"' not in out


async def test_same_events_split_across_reads_do_arrive() -> None:
    """Control: the very same bytes, split before the broken event, keep the text."""
    request = Request(model="m", messages=[Message(role="user", parts=[TextPart(text="hi")])])
    seen: list[str] = []
    async with upstream(GOOD, BROKEN) as base, _client(base) as client:
        with pytest.raises(nexgate.StreamInterruptedError):
            async with client.stream(request) as events:
                async for event in events:
                    if isinstance(event, nexgate.events.TextDelta):
                        seen.append(event.text)
    assert "".join(seen) == "DELIVERED-TEXT"


def _openai_chunk(content: str) -> bytes:
    body = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content}}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


OPENAI_GOOD = _openai_chunk("DELIVERED-TEXT")


@pytest.mark.parametrize(
    "malformed",
    # A cut-off copy of a whole event's start must not be taken for that event; data on two
    # lines is found by its last one.
    [b'{"broken": ', b"m", OPENAI_GOOD[6:60], b'{"a":\ndata: oops'],
    ids=["broken", "short", "truncated-copy", "multi-line"],
)
async def test_a_same_format_relay_cuts_right_before_the_malformed_event(malformed: bytes) -> None:
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    data = OPENAI_GOOD + b"data: " + malformed + b"\n\n"
    async with (
        upstream(data, path="/v1/chat/completions") as base,
        nexgate.Client(
            providers=[Provider("up", base, "openai", keys=["k"])],
            default=Route("up"),
            retry=RetryPolicy(max_retries=0),
            environ={},
        ) as client,
        client.send_stream(body, format="openai") as chunks,
    ):
        out = b"".join([chunk async for chunk in chunks])
    assert out.startswith(OPENAI_GOOD)  # the whole event, then straight to the break-off
    assert out[len(OPENAI_GOOD) :].startswith(b'data: {"error":')
    assert b"stream broke off" in out
