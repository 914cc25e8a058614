"""OpenAI chat-completion chunk streams to internal stream events (encoder: stream_encoder.py).

Internal event conventions (shared by every format's stream codec; see ``nexgate.events``):
part indexes are positions in the final message, numbered in order of first appearance; a
decoder emits ``MessageStart`` first, then for each part ``PartStart`` with its skeleton
(``TextPart(text="")``, ``ReasoningPart()``, ``ToolCallPart(id, name)`` with any signature),
its deltas, ``PartEnd``; ``UsageUpdate`` whenever cumulative usage becomes known;
``MessageEnd`` only at the format's terminal condition, carrying the final usage;
``StreamError`` for an upstream error event (status and kind from its type) and for a stream
that ended early (status 502, kind ``stream_interrupted``). Encoders accept interleaved parts.

Decoding (OpenAI -> internal):
- the first chunk gives ``MessageStart(id, model, created)``;
- ``delta.content`` and ``delta.refusal`` both stream into one text part (a refusal is the
  text the caller would show; the distinction is not carried);
- ``delta.reasoning_content`` (extension) streams a reasoning part; ``delta.thinking_blocks``
  (extension) carries a Claude thinking signature back as ``SignatureDelta``, and a
  ``redacted_thinking`` block as a whole reasoning part with ``redacted_data``;
- ``delta.tool_calls`` fragments are routed by their ``index`` (fragments of different calls
  may interleave): the first fragment of an index opens a tool-call part (id, name, and a
  Gemini signature from ``extra_content.google.thought_signature``), every ``arguments``
  fragment becomes a ``ToolArgsDelta``;
- the ``finish_reason`` is remembered (parts close there); a ``choices: []`` usage chunk gives
  ``UsageUpdate``; ``MessageEnd`` waits for ``data: [DONE]`` so it carries that usage;
- ``delta.annotations`` (a search model's citations) and ``delta.audio`` give a ``RawDelta``
  of the open text part (or of the message), which only an OpenAI encoder writes back;
- ``data: {"error": {...}}`` gives ``StreamError``; choices other than index 0 (``n`` > 1) are
  skipped with one recorded loss; a stream without ``[DONE]`` ends with ``stream_interrupted``.
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
from ...schema import (
    FinishReason,
    JSONObject,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
)
from ...sse import SSEEvent
from .._context import TranslationContext
from .._foreign import informative
from .._json import load_json
from .._stream import Parts, interrupted
from . import wire
from .messages import custom_call_part
from .response import (
    USAGE_HINTS,
    decode_usage,
    map_openai_finish,
)
from .response_decode import usage_hints
from .stream_chunks import (
    STRICT_DECODER,
    Chunk,
    ChunkChoice,
    Delta,
    FunctionDelta,
    ToolCallDelta,
    decode_chunk,
    envelope_fields,
    unmodeled_paths,
)
from .stream_encoder import DONE, KIND_CODES, StreamEncoder

#: The key of a legacy ``function_call`` among the stream's calls (apart from real indexes).
_LEGACY_CALL = -(2**31)


def _google_signature(extra: dict[str, Any] | None) -> Signature | None:
    google = extra.get("google") if extra else None
    value = google.get("thought_signature") if isinstance(google, dict) else None
    return Signature(format="gemini", value=value) if isinstance(value, str) and value else None


class StreamDecoder:
    """OpenAI SSE events in, internal events out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.parts = Parts()
        self.started = False
        self.done = False
        self.text: int | None = None
        self.reasoning: int | None = None
        self.tools: dict[int, int] = {}  # OpenAI tool-call index -> part index
        #: Custom tools' calls, by tool-call index, whole so far: a raw part when complete.
        self.custom: dict[int, JSONObject] = {}
        self.last_call: tuple[int, str | None] | None = None  # (index, id) of the last call
        self.finish_raw: str | None = None
        self.usage: wire.CompletionUsage | None = None
        self.warned_choices = False
        self.lost_fields: set[str] = set()
        #: The chunks' own fields (``system_fingerprint``, ``service_tier``) as the first one
        #: had them, and what the stream said later: ``MessageStart``/``MessageEnd`` extras.
        self.opening: JSONObject = {}
        self.closing: JSONObject = {}

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self.done:
            return []
        out: list[StreamEvent] = []
        data = event.data
        if data[:1] != b"{" and data.strip() == DONE:
            self._finish(out)
            return out
        chunk = self._decode(data)
        if chunk.error is not None:
            self.done = True
            error = chunk.error if isinstance(chunk.error, dict) else {"message": chunk.error}
            out.append(_stream_error(error))
            return out
        if not self.started:
            if not chunk.id and not chunk.choices and chunk.usage is None:
                return out  # Azure's prompt_filter_results chunk: the message starts next
            self.started = True
            created = chunk.created
            if chunk.system_fingerprint is not None or chunk.service_tier is not None:
                self.opening = envelope_fields(chunk)
            out.append(
                MessageStart(
                    id=chunk.id or "",
                    model=chunk.model or self.ctx.model or "",
                    created=int(created) if created is not None else None,
                    extras={"openai": self.opening} if self.opening else {},
                )
            )
        if chunk.choices:
            for choice in chunk.choices:
                self._choice(choice, out)
        if chunk.usage is not None:
            self.usage = chunk.usage
            usage = decode_usage(chunk.usage)
            if usage is not None:
                out.append(UsageUpdate(usage=usage))
            self._keep_usage(event.data)
        if chunk.system_fingerprint is not None or chunk.service_tier is not None:
            self._keep_envelope(chunk)
        return out

    def _decode(self, data: bytes) -> Chunk:
        """The chunk; any field inside its choices that events cannot carry is a loss, once a
        stream (the strict decode refuses such a chunk, which is then read leniently)."""
        try:
            strict = STRICT_DECODER.decode(data)
        except msgspec.ValidationError:
            chunk = decode_chunk(data)
            for path in unmodeled_paths(load_json(data, "OpenAI stream chunk")):
                self._lose_field(path)
            return chunk
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
            return decode_chunk(data)  # words the error
        for choice in strict.choices or ():
            if choice.stop_reason is not None:
                self._lose_field(f"$.choices[{choice.index}].stop_reason")
        return strict

    def _lose_field(self, path: str) -> None:
        if path not in self.lost_fields:
            self.lost_fields.add(path)
            self.ctx.lose("part_field_dropped", path, "not carried by nexgate")

    def _lose(self, path: str) -> None:
        """A field events have no place for, reported once per stream."""
        if path not in self.lost_fields:
            self.lost_fields.add(path)
            self.ctx.lose(
                "response_field_dropped", path, "stream events have no place for this field"
            )

    def _keep_envelope(self, chunk: Chunk) -> None:
        """Fields every chunk repeats: what differs from the first chunk's goes to the end
        (each chunk usually repeats the same values: one comparison)."""
        fields = envelope_fields(chunk)
        if fields == self.opening:
            return
        for name, value in fields.items():
            if value != self.opening.get(name):
                earlier = self.closing.get(name)
                if earlier is not None and earlier != value:
                    self._lose(f"$.{name}")  # the stream changed it twice: one value is lost
                self.closing[name] = value

    def _keep_usage(self, data: bytes) -> None:
        """The usage chunk's fields beyond the counts, as a whole response keeps them
        (``USAGE_HINTS``). Read from the chunk's JSON (once a stream): the typed decode knows
        only the documented fields, and other servers add their own."""
        hints = usage_hints(load_json(data, "OpenAI stream chunk"))
        if hints:
            self.closing[USAGE_HINTS] = hints
        else:
            self.closing.pop(USAGE_HINTS, None)

    def _choice(self, choice: ChunkChoice, out: list[StreamEvent]) -> None:
        if choice.index != 0:
            if not self.warned_choices:
                self.warned_choices = True
                self.ctx.lose(
                    "extra_choices_dropped", "$.choices", "only the first choice is streamed"
                )
            return
        if choice.logprobs and informative(choice.logprobs):
            self._lose("$.choices[0].logprobs")
        if choice.delta is not None:
            self._delta(choice.delta, out)
        if choice.finish_reason:  # Ollama and sglang send "" on every chunk but the last
            self.finish_raw = choice.finish_reason
            self._custom_calls(out)
            self.parts.end_all(out)
            self.text = self.reasoning = None

    def _delta(self, delta: Delta, out: list[StreamEvent]) -> None:
        if delta.reasoning_content:
            self._reasoning(delta.reasoning_content, out)
        if delta.thinking_blocks:
            self._thinking_blocks(delta.thinking_blocks, out)
        if delta.content:
            self._text(delta.content, out)
        if delta.refusal:
            if "$.choices[0].delta.refusal" not in self.lost_fields:
                self.lost_fields.add("$.choices[0].delta.refusal")
                self.ctx.emulate(
                    "refusal_as_text",
                    "$.choices[0].delta.refusal",
                    "stream events carry a refusal as ordinary text",
                )
            self._text(delta.refusal, out)
        if delta.tool_calls:
            for call in delta.tool_calls:
                self._tool_call(call, out)
        if delta.function_call is not None:
            self._function_call(delta.function_call, out)
        if delta.annotations or delta.audio:
            self._raw(delta, out)

    def _raw(self, delta: Delta, out: list[StreamEvent]) -> None:
        """OpenAI's own delta fields, as they came, on the open text part (citations index
        into its text) or, with none open, on the message."""
        data: JSONObject = {}
        if delta.annotations:
            data["annotations"] = delta.annotations
        if delta.audio:
            data["audio"] = delta.audio
        out.append(RawDelta(index=self.text, format="openai", data=data))

    def _text(self, text: str, out: list[StreamEvent]) -> None:
        if self.text is None:
            if self.reasoning is not None:  # the answer follows the reasoning: that is done
                self.parts.end(self.reasoning, out)
                self.reasoning = None
            self.text = self.parts.start(TextPart(text=""), out)
        out.append(TextDelta(index=self.text, text=text))

    def _reasoning(self, text: str, out: list[StreamEvent]) -> None:
        if self.reasoning is None:
            if self.text is not None:
                self.parts.end(self.text, out)
                self.text = None
            self.reasoning = self.parts.start(ReasoningPart(), out)
        out.append(ReasoningDelta(index=self.reasoning, text=text))

    def _thinking_blocks(self, blocks: list[dict[str, Any]], out: list[StreamEvent]) -> None:
        for block in blocks:
            data = block.get("data")
            if block.get("type") == "redacted_thinking" and isinstance(data, str):
                # A redacted block arrives whole: it is a part of its own, opened and closed.
                if self.reasoning is not None:
                    self.parts.end(self.reasoning, out)
                    self.reasoning = None
                signature = Signature(format="claude", value="")
                part = ReasoningPart(redacted_data=data, signature=signature)
                self.parts.end(self.parts.start(part, out), out)
                continue
            value = block.get("signature")
            if isinstance(value, str) and value:
                if self.reasoning is None:
                    self.reasoning = self.parts.start(ReasoningPart(), out)
                signature = Signature(format="claude", value=value)
                out.append(SignatureDelta(index=self.reasoning, signature=signature))

    def _function_call(self, function: FunctionDelta, out: list[StreamEvent]) -> None:
        """A legacy ``function_call`` fragment, as a tool call (its id made up: it has none)."""
        started = _LEGACY_CALL in self.tools
        if not started:
            self.ctx.emulate(
                "function_call_as_tool_call",
                "$.choices[0].delta.function_call",
                "a legacy function call is carried as a tool call",
            )
        call_id = None if started else "call_function_call"
        self._tool_call(ToolCallDelta(index=_LEGACY_CALL, id=call_id, function=function), out)

    def _call_index(self, call: ToolCallDelta) -> int:
        """The call a fragment belongs to. Without an ``index``, a new ``id`` starts a call
        and a fragment without one continues the last (keys below zero: apart from real
        indexes)."""
        if call.index is not None:
            return call.index
        last = self.last_call
        if last is None or (call.id and call.id != last[1]):
            return -1 - len(self.tools) - len(self.custom)
        return last[0]

    def _custom_call(self, call: ToolCallDelta) -> None:
        """A fragment of a custom tool's call: its input is gathered until the choice ends
        (a raw part comes whole), then :meth:`_custom_calls` sends the call on."""
        custom = call.custom or {}
        key = self._call_index(call)
        gathered = self.custom.get(key)
        if gathered is None:
            gathered = {"id": call.id or "", "type": "custom", "custom": {}}
            self.custom[key] = gathered
            self.last_call = (key, call.id)
        whole = gathered["custom"]
        for name, value in custom.items():  # the name, and whatever else the call has
            if name != "input":
                whole.setdefault(name, value)
        text = custom.get("input")
        if isinstance(text, str):
            whole["input"] = whole.get("input", "") + text
        if call.extra_content:  # kept with the call, as a whole answer keeps it
            gathered.setdefault("extra_content", {}).update(call.extra_content)

    def _custom_calls(self, out: list[StreamEvent]) -> None:
        for call in self.custom.values():  # in the order they began
            self.parts.end(self.parts.start(custom_call_part(call), out), out)
        self.custom.clear()

    def _tool_call(self, call: ToolCallDelta, out: list[StreamEvent]) -> None:
        function = call.function
        if function is None and (call.custom is not None or self._call_index(call) in self.custom):
            self._custom_call(call)
            return
        if self.custom and self._call_index(call) not in self.tools:
            # Another call starts: the custom ones before it are complete (calls stream one
            # after another), and go first, in their place.
            self._custom_calls(out)
        key = self._call_index(call)
        index = self.tools.get(key)
        if index is None:
            # A tool call starts: text or reasoning before it is complete.
            for open_index in (self.text, self.reasoning):
                if open_index is not None:
                    self.parts.end(open_index, out)
            self.text = self.reasoning = None
            part = ToolCallPart(
                id=call.id or "",
                name=(function.name if function is not None else None) or "",
                signature=_google_signature(call.extra_content),
            )
            index = self.tools[key] = self.parts.start(part, out)
            self.last_call = (key, call.id)
        elif call.extra_content:
            signature = _google_signature(call.extra_content)
            if signature is not None:
                out.append(SignatureDelta(index=index, signature=signature))
        if function is not None and function.arguments:
            out.append(ToolArgsDelta(index=index, json=function.arguments))

    def _finish(self, out: list[StreamEvent]) -> None:
        self.done = True
        self._custom_calls(out)
        self.parts.end_all(out)
        finish = map_openai_finish(self.finish_raw, bool(self.tools)) or FinishReason(reason="stop")
        extras = {"openai": self.closing} if self.closing else {}
        out.append(MessageEnd(finish=finish, usage=decode_usage(self.usage), extras=extras))

    def close(self) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return [interrupted()]


