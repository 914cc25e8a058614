"""Pieces every stream decoder and encoder shares: part numbering and the end-of-stream error."""

from __future__ import annotations

from ..events import PartEnd, PartStart, StreamError, StreamEvent
from ..schema import ReasoningPart, TextPart, ToolCallPart

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

    def start(self, part: TextPart | ReasoningPart | ToolCallPart, out: list[StreamEvent]) -> int:
        index = self.count
        self.count += 1
        kind = (
            "text"
            if isinstance(part, TextPart)
            else "reasoning"
            if isinstance(part, ReasoningPart)
            else "tool"
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
