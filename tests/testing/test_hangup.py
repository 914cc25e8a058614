"""MockUpstream: a client that hangs up while the mock pauses (a delay) costs no
traceback in the log: the mock stops there instead of writing to a closed connection."""

from __future__ import annotations

import asyncio
import logging

import anyio
import msgspec
import pytest

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio
KEY = "k"


@pytest.mark.parametrize("stream", [True, False])
async def test_client_hanging_up_during_a_delay_logs_no_traceback(
    caplog: pytest.LogCaptureFixture, stream: bool
) -> None:
    body = {"model": "m", "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    async with MockUpstream(keys=[KEY]) as mock:
        mock.inject(Fault(kind="delay", seconds=5))
        client = nexgate.Client(
            providers=[Provider("up", mock.base_url, "openai", keys=[KEY])],
            default=Route("up"),
            retry=RetryPolicy(max_retries=0),
            environ={},
        )
        with caplog.at_level(logging.ERROR):
            async with client:
                with anyio.move_on_after(0.2):
                    if stream:
                        async with client.send_stream(body, format="openai") as chunks:
                            async for _ in chunks:
                                pass
                    else:
                        await client.send(body, format="openai")
            await anyio.sleep(0.3)  # the mock notices the hang-up within 20 ms
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[0].getMessage() + " " + repr(errors[0].exc_info[1])


@pytest.mark.parametrize("stream", [True, False])
async def test_client_hanging_up_before_the_answer_logs_no_traceback(
    caplog: pytest.LogCaptureFixture, stream: bool
) -> None:
    """A caller cancelled right after sending: the mock's answer meets a closed socket.
    Opening a streamed answer (``prepare``) was outside the guard: one traceback per call."""
    body = msgspec.json.encode(
        {"model": "m", "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    )
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with caplog.at_level(logging.ERROR):
        async with MockUpstream() as mock:
            for _ in range(5):
                _, writer = await asyncio.open_connection("127.0.0.1", mock.port)
                writer.write(head + body)
                await writer.drain()
                writer.transport.abort()  # hangs up at once, as a cancelled call does
                await anyio.sleep(0.1)
            assert mock.stats.requests == 5
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
