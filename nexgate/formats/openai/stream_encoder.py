"""Internal stream events to OpenAI ``chat.completion.chunk`` SSE bytes (decoder: stream.py).

One ``chat.completion.chunk`` per delta with id, created and
model repeated; the first chunk is ``delta: {role: "assistant", content: ""}``; a tool call
opens with ``{index, id, type, function: {name, arguments: ""}}`` (index counting tool calls
only) and continues with argument fragments; reasoning goes to ``delta.reasoning_content``; a
Gemini signature rides on the call's first fragment as ``extra_content``; at the end the
finish chunk, then the usage chunk (``choices: []``) when usage is known and the caller's
request (if given) asked for it with ``stream_options.include_usage``, then ``[DONE]``
exactly once. An error ends the stream with ``data: {"error": {...}}`` and no ``[DONE]``; so
does ``close()`` before the end. An OpenAI ``RawDelta`` (``annotations``, ``audio``) is a chunk
of its own with those delta fields; raw parts and other formats' deltas are recorded as lost.
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
from ...schema import JSONObject, RawPart, ReasoningPart, ToolCallPart, Usage
from ...sse import encode_event
from .._context import TranslationContext
from .._foreign import lose_error_finish, own_extras
from .._json import dump_json
from .._stream import RawLosses, interrupted
from .errors import ERROR_TYPES
from .messages import custom_call_of
from .response import USAGE_HINTS, encode_usage, to_openai_finish

DONE = b"[DONE]"
#: Error codes an OpenAI stream error carries for each kind (the decoder reads them back).
KIND_CODES = {
    "overloaded": "server_is_overloaded",
    "rate_limit": "rate_limit_exceeded",
    "quota": "insufficient_quota",
    "context_length": "context_length_exceeded",
    "stream_interrupted": "stream_interrupted",
}
_TAIL = b',"logprobs":null,"finish_reason":null}]}\n\n'


class StreamEncoder:
    """Internal events in, OpenAI ``chat.completion.chunk`` SSE bytes out.

    Each delta chunk is the same envelope around a different ``delta``; the envelope's bytes
    are rendered once (at ``MessageStart``) and joined around each delta's JSON.
    """

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.id = ""
        self.model = ctx.model or ""
        self.created = 0
        self.tools: dict[int, int] = {}  # part index -> OpenAI tool-call index
        self.no_arguments: set[int] = set()  # tool parts no argument fragment reached yet
        self.thinking_blocks = 0  # entries sent in `thinking_blocks`: each has its index
        #: Reasoning text per part so far: a signed block repeats it, as a whole response does.
        self.reasoning_text: dict[int, list[str]] = {}
        self.usage: Usage | None = None
        self.finished = False
        #: An OpenAI source's own chunk fields (``system_fingerprint``...), written back.
        self.envelope: JSONObject = {}
        self.usage_hints: JSONObject | None = None
        self.reported: set[str] = set()  # paths of other formats' fields reported lost
        self.raw_losses = RawLosses(ctx)
        # With the caller's request known, the usage chunk goes out only if it asked
        # (stream_options.include_usage), as OpenAI does; without one, whenever usage is known.
        request = ctx.request
        self.include_usage = request is None or request.include_usage is True
        self._head = self._render_head()

    def _render_head(self) -> bytes:
        return b"".join(
            (
                b'data: {"id":',
                dump_json(self.id),
                b',"object":"chat.completion.chunk","created":',
                str(self.created).encode(),
                b',"model":',
                dump_json(self.model),
                b"," + dump_json(self.envelope)[1:-1] if self.envelope else b"",
                b',"choices":[{"index":0,"delta":',
            )
        )

    def _envelope(self) -> JSONObject:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            **self.envelope,
        }

    def _extras(self, extras: dict[str, JSONObject]) -> None:
        """The start's or the end's fields: an OpenAI source's go back on the chunks."""
        own = own_extras(extras, self.ctx, self.reported)
        if own:
            self.envelope.update((k, v) for k, v in own.items() if not k.startswith("_"))
            hints = own.get(USAGE_HINTS)
            if isinstance(hints, dict):
                self.usage_hints = hints

    def _chunk(self, delta: JSONObject) -> bytes:
        return self._head + dump_json(delta) + _TAIL

    def encode(self, event: StreamEvent) -> bytes:
        if self.finished:
            return b""
        if isinstance(event, TextDelta):
            return self._head + b'{"content":' + dump_json(event.text) + b"}" + _TAIL
        if isinstance(event, ToolArgsDelta):
            self.no_arguments.discard(event.index)
            return b"".join(
                (
                    self._head,
                    b'{"tool_calls":[{"index":',
                    str(self.tools.get(event.index, 0)).encode(),
                    b',"function":{"arguments":',
                    dump_json(event.json),
                    b"}}]}",
                    _TAIL,
                )
            )
        if isinstance(event, ReasoningDelta):
            self.reasoning_text.setdefault(event.index, []).append(event.text)
            return self._head + b'{"reasoning_content":' + dump_json(event.text) + b"}" + _TAIL
        if isinstance(event, PartStart):
            return self._part_start(event)
        if isinstance(event, SignatureDelta):
            return self._signature(event)
        if isinstance(event, MessageStart):
            self.id, self.model = event.id, event.model or self.model
            self.created = event.created or 0
            if event.extras:
                self._extras(event.extras)
            self._head = self._render_head()
            return self._chunk({"role": "assistant", "content": ""})
        if isinstance(event, UsageUpdate):
            self.usage = event.usage
            return b""
        if isinstance(event, MessageEnd):
            return self._end(event)
        if isinstance(event, StreamError):
            return self._error(event)
        if isinstance(event, PartEnd):
            if event.index in self.no_arguments:
                # A call without arguments: "{}", as a whole response says, so that the
                # caller's JSON parse of the joined fragments works.
                self.no_arguments.discard(event.index)
                return self.encode(ToolArgsDelta(index=event.index, json="{}"))
            return b""  # OpenAI chunks do not mark the end of a part
        if event.format == "openai":  # the one event left, a RawDelta: OpenAI's own fields
            return self._chunk(event.data)
        self.raw_losses.delta(event)
        return b""

    def _part_start(self, event: PartStart) -> bytes:
        part = event.part
        if isinstance(part, ReasoningPart) and part.redacted_data is not None:
            return self._redacted(part)
        if not isinstance(part, ToolCallPart):
            if isinstance(part, RawPart):
                custom = custom_call_of(part)
                if custom is not None:  # a custom tool's call, whole: one chunk
                    position = self.tools[event.index] = len(self.tools)
                    return self._chunk({"tool_calls": [{"index": position, **custom}]})
                # A block (another format's, or an OpenAI one) has no chunk form; it takes
                # no tool-call index either.
                self.raw_losses.part(event.index, part)
            return b""  # text and reasoning need no opening chunk
        position = self.tools[event.index] = len(self.tools)
        self.no_arguments.add(event.index)
        call: JSONObject = {
            "index": position,
            "id": part.id,
            "type": "function",
            "function": {"name": part.name, "arguments": ""},
        }
        if part.signature is not None and part.signature.format == "gemini":
            call["extra_content"] = {"google": {"thought_signature": part.signature.value}}
        return self._chunk({"tool_calls": [call]})

    def _redacted(self, part: ReasoningPart) -> bytes:
        """Claude's redacted thinking rides in ``thinking_blocks``, as in a whole response."""
        if part.signature is None or part.signature.format != "claude":
            self.ctx.lose("redacted_reasoning", "$.stream", "redacted reasoning has no OpenAI slot")
            return b""
        block = {"type": "redacted_thinking", "data": part.redacted_data}
        return self._thinking_block(block)

    def _signature(self, event: SignatureDelta) -> bytes:
        signature = event.signature
        if event.index in self.tools and signature.format == "gemini":
            extra = {"google": {"thought_signature": signature.value}}
            return self._chunk(
                {"tool_calls": [{"index": self.tools[event.index], "extra_content": extra}]}
            )
        if signature.format == "claude":
            # Claude takes a signed block back only with its text unchanged: the text goes
            # with the signature (reasoning_content alone is not read back with the blocks).
            thinking = "".join(self.reasoning_text.pop(event.index, ()))
            block = {"type": "thinking", "thinking": thinking, "signature": signature.value}
            return self._thinking_block(block)
        self.ctx.lose(
            "signature_not_carried", "$.stream", "OpenAI chunks have no slot for this signature"
        )
        return b""

    def _thinking_block(self, block: JSONObject) -> bytes:
        """One ``thinking_blocks`` entry, with the index by which list deltas are merged (the
        openai SDK's accumulator refuses an entry without one)."""
        block["index"] = self.thinking_blocks
        self.thinking_blocks += 1
        return self._chunk({"thinking_blocks": [block]})

    def _end(self, event: MessageEnd) -> bytes:
        # Calls still without arguments (their parts were never ended) get theirs first.
        ending = b"".join(
            self.encode(ToolArgsDelta(index=index, json="{}"))
            for index in sorted(self.no_arguments)
        )
        self.finished = True
        usage = event.usage or self.usage
        if event.extras:
            self._extras(event.extras)
        lose_error_finish(event.finish, "$.choices[0].finish_reason", self.ctx)
        finish = to_openai_finish(event.finish, bool(self.tools)) or "stop"
        choice = {"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}
        out = encode_event(dump_json({**self._envelope(), "choices": [choice]}))
        if usage is not None and self.include_usage:
            body = {
                **self._envelope(),
                "choices": [],
                "usage": encode_usage(usage, self.usage_hints),
            }
            out += encode_event(dump_json(body))
        return ending + out + encode_event(DONE)

    def _error(self, event: StreamError) -> bytes:
        self.finished = True
        error: dict[str, Any] = {
            "message": event.message,
            "type": ERROR_TYPES.get(event.kind, "server_error"),
            "param": None,
            "code": KIND_CODES.get(event.kind, event.code),
        }
        return encode_event(dump_json({"error": error}))

    def close(self) -> bytes:
        if self.finished:
            return b""
        return self._error(interrupted())


__all__ = ("DONE", "KIND_CODES", "StreamEncoder")
