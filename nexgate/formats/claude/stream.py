"""Claude Messages event streams to internal stream events (the encoder is in stream_encoder).

A Claude stream is ``message_start``, blocks (``content_block_start`` / deltas /
``content_block_stop``), ``message_delta`` with cumulative usage, then ``message_stop``.
``ping`` and event types this module does not know are ignored, as the versioning policy asks;
block and delta types it does not know are kept raw (see :mod:`.stream_raw`), for a Claude
encoder to write back and any other to record as lost.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ...events import (
    MessageEnd,
    MessageStart,
    RawDelta,
    ReasoningDelta,
    SignatureDelta,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from ...schema import FinishReason, JSONObject, ReasoningPart, Signature, TextPart, ToolCallPart
from ...sse import SSEEvent
from .._context import TranslationContext
from .._foreign import informative
from .._json import convert, dump_args, load_json
from .._stream import Parts, interrupted
from .._unmodeled import outside
from . import wire
from .blocks import lose_caller
from .errors import ERROR_KINDS
from .plain import unknown_fields
from .response import USAGE_EXTRAS, decode_usage, map_claude_stop, message_extras
from .stream_encoder import StreamEncoder
from .stream_raw import RawBlock

#: HTTP status of an in-stream error, by normalized kind (Claude's overloaded is 529).
_STATUS = {
    "overloaded": 529,
    "rate_limit": 429,
    "quota": 402,
    "authentication": 401,
    "permission": 403,
    "not_found": 404,
    "bad_request": 400,
    "request_too_large": 413,
    "timeout": 504,
}


def _object(value: Any) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _claude(value: str) -> Signature:
    return Signature(format="claude", value=value)


def _index(value: Any) -> int | None:
    # bool is an int subclass; a block index is never one.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Any other field refuses the typed decode: the general path records it as a loss.


class _TextDelta(msgspec.Struct, tag="text_delta", tag_field="type", forbid_unknown_fields=True):
    text: str


class _JSONDelta(
    msgspec.Struct, tag="input_json_delta", tag_field="type", forbid_unknown_fields=True
):
    partial_json: str


class _ThinkingDelta(
    msgspec.Struct, tag="thinking_delta", tag_field="type", forbid_unknown_fields=True
):
    thinking: str


class _DeltaEvent(msgspec.Struct, forbid_unknown_fields=True):
    index: int
    delta: _TextDelta | _JSONDelta | _ThinkingDelta
    type: str = "content_block_delta"


#: Most events of a stream are these three deltas: typed decoding skips the dict walk.
_delta_decoder = msgspec.json.Decoder(_DeltaEvent)


#: The ``message_delta.delta`` fields that events carry.
_DELTA_FIELDS = frozenset({"stop_reason", "stop_sequence"})
#: The fields of each block and delta type events carry (a tool call's ``caller`` is
#: checked on its own); any other is a loss.
_BLOCK_FIELDS = {
    "text": frozenset({"type", "text", "citations"}),
    "tool_use": frozenset({"type", "id", "name", "input", "caller"}),
    "thinking": frozenset({"type", "thinking", "signature"}),
    "redacted_thinking": frozenset({"type", "data"}),
    "text_delta": frozenset({"type", "text"}),
    "input_json_delta": frozenset({"type", "partial_json"}),
    "thinking_delta": frozenset({"type", "thinking"}),
    "signature_delta": frozenset({"type", "signature"}),
}


class StreamDecoder:
    """Claude SSE events in, internal events out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.parts = Parts()
        #: Claude block index -> internal part index (unknown blocks once they stopped).
        self.blocks: dict[int, int] = {}
        #: Unknown blocks still streaming, by Claude block index (see :mod:`.stream_raw`).
        self.raw: dict[int, RawBlock] = {}
        self.message_id: str | None = None
        self.usage = wire.ClaudeUsage()
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        #: Kinds of delta events have no place for, reported once each.
        self.skipped: set[str] = set()
        #: What ``message_delta`` said beyond the stop and the counts (``stop_details``...).
        self.closing: JSONObject = {}
        self.has_calls = False
        self.done = False

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self.done:
            return []
        if event.event == "content_block_delta":
            fast = self._fast_delta(event.data)
            if fast is not None:
                return fast
        data = load_json(event.data, "Claude stream event")
        if not isinstance(data, dict):
            return []
        kind = data.get("type", event.event)
        out: list[StreamEvent] = []
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(self, data, out)
        return out

    def _fast_delta(self, data: bytes) -> list[StreamEvent] | None:
        """A text, JSON or thinking delta decoded straight into a struct; ``None``: not one."""
        try:
            parsed = _delta_decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        index = self.blocks.get(parsed.index)
        delta = parsed.delta
        text = (
            delta.text
            if isinstance(delta, _TextDelta)
            else (delta.partial_json if isinstance(delta, _JSONDelta) else delta.thinking)
        )
        if index is None:
            # Not a known block's: maybe an unknown block's input (server_tool_use).
            return None if parsed.index in self.raw else []
        if not text:
            return []
        if isinstance(delta, _TextDelta):
            return [TextDelta(index=index, text=text)]
        if isinstance(delta, _JSONDelta):
            return [ToolArgsDelta(index=index, json=text)]
        return [ReasoningDelta(index=index, text=text)]

    def close(self) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return [interrupted()]

    def _message_start(self, data: JSONObject, out: list[StreamEvent]) -> None:
        if self.message_id is not None:
            return  # a repeated message_start (seen from intermediaries) is a no-op
        message = _object(data.get("message"))
        self.message_id = _str(message.get("id"))
        usage = message.get("usage")
        if isinstance(usage, dict):
            self.usage = convert(usage, wire.ClaudeUsage, "usage", "$.message.usage")
        model = _str(message.get("model")) or self.ctx.model or ""
        decoded = decode_usage(self.usage)
        extras = message_extras(message)
        out.append(MessageStart(id=self.message_id, model=model, usage=decoded, extras=extras))
        if isinstance(usage, dict):
            out.append(UsageUpdate(usage=decoded))

    def _block_start(self, data: JSONObject, out: list[StreamEvent]) -> None:
        block = _object(data.get("content_block"))
        position = _index(data.get("index"))
        if position is not None and (position in self.blocks or position in self.raw):
            return  # a repeated start of the same block
        kind = block.get("type")
        part: TextPart | ReasoningPart | ToolCallPart
        if kind == "text":
            part = TextPart(text="")
        elif kind == "tool_use":
            part = ToolCallPart(id=_str(block.get("id")), name=_str(block.get("name")))
            lose_caller(block.get("caller"), f"$.content[{position}]", self.ctx)
            self.has_calls = True
        elif kind == "thinking":
            part = ReasoningPart()
        elif kind == "redacted_thinking":
            part = ReasoningPart(
                redacted_data=_str(block.get("data")),
                signature=Signature(format="claude", value=""),
            )
        elif isinstance(kind, str):
            # Kept raw, whole: it goes out as a part at its stop (its input may still stream).
            if position is None:
                self._raw_part(None, RawBlock(block), out)
            else:
                self.raw[position] = RawBlock(block)
            return
        else:
            self.ctx.lose(
                "unsupported_block", f"$.content[{position}]", f"stream block {kind!r} skipped"
            )
            return
        self._lose_unmodeled(block, f"$.content[{position}]")
        index = self.parts.start(part, out)
        self.blocks[index if position is None else position] = index
        self._initial_content(index, block, out)

    def _lose_unmodeled(self, block: JSONObject, path: str) -> None:
        """A known block's or delta's fields that events cannot carry, once a stream."""
        fields = _BLOCK_FIELDS[block["type"]]
        if not fields.issuperset(block):
            for where in outside(block, fields, path):
                if where not in self.skipped:
                    self.skipped.add(where)
                    self.ctx.lose("part_field_dropped", where, "not carried by nexgate")

    def _initial_content(self, index: int, block: JSONObject, out: list[StreamEvent]) -> None:
        """Content already present in a block's skeleton (proxies sometimes send it there)."""
        text = block.get("text")
        if isinstance(text, str) and text:
            out.append(TextDelta(index=index, text=text))
        thinking = block.get("thinking")
        if isinstance(thinking, str) and thinking:
            out.append(ReasoningDelta(index=index, text=thinking))
        signature = block.get("signature")
        if isinstance(signature, str) and signature:
            out.append(SignatureDelta(index=index, signature=_claude(signature)))
        arguments = block.get("input")
        if isinstance(arguments, dict) and arguments:
            out.append(ToolArgsDelta(index=index, json=dump_args(arguments)))
        citations = block.get("citations")
        if isinstance(citations, list):
            # Citations a text block starts with: as the citations_delta Claude usually sends.
            for citation in citations:
                delta = {"type": "citations_delta", "citation": citation}
                out.append(RawDelta(index=index, format="claude", data=delta))

    def _block_delta(self, data: JSONObject, out: list[StreamEvent]) -> None:
        position = _index(data.get("index"))
        index = self.blocks.get(position) if position is not None else None
        delta = _object(data.get("delta"))
        if index is None:
            raw = self.raw.get(position) if position is not None else None
            if raw is not None and not raw.add(delta):
                self._skip(delta.get("type"), position)
            return
        kind = delta.get("type")
        if isinstance(kind, str) and kind in _BLOCK_FIELDS:
            self._lose_unmodeled(delta, f"$.content[{position}].delta")
        if kind == "text_delta":
            text = _str(delta.get("text"))
            if text:
                out.append(TextDelta(index=index, text=text))
        elif kind == "input_json_delta":
            partial = _str(delta.get("partial_json"))
            if partial:
                out.append(ToolArgsDelta(index=index, json=partial))
        elif kind == "thinking_delta":
            thinking = _str(delta.get("thinking"))
            if thinking:
                out.append(ReasoningDelta(index=index, text=thinking))
        elif kind == "signature_delta":
            value = _str(delta.get("signature"))
            out.append(SignatureDelta(index=index, signature=_claude(value)))
        elif isinstance(kind, str):
            # citations_delta...: the part's own, kept as Claude wrote it.
            out.append(RawDelta(index=index, format="claude", data=delta))
        else:
            self._skip(kind, position)

    def _skip(self, kind: Any, position: int | None) -> None:
        """A delta nothing can carry (malformed, or on a raw block): once per kind and stream."""
        if (name := kind if isinstance(kind, str) else repr(kind)) not in self.skipped:
            self.skipped.add(name)
            self.ctx.lose(
                "unsupported_delta", f"$.content[{position}]", f"stream delta {kind!r} skipped"
            )

    def _block_stop(self, data: JSONObject, out: list[StreamEvent]) -> None:
        position = _index(data.get("index"))
        index = self.blocks.get(position) if position is not None else None
        if index is not None:
            self.parts.end(index, out)
        elif position is not None and position in self.raw:
            self._raw_part(position, self.raw.pop(position), out)

    def _raw_part(self, position: int | None, raw: RawBlock, out: list[StreamEvent]) -> None:
        """An unknown block, complete: a raw part opened and closed at once."""
        part, invalid = raw.part()
        if invalid:
            self.ctx.lose(
                "tool_arguments_invalid",
                f"$.content[{position}].input",
                "streamed input was not a JSON object; the block keeps its start's",
            )
        index = self.parts.start(part, out)
        if position is not None:
            self.blocks[position] = index
        self.parts.end(index, out)

    def _message_delta(self, data: JSONObject, out: list[StreamEvent]) -> None:
        delta = _object(data.get("delta"))
        self.stop_reason = _str(delta.get("stop_reason")) or self.stop_reason
        self.stop_sequence = _str(delta.get("stop_sequence")) or self.stop_sequence
        if not _DELTA_FIELDS.issuperset(delta):  # stop_details, container...
            for name, value in unknown_fields(delta, _DELTA_FIELDS).items():
                if name[:1] != "_":
                    self.closing[name] = value
                elif informative(value):  # the extras' own keys start with "_": no room
                    self.ctx.lose("response_field_dropped", f"$.{name}", "a reserved name")
        usage = data.get("usage")
        if isinstance(usage, dict):
            if not wire.USAGE_FIELDS.issuperset(usage):  # service_tier, server_tool_use...
                more = unknown_fields(usage, wire.USAGE_FIELDS)
                self.closing[USAGE_EXTRAS] = {**self.closing.get(USAGE_EXTRAS, {}), **more}
            # Counts are cumulative; fields absent here keep their message_start values, and so
            # do null ones (the anthropic SDK writes its unset optional counts as null).
            usage = {name: value for name, value in usage.items() if value is not None}
            update = convert(usage, wire.ClaudeUsage, "usage", "$.usage")
            merged = {name: getattr(self.usage, name) for name in wire.USAGE_FIELDS}
            merged.update({name: getattr(update, name) for name in wire.USAGE_FIELDS & set(usage)})
            self.usage = wire.ClaudeUsage(**merged)
            out.append(UsageUpdate(usage=decode_usage(self.usage)))

    def _message_stop(self, data: JSONObject, out: list[StreamEvent]) -> None:
        self.done = True
        for position in sorted(self.raw):  # blocks the stream never stopped: complete now
            self._raw_part(position, self.raw.pop(position), out)
        self.parts.end_all(out)
        finish = map_claude_stop(self.stop_reason, self.has_calls) or FinishReason(reason="stop")
        usage = decode_usage(self.usage)
        extras = {"claude": self.closing} if self.closing else {}
        out.append(
            MessageEnd(finish=finish, usage=usage, stop_sequence=self.stop_sequence, extras=extras)
        )

    def _error(self, data: JSONObject, out: list[StreamEvent]) -> None:
        self.done = True
        error = _object(data.get("error"))
        error_type = _str(error.get("type")) or "api_error"
        kind = ERROR_KINDS.get(error_type, "server")
        message = _str(error.get("message")) or error_type
        status = _STATUS.get(kind, 500)
        out.append(StreamError(status=status, kind=kind, message=message, code=error_type))


_HANDLERS = {
    "message_start": StreamDecoder._message_start,
    "content_block_start": StreamDecoder._block_start,
    "content_block_delta": StreamDecoder._block_delta,
    "content_block_stop": StreamDecoder._block_stop,
    "message_delta": StreamDecoder._message_delta,
    "message_stop": StreamDecoder._message_stop,
    "error": StreamDecoder._error,
}

__all__ = ("StreamDecoder", "StreamEncoder")
