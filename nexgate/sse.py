"""Server-sent events: an incremental parser (bytes in, events out), the writer, and a splitter
for streamed JSON arrays.

The parser follows the WHATWG event-stream rules that matter for LLM APIs: any chunk
boundaries (a CRLF may be split between two chunks), LF / CRLF / CR line endings, multi-line
``data:`` joined by LF, ``data:`` with or without the space after the colon, comments (lines
starting with ``:``), ``event:`` and ``id:`` fields; an event without data is not dispatched.
One event may not exceed ``max_event_bytes`` (the default lets multi-MiB base64 images
through); past it the parser raises :class:`~nexgate.errors.ResponseTooLargeError`.

Speed matters (every streamed token goes through here), so the parser works on whole chunks
with ``bytes.replace`` / ``split`` and handles the usual one-line ``data:`` event without a
per-line loop. Line endings are normalized to LF per chunk; a CR at the end of a chunk is
remembered so that an LF starting the next chunk is not counted as a second line end.
Bytes of an unfinished event are kept as a list of pieces and joined only once the event can
be complete, so a huge event arriving in small chunks costs linear time.
"""

from __future__ import annotations

import re

import msgspec

from .errors import ResponseTooLargeError

#: Largest event (or streamed JSON-array element) accepted: 16 MiB.
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"


class SSEEvent(msgspec.Struct, frozen=True):
    """One event: its ``data`` lines joined by LF, and its ``event`` name if any."""

    data: bytes
    event: str | None = None
    id: str | None = None


def _too_large(limit: int, what: str = "a server-sent event") -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{what} is larger than the {limit}-byte limit (max_event_bytes); "
        "the upstream answer was refused rather than buffered without bound"
    )


def _block(block: bytes) -> SSEEvent | None:
    """The event of one blank-line-terminated block (LF line endings), or None without data."""
    data: list[bytes] = []
    event: str | None = None
    event_id: str | None = None
    for line in block.split(b"\n"):
        if not line or line[0] == 0x3A:  # a leading empty line, or a ":" comment
            continue
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            data.append(value)
        elif name == b"event":
            event = value.decode("utf-8", "replace")
        elif name == b"id":
            event_id = value.decode("utf-8", "replace")
        # Other fields (retry, unknown names) do not concern us.
    if not data:
        return None
    return SSEEvent(data[0] if len(data) == 1 else b"\n".join(data), event, event_id)


