"""``aclose()`` under calls in flight (a shutdown handler): a stream being read, or waiting
for its first token, ends at once with a clear error instead of waiting out a deadline; no
call is sent again on a fresh session that nothing would close."""

from __future__ import annotations

import asyncio
import time

import pytest

import nexgate
from nexgate import Message, Request, TextPart
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import Fault, MockUpstream
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio
KEY = "sk-test-key-0123456789"
BODY = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "a b c d e f"}]}


def _client(mock: MockUpstream) -> nexgate.Client:
    return nexgate.Client(
        providers=[Provider("up", mock.base_url, "claude", keys=[KEY])],
        default=Route("up"),
        retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02),
        timeouts=Timeouts(connect=2, first_byte=5, idle=5, total=30),
        environ={},
    )


async def _consume(client: nexgate.Client, out: list[bytes]) -> None:
    async with client.send_stream(BODY, format="openai") as chunks:
        async for chunk in chunks:
            out.append(chunk)


async def _closed_soon(
    mock: MockUpstream, client: nexgate.Client, task: asyncio.Task[None]
) -> float:
    await client.aclose()
    started = time.monotonic()
    try:
        await task
    finally:
        waited = time.monotonic() - started
        for _ in range(50):
            if mock.open_connections() == 0:
                break
            await asyncio.sleep(0.02)
    return waited


async def test_a_stream_being_read_ends_at_once_with_an_error_event() -> None:
    out: list[bytes] = []
    async with MockUpstream(keys=[KEY]) as mock:
        mock.inject(Fault(kind="slow_drip", seconds=0.2))
        client = _client(mock)
        task = asyncio.create_task(_consume(client, out))
        await asyncio.sleep(0.5)  # mid-stream
        waited = await _closed_soon(mock, client, task)
        assert mock.open_connections() == 0 and mock.stats.requests == 1
    assert waited < 1.0
    assert b'"code":"stream_interrupted"' in out[-1] and b"client was closed" in out[-1]


async def test_a_stream_waiting_for_its_first_token_fails_at_once_and_is_not_sent_again() -> None:
    out: list[bytes] = []
    async with MockUpstream(keys=[KEY]) as mock:
        mock.inject(Fault(kind="stall_after_headers", seconds=30))
        client = _client(mock)
        task = asyncio.create_task(_consume(client, out))
        await asyncio.sleep(0.3)  # the headers came, the first token did not
        with pytest.raises(nexgate.APIConnectionError, match="client was closed"):
            await _closed_soon(mock, client, task)
        assert mock.open_connections() == 0 and mock.stats.requests == 1
    assert out == []


@pytest.mark.parametrize("method", ["complete", "stream"])
async def test_a_call_cut_off_before_its_headers_does_not_fall_back(method: str) -> None:
    """Nor is it sent to the route's alternate (on a new session that nothing would close)."""
    request = Request(model="m", messages=[Message(role="user", parts=[TextPart(text="a b")])])
    async with MockUpstream(keys=[KEY]) as primary, MockUpstream(keys=[KEY]) as backup:
        primary.inject(Fault(kind="delay", seconds=2))  # no headers yet when aclose() comes
        client = nexgate.Client(
            providers=[
                Provider("primary", primary.base_url, "claude", keys=[KEY]),
                Provider("backup", backup.base_url, "openai", keys=[KEY]),
            ],
            default=Route("primary", fallbacks=(Route("backup"),)),
            retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02),
            environ={},
        )

        async def call() -> None:
            if method == "complete":
                await client.complete(request)
            else:
                async with client.stream(request) as events:
                    async for _ in events:
                        pass

        task = asyncio.create_task(call())
        await asyncio.sleep(0.3)
        await client.aclose()
        with pytest.raises(nexgate.APIConnectionError):
            await task
        await client.aclose()
        assert backup.stats.requests == 0


@pytest.mark.parametrize("kind", ["stall_after_headers", "slow_drip"])
async def test_a_whole_answer_still_arriving_ends_at_once(kind: str) -> None:
    request = Request(model="m", messages=[Message(role="user", parts=[TextPart(text="a b c")])])
    async with MockUpstream(keys=[KEY]) as mock:
        mock.inject(Fault(kind=kind, seconds=3))
        client = _client(mock)
        task = asyncio.create_task(client.complete(request))
        await asyncio.sleep(0.3)  # the headers came, the body has not ended
        await client.aclose()
        started = time.monotonic()
        with pytest.raises(nexgate.APIConnectionError, match="client was closed"):
            await task
        assert time.monotonic() - started < 1.0
        assert mock.stats.requests == 1
