"""OpenAI chat-completion chunk streams to and from internal stream events.

Decoding: tool-call fragments are routed by their ``index``; ``MessageEnd`` waits for
``data: [DONE]`` so that it carries the usage chunk that comes after the finish chunk.
Encoding: the finish chunk, then the usage chunk (``choices: []``) when usage is known and
the request did not turn it off, then ``[DONE]`` exactly once.
"""

from __future__ import annotations

from typing import Any

from ...events import (
    MessageEnd,
    MessageStart,
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
from .._json import convert, dump_json, load_json
from .._stream import Parts, interrupted
from . import wire
from .errors import ERROR_TYPES
from .response import decode_usage, encode_usage, map_openai_finish, to_openai_finish

_DONE = b"[DONE]"


class StreamDecoder:
    """OpenAI SSE events in, internal events out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.parts = Parts()
        self.started = False
        self.done = False
        self.text: int | None = None
        self.reasoning: int | None = None
        self.tools: dict[int, int] = {}
        self.finish_raw: str | None = None
        self.usage: Usage | None = None
        self.warned_choices = False

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self.done:
            return []
        out: list[StreamEvent] = []
        if event.data.strip() == _DONE:
            self._finish(out)
            return out
        chunk = load_json(event.data, "OpenAI stream chunk")
        if not isinstance(chunk, dict):
            return out
        if isinstance(chunk.get("error"), dict):
            self.done = True
            out.append(_stream_error(chunk["error"]))
            return out
        if not self.started:
            self.started = True
            out.append(
                MessageStart(
                    id=str(chunk.get("id", "")),
                    model=str(chunk.get("model") or self.ctx.model or ""),
                    created=chunk.get("created") if isinstance(chunk.get("created"), int) else None,
                )
            )
        for choice in chunk.get("choices") or ():
            self._choice(choice, out)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            decoded = decode_usage(convert(usage, wire.CompletionUsage, "stream usage"))
            if decoded is not None:
                self.usage = decoded
                out.append(UsageUpdate(usage=decoded))
        return out

    def _choice(self, choice: JSONObject, out: list[StreamEvent]) -> None:
        if choice.get("index", 0) != 0:
            if not self.warned_choices:
                self.warned_choices = True
                self.ctx.lose(
                    "extra_choices_dropped", "$.choices", "only the first choice is streamed"
                )
            return
        delta = choice.get("delta") or {}
        reasoning = delta.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            if self.reasoning is None:
                self.reasoning = self.parts.start(ReasoningPart(), out)
            out.append(ReasoningDelta(index=self.reasoning, text=reasoning))
        for text in (delta.get("content"), delta.get("refusal")):
            if isinstance(text, str) and text:
                if self.text is None:
                    self.text = self.parts.start(TextPart(text=""), out)
                out.append(TextDelta(index=self.text, text=text))
        for call in delta.get("tool_calls") or ():
            self._tool_call(call, out)
        if choice.get("finish_reason") is not None:
            self.finish_raw = str(choice["finish_reason"])
            self.parts.end_all(out)

    def _tool_call(self, call: JSONObject, out: list[StreamEvent]) -> None:
        position = call.get("index", 0)
        function = call.get("function") or {}
        index = self.tools.get(position)
        if index is None:
            for open_index in (self.text, self.reasoning):
                if open_index is not None:
                    self.parts.end(open_index, out)
            self.text = self.reasoning = None
            google = (call.get("extra_content") or {}).get("google") or {}
            signature = google.get("thought_signature")
            part = ToolCallPart(
                id=str(call.get("id") or ""),
                name=str(function.get("name") or ""),
                signature=Signature(format="gemini", value=signature)
                if isinstance(signature, str)
                else None,
            )
            index = self.tools[position] = self.parts.start(part, out)
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            out.append(ToolArgsDelta(index=index, json=arguments))

    def _finish(self, out: list[StreamEvent]) -> None:
        self.done = True
        self.parts.end_all(out)
        finish = map_openai_finish(self.finish_raw, bool(self.tools)) or FinishReason(reason="stop")
        out.append(MessageEnd(finish=finish, usage=self.usage))

    def close(self) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return [interrupted()]


#: Error codes an OpenAI stream error carries for each kind, and back.
_KIND_CODES = {
    "overloaded": "server_is_overloaded",
    "rate_limit": "rate_limit_exceeded",
    "quota": "insufficient_quota",
    "context_length": "context_length_exceeded",
    "stream_interrupted": "stream_interrupted",
}
_CODE_KINDS = {code: kind for kind, code in _KIND_CODES.items()}
_KIND_STATUS = {
    "overloaded": 503,
    "rate_limit": 429,
    "quota": 429,
    "context_length": 400,
    "stream_interrupted": 502,
    "bad_request": 400,
    "authentication": 401,
    "permission": 403,
    "not_found": 404,
}
_TYPE_KINDS = {
    t: k for k, t in ERROR_TYPES.items() if k not in ("overloaded", "timeout", "context_length")
}


def _stream_error(error: JSONObject) -> StreamError:
    code = error.get("code")
    kind = _CODE_KINDS.get(str(code)) or _TYPE_KINDS.get(str(error.get("type")), "server")
    return StreamError(
        status=_KIND_STATUS.get(kind, 500),
        kind=kind,
        message=str(error.get("message", "")),
        code=str(code) if code else None,
    )


class StreamEncoder:
    """Internal events in, OpenAI ``chat.completion.chunk`` SSE bytes out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.id = ""
        self.model = ctx.model or ""
        self.created = 0
        self.tools: dict[int, int] = {}
        self.usage: Usage | None = None
        self.finished = False
        request = ctx.request
        self.include_usage = request.include_usage if request is not None else None

    def _chunk(self, delta: JSONObject, finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [choice],
        }
        return encode_event(dump_json(body))

    def encode(self, event: StreamEvent) -> bytes:
        if self.finished:
            return b""
        if isinstance(event, TextDelta):
            return self._chunk({"content": event.text})
        if isinstance(event, ToolArgsDelta):
            return self._chunk(
                {
                    "tool_calls": [
                        {
                            "index": self.tools.get(event.index, 0),
                            "function": {"arguments": event.json},
                        }
                    ]
                }
            )
        if isinstance(event, PartStart):
            return self._part_start(event)
        if isinstance(event, ReasoningDelta):
            return self._chunk({"reasoning_content": event.text})
        if isinstance(event, SignatureDelta):
            return self._signature(event)
        if isinstance(event, MessageStart):
            self.id, self.model = event.id, event.model or self.model
            self.created = event.created or 0
            return self._chunk({"role": "assistant", "content": ""})
        if isinstance(event, UsageUpdate):
            self.usage = event.usage
            return b""
        if isinstance(event, MessageEnd):
            return self._end(event)
        if isinstance(event, StreamError):
            return self._error(event)
        return b""

    def _part_start(self, event: PartStart) -> bytes:
        part = event.part
        if not isinstance(part, ToolCallPart):
            return b""
        position = self.tools[event.index] = len(self.tools)
        call: JSONObject = {
            "index": position,
            "id": part.id,
            "type": "function",
            "function": {"name": part.name, "arguments": ""},
        }
        if part.signature is not None and part.signature.format == "gemini":
            call["extra_content"] = {"google": {"thought_signature": part.signature.value}}
        return self._chunk({"tool_calls": [call]})

    def _signature(self, event: SignatureDelta) -> bytes:
        signature = event.signature
        if event.index in self.tools and signature.format == "gemini":
            extra = {"google": {"thought_signature": signature.value}}
            return self._chunk(
                {"tool_calls": [{"index": self.tools[event.index], "extra_content": extra}]}
            )
        if signature.format == "claude":
            block = {"type": "thinking", "thinking": "", "signature": signature.value}
            return self._chunk({"thinking_blocks": [block]})
        self.ctx.lose(
            "signature_not_carried", "$.stream", "OpenAI chunks have no slot for this signature"
        )
        return b""

    def _end(self, event: MessageEnd) -> bytes:
        self.finished = True
        usage = event.usage or self.usage
        finish = to_openai_finish(event.finish, bool(self.tools)) or "stop"
        out = self._chunk({}, finish)
        if usage is not None and self.include_usage is not False:
            body = {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": encode_usage(usage),
            }
            out += encode_event(dump_json(body))
        return out + encode_event(_DONE)

    def _error(self, event: StreamError) -> bytes:
        self.finished = True
        error: dict[str, Any] = {
            "message": event.message,
            "type": ERROR_TYPES.get(event.kind, "server_error"),
            "param": None,
            "code": _KIND_CODES.get(event.kind, event.code),
        }
        return encode_event(dump_json({"error": error}))

    def close(self) -> bytes:
        if self.finished:
            return b""
        return self._error(interrupted())


__all__ = ("StreamDecoder", "StreamEncoder")