class SSEParser:
    """Incremental event-stream parser: ``feed`` bytes as they arrive, get whole events."""

    __slots__ = (
        "_after_cr",
        "_head",
        "_names",
        "_pending",
        "_pending_size",
        "_started",
        "max_event_bytes",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self._pending: list[bytes] = []  # LF-normalized bytes of the unfinished event
        self._pending_size = 0
        self._after_cr = False  # the last chunk ended with a CR (maybe half of a CRLF)
        self._started = False
        self._head = b""  # the first bytes, while they may still be the start of a BOM
        self._names: dict[bytes, str] = {}  # event-name lines seen, decoded once

    def _normalize(self, chunk: bytes) -> bytes:
        if not self._started:
            head = self._head + chunk
            if len(head) < len(_BOM) and _BOM.startswith(head):
                self._head = head  # a BOM cut by the chunking: wait for the rest of it
                return b""
            self._started = True
            self._head = b""
            chunk = head[len(_BOM) :] if head.startswith(_BOM) else head
        if self._after_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]  # the LF of a CRLF whose CR ended the previous chunk
        if b"\r" in chunk:
            self._after_cr = chunk[-1:] == b"\r"
            return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self._after_cr = False
        return chunk

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk``; returns the events it completed."""
        if not chunk:
            return []
        if (
            self._started
            and not self._pending
            and not self._after_cr
            and chunk.endswith(b"\n\n")
            and len(chunk) <= self.max_event_bytes
            and b"\r" not in chunk
        ):
            # The usual chunk from an upstream: whole LF-terminated events and nothing held
            # back, so there is nothing to normalize, join or keep.
            blocks = bytes(chunk).split(b"\n\n")
            blocks.pop()  # the empty text after the last blank line
            return self._events(blocks)
        text = self._normalize(bytes(chunk))
        pending = self._pending
        if b"\n\n" not in text and not (
            pending and text[:1] == b"\n" and pending[-1][-1:] == b"\n"
        ):
            if text:
                pending.append(text)
                self._pending_size += len(text)
                if self._pending_size > self.max_event_bytes:
                    self._reset()
                    raise _too_large(self.max_event_bytes)
            return []
        if pending:
            pending.append(text)
            text = b"".join(pending)
        blocks = text.split(b"\n\n")
        rest = blocks.pop()
        self._pending = [rest] if rest else []
        self._pending_size = len(rest)
        limit = self.max_event_bytes
        if len(text) > limit and any(len(block) > limit for block in blocks):
            self._reset()
            raise _too_large(limit)
        if self._pending_size > limit:
            self._reset()
            raise _too_large(limit)
        return self._events(blocks)

    def _events(self, blocks: list[bytes]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        append = events.append
        names = self._names
        for block in blocks:
            # The common shapes, "data: ..." and "event: ...\ndata: ...", need no line loop
            # (startswith and find: slicing to compare would copy).
            if block.startswith(b"data: "):
                if block.find(b"\n") < 0:
                    append(SSEEvent(block[6:]))
                    continue
            elif block.startswith(b"event: "):
                end = block.find(b"\n")
                if (
                    end > 0
                    and block.startswith(b"data: ", end + 1)
                    and block.find(b"\n", end + 1) < 0
                ):
                    name = block[:end]
                    event_name = names.get(name)
                    if event_name is None:
                        event_name = name[7:].decode("utf-8", "replace")
                        if len(names) < 64:  # formats use a handful; never grow unbounded
                            names[name] = event_name
                    append(SSEEvent(block[end + 7 :], event_name))
                    continue
            event = _block(block)
            if event is not None:
                append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """End of input: the last event is delivered even without its blank line (recorded
        and real servers sometimes omit it), even if its last line is unfinished; whether
        such a tail is a cut-off is for the decoder to judge (its JSON will not parse)."""
        rest = b"".join(self._pending)
        self._reset()
        event = _block(rest) if rest else None
        return [event] if event is not None else []

    def _reset(self) -> None:
        self._pending = []
        self._pending_size = 0
        self._after_cr = False


def encode_event(data: bytes, event: str | None = None, *, crlf: bool = False) -> bytes:
    """Frame one event. ``data`` must not contain a newline (compact JSON never does)."""
    eol = b"\r\n" if crlf else b"\n"
    if event is None:
        return b"data: " + data + eol + eol
    return b"event: " + event.encode() + eol + b"data: " + data + eol + eol


_STRUCTURAL = re.compile(rb'["{}\[\]]')
_STRING_END = re.compile(rb'["\\]')


class JSONArraySplitter:
    """Splits a streamed JSON array (``[{...},\\n{...}]``) into its element texts, incrementally.

    Gemini's ``streamGenerateContent`` without ``alt=sse`` sends this form; a bare object
    (``{"error": ...}``) is taken as a single element. The scanner only tracks strings (with
    backslash escapes) and bracket depth, jumping between interesting bytes with regexes.
    """

    __slots__ = (
        "_base",
        "_buffer",
        "_depth",
        "_escape",
        "_in_string",
        "_position",
        "_start",
        "max_element_bytes",
    )

    def __init__(self, max_element_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_element_bytes = max_element_bytes
        self._reset()

    def _reset(self) -> None:
        self._buffer = bytearray()  # from the start of the current element (or empty)
        self._position = 0  # scanned up to here in _buffer
        self._depth = 0
        self._base = -1  # depth at which elements sit: 1 inside an array, 0 for a bare object
        self._in_string = False
        self._escape = False
        self._start = -1  # offset of the current element in _buffer

    def feed(self, chunk: bytes) -> list[bytes]:
        """Scan ``chunk``; returns the elements it completed, as JSON texts."""
        buffer = self._buffer
        buffer += chunk
        out: list[bytes] = []
        position = self._position
        end = len(buffer)
        while position < end:
            if self._in_string:
                if self._escape:
                    self._escape = False
                    position += 1
                    continue
                match = _STRING_END.search(buffer, position)
                if match is None:
                    position = end
                    break
                position = match.end()
                if buffer[position - 1] == 0x5C:  # backslash: the next byte is escaped
                    self._escape = True
                else:
                    self._in_string = False
                continue
            match = _STRUCTURAL.search(buffer, position)
            if match is None:
                position = end
                break
            position = match.end()
            self._structural(buffer[position - 1], position, buffer, out)
        self._trim(position)
        return out

    def _structural(self, char: int, position: int, buffer: bytearray, out: list[bytes]) -> None:
        if char == 0x22:  # '"'
            self._in_string = True
        elif char in (0x7B, 0x5B):  # '{' '['
            if self._base < 0:
                self._base = 1 if char == 0x5B else 0
            if self._depth == self._base and self._start < 0:
                self._start = position - 1
            self._depth += 1
        elif self._depth > 0:  # '}' ']'
            self._depth -= 1
            if self._depth == self._base and self._start >= 0:
                out.append(bytes(buffer[self._start : position]))
                self._start = -1

    def _trim(self, position: int) -> None:
        buffer = self._buffer
        if self._start >= 0:
            del buffer[: self._start]
            self._position = position - self._start
            self._start = 0
            if len(buffer) > self.max_element_bytes:
                self._reset()
                raise _too_large(self.max_element_bytes, "a streamed JSON element")
        else:
            buffer.clear()
            self._position = 0

    @property
    def pending(self) -> bool:
        """Whether an element was started and not finished."""
        return self._start >= 0 or self._in_string


__all__ = (
    "DEFAULT_MAX_EVENT_BYTES",
    "JSONArraySplitter",
    "SSEEvent",
    "SSEParser",
    "encode_event",
)
