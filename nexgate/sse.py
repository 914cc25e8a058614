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
        held = b""
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):
                # A CR at the end may be the first half of a CRLF: decide with the next chunk.
                buffer, held = buffer[:-1], b"\r"
            # CRLF, LF and a lone CR all end a line: normalize to LF once, here.
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[SSEEvent] = []
        blocks = buffer.split(b"\n\n")
        self._buffer = blocks.pop() + held
        for block in blocks:
            self._block(block, events)
        if len(self._buffer) > self.max_event_bytes:
            self._too_large()
        return events

    def _block(self, block: bytes, events: list[SSEEvent]) -> None:
        """One blank-line-terminated block; the common one-line shapes skip the line loop."""
        if len(block) > self.max_event_bytes:
            self._too_large()
        if not self._data and self._event is None:
            if block.startswith(b"data: ") and b"\n" not in block:
                events.append(SSEEvent(block[6:]))
                return
            if block.startswith(b"event: "):
                name, sep, data = block.partition(b"\n")
                if sep and data.startswith(b"data: ") and b"\n" not in data:
                    events.append(SSEEvent(data[6:], name[7:].decode("utf-8", "replace")))
                    return
        for line in block.split(b"\n"):
            self._line(line, events)
        self._line(b"", events)

    def close(self) -> list[SSEEvent]:
        """End of input: an unterminated last line and event are still delivered."""
        events: list[SSEEvent] = []
        rest = self._buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self._buffer = b""
        for line in rest.split(b"\n"):
            self._line(line, events)
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
