"""Server-sent events: an incremental parser (bytes in, events out) and the writer.

(Skeleton: the parser is being written; the event type and writer are the stable contract.)
"""

from __future__ import annotations

import msgspec


class SSEEvent(msgspec.Struct, frozen=True):
    """One event: its ``data`` lines joined by LF, and its ``event`` name if any."""

    data: bytes
    event: str | None = None
    id: str | None = None


def encode_event(data: bytes, event: str | None = None, *, crlf: bool = False) -> bytes:
    """Frame one event. ``data`` must not contain a newline (compact JSON never does)."""
    eol = b"\r\n" if crlf else b"\n"
    if event is None:
        return b"data: " + data + eol + eol
    return b"event: " + event.encode() + eol + b"data: " + data + eol + eol
