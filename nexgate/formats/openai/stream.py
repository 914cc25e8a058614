"""openai stream decoding and encoding (placeholder until the stream layer lands)."""

from __future__ import annotations

from ...events import StreamEvent
from ...sse import SSEEvent
from .._context import TranslationContext


class StreamDecoder:
    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        raise NotImplementedError("openai stream decoding is not implemented yet")

    def close(self) -> list[StreamEvent]:
        raise NotImplementedError("openai stream decoding is not implemented yet")


class StreamEncoder:
    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx

    def encode(self, event: StreamEvent) -> bytes:
        raise NotImplementedError("openai stream encoding is not implemented yet")

    def close(self) -> bytes:
        raise NotImplementedError("openai stream encoding is not implemented yet")
