"""The dispatcher's stream plumbing: upstream bytes -> internal events -> caller-format bytes.

Also the one overall deadline of a call, which spans its retries, fallbacks and stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from .errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    StreamInterruptedError,
    api_error,
)
from .events import MessageEnd, StreamError, StreamEvent, UsageUpdate
from .exchange import Opened
from .formats._format import StreamEncoder
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
        if opened.first_chunk:
            for event in decoding.feed(opened.first_chunk):
                yield event
        assert opened.chunks is not None
        async for chunk in opened.chunks:
            for event in decoding.feed(chunk):
                if isinstance(event, UsageUpdate | MessageEnd) and event.usage is not None:
                    usage = event.usage
                yield event
    except (APIConnectionError, APITimeoutError, InvalidInputError) as exc:
        # A reset, a stall or a malformed chunk once output reached the caller: not retried.
        yield StreamError(
            status=502, kind="stream_interrupted", message=f"the stream broke off: {exc.message}"
        )
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
            raise api_error(
                event.message,
                status=event.status,
                kind=event.kind,
                code=event.code,
                retry_after=event.retry_after,
            )
        yield event


async def encoded(
    events: AsyncIterator[StreamEvent], encoder: StreamEncoder
) -> AsyncIterator[bytes]:
    """Caller-format SSE bytes; the encoder ends a broken stream with the format's error event."""
    async for event in events:
        data = encoder.encode(event)
        if data:
            yield data
    tail = encoder.close()
    if tail:
        yield tail


__all__ = ("encoded", "raising", "stream_events", "total_timeout")
