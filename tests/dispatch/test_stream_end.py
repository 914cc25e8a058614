"""A stream ends at its terminal event (Claude ``message_stop`` or ``error``, OpenAI
``[DONE]``): an upstream or proxy that then holds the connection open neither delays the
caller until the idle deadline nor turns a finished stream into a broken one. A body that
does end goes back to the pool: the next call reuses its connection."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from dispatch.conftest import serve

import nexgate
from nexgate import Message, Request, TextPart
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import Fault, MockUpstream
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio

CLAUDE_DONE = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":'
    b'"message","role":"assistant","model":"m","content":[],"stop_reason":null,'
    b'"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":0}}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"hello"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn",'
    b'"stop_sequence":null},"usage":{"output_tokens":1}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)
CLAUDE_ERROR = (
    CLAUDE_DONE.split(b"event: content_block_stop")[0]
    + b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error",'
    b'"message":"Overloaded"}}\n\n'
)
OPENAI_DONE = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":0,"model":"m","choices":'
    b'[{"index":0,"delta":{"role":"assistant","content":"hello"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":0,"model":"m","choices":'
    b'[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
IDLE = 0.5
PEERS: list[object] = []


@contextlib.asynccontextmanager
async def upstream(path: str, data: bytes, *, linger: float = 10) -> AsyncIterator[str]:
    """Sends ``data`` (a whole stream, terminal event included), then holds the connection
    for ``linger`` seconds. Each connection's peer is recorded in ``PEERS``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        PEERS.append(request.transport.get_extra_info("peername") if request.transport else None)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(data)
        if linger:
            with contextlib.suppress(Exception):
                await asyncio.sleep(linger)
        return response

    async with serve(path, handler) as base:
        yield base


def _client(base: str, fmt: str) -> nexgate.Client:
    return nexgate.Client(
        providers=[Provider("up", base, fmt, keys=["k"])],
        default=Route("up"),
        retry=RetryPolicy(max_retries=0),
        timeouts=Timeouts(connect=2, first_byte=5, idle=IDLE, total=30),
        environ={},
    )


async def test_stream_that_ended_is_not_reported_broken() -> None:
    request = Request(model="m", messages=[Message(role="user", parts=[TextPart(text="x")])])
    kinds: list[str] = []
    async with (
        upstream("/v1/messages", CLAUDE_DONE) as base,
        _client(base, "claude") as client,
        client.stream(request) as events,
    ):
        async for event in events:  # raised StreamInterruptedError after MessageEnd
            kinds.append(type(event).__name__)
    assert kinds[-1] == "MessageEnd"


@pytest.mark.parametrize(
    ("fmt", "path", "data", "end"),
    [
        ("claude", "/v1/messages", CLAUDE_DONE, b"message_stop"),
        ("openai", "/v1/chat/completions", OPENAI_DONE, b"[DONE]"),
        ("claude", "/v1/messages", CLAUDE_ERROR, b"Overloaded"),
    ],
)
async def test_same_format_stream_ends_at_its_terminal_event(
    fmt: str, path: str, data: bytes, end: bytes
) -> None:
    body = {
        "model": "m",
        "max_tokens": 16,
        "stream": True,
        "messages": [{"role": "user", "content": "x"}],
    }
    async with upstream(path, data) as base, _client(base, fmt) as client:
        started = time.monotonic()
        async with client.send_stream(body, format=fmt) as chunks:
            out = b"".join([chunk async for chunk in chunks])
        elapsed = time.monotonic() - started
    tail = out[out.rindex(end) :]
    assert b"stream broke off" not in tail, tail  # nothing after the terminal event
    assert elapsed < IDLE, f"the caller waited {elapsed:.2f}s after the terminal event"


@pytest.mark.parametrize("linger", [0, 0.05])
async def test_a_stream_whose_body_ends_leaves_its_connection_for_the_next(linger: float) -> None:
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    PEERS.clear()
    async with (
        upstream("/v1/chat/completions", OPENAI_DONE, linger=linger) as base,
        _client(base, "openai") as client,
    ):
        for _ in range(3):
            async with client.send_stream(body, format="openai") as chunks:
                out = b"".join([chunk async for chunk in chunks])
            assert out.endswith(b"data: [DONE]\n\n")
    assert len(PEERS) == 3 and len(set(PEERS)) == 1, PEERS


@pytest.mark.parametrize(("caller", "up"), [("openai", "claude"), ("claude", "claude")])
async def test_a_stream_is_bounded_by_max_response_bytes_too(caller: str, up: str) -> None:
    body = {
        "model": "m",
        "max_tokens": 16,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
    async with MockUpstream(keys=["k"]) as mock:
        mock.inject(Fault(kind="oversize_body", size=3_000_000))
        client = nexgate.Client(
            providers=[Provider("up", mock.base_url, up, keys=["k"])],
            default=Route("up"),
            retry=RetryPolicy(max_retries=0),
            max_response_bytes=1_000_000,
            environ={},
        )
        async with client, client.send_stream(body, format=caller) as chunks:
            out = b"".join([chunk async for chunk in chunks])
    assert len(out) < 1_100_000
    assert b"stream broke off" in out and b"1000000-byte limit" in out
