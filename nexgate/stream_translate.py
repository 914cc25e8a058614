"""Stream translation: one format's SSE bytes in, another format's SSE bytes out, any chunking.

``StreamDecoding`` is the first half (bytes -> internal stream events, used by the dispatcher
too); ``StreamTranslator`` adds the target's encoder. The event conventions every decoder and
encoder follows are described in ``nexgate.events`` and ``nexgate.formats.openai.stream``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError, TranslationError
from .events import PartStart, StreamEvent
from .formats import TranslationContext, get_format
from .formats._context import LossHook
from .formats._names import original_names
from .schema import Loss, ToolCallPart
from .sse import DEFAULT_MAX_EVENT_BYTES, JSONArraySplitter, SSEEvent, SSEParser
from .translate import decode_request


class StreamDecoding:
    """Bytes of a ``source`` stream in, internal stream events out (the dispatcher's pipeline).

    SSE framing goes through :class:`~nexgate.sse.SSEParser`. A Gemini stream may instead come
    as one JSON array (``streamGenerateContent`` without ``alt=sse``) or, for an error, a bare
    JSON object: the framing is decided by the first non-whitespace byte (``[`` or ``{``) and
    each element is handed to the decoder as an :class:`SSEEvent` holding its JSON text.
    ``close`` ends the stream: a decoder that has not seen its terminal event reports
    ``StreamError(kind="stream_interrupted")``.
    """

    __slots__ = (
        "array",
        "ctx",
        "decoder",
        "held_data",
        "held_error",
        "max_event_bytes",
        "names",
        "parser",
        "sniffed",
    )

    def __init__(
        self, ctx: TranslationContext, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    ) -> None:
        self.ctx = ctx
        self.decoder = get_format(ctx.source).stream_decoder(ctx)
        self.max_event_bytes = max_event_bytes
        self.parser = SSEParser(max_event_bytes)
        self.array: JSONArraySplitter | None = None
        self.sniffed = ctx.source != "gemini"
        #: Tool names the caller's request sent fitted (see ``formats._names``), to restore.
        self.names = original_names(ctx)
        #: A malformed event's error, held back while the events before it go out.
        self.held_error: InvalidInputError | None = None
        #: That event's data, by which a relay of the raw bytes finds where to cut them.
        self.held_data = b""

    @property
    def finished(self) -> bool:
        """Nothing more needs reading: the decoder saw its terminal event (or an error), or a
        malformed event ended the stream (see :meth:`check`). (A JSON array's closing bracket
        may still be on its way: its events are re-encoded, never relayed as bytes.)"""
        return self.decoder.done or self.held_error is not None

    def check(self) -> None:
        """Raise the error of a malformed event that :meth:`feed` held back, if any."""
        if self.held_error is not None:
            raise self.held_error

    def _sniff(self, data: bytes) -> bool:
        """Decide the Gemini framing; False while only whitespace has arrived."""
        stripped = data.lstrip()
        if not stripped:
            return False
        self.sniffed = True
        if stripped[:1] in (b"[", b"{"):
            self.array = JSONArraySplitter(self.max_event_bytes)
        return True

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Decode the next piece of the stream; returns the events it completed. A malformed
        event raises, at once or (after whole events in the same piece) on the next call."""
        self.check()
        if not self.sniffed and not self._sniff(data):
            return []
        if self.array is not None:
            frames = [SSEEvent(element) for element in self.array.feed(data)]
        else:
            frames = self.parser.feed(data)
        decode = self.decoder.feed
        if len(frames) == 1:
            events = decode(frames[0])
        else:
            events = []
            for frame in frames:
                try:
                    events += decode(frame)
                except InvalidInputError as exc:
                    if not events:
                        raise
                    # The events before it arrived whole: they go out first, and the error
                    # ends the stream after them (see ``check``; nothing after it is read).
                    self.held_error, self.held_data = exc, frame.data
                    break
        if self.names:
            _restore_names(events, self.names)
        return events

    def close(self) -> list[StreamEvent]:
        """The source ended: flush the framing, then let the decoder judge completeness."""
        self.check()
        events: list[StreamEvent] = []
        if self.array is None:
            for frame in self.parser.close():
                try:
                    events += self.decoder.feed(frame)
                except InvalidInputError:
                    # An unterminated last event that does not parse was cut off in transit:
                    # the decoder's close() reports the stream as interrupted.
                    break
        events += self.decoder.close()
        return events


def _restore_names(events: list[StreamEvent], names: dict[str, str]) -> None:
    for event in events:
        if isinstance(event, PartStart) and isinstance(event.part, ToolCallPart):
            event.part.name = names.get(event.part.name, event.part.name)


class StreamTranslator:
    """Translates a stream between formats: ``feed`` bytes as they arrive, then ``close``.

    ``source`` SSE bytes (any chunking; for Gemini also the JSON-array form) are decoded into
    internal events and encoded as ``target`` SSE bytes; the output does not depend on how the
    input was chunked. ``request`` is the caller's original request body (in ``target``
    format), when known: it decides, for example, whether an OpenAI caller gets the usage
    chunk. A stream that ends without its terminal event, or carries an upstream error, ends
    with the target format's error event. ``losses`` lists what could not be carried over
    (``on_loss`` sees each as it happens); with ``strict=True`` a dropped one raises
    :class:`~nexgate.errors.TranslationError` from the ``feed``/``close`` that recorded it.
    An event over ``max_event_bytes`` raises :class:`~nexgate.errors.ResponseTooLargeError`.
    """

    def __init__(
        self,
        source: str,
        target: str,
        *,
        model: str | None = None,
        strict: bool = False,
        request: bytes | Mapping[str, Any] | None = None,
        on_loss: LossHook | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        src, dst = get_format(source), get_format(target)
        original = decode_request(request, format=dst.name, model=model) if request else None
        self.ctx = TranslationContext(
            source=src.name,
            target=dst.name,
            model=model,
            strict=strict,
            on_loss=on_loss,
            request=original,
        )
        self.decoding = StreamDecoding(self.ctx, max_event_bytes=max_event_bytes)
        self.encoder = dst.stream_encoder(self.ctx)
        self._checked = 0

    @property
    def losses(self) -> list[Loss]:
        return self.ctx.losses

    def _encode(self, events: list[StreamEvent]) -> bytes:
        out = b"".join([self.encoder.encode(event) for event in events])
        if self.ctx.strict and len(self.ctx.losses) > self._checked:
            dropped = [loss for loss in self.ctx.losses if loss.severity == "dropped"]
            self._checked = len(self.ctx.losses)
            if dropped:
                raise TranslationError(dropped)
        return out

    def feed(self, data: bytes) -> bytes:
        """Translate the next piece of the source stream; returns target bytes (maybe empty)."""
        return self._encode(self.decoding.feed(data))

    def close(self) -> bytes:
        """The source ended: flush, ending with an error event if it ended early."""
        out = self._encode(self.decoding.close()) + self.encoder.close()
        self.ctx.finish()
        return out


__all__ = ("StreamDecoding", "StreamTranslator")
