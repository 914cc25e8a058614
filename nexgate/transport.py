"""HTTP for the dispatcher: the only module that imports aiohttp (besides ``testing``).

Deadlines use ``asyncio.timeout``: aiohttp runs only on asyncio, and on this hot path it
costs a fraction of a generic cancel scope. Sessions get safe defaults: no redirects, a
connector sized above the concurrency caps, no ``raise_for_status``. Every aiohttp failure
becomes a nexgate error built from safe fields only (exception class, host and port):
aiohttp's own messages embed full URLs with query strings, and its reprs embed request
headers — both can hold keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import weakref
from collections.abc import AsyncGenerator, Mapping
from urllib.parse import urlsplit

import aiohttp
import msgspec

from .errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    NexgateError,
    ResponseTooLargeError,
    TimeoutKind,
)
from .read_watch import ReadWatch
from .redact import redact_url


class Timeouts(msgspec.Struct, frozen=True):
    """Deadlines, in seconds; defaults suit slow reasoning models.

    ``connect``: TCP/TLS connect. ``first_byte``: until the response headers arrive.
    ``idle``: the longest gap between two chunks of a body or stream. ``total``: the whole call,
    all retries included.
    """

    connect: float = 10.0
    first_byte: float = 300.0
    idle: float = 120.0
    total: float = 900.0

    def __post_init__(self) -> None:
        # A NaN deadline is never reached and disorders the event loop's timers: refused.
        for name in ("connect", "first_byte", "idle", "total"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number of seconds > 0")


def total_deadline_error(seconds: float) -> APITimeoutError:
    return APITimeoutError(f"the call passed its total deadline of {seconds:g}s", kind="total")


def _phase(kind: TimeoutKind, end: float, total: float | None) -> tuple[TimeoutKind, float]:
    """The deadline of a read phase (first byte, idle gap) and which one it is: the phase's
    ``end``, or the call's ``total`` deadline if that comes first."""
    if total is not None and total <= end:
        return "total", total
    return kind, end


