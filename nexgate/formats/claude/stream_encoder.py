"""Internal stream events to Claude Messages server-sent events.

Claude clients accept one content block open at a time, with indexes 0, 1, 2 ... and no delta
after a block's ``content_block_stop``. The encoder is that state machine: the first part to
open streams live; parts that open meanwhile (interleaved OpenAI tool calls) are buffered and
flushed as whole blocks once the live one closes. ``message_start`` waits for the first content
so that it can carry the input token count when the upstream reports it early (Gemini).
A Claude raw part (a block nexgate does not model) is a block like the others, written as it
came; a Claude ``RawDelta`` is a delta of its block. Another format's are recorded as lost.
"""

from __future__ import annotations

from ...events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    RawDelta,
    ReasoningDelta,
    SignatureDelta,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from ...schema import JSONObject, RawPart, ReasoningPart, TextPart, ToolCallPart, Usage
from ...sse import encode_event
from .._context import TranslationContext
from .._foreign import lose_error_finish, own_extras
from .._ids import claude_safe_id
from .._json import dump_args, dump_json, parse_args
from .._stream import RawLosses, interrupted
from .errors import ERROR_TYPES
from .response import add_extras, encode_usage, to_claude_stop
from .stream_raw import split_input

AnyPart = TextPart | ReasoningPart | ToolCallPart | RawPart


class _Block:
    """A part on its way out: its skeleton, deltas held while it waits, and its state."""

    __slots__ = ("arguments", "deltas", "ended", "locked", "object", "part", "signed", "tail")

    def __init__(self, part: AnyPart) -> None:
        self.part = part
        self.deltas: list[JSONObject] = []
        self.ended = False
        #: Arguments came whole in the skeleton: later argument fragments are ignored.
        self.locked = False
        #: A Claude signature was already sent (or is queued) for this block.
        self.signed = False
        #: A signature that came with the skeleton: sent right before the block's stop.
        self.tail: str | None = None
        #: A tool call's argument fragments so far, checked when the block ends; ``None`` once
        #: they are known not to start a JSON object (then they are held back, not sent).
        self.arguments: list[str] | None = []
        #: Whether the arguments have begun, as a JSON object (before: only whitespace came).
        self.object = False


_DELTA_HEAD = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":'
_TEXT_DELTA = b',"delta":{"type":"text_delta","text":'


def _event(kind: str, body: JSONObject) -> bytes:
    # The event name always equals the JSON ``type``, as Claude clients expect.
    return encode_event(dump_json(body), kind)


def _skeleton(part: AnyPart) -> JSONObject:
    if isinstance(part, RawPart):
        return split_input(part.data)[0]
    if isinstance(part, TextPart):
        return {"type": "text", "text": ""}
    if isinstance(part, ToolCallPart):
        return {"type": "tool_use", "id": claude_safe_id(part.id), "name": part.name, "input": {}}
    if part.redacted_data is not None:
        return {"type": "redacted_thinking", "data": part.redacted_data}
    return {"type": "thinking", "thinking": "", "signature": ""}


