"""Pieces every stream decoder and encoder shares: part numbering, the end-of-stream error and
the losses of raw parts and deltas that reach another format's encoder."""

from __future__ import annotations

from ..events import PartEnd, PartStart, RawDelta, StreamError, StreamEvent
from ..schema import RawPart, ReasoningPart, TextPart, ToolCallPart
from ._context import TranslationContext

INTERRUPTED = "the upstream stream ended before its terminal event"

#: Status of a stream that broke off (502: the gateway got an incomplete answer).
INTERRUPTED_STATUS = 502


def interrupted() -> StreamError:
    return StreamError(status=INTERRUPTED_STATUS, kind="stream_interrupted", message=INTERRUPTED)


class Parts:
    """Numbers a message's parts as a decoder opens them and tracks which are still open."""

    __slots__ = ("count", "open")

    def __init__(self) -> None:
        self.count = 0
        self.open: dict[int, str] = {}

    def start(
        self, part: TextPart | ReasoningPart | ToolCallPart | RawPart, out: list[StreamEvent]
    ) -> int:
        index = self.count
        self.count += 1
        kind = (
            "text"
            if isinstance(part, TextPart)
            else "reasoning"
            if isinstance(part, ReasoningPart)
            else "tool"
            if isinstance(part, ToolCallPart)
            else "raw"
        )
        self.open[index] = kind
        out.append(PartStart(index=index, part=part))
        return index

    def end(self, index: int, out: list[StreamEvent]) -> None:
        if self.open.pop(index, None) is not None:
            out.append(PartEnd(index=index))

    def end_all(self, out: list[StreamEvent]) -> None:
        for index in sorted(self.open):
            out.append(PartEnd(index=index))
        self.open.clear()


class RawLosses:
    """How an encoder records the raw parts and deltas of another format: as a whole response
    records them (``unsupported_part`` for a block; a delta as its decoder used to, once per
    kind of delta and stream)."""

    __slots__ = ("ctx", "seen")

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.seen: set[str] = set()

    def part(self, index: int, part: RawPart) -> None:
        target = self.ctx.target
        detail = (
            f"a {part.format} block has no {target} equivalent"
            if part.format != target
            else f"a {target} block has no stream form"
        )
        self.ctx.lose("unsupported_part", f"$.choices[0].parts[{index}]", detail)

    def delta(self, event: RawDelta) -> None:
        if event.format == "claude":
            kind = event.data.get("type")
            name = kind if isinstance(kind, str) else repr(kind)
            if name not in self.seen:
                self.seen.add(name)
                self.ctx.lose(
                    "unsupported_delta",
                    f"$.content[{event.index}]",
                    f"stream delta {name!r} skipped",
                )
            return
        for field in event.data:  # OpenAI delta fields (annotations, audio)
            path = f"$.choices[0].delta.{field}"
            if path not in self.seen:
                self.seen.add(path)
                self.ctx.lose(
                    "response_field_dropped",
                    path,
                    f"{self.ctx.target} has no place for this {event.format} stream field",
                )
