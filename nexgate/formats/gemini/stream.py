"""Gemini ``streamGenerateContent`` chunks to and from internal stream events.

Each Gemini chunk is a whole ``GenerateContentResponse`` holding only the new parts; function
calls arrive whole. There is no end sentinel: the chunk with a ``finishReason`` ends the turn.
The encoder buffers streamed tool arguments and emits each call whole.
"""

from __future__ import annotations

import re

import msgspec

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
from .._ids import digest, is_synthetic_call_id, synthetic_call_id
from .._json import convert, dump_args, dump_json, load_json, parse_args
from .._stream import Parts, interrupted
from . import wire
from .errors import KIND_STATUSES, STATUS_KINDS
from .request import normalize
from .response import decode_usage, encode_usage, map_gemini_finish, to_gemini_finish

_chunk_decoder = msgspec.json.Decoder(wire.GenerateContentResponse)
_SNAKE_KEY = re.compile(rb'"[a-z]+_[a-z_]+"\s*:')


def _fast_decode(data: bytes) -> wire.GenerateContentResponse | None:
    """Decode a plain camelCase chunk straight from bytes; ``None`` sends it the slow way.

    Any snake_case-looking key (possibly inside tool arguments: harmless) or an ``error``
    field takes the general path, which normalizes casing and reports errors.
    """
    if _SNAKE_KEY.search(data) or b'"error"' in data[:32] or data.lstrip()[:1] != b"{":
        return None
    try:
        return _chunk_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


