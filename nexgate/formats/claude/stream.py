"""Claude Messages event streams to and from internal stream events.

Claude clients accept one content block open at a time, with indexes 0, 1, 2 ... and no delta
after a block's ``content_block_stop``. The encoder is that state machine: the first part to
open streams live; parts that open meanwhile (interleaved OpenAI tool calls) are buffered and
flushed as whole blocks once the live one closes.
"""

from __future__ import annotations

from typing import Any

from ...events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    ReasoningDelta,
    SignatureDelta,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from ...schema import (
    FinishReason,
    JSONObject,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)
from ...sse import SSEEvent, encode_event
from .._context import TranslationContext
from .._ids import claude_safe_id
from .._json import convert, dump_json, load_json
from .._stream import Parts, interrupted
from . import wire
from .errors import ERROR_KINDS, ERROR_TYPES
from .response import decode_usage, encode_usage, map_claude_stop, to_claude_stop

_STATUS = {
    "overloaded": 529,
    "rate_limit": 429,
    "quota": 402,
    "authentication": 401,
    "permission": 403,
    "not_found": 404,
    "bad_request": 400,
    "timeout": 504,
}


class StreamDecoder:
    """Claude SSE events in, internal events out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.parts = Parts()
        self.blocks: dict[int, int] = {}
        self.message_id: str | None = None
        self.usage = wire.ClaudeUsage()
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        self.has_calls = False
        self.done = False

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self.done:
            return []
        data = load_json(event.data, "Claude stream event")
        if not isinstance(data, dict):
            return []
        kind = data.get("type", event.event)
        out: list[StreamEvent] = []
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(data, out)
        return out

    def _on_message_start(self, data: JSONObject, out: list[StreamEvent]) -> None:
        message = data.get("message") or {}
        message_id = str(message.get("id", ""))
        if self.message_id is not None:
            return  # a repeated message_start (seen from intermediaries) is a no-op
        self.message_id = message_id
        usage = message.get("usage")
        if isinstance(usage, dict):
            self.usage = convert(usage, wire.ClaudeUsage, "usage", "$.message.usage")
        model = str(message.get("model") or self.ctx.model or "")
        out.append(MessageStart(id=message_id, model=model, usage=decode_usage(self.usage)))

    def _on_content_block_start(self, data: JSONObject, out: list[StreamEvent]) -> None:
        block = data.get("content_block") or {}
        kind = block.get("type")
        part: TextPart | ReasoningPart | ToolCallPart
        if kind == "text":
            part = TextPart(text="")
        elif kind == "tool_use":
            part = ToolCallPart(id=str(block.get("id", "")), name=str(block.get("name", "")))
            self.has_calls = True
        elif kind == "thinking":
            part = ReasoningPart()
        elif kind == "redacted_thinking":
            part = ReasoningPart(
                redacted_data=str(block.get("data", "")),
                signature=Signature(format="claude", value=""),
            )
        else:
            self.ctx.lose(
                "unsupported_block",
                f"$.content[{data.get('index')}]",
                f"stream block {kind!r} skipped",
            )
            return
        index = self.parts.start(part, out)
        self.blocks[int(data.get("index", index))] = index
        text = block.get("text")
        if isinstance(text, str) and text:
            out.append(TextDelta(index=index, text=text))

    def _on_content_block_delta(self, data: JSONObject, out: list[StreamEvent]) -> None:
        index = self.blocks.get(int(data.get("index", -1)))
        delta = data.get("delta") or {}
        if index is None:
            return
        kind = delta.get("type")
        if kind == "text_delta":
            out.append(TextDelta(index=index, text=str(delta.get("text", ""))))
        elif kind == "input_json_delta":
            partial = str(delta.get("partial_json", ""))
            if partial:
                out.append(ToolArgsDelta(index=index, json=partial))
        elif kind == "thinking_delta":
            out.append(ReasoningDelta(index=index, text=str(delta.get("thinking", ""))))
        elif kind == "signature_delta":
            out.append(
                SignatureDelta(
                    index=index,
                    signature=Signature(format="claude", value=str(delta.get("signature", ""))),
                )
            )
        else:
            self.ctx.lose("unsupported_delta", "$.delta", f"stream delta {kind!r} skipped")

    def _on_content_block_stop(self, data: JSONObject, out: list[StreamEvent]) -> None:
        index = self.blocks.get(int(data.get("index", -1)))
        if index is not None:
            self.parts.end(index, out)

    def _on_message_delta(self, data: JSONObject, out: list[StreamEvent]) -> None:
        delta = data.get("delta") or {}
        self.stop_reason = delta.get("stop_reason") or self.stop_reason
        self.stop_sequence = delta.get("stop_sequence") or self.stop_sequence
        usage = data.get("usage")
        if isinstance(usage, dict):
            update = convert(usage, wire.ClaudeUsage, "usage", "$.usage")
            merged = {
                **msgspec_fields(self.usage),
                **{k: v for k, v in msgspec_fields(update).items() if k in usage},
            }
            self.usage = wire.ClaudeUsage(**merged)
            out.append(UsageUpdate(usage=decode_usage(self.usage)))

    def _on_message_stop(self, data: JSONObject, out: list[StreamEvent]) -> None:
        self.done = True
        self.parts.end_all(out)
        finish = map_claude_stop(self.stop_reason, self.has_calls) or FinishReason(reason="stop")
        out.append(
            MessageEnd(
                finish=finish, usage=decode_usage(self.usage), stop_sequence=self.stop_sequence
            )
        )

    def _on_error(self, data: JSONObject, out: list[StreamEvent]) -> None:
        self.done = True
        error = data.get("error") or {}
        error_type = str(error.get("type", "api_error"))
        kind = ERROR_KINDS.get(error_type, "server")
        out.append(
            StreamError(
                status=_STATUS.get(kind, 500),
                kind=kind,
                message=str(error.get("message", "")),
                code=error_type,
            )
        )

    def close(self) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return [interrupted()]


def msgspec_fields(value: wire.ClaudeUsage) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__struct_fields__}


class _Block:
    __slots__ = ("deltas", "ended", "part")

    def __init__(self, part: TextPart | ReasoningPart | ToolCallPart) -> None:
        self.part = part
        self.deltas: list[JSONObject] = []
        self.ended = False


def _event(kind: str, body: JSONObject) -> bytes:
    return encode_event(dump_json(body), kind)


class StreamEncoder:
    """Internal events in, Claude SSE bytes out (one block open at a time)."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.started = False
        self.finished = False
        self.next_block = 0
        self.live: int | None = None
        self.pending: dict[int, _Block] = {}
        self.skipped: set[int] = set()
        self.usage = Usage()
        self.has_calls = False
        self.message_id = ""
        self.model = ctx.model or ""

    def encode(self, event: StreamEvent) -> bytes:
        if self.finished:
            return b""
        if isinstance(event, TextDelta):
            return self._delta(event.index, {"type": "text_delta", "text": event.text})
        if isinstance(event, ToolArgsDelta):
            return self._delta(
                event.index, {"type": "input_json_delta", "partial_json": event.json}
            )
        if isinstance(event, ReasoningDelta):
            return self._delta(event.index, {"type": "thinking_delta", "thinking": event.text})
        if isinstance(event, SignatureDelta):
            return self._signature(event)
        if isinstance(event, PartStart):
            return self._start(event)
        if isinstance(event, PartEnd):
            return self._part_end(event.index)
        if isinstance(event, MessageStart):
            return self._message_start(event)
        if isinstance(event, UsageUpdate):
            self.usage = event.usage
            return b""
        if isinstance(event, MessageEnd):
            return self._end(event)
        return self._error(event)

    def _message_start(self, event: MessageStart) -> bytes:
        if self.started:
            return b""
        self.started = True
        self.message_id, self.model = event.id, event.model or self.model
        if event.usage is not None:
            self.usage = event.usage
        usage = encode_usage(self.usage)
        usage["output_tokens"] = 0
        message: JSONObject = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        return _event("message_start", {"type": "message_start", "message": message})

    def _start(self, event: PartStart) -> bytes:
        part = event.part
        if isinstance(part, ToolCallPart):
            self.has_calls = True
        if not isinstance(part, ReasoningPart) and part.signature is not None:
            self.ctx.lose(
                "signature_not_replayable", "$.stream", "a gemini signature cannot reach claude"
            )
        self.pending[event.index] = _Block(part)
        if self.live is None:
            return self._open(event.index)
        return b""

    def _open(self, index: int) -> bytes:
        block = self.pending[index]
        self.live = index
        out = _event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": self.next_block,
                "content_block": _skeleton(block.part),
            },
        )
        for delta in block.deltas:
            out += self._delta_event(delta)
        block.deltas.clear()
        return out

    def _delta_event(self, delta: JSONObject) -> bytes:
        return _event(
            "content_block_delta",
            {"type": "content_block_delta", "index": self.next_block, "delta": delta},
        )

    def _delta(self, index: int, delta: JSONObject) -> bytes:
        block = self.pending.get(index)
        if block is None:
            return b""
        if index == self.live:
            return self._delta_event(delta)
        block.deltas.append(delta)
        return b""

    def _signature(self, event: SignatureDelta) -> bytes:
        block = self.pending.get(event.index)
        if (
            block is None
            or event.signature.format != "claude"
            or not isinstance(block.part, ReasoningPart)
        ):
            if event.signature.format != "claude":
                self.ctx.lose(
                    "signature_not_replayable",
                    "$.stream",
                    f"a {event.signature.format} signature cannot reach claude",
                )
            return b""
        return self._delta(
            event.index, {"type": "signature_delta", "signature": event.signature.value}
        )

    def _part_end(self, index: int) -> bytes:
        block = self.pending.get(index)
        if block is None:
            return b""
        block.ended = True
        if index != self.live:
            return b""
        out = self._close_live()
        return out + self._advance()

    def _close_live(self) -> bytes:
        assert self.live is not None
        out = _event("content_block_stop", {"type": "content_block_stop", "index": self.next_block})
        del self.pending[self.live]
        self.live = None
        self.next_block += 1
        return out

    def _advance(self, flush_all: bool = False) -> bytes:
        """Open the next buffered part; whole parts (ended, or all at the end) go out at once."""
        out = b""
        while self.live is None and self.pending:
            index = min(self.pending)
            out += self._open(index)
            if self.pending[index].ended or flush_all:
                out += self._close_live()
        return out

    def _end(self, event: MessageEnd) -> bytes:
        out = (
            self._message_start(MessageStart(id=self.message_id, model=self.model))
            if not self.started
            else b""
        )
        if self.live is not None:
            out += self._close_live()
        out += self._advance(flush_all=True)
        self.finished = True
        usage = encode_usage(event.usage or self.usage)
        stop = to_claude_stop(event.finish, self.has_calls, event.stop_sequence)
        delta = {"stop_reason": stop, "stop_sequence": event.stop_sequence}
        out += _event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        return out + _event("message_stop", {"type": "message_stop"})

    def _error(self, event: StreamError) -> bytes:
        self.finished = True
        error = {"type": ERROR_TYPES.get(event.kind, "api_error"), "message": event.message}
        return _event("error", {"type": "error", "error": error})

    def close(self) -> bytes:
        if self.finished:
            return b""
        return self._error(interrupted())


def _skeleton(part: TextPart | ReasoningPart | ToolCallPart) -> JSONObject:
    if isinstance(part, TextPart):
        return {"type": "text", "text": ""}
    if isinstance(part, ToolCallPart):
        return {"type": "tool_use", "id": claude_safe_id(part.id), "name": part.name, "input": {}}
    if part.redacted_data is not None:
        return {"type": "redacted_thinking", "data": part.redacted_data}
    return {"type": "thinking", "thinking": "", "signature": ""}


__all__ = ("StreamDecoder", "StreamEncoder")