def _where(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    except ValueError:  # a malformed URL: the error being built must not fail itself
        return "the upstream"


class ClosedByClient(aiohttp.ClientConnectionError):
    """Fed to the readers of bodies still arriving by :meth:`Transport.close`: aiohttp closes
    their connections but leaves the readers waiting (until a deadline) for data that cannot
    come."""


def map_client_error(exc: BaseException, url: str, *, reading: bool) -> NexgateError:
    """A safe nexgate error for an aiohttp (or socket) failure: no URL query, no headers."""
    where = _where(url)
    name = type(exc).__name__
    if isinstance(exc, ClosedByClient):
        return APIConnectionError(
            f"the client was closed while reading from {where}", retryable=False
        )
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError(f"connecting to {where} timed out", kind="connect")
    if isinstance(exc, aiohttp.SocketTimeoutError | asyncio.TimeoutError | TimeoutError):
        return APITimeoutError(f"no data from {where} within the idle timeout", kind="idle")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return APIConnectionError(f"cannot connect to {where} ({name})")
    if isinstance(exc, ValueError) and "header" in str(exc).lower():
        return InvalidInputError(
            "a header value contains a forbidden control character", path="headers"
        )
    if isinstance(exc, aiohttp.ClientPayloadError):
        return APIConnectionError(f"the response from {where} was cut off ({name})")
    if isinstance(exc, aiohttp.ClientResponseError | aiohttp.http_exceptions.HttpProcessingError):
        # aiohttp reports framing faults as "400"; that is the parser's status, not the upstream's.
        return APIConnectionError(f"protocol error in the response from {where} ({name})")
    stage = "while reading the response" if reading else "before the response"
    return APIConnectionError(f"connection to {where} failed {stage} ({name})")


#: How long a stream's body may take to end after its terminal event (see ``settle``).
SETTLE_SECONDS = 0.25

_CLIENT_ERRORS = (
    aiohttp.ClientError,
    aiohttp.http_exceptions.HttpProcessingError,
    OSError,
    ValueError,
)


class Fetched(msgspec.Struct):
    """A whole non-streamed answer: status, headers (case-insensitive) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class UpstreamResponse:
    """Status, headers and the body of one upstream answer, read within the limits."""

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        url: str,
        timeouts: Timeouts,
        max_bytes: int,
        started: float | None = None,
        reading: set[aiohttp.StreamReader] | None = None,
    ) -> None:
        self._response = response
        #: The transport's bodies being read, left by :meth:`finish` (see Transport.close).
        self._reading = reading
        if reading is not None:
            reading.add(response.content)
        self._url = url
        self._timeouts = timeouts
        self._max_bytes = max_bytes
        #: When the request went out (loop time): the start of the first-byte clock.
        self.started = asyncio.get_running_loop().time() if started is None else started
        self.status = response.status
        #: Case-insensitive, as aiohttp parsed them.
        self.headers: Mapping[str, str] = response.headers
        self._first: bytes | None = None  # read ahead by first_chunk(), not yet consumed
        #: The call's total deadline (loop time), if any: no read of the body goes past it.
        self.deadline: float | None = None

    def finish(self, *, ok: bool) -> None:
        """Hand the connection back (``ok``: the body was read as far as wanted) or, after a
        failure, close it: it may hold a half-read body."""
        if self._reading is not None:
            self._reading.discard(self._response.content)
        if not ok:
            self._response.close()
        self._response.release()

    async def settle(self) -> None:
        """The stream's terminal event arrived: give the body a moment to end, so that the
        connection goes back to the pool. One that lingers (a proxy holding it open) is
        closed instead of waited for; whatever follows the end is not read anyway."""
        content = self._response.content
        if content.at_eof():
            return  # the usual case: the body's end came with the last event
        try:
            async with asyncio.timeout(SETTLE_SECONDS):
                while await content.readany():
                    pass
        except (TimeoutError, RuntimeError, *_CLIENT_ERRORS):
            self._response.close()

    async def read(self) -> bytes:
        """The whole body, refusing more than the byte limit (checked while reading); the
        idle timeout applies to each gap between chunks, as in a stream."""
        declared = self._response.content_length
        if declared is not None and declared > self._max_bytes:
            self._response.close()
            raise ResponseTooLargeError(
                f"response of {declared} bytes is over the {self._max_bytes}-byte limit"
            )
        parts: list[bytes] = []
        size = 0
        async for chunk in self.chunks():
            size += len(chunk)
            if size > self._max_bytes:
                self._response.close()
                raise ResponseTooLargeError(f"response is over the {self._max_bytes}-byte limit")
            parts.append(chunk)
        return b"".join(parts)

    async def first_chunk(self, first_byte: float) -> bytes:
        """Wait for the body's first chunk (a stream's first token; empty: no body at all).

        The wait ends ``first_byte`` seconds after the request went out (one clock for the
        headers and the first token), and its timeout is reported as a ``first_byte`` one.
        :meth:`chunks` then starts with this chunk: a stream is retried only until its first
        chunk, and reading it here spares every later chunk a generator hop that would put
        it back in front.
        """
        reader = self.chunks(first_byte=first_byte)
        try:
            first = await anext(reader, b"")
        finally:
            await reader.aclose()
        self._first = first
        return first

    async def chunks(self, first_byte: float | None = None) -> AsyncGenerator[bytes, None]:
        """Body chunks as they arrive; a gap longer than the idle timeout is an error.

        With ``first_byte``, see :meth:`first_chunk`. The gap is timed while this generator
        waits, not while its consumer holds a chunk.
        """
        content = self._response.content
        loop = asyncio.get_running_loop()
        idle = self._timeouts.idle
        first, self._first = self._first, None
        if first is not None:  # read by first_chunk()
            if not first:
                return
            yield first
        kind: TimeoutKind = "idle"
        deadline = loop.time() + idle
        if first_byte is not None:
            kind, deadline = "first_byte", self.started + first_byte
        total = self.deadline
        kind, deadline = _phase(kind, deadline, total)
        watch = ReadWatch()
        room = self._max_bytes - len(first or b"")  # what the body may still bring
        try:
            while True:
                error: NexgateError | None = None
                watch.start_read(deadline)
                try:
                    chunk = await content.readany()
                except asyncio.CancelledError:
                    if not watch.expired():
                        raise
                    if kind == "total":
                        error = total_deadline_error(self._timeouts.total)
                    else:
                        where = _where(self._url)
                        message = f"no data from {where} in time ({kind})"
                        error = APITimeoutError(message, kind=kind)
                except _CLIENT_ERRORS as exc:
                    error = map_client_error(exc, self._url, reading=True)
                except RuntimeError:
                    # aiohttp's word for a connection its session closed under the read (the
                    # client's aclose() from a shutdown handler): a break-off like any other.
                    where = _where(self._url)
                    error = APIConnectionError(f"connection to {where} closed while reading")
                finally:
                    watch.end_read()
                if error is not None:
                    self._response.close()
                    raise error
                if not chunk:
                    return
                room -= len(chunk)
                if room < 0:  # a stream is bounded like any answer
                    self._response.close()
                    raise ResponseTooLargeError(
                        f"response is over the {self._max_bytes}-byte limit"
                    )
                yield chunk
                kind, deadline = _phase("idle", loop.time() + idle, total)
        finally:
            watch.close()


class Transport:
    """Owns the aiohttp sessions of one client: one per event loop, created on first use.

    ``connections`` is the connector's pool size (0: unbounded); the client sizes it above
    every concurrency cap so that a call admitted by the limiters never queues for a socket.
    """

    def __init__(self, *, connections: int, timeouts: Timeouts, max_response_bytes: int) -> None:
        self.connections = connections
        self.timeouts = timeouts
        self.max_response_bytes = max_response_bytes
        self._connect_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=timeouts.connect, sock_read=None
        )
        self._sessions: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, aiohttp.ClientSession
        ] = weakref.WeakKeyDictionary()
        #: Per loop, the async generator that closes its session when the loop shuts down.
        self._closers: dict[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = {}
        #: How many times :meth:`close` ran: a call that sees it change was cut off by it.
        self.closings = 0
        #: The bodies of open streams, and of whole answers still arriving: cut off by
        #: :meth:`close` (aiohttp closes their connections but leaves the readers waiting).
        self._reading: set[aiohttp.StreamReader] = set()

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.connections, limit_per_host=0, keepalive_timeout=30
            )
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeouts.connect),
                auto_decompress=True,
                raise_for_status=False,
                trust_env=False,
            )
            self._sessions[loop] = session
            self._close_with(loop, session)
        return session

    def _close_with(self, loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession) -> None:
        """Close ``session`` when ``loop`` shuts down, if :meth:`close` has not by then.

        ``asyncio.run`` finalizes the loop's unfinished async generators before closing it;
        one that holds the session closes it there. So a client used from one ``asyncio.run``
        to the next, or never closed, leaves no connection open at the upstream (and the
        closed loop, which its session would keep alive, is let go).
        """

        async def closer() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                if self._sessions.get(loop) is session:
                    del self._sessions[loop]
                self._closers.pop(loop, None)
                if not session.closed:
                    await session.close()

        generator = closer()
        step = generator.__anext__()  # the loop's hooks now know the generator...
        with contextlib.suppress(StopIteration):
            step.send(None)  # ...and it waits at its yield, so that closing it runs the finally
        self._closers[loop] = generator

    @property
    def open_sessions(self) -> bool:
        """Whether a session of some event loop is still open (not closed by :meth:`close`)."""
        return any(not session.closed for session in list(self._sessions.values()))

    async def close(self) -> None:
        """Close this loop's session (a session of another loop dies with that loop)."""
        self.closings += 1
        for body in list(self._reading):
            body.set_exception(ClosedByClient())
        closer = self._closers.pop(asyncio.get_running_loop(), None)
        if closer is not None:
            await closer.aclose()  # closes the loop's session (every session has a closer)

    async def fetch(
        self,
        url: str,
        *,
        body: bytes,
        headers: Mapping[str, str],
        params: Mapping[str, str],
        timeouts: Timeouts | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """POST ``body`` and read the whole answer: the non-streamed call, in one step.

        ``deadline`` is the call's total deadline (loop time), if any. One timer serves every
        deadline: it runs to the first-byte deadline (or the total one, if sooner) until the
        headers arrive, then to the idle one (or the total one) from each body chunk to the
        next. A call pays for one timer instead of three, which matters at thousands of calls
        per second; the usual answer, whose body comes with its headers, never moves it.
        """
        timeouts = timeouts or self.timeouts
        loop = asyncio.get_running_loop()
        response: aiohttp.ClientResponse | None = None
        error: NexgateError
        first_byte = loop.time() + timeouts.first_byte
        try:
            async with asyncio.timeout_at(_phase("first_byte", first_byte, deadline)[1]) as timer:
                response = await self.session().post(
                    url,
                    data=body,
                    headers=headers,
                    params=params or None,
                    allow_redirects=False,
                    timeout=self._client_timeout(timeouts),
                )
                data = await self._read_whole(response, url, timer, timeouts.idle, deadline)
            response.release()
            return Fetched(response.status, response.headers, data)
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ClientError):  # aiohttp's own connect timeout
                error = map_client_error(exc, url, reading=response is not None)
            elif deadline is not None and timer.when() == deadline:
                error = total_deadline_error(timeouts.total)
            elif response is None:
                error = APITimeoutError(
                    f"no response from {_where(url)} within {timeouts.first_byte:g}s",
                    kind="first_byte",
                )
            else:
                error = APITimeoutError(
                    f"no data from {_where(url)} within the idle timeout", kind="idle"
                )
        except NexgateError as exc:
            error = exc
        except _CLIENT_ERRORS as exc:
            error = map_client_error(exc, url, reading=response is not None)
        except RuntimeError:
            # aiohttp's word for a session closed under the call (aclose() meanwhile).
            error = APIConnectionError(f"connection to {_where(url)} closed during the call")
        finally:
            # Reached with the response unreleased only on a failure (or a cancellation):
            # the connection may hold a half-read body, so it is closed, not pooled.
            if response is not None and not response.closed:
                response.close()
        raise error  # raised outside the except block: no aiohttp exception in __context__

    async def _read_whole(
        self,
        response: aiohttp.ClientResponse,
        url: str,
        timer: asyncio.Timeout,
        idle: float,
        deadline: float | None,
    ) -> bytes:
        """The body, refused past the byte limit; ``timer`` is moved to the idle deadline
        before each wait for a chunk (the body may take longer than that, its gaps may not)."""
        if 300 <= response.status < 400:
            where, status = redact_url(url), response.status
            raise APIConnectionError(
                f"{where} answered {status}; redirects are not followed", retryable=False
            )
        limit = self.max_response_bytes
        declared = response.content_length
        if declared is not None and declared > limit:
            raise ResponseTooLargeError(
                f"response of {declared} bytes is over the {limit}-byte limit"
            )
        content = response.content
        if content.is_eof() and declared is not None:  # the body came with the headers
            return await response.read()
        loop = asyncio.get_running_loop()
        parts: list[bytes] = []
        size = 0
        self._reading.add(content)  # a body still arriving: close() cuts it off (see there)
        try:
            while True:
                timer.reschedule(_phase("idle", loop.time() + idle, deadline)[1])
                chunk = await content.readany()
                if not chunk:
                    return b"".join(parts)
                size += len(chunk)
                if size > limit:
                    raise ResponseTooLargeError(f"response is over the {limit}-byte limit")
                parts.append(chunk)
        finally:
            self._reading.discard(content)

    def _client_timeout(self, timeouts: Timeouts) -> aiohttp.ClientTimeout:
        """aiohttp keeps only the connect deadline; the others are ours, with clear errors."""
        if timeouts.connect != self._connect_timeout.sock_connect:
            return aiohttp.ClientTimeout(total=None, sock_connect=timeouts.connect, sock_read=None)
        return self._connect_timeout

    async def open(
        self,
        url: str,
        *,
        body: bytes,
        headers: Mapping[str, str],
        params: Mapping[str, str],
        timeouts: Timeouts | None = None,
    ) -> UpstreamResponse:
        """POST ``body`` and return once the headers arrived; the caller reads the body and
        then calls :meth:`UpstreamResponse.finish`."""
        timeouts = timeouts or self.timeouts
        error: NexgateError | None = None
        response: aiohttp.ClientResponse | None = None
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(timeouts.first_byte):
                response = await self.session().post(
                    url,
                    data=body,
                    headers=headers,
                    params=params or None,
                    allow_redirects=False,
                    timeout=self._client_timeout(timeouts),
                )
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ClientError):  # aiohttp's own connect timeout
                error = map_client_error(exc, url, reading=False)
            else:
                error = APITimeoutError(
                    f"no response from {_where(url)} within {timeouts.first_byte:g}s",
                    kind="first_byte",
                )
        except _CLIENT_ERRORS as exc:
            error = map_client_error(exc, url, reading=False)
        except RuntimeError:
            # aiohttp's word for a session closed under the call (aclose() meanwhile).
            error = APIConnectionError(f"connection to {_where(url)} closed during the call")
        if error is not None:
            raise error  # raised outside the except block: no aiohttp exception in __context__
        assert response is not None
        if 300 <= response.status < 400:
            response.close()
            where, status = redact_url(url), response.status
            raise APIConnectionError(
                f"{where} answered {status}; redirects are not followed", retryable=False
            )
        return UpstreamResponse(
            response, url, timeouts, self.max_response_bytes, started, self._reading
        )
