"""Server-sent events: an incremental parser (bytes in, events out) and the writer.

The parser follows the WHATWG event-stream rules that matter for LLM APIs: any chunk
boundaries, LF / CRLF / CR line endings, multi-line ``data:`` joined by LF, comments, ``event:``
names. One event may not exceed ``max_event_bytes`` (the default lets multi-MiB base64 images
through); past it the parser raises :class:`~nexgate.errors.ResponseTooLargeError`.
"""

from __future__ import annotations

import re

import msgspec

from .errors import ResponseTooLargeError

DEFAULT_MAX_EVENT_BYTES = 32 * 1024 * 1024

_EOL = re.compile(rb"\r\n|\r|\n")


class SSEEvent(msgspec.Struct, frozen=True):
    """One event: its ``data`` lines joined by LF, and its ``event`` name if any."""

    data: bytes
    event: str | None = None
    id: str | None = None


class SSEParser:
    """Incremental event-stream parser: ``feed`` bytes as they arrive, get whole events."""

    __slots__ = ("_buffer", "_data", "_event", "_id", "_size", "max_event_bytes")

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self._buffer = b""
        self._data: list[bytes] = []
        self._event: str | None = None
        self._id: str | None = None
        self._size = 0

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk``; returns the events it completed."""
        buffer = self._buffer + chunk if self._buffer else bytes(chunk)
        events: list[SSEEvent] = []
        if b"\r" not in buffer:
            lines = buffer.split(b"\n")
            self._buffer = lines.pop()
            for line in lines:
                self._line(line, events)
        else:
            position = 0
            for match in _EOL.finditer(buffer):
                if match.end() == len(buffer) and match.group() == b"\r":
                    break  # a CR at the end may be the first half of a CRLF
                self._line(buffer[position : match.start()], events)
                position = match.end()
            self._buffer = buffer[position:]
        if self._size + len(self._buffer) > self.max_event_bytes:
            self._too_large()
        return events

    def close(self) -> list[SSEEvent]:
        """End of input: an unterminated last line and event are still delivered."""
        events: list[SSEEvent] = []
        if self._buffer:
            self._line(self._buffer.rstrip(b"\r"), events)
            self._buffer = b""
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                events.append(SSEEvent(b"\n".join(self._data), self._event, self._id))
            self._data = []
            self._event = None
            self._size = 0
            return
        if line[0] == 0x3A:  # ":" starts a comment (keep-alive)
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._size += len(value) + 1
            if self._size > self.max_event_bytes:
                self._too_large()
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            self._id = value.decode("utf-8", "replace")

    def _too_large(self) -> None:
        limit = self.max_event_bytes
        self._buffer = b""
        self._data = []
        self._size = 0
        raise ResponseTooLargeError(f"a server-sent event is larger than the {limit}-byte limit")


def encode_event(data: bytes, event: str | None = None, *, crlf: bool = False) -> bytes:
    """Frame one event. ``data`` must not contain a newline (compact JSON never does)."""
    eol = b"\r\n" if crlf else b"\n"
    if event is None:
        return b"data: " + data + eol + eol
    return b"event: " + event.encode() + eol + b"data: " + data + eol + eol


class JSONArraySplitter:
    """Splits a streamed JSON array (``[{...},{...}]``) into its element texts, incrementally.

    Gemini's ``streamGenerateContent`` without ``alt=sse`` sends this form.
    """

    __slots__ = ("_buffer", "_depth", "_escape", "_in_string", "_opened", "_scanned", "_start")

    _INTERESTING = re.compile(rb'["\\{}\[\]]')

    def __init__(self) -> None:
        self._buffer = b""
        self._scanned = 0
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._opened = False
        self._start = -1

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        out: list[bytes] = []
        buffer = self._buffer
        position = self._scanned
        while position < len(buffer):
            if self._in_string:
                position = self._scan_string(buffer, position)
                continue
            match = self._INTERESTING.search(buffer, position)
            if match is None:
                position = len(buffer)
                break
            position = match.start()
            char = buffer[position]
            position += 1
            if char == 0x22:  # '"'
                self._in_string = True
            elif char in (0x7B, 0x5B):  # '{' '['
                if not self._opened:
                    self._opened = True
                    continue
                if self._depth == 0:
                    self._start = position - 1
                self._depth += 1
            elif char in (0x7D, 0x5D):  # '}' ']'
                if self._depth == 0:
                    continue  # the closing bracket of the array itself
                self._depth -= 1
                if self._depth == 0:
                    out.append(buffer[self._start : position])
                    self._start = -1
        if self._start >= 0:
            self._buffer = buffer[self._start :]
            self._scanned = position - self._start
            self._start = 0
        else:
            self._buffer = b""
            self._scanned = 0
        return out

    def _scan_string(self, buffer: bytes, position: int) -> int:
        while position < len(buffer):
            char = buffer[position]
            position += 1
            if self._escape:
                self._escape = False
            elif char == 0x5C:  # backslash
                self._escape = True
            elif char == 0x22:
                self._in_string = False
                return position
        return position

    @property
    def pending(self) -> bool:
        """Whether an element was started and not finished."""
        return self._depth > 0 or self._in_string