class StreamEncoder:
    """Internal events in, Claude SSE bytes out (one block open at a time)."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.started = False
        self.finished = False
        #: Claude index of the next block to open.
        self.next_block = 0
        #: Internal index of the block streaming live, if any.
        self.live: int | None = None
        self.pending: dict[int, _Block] = {}
        self.seen: set[int] = set()
        self.usage = Usage()
        self.has_calls = False
        self.message_id = ""
        self.model = ctx.model or ""
        #: A Claude source's fields beyond the events, for message_start / message_delta.
        self.opening: JSONObject | None = None
        self.reported: set[str] = set()  # paths of other formats' fields reported lost
        self.raw_losses = RawLosses(ctx)

    def encode(self, event: StreamEvent) -> bytes:
        if self.finished:
            return b""
        if isinstance(event, TextDelta):
            block = self.pending.get(event.index)
            live = event.index == self.live and block is not None and not block.ended
            if live and event.text and isinstance(block.part, TextPart):  # type: ignore[union-attr]
                # The hottest path, a delta of the live text block: written from a template.
                index = str(self.next_block).encode()
                text = dump_json(event.text)
                return b"".join((_DELTA_HEAD, index, _TEXT_DELTA, text, b"}}\n\n"))
            return self._delta(event.index, {"type": "text_delta", "text": event.text}, event.text)
        if isinstance(event, ToolArgsDelta):
            return self._args(event)
        if isinstance(event, ReasoningDelta):
            delta = {"type": "thinking_delta", "thinking": event.text}
            return self._delta(event.index, delta, event.text)
        if isinstance(event, SignatureDelta):
            return self._signature(event)
        if isinstance(event, PartStart):
            return self._start(event)
        if isinstance(event, PartEnd):
            return self._part_end(event.index)
        if isinstance(event, MessageStart):
            self.message_id, self.model = event.id, event.model or self.model
            if event.usage is not None:
                self.usage = event.usage
            if event.extras:
                self.opening = own_extras(event.extras, self.ctx, self.reported)
            return b""
        if isinstance(event, UsageUpdate):
            self.usage = event.usage
            return b""
        if isinstance(event, MessageEnd):
            return self._end(event)
        if isinstance(event, RawDelta):
            return self._raw_delta(event)
        return self._error(event)

    def close(self) -> bytes:
        if self.finished:
            return b""
        return self._error(interrupted())

    # ------------------------------------------------------------------ message

    def _ensure_started(self) -> bytes:
        if self.started:
            return b""
        self.started = True
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
        if self.opening:
            add_extras(message, usage, self.opening)
        return _event("message_start", {"type": "message_start", "message": message})

    def _end(self, event: MessageEnd) -> bytes:
        if event.usage is not None:
            self.usage = event.usage
        out = self._ensure_started()
        if self.live is not None:
            out += self._close_live()
        out += self._advance(flush_all=True)
        self.finished = True
        lose_error_finish(event.finish, "$.stop_reason", self.ctx)
        stop = to_claude_stop(event.finish, self.has_calls, event.stop_sequence)
        delta = {"stop_reason": stop, "stop_sequence": event.stop_sequence}
        usage = encode_usage(self.usage)
        closing = own_extras(event.extras, self.ctx, self.reported) if event.extras else None
        if closing:
            add_extras(delta, usage, closing)
        body = {"type": "message_delta", "delta": delta, "usage": usage}
        out += _event("message_delta", body)
        return out + _event("message_stop", {"type": "message_stop"})

    def _error(self, event: StreamError) -> bytes:
        self.finished = True
        error = {"type": ERROR_TYPES.get(event.kind, "api_error"), "message": event.message}
        return _event("error", {"type": "error", "error": error})

    # ------------------------------------------------------------------ blocks

    def _start(self, event: PartStart) -> bytes:
        if event.index in self.seen:
            return b""  # a part opens once
        self.seen.add(event.index)
        part = event.part
        if isinstance(part, RawPart):
            return self._raw_start(event.index, part)
        block = self.pending[event.index] = _Block(part)
        if isinstance(part, ToolCallPart):
            self.has_calls = True
            if part.arguments:
                block.deltas.append(_json_delta(dump_args(part.arguments)))
                block.locked = True
        signature = part.signature
        if signature is not None and signature.format != "claude":
            self._lose_signature(signature.format)
        elif (
            signature is not None
            and isinstance(part, ReasoningPart)
            and signature.value
            and part.redacted_data is None
        ):
            block.signed = True
            block.tail = signature.value
        if self.live is None:
            return self._ensure_started() + self._open(event.index)
        return b""

    def _raw_start(self, index: int, part: RawPart) -> bytes:
        """A Claude block nexgate does not model, as it came (a server tool's input as one
        fragment, as Claude streams it); another format's is lost."""
        if part.format != "claude":
            self.raw_losses.part(index, part)
            return b""
        block = self.pending[index] = _Block(part)
        arguments = split_input(part.data)[1]
        if arguments is not None:
            block.deltas.append(_json_delta(arguments))
        if self.live is None:
            return self._ensure_started() + self._open(index)
        return b""

    def _raw_delta(self, event: RawDelta) -> bytes:
        """A Claude delta of a block (``citations_delta``), sent or held with the block's."""
        if event.format != "claude" or event.index is None:
            self.raw_losses.delta(event)
            return b""
        block = self.pending.get(event.index)
        if block is None or block.ended:
            return b""
        if event.index == self.live:
            return self._delta_event(event.data)
        block.deltas.append(event.data)
        return b""

    def _open(self, index: int) -> bytes:
        block = self.pending[index]
        self.live = index
        body = {
            "type": "content_block_start",
            "index": self.next_block,
            "content_block": _skeleton(block.part),
        }
        out = _event("content_block_start", body)
        for delta in block.deltas:
            out += self._delta_event(delta)
        block.deltas.clear()
        return out

    def _delta_event(self, delta: JSONObject) -> bytes:
        # The hot path of every stream: the same bytes _event() would build, without the
        # envelope dict (byte-identical output; checked by the chunking-invariance tests).
        index = str(self.next_block).encode()
        return b"".join((_DELTA_HEAD, index, b',"delta":', dump_json(delta), b"}\n\n"))

    def _delta(self, index: int, delta: JSONObject, text: str) -> bytes:
        block = self.pending.get(index)
        if block is None or not text or block.ended:
            return b""
        if isinstance(block.part, ReasoningPart) and block.part.redacted_data is not None:
            return b""  # a redacted block is complete in its skeleton
        if index == self.live:
            return self._delta_event(delta)
        block.deltas.append(delta)
        return b""

    def _args(self, event: ToolArgsDelta) -> bytes:
        block = self.pending.get(event.index)
        if block is None or block.locked or not isinstance(block.part, ToolCallPart):
            return b""
        arguments = block.arguments
        if arguments is None:
            return b""  # not an object: "{}" goes out when the block ends
        if not block.object and event.json.strip():
            # The first fragment with content decides: Claude's input is an object, whatever
            # OpenAI sent.
            if not event.json.lstrip().startswith("{"):
                block.arguments = None
                return b""
            block.object = True
        arguments.append(event.json)
        return self._delta(event.index, _json_delta(event.json), event.json)

    def _signature(self, event: SignatureDelta) -> bytes:
        signature = event.signature
        if signature.format != "claude":
            self._lose_signature(signature.format)
            return b""
        block = self.pending.get(event.index)
        if block is None or block.signed or not isinstance(block.part, ReasoningPart):
            return b""
        block.signed = True
        return self._delta(event.index, _signature_delta(signature.value), signature.value)

    def _lose_signature(self, issuer: str) -> None:
        self.ctx.lose(
            "signature_not_replayable", "$.stream", f"a {issuer} signature cannot reach claude"
        )

    def _part_end(self, index: int) -> bytes:
        block = self.pending.get(index)
        if block is None:
            return b""
        out = self._check_arguments(index, block) if isinstance(block.part, ToolCallPart) else b""
        block.ended = True
        if index != self.live:
            return out
        return out + self._close_live() + self._advance()

    def _check_arguments(self, index: int, block: _Block) -> bytes:
        """A call's arguments that were not a JSON object become ``{}``, as in a whole
        response, with a loss; fragments already sent cannot be taken back: then the loss
        says so."""
        arguments = block.arguments
        if block.locked or (arguments is not None and parse_args("".join(arguments)) is not None):
            return b""
        if arguments is not None:
            self.ctx.lose(
                "tool_arguments_invalid", "$.stream", "arguments were not valid JSON; sent as read"
            )
            return b""
        self.ctx.lose(
            "tool_arguments_invalid", "$.stream", "arguments were not a JSON object; sent as {}"
        )
        return self._delta(index, _json_delta("{}"), "{}")

    def _close_live(self) -> bytes:
        assert self.live is not None
        tail = self.pending[self.live].tail
        out = self._delta_event(_signature_delta(tail)) if tail else b""
        stop = {"type": "content_block_stop", "index": self.next_block}
        out += _event("content_block_stop", stop)
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


def _json_delta(text: str) -> JSONObject:
    return {"type": "input_json_delta", "partial_json": text}


def _signature_delta(value: str) -> JSONObject:
    return {"type": "signature_delta", "signature": value}


__all__ = ("StreamEncoder",)