#: The kinds an OpenAI stream error's code says (see ``stream_encoder.KIND_CODES``).
_CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}
_KIND_STATUS = {
    "overloaded": 503,
    "rate_limit": 429,
    "quota": 429,
    "context_length": 400,
    "request_too_large": 413,
    "stream_interrupted": 502,
    "bad_request": 400,
    "authentication": 401,
    "permission": 403,
    "not_found": 404,
    "timeout": 504,
}
#: The kind an error ``type`` says by itself (several kinds share ``invalid_request_error`` and
#: ``server_error``: each type reads as its broadest kind; a ``code`` may say more).
_TYPE_KINDS = {
    "invalid_request_error": "bad_request",
    "authentication_error": "authentication",
    "permission_error": "permission",
    "not_found_error": "not_found",
    "rate_limit_error": "rate_limit",
    "insufficient_quota": "quota",
    "server_error": "server",
}


def _stream_error(error: JSONObject) -> StreamError:
    code = error.get("code")
    code_text = str(code) if code is not None and code != "" else None
    kind = _CODE_KINDS.get(code_text or "") or _TYPE_KINDS.get(str(error.get("type")), "server")
    message = error.get("message")
    return StreamError(
        status=_KIND_STATUS.get(kind, 500),
        kind=kind,
        message=message if isinstance(message, str) else str(message or ""),
        code=code_text,
    )


__all__ = ("StreamDecoder", "StreamEncoder")
