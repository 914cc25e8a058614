"""The dispatcher's stream plumbing: upstream bytes -> internal events -> caller-format bytes.

Also the one overall deadline of a call, which spans its retries, fallbacks and stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from .errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    NexgateError,
    StreamInterruptedError,
    stream_api_error,
)
from .events import MessageEnd, StreamError, StreamEvent, UsageUpdate
from .exchange import Opened
from .formats._format import StreamEncoder
from .schema import Usage
from .stream_translate import StreamDecoding
from .transport import total_deadline_error


def total_timeout(exc: TimeoutError, seconds: float) -> TimeoutError:
    """What a call whose total-deadline scope ended in ``exc`` raises: a deadline that fired
    inside keeps its own kind; otherwise it was the total one."""
    if isinstance(exc, APITimeoutError):
        return exc
    return total_deadline_error(seconds)


async def stream_events(opened: Opened, decoding: StreamDecoding) -> AsyncIterator[StreamEvent]:
    """Decode the upstream stream; a break after output started becomes a ``StreamError``.

    Usage reported by the stream reconciles the permit's token estimate at the end.
    """
    usage = None
    try:
        async for chunk in opened.chunks:
            for event in decoding.feed(chunk):
                if isinstance(event, UsageUpdate | MessageEnd) and event.usage is not None:
                    usage = event.usage
                elif isinstance(event, StreamError):
                    event = opened.scrubbed(event)
                yield event
            if decoding.finished:  # a property read per chunk: the hot path
                await _end(decoding, opened)
                break
    except (APIConnectionError, APITimeoutError, InvalidInputError) as exc:
        yield _broke_off(exc)
        return
    for event in decoding.close():
        yield event
    if usage is not None:
        opened.permit.reconcile(usage.total_tokens)


async def raising(events: AsyncIterator[StreamEvent]) -> AsyncIterator[StreamEvent]:
    """Internal events for :meth:`Client.stream`: a ``StreamError`` is raised, typed."""
    async for event in events:
        if isinstance(event, StreamError):
            if event.kind == "stream_interrupted":
                raise StreamInterruptedError(event.message)
            raise stream_api_error(event)
        yield event


async def relayed(
    opened: Opened, decoding: StreamDecoding, encoder: StreamEncoder
) -> AsyncIterator[bytes]:
    """Caller-format SSE bytes: what one upstream chunk decodes to goes out as one piece.

    The same events as :func:`stream_events` (a break after output started becomes the
    caller format's error event), without an async step per event: a chunk holding many
    events costs one hand-over to the caller, as it did to the upstream.
    """
    usage = None
    try:
        async for chunk in opened.chunks:
            data, usage = _encoded(decoding.feed(chunk), encoder, usage, opened)
            if data:
                yield data
            if decoding.finished:  # a property read per chunk: the hot path
                await _end(decoding, opened)
                break
    except (APIConnectionError, APITimeoutError, InvalidInputError) as exc:
        tail = encoder.encode(_broke_off(exc)) + encoder.close()
        if tail:
            yield tail
        return
    tail = b"".join([encoder.encode(event) for event in decoding.close()]) + encoder.close()
    if tail:
        yield tail
    if usage is not None:
        opened.permit.reconcile(usage.total_tokens)


async def forwarded(
    opened: Opened, decoding: StreamDecoding, encoder: StreamEncoder
) -> AsyncIterator[bytes]:
    """A same-format stream: the upstream's own bytes, a whole number of events at a time.

    The decoder still reads every event (it validates the stream, notes the usage and knows
    whether the stream ended properly), but nothing is re-encoded, so fields and event types
    nexgate does not model reach the caller too. Only a stream that breaks off gets an event
    of ours, the format's error event, placed after the last whole event. A Gemini JSON
    array (an upstream that ignored ``alt=sse``) is the exception: the caller was promised
    SSE, so its events are re-encoded, as a translated stream's are.
    """
    relay = _RawRelay(opened, decoding)
    try:
        async for chunk in opened.chunks:
            events = decoding.feed(chunk)
            if decoding.array is not None:
                data, relay.usage = _encoded(events, encoder, relay.usage, opened)
            else:
                data = relay.whole_events(chunk, events)
            if data:
                yield data
            if decoding.finished:  # a property read per chunk: the hot path
                await _end(decoding, opened)
                break
    except (APIConnectionError, APITimeoutError, InvalidInputError) as exc:
        yield encoder.encode(_broke_off(exc)) + encoder.close()
        return
    ending = decoding.close()
    if decoding.array is not None:
        tail = b"".join([encoder.encode(event) for event in ending]) + encoder.close()
    else:
        errors = [e for e in ending if isinstance(e, StreamError)]
        if errors and not relay.upstream_error:
            tail = encoder.encode(errors[0]) + encoder.close()  # the unfinished event is dropped
        else:
            tail = relay.held
    if tail:
        yield tail
    if relay.usage is not None:
        opened.permit.reconcile(relay.usage.total_tokens)


class _RawRelay:
    """What :func:`forwarded` keeps between chunks of upstream bytes."""

    __slots__ = ("decoding", "held", "opened", "upstream_error", "usage")

    def __init__(self, opened: Opened, decoding: StreamDecoding) -> None:
        self.opened = opened
        self.decoding = decoding
        self.usage: Usage | None = None
        self.upstream_error = False
        self.held = b""  # the start of an event whose end has not arrived

    def whole_events(self, chunk: bytes, events: list[StreamEvent]) -> bytes:
        """The bytes of the whole events ``chunk`` completes (``events``: what they decode to)."""
        held = self.held
        for event in events:
            if isinstance(event, UsageUpdate | MessageEnd) and event.usage is not None:
                self.usage = event.usage
            elif isinstance(event, StreamError):
                # The upstream's own error event goes through, without a key it echoed.
                self.upstream_error = True
                held, chunk = self.opened.scrubbed_bytes(held + chunk), b""
        if self.decoding.held_error is not None:  # rare: a malformed event after whole ones
            held, chunk = _before(held + chunk, self.decoding.held_data), b""
        if not held and chunk.endswith(_EVENT_ENDS):
            return chunk  # the usual chunk: whole events, passed on without a copy
        held += chunk
        cut = _last_boundary(held)
        self.held = held[cut:]
        return held[:cut]


async def _end(decoding: StreamDecoding, opened: Opened) -> None:
    """The stream is over (its terminal event came): stop reading. A malformed event's
    held-back error is raised here, to end the stream as a break-off."""
    decoding.check()
    await opened.ended()


def _before(data: bytes, malformed: bytes) -> bytes:
    """The whole events of ``data`` before the malformed event whose data is ``malformed``.

    It is found as its (last) data line followed by the end of an event, which an earlier
    event that merely starts the same way (a truncated copy of it) does not match. None are
    kept if it cannot be found.
    """
    last_line = malformed.rsplit(b"\n", 1)[-1]
    found = [data.find(last_line + end) for end in _EVENT_ENDS] if last_line else []
    at = min((i for i in found if i >= 0), default=-1)
    return data[: _last_boundary(data[:at])] if at > 0 else b""


def _broke_off(error: NexgateError) -> StreamError:
    """A reset, a stall or a malformed chunk once output reached the caller: not retried."""
    return StreamError(
        status=502, kind="stream_interrupted", message=f"the stream broke off: {error.message}"
    )


#: How an SSE event can end (``_last_boundary`` looks for the same two).
_EVENT_ENDS = (b"\n\n", b"\r\n\r\n")


def _last_boundary(data: bytes) -> int:
    """Where the last whole SSE event in ``data`` ends (0: no whole event yet)."""
    lf = data.rfind(b"\n\n")
    crlf = data.rfind(b"\r\n\r\n")
    return max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0)


def _encoded(
    events: list[StreamEvent], encoder: StreamEncoder, usage: Usage | None, opened: Opened
) -> tuple[bytes, Usage | None]:
    """The caller-format bytes of ``events``, and the latest usage seen."""
    pieces = []
    for event in events:
        if isinstance(event, UsageUpdate | MessageEnd) and event.usage is not None:
            usage = event.usage
        elif isinstance(event, StreamError):
            event = opened.scrubbed(event)
        piece = encoder.encode(event)
        if piece:
            pieces.append(piece)
    return b"".join(pieces), usage


__all__ = ("forwarded", "raising", "relayed", "stream_events", "total_timeout")
