"""Stream translation: one format's SSE bytes in, another format's SSE bytes out, any chunking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import TranslationError
from .events import StreamEvent
from .formats import TranslationContext, get_format
from .formats._context import LossHook
from .schema import Loss
from .sse import DEFAULT_MAX_EVENT_BYTES, JSONArraySplitter, SSEEvent, SSEParser
from .translate import decode_request


class StreamDecoding:
    """Bytes of a ``source`` stream in, internal stream events out.

    A Gemini stream may also come as one JSON array (``streamGenerateContent`` without
    ``alt=sse``); the framing is detected from the first byte.
    """

    def __init__(
        self, ctx: TranslationContext, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    ) -> None:
        self.ctx = ctx
        self.decoder = get_format(ctx.source).stream_decoder(ctx)
        self.parser = SSEParser(max_event_bytes)
        self.array: JSONArraySplitter | None = None
        self.sniffed = ctx.source != "gemini"

    def feed(self, data: bytes) -> list[StreamEvent]:
        if not self.sniffed:
            stripped = data.lstrip()
            if not stripped:
                return []
            self.sniffed = True
            if stripped[:1] == b"[":
                self.array = JSONArraySplitter()
        if self.array is not None:
            frames = [SSEEvent(element) for element in self.array.feed(data)]
        else:
            frames = self.parser.feed(data)
        events: list[StreamEvent] = []
        for frame in frames:
            events.extend(self.decoder.feed(frame))
        return events

    def close(self) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if self.array is None:
            for frame in self.parser.close():
                events.extend(self.decoder.feed(frame))
        events.extend(self.decoder.close())
        return events


class StreamTranslator:
    """Translates a stream between formats: ``feed`` bytes as they arrive, then ``close``.

    ``request`` is the caller's original request body (in ``target`` format), when known: it
    decides, for example, whether an OpenAI caller gets the usage chunk. A stream that ends
    without its terminal event ends with the target format's error event.
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