class StreamDecoder:
    """Gemini stream chunks in, internal events out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.parts = Parts()
        self.started = False
        self.done = False
        self.current: int | None = None
        self.current_kind: str | None = None
        self.calls = 0
        self.last_call: int | None = None
        self.usage: Usage | None = None
        self.seed = ""

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self.done:
            return []
        out: list[StreamEvent] = []
        body = _fast_decode(event.data)
        if body is None:  # an error, an array-wrapped chunk or snake_case: the general path
            chunk = load_json(event.data, "Gemini stream chunk")
            if isinstance(chunk, list):  # an error chunk is sometimes wrapped in an array
                chunk = chunk[0] if chunk else {}
            if not isinstance(chunk, dict):
                return []
            if isinstance(chunk.get("error"), dict):
                self.done = True
                out.append(_stream_error(chunk["error"]))
                return out
            body = convert(normalize(chunk), wire.GenerateContentResponse, "Gemini stream chunk")
        if not self.started:
            self.started = True
            self.seed = body.response_id or digest(event.data.decode("utf-8", "replace"))
            model = body.model_version or self.ctx.model or ""
            out.append(MessageStart(id=body.response_id or f"gen-{self.seed}", model=model))
        if body.usage_metadata is not None:
            self.usage = decode_usage(body.usage_metadata)
            out.append(UsageUpdate(usage=self.usage))
        candidate = body.candidates[0] if body.candidates else None
        if candidate is not None and candidate.content is not None:
            for part in candidate.content.parts:
                self._part(part, out)
        if candidate is not None and candidate.finish_reason is not None:
            self._finish(map_gemini_finish(candidate.finish_reason, self.calls > 0), out)
        elif body.prompt_feedback is not None and body.prompt_feedback.block_reason:
            self._finish(
                FinishReason(reason="content_filter", raw=body.prompt_feedback.block_reason), out
            )
        return out

    def _close_current(self, out: list[StreamEvent]) -> None:
        if self.current is not None:
            self.parts.end(self.current, out)
        self.current = self.current_kind = None

    def _part(self, part: JSONObject, out: list[StreamEvent]) -> None:
        signature = part.get("thoughtSignature")
        sig = (
            Signature(format="gemini", value=signature)
            if isinstance(signature, str) and signature
            else None
        )
        if "functionCall" in part:
            self._call(part["functionCall"], sig, out)
            return
        text = part.get("text")
        if not isinstance(text, str):
            return
        kind = "reasoning" if part.get("thought") else "text"
        if (text and kind != self.current_kind) or (
            not text and self.current is None and sig is not None
        ):
            self._close_current(out)
            skeleton = ReasoningPart() if kind == "reasoning" else TextPart(text="")
            self.current, self.current_kind = self.parts.start(skeleton, out), kind
        if text and self.current is not None:
            delta = ReasoningDelta if kind == "reasoning" else TextDelta
            out.append(delta(index=self.current, text=text))
        if sig is not None and self.current is not None:
            out.append(SignatureDelta(index=self.current, signature=sig))

    def _call(self, raw: JSONObject, signature: Signature | None, out: list[StreamEvent]) -> None:
        call = convert(raw, wire.FunctionCall, "functionCall", "$.functionCall")
        if not call.name and self.last_call is not None:
            # A nameless call continues the previous one (seen in some Gemini streams).
            if call.args:
                out.append(ToolArgsDelta(index=self.last_call, json=dump_args(call.args)))
            return
        self._close_current(out)
        call_id = call.id or synthetic_call_id(f"{self.seed}:0:{call.name}", self.calls)
        self.calls += 1
        index = self.parts.start(ToolCallPart(id=call_id, name=call.name, signature=signature), out)
        out.append(ToolArgsDelta(index=index, json=dump_args(call.args or {})))
        self.parts.end(index, out)
        self.last_call = index

    def _finish(self, finish: FinishReason | None, out: list[StreamEvent]) -> None:
        self.done = True
        self._close_current(out)
        self.parts.end_all(out)
        out.append(MessageEnd(finish=finish or FinishReason(reason="stop"), usage=self.usage))

    def close(self) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return [interrupted()]


def _stream_error(error: JSONObject) -> StreamError:
    status = error.get("code")
    rpc = str(error.get("status", ""))
    kind = STATUS_KINDS.get(rpc, "server")
    return StreamError(
        status=status if isinstance(status, int) else KIND_STATUSES.get(kind, (500, ""))[0],
        kind=kind,
        message=str(error.get("message", "")),
        code=rpc or None,
    )


class StreamEncoder:
    """Internal events in, Gemini ``alt=sse`` chunks out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.id = ""
        self.model = ctx.model or ""
        self.kinds: dict[int, str] = {}
        self.calls: dict[int, tuple[ToolCallPart, list[str]]] = {}
        self.usage: Usage | None = None
        self.finished = False

    def _chunk(self, parts: list[JSONObject] | None, **candidate: object) -> bytes:
        entry: JSONObject = {}
        if parts:
            entry["content"] = {"role": "model", "parts": parts}
        entry.update(candidate)
        entry["index"] = 0
        body: JSONObject = {"candidates": [entry]}
        if "finishReason" in candidate and self.usage is not None:
            body["usageMetadata"] = encode_usage(self.usage)
        body["modelVersion"] = self.model
        body["responseId"] = self.id
        return encode_event(dump_json(body))

    def encode(self, event: StreamEvent) -> bytes:
        if self.finished:
            return b""
        if isinstance(event, TextDelta):
            return self._chunk([{"text": event.text}]) if event.text else b""
        if isinstance(event, ReasoningDelta):
            return self._chunk([{"text": event.text, "thought": True}]) if event.text else b""
        if isinstance(event, ToolArgsDelta):
            if event.index in self.calls:
                self.calls[event.index][1].append(event.json)
            return b""
        if isinstance(event, PartStart):
            part = event.part
            self.kinds[event.index] = "reasoning" if isinstance(part, ReasoningPart) else "text"
            if isinstance(part, ToolCallPart):
                self.calls[event.index] = (part, [])
            return b""
        if isinstance(event, SignatureDelta):
            return self._signature(event)
        if isinstance(event, PartEnd):
            return self._flush_call(event.index)
        if isinstance(event, MessageStart):
            self.id, self.model = event.id, event.model or self.model
            return b""
        if isinstance(event, UsageUpdate):
            self.usage = event.usage
            return b""
        if isinstance(event, MessageEnd):
            return self._end(event)
        return self._error(event)

    def _signature(self, event: SignatureDelta) -> bytes:
        if event.signature.format != "gemini":
            self.ctx.lose(
                "signature_not_replayable",
                "$.stream",
                f"a {event.signature.format} signature cannot reach gemini",
            )
            return b""
        if event.index in self.calls:
            self.calls[event.index][0].signature = event.signature
            return b""
        part: JSONObject = {"text": "", "thoughtSignature": event.signature.value}
        if self.kinds.get(event.index) == "reasoning":
            part["thought"] = True
        return self._chunk([part])

    def _flush_call(self, index: int) -> bytes:
        entry = self.calls.pop(index, None)
        if entry is None:
            return b""
        part, chunks = entry
        text = "".join(chunks)
        arguments = parse_args(text)
        if arguments is None:
            self.ctx.lose(
                "tool_arguments_invalid", "$.stream", "streamed arguments were not a JSON object"
            )
            arguments = {}
        call: JSONObject = {"name": part.name, "args": arguments}
        if not is_synthetic_call_id(part.id):
            call["id"] = part.id
        encoded: JSONObject = {"functionCall": call}
        if part.signature is not None and part.signature.format == "gemini":
            encoded["thoughtSignature"] = part.signature.value
        return self._chunk([encoded])

    def _end(self, event: MessageEnd) -> bytes:
        out = b"".join(self._flush_call(index) for index in sorted(self.calls))
        self.finished = True
        if event.usage is not None:
            self.usage = event.usage
        return out + self._chunk(None, finishReason=to_gemini_finish(event.finish))

    def _error(self, event: StreamError) -> bytes:
        self.finished = True
        status, rpc = KIND_STATUSES.get(event.kind, (event.status, "UNKNOWN"))
        if event.kind != "stream_interrupted" and 400 <= event.status <= 599:
            status = 503 if event.kind == "overloaded" else event.status
        else:
            status, rpc = 502, "UNAVAILABLE"
        body = {"error": {"code": status, "message": event.message, "status": rpc}}
        return encode_event(dump_json(body))

    def close(self) -> bytes:
        if self.finished:
            return b""
        return self._error(interrupted())


__all__ = ("StreamDecoder", "StreamEncoder")
