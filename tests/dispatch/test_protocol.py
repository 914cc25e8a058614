"""A hostile raw-socket upstream: broken HTTP is a connection error, never a status error.

aiohttp reports framing faults as ``ClientResponseError(status=400)`` or as
``HttpProcessingError`` subclasses (``LineTooLong`` is not a ``ClientError``); neither may
surface as the upstream's own 400, and none may carry the URL (with Gemini's ``?key=``).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator

import pytest
from dispatch.conftest import body

import nexgate
from nexgate.providers import Provider
from nexgate.retry import RetryPolicy
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio
CANARY = "sk-CANARY-protocol-51c9e0"

ANSWERS = {
    "bad_status_line": b"HTTP/1.1 abc\r\n\r\n",
    "huge_header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    "bad_chunk_size": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n"
    ),
    "short_body": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{}"
    ),
    "not_http": b"SSH-2.0-OpenSSH_9.6\r\n",
}


class RawServer:
    def __init__(self) -> None:
        self.answer = b""
        self.port = 0
        self.hits = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hits += 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(self.answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def raw() -> AsyncIterator[RawServer]:
    server_state = RawServer()
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    server_state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield server_state


@pytest.mark.parametrize("answer", sorted(ANSWERS))
@pytest.mark.parametrize("stream", [False, True])
async def test_broken_http_is_a_connection_error(raw: RawServer, answer: str, stream: bool) -> None:
    raw.answer = ANSWERS[answer]
    provider = Provider("raw", f"http://127.0.0.1:{raw.port}", "gemini", keys=[CANARY])
    client = nexgate.Client(
        providers=[provider],
        environ={},
        retry=RetryPolicy(max_retries=0),
        timeouts=Timeouts(connect=2, first_byte=2, idle=2, total=5),
    )
    data = b""
    with pytest.raises(nexgate.APIConnectionError) as caught:
        async with client:
            if stream:
                async with client.send_stream(body("gemini"), format="gemini", model="m") as out:
                    data = b"".join([chunk async for chunk in out])
                # Bytes reached the caller before the break: it ends in the error event.
                assert b'"error"' in data and CANARY.encode() not in data
                raise nexgate.APIConnectionError("ended in the error event")
            await client.send(body("gemini"), format="gemini", model="m")
    error = caught.value
    assert not isinstance(error, nexgate.APIStatusError)
    assert error.__cause__ is None  # raised `from None` or outside the except block
    assert error.__context__ is None or error.__suppress_context__
    text = "".join(traceback.format_exception(error)) + repr(error)
    assert CANARY not in text and "key=" not in text
    assert raw.hits == 1
    assert client.limiters.in_flight == 0
