"""The interface every wire format implements, so callers treat the three formats alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import msgspec

from ..errors import APIStatusError
from ..events import StreamEvent
from ..schema import FormatName, JSONObject, Part, RawPart, Request, Response
from ..sse import SSEEvent
from ._context import TranslationContext
from ._json import JSONText


class StreamDecoder(Protocol):
    """Turns one format's SSE events into internal stream events."""

    #: The terminal event (or an error) was seen: later events are ignored.
    done: bool

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        """Decode one SSE event (keep-alives and unknown event types yield nothing)."""
        ...

    def close(self) -> list[StreamEvent]:
        """The input ended; if no terminal event was seen, end with a ``StreamError``."""
        ...


class StreamEncoder(Protocol):
    """Turns internal stream events into one format's SSE bytes, keeping its grammar."""

    def encode(self, event: StreamEvent) -> bytes:
        """The SSE bytes for ``event`` (may be empty while the encoder buffers)."""
        ...

    def close(self) -> bytes:
        """Flush; a stream that never ended gets the format's error event."""
        ...


class Format(msgspec.Struct, frozen=True):
    """One wire format: its name, its HTTP path and its converters to and from the schema.

    ``decode_error`` accepts whatever the upstream sent (a parsed object, JSON bytes or an
    HTML page) and never raises for a malformed body; ``encode_error`` returns the HTTP status
    and body this format uses for the error.
    """

    name: FormatName
    decode_request: Callable[[JSONObject, TranslationContext], Request]
    encode_request: Callable[[Request, TranslationContext], JSONObject]
    decode_response: Callable[[JSONObject, TranslationContext], Response]
    encode_response: Callable[[Response, TranslationContext], JSONObject]
    decode_error: Callable[[int, Any, Mapping[str, str] | None], APIStatusError]
    encode_error: Callable[[APIStatusError], tuple[int, JSONObject]]
    stream_decoder: Callable[[TranslationContext], StreamDecoder]
    stream_encoder: Callable[[TranslationContext], StreamEncoder]
    #: ``(model, stream) -> path`` relative to the server root, e.g. ``/v1/messages``.
    request_path: Callable[[str, bool], str]
    #: The JSON paths of the information this format keeps in ``Response.extras[name]``:
    #: what a response loses when it is encoded for another format.
    response_extra_paths: Callable[[JSONObject], Iterator[str]]
    #: Optional shortcuts from JSON text straight to the schema. Each must give exactly what
    #: ``decode_x(load_object(data), ctx)`` gives (same result, losses and errors); they exist
    #: because a typed decode of the bytes skips building (and then re-reading) the dicts.
    decode_request_json: Callable[[JSONText, TranslationContext], Request] | None = None
    decode_response_json: Callable[[JSONText, TranslationContext], Response] | None = None
    #: A stream's raw deltas of this format (``nexgate.events.RawDelta``: the position of
    #: their part in the response, or ``None``, and their data, in order) as the fields of
    #: ``Response.extras[name]`` a whole response keeps for them; ``None``: it streams none.
    fold_raw_deltas: Callable[[Sequence[tuple[int | None, JSONObject]]], JSONObject] | None = None
    #: What a whole response makes of a part a stream of this format carried raw (events have
    #: no media part: a Gemini image streams raw, a whole answer decodes it as an image);
    #: ``None``: a whole response keeps such parts raw too.
    whole_part: Callable[[RawPart], Part] | None = None
