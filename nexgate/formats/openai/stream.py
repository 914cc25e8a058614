"""OpenAI chat-completion chunk streams to and from internal stream events.

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
- ``data: {"error": {...}}`` gives ``StreamError``; choices other than index 0 (``n`` > 1) are
  skipped with one recorded loss; a stream without ``[DONE]`` ends with ``stream_interrupted``.

Encoding (internal -> OpenAI): one ``chat.completion.chunk`` per delta with id, created and
model repeated; the first chunk is ``delta: {role: "assistant", content: ""}``; a tool call
opens with ``{index, id, type, function: {name, arguments: ""}}`` (index counting tool calls
only) and continues with argument fragments; reasoning goes to ``delta.reasoning_content``; a
Gemini signature rides on the call's first fragment as ``extra_content``; at the end the
finish chunk, then the usage chunk (``choices: []``) when usage is known and the caller's
request (if given) asked for it with ``stream_options.include_usage``, then ``[DONE]``
exactly once. An error ends the stream with ``data: {"error": {...}}`` and no ``[DONE]``; so
does ``close()`` before the end.
"""

from __future__ import annotations

from typing import Any

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
from .._foreign import informative, lose_error_finish, own_extras
from .._json import convert, dump_json, load_json
from .._stream import Parts, interrupted
from . import wire
from .errors import ERROR_TYPES
from .response import (
    USAGE_HINTS,
    decode_usage,
    encode_usage,
    map_openai_finish,
    to_openai_finish,
)
from .response_decode import usage_hints

_DONE = b"[DONE]"


class _FunctionDelta(msgspec.Struct, kw_only=True):
    name: str | None = None
    arguments: str | None = None


class _ToolCallDelta(msgspec.Struct, kw_only=True):
    index: int | None = None  # Gemini's OpenAI-compatible endpoint sends none
    id: str | None = None
    function: _FunctionDelta | None = None
    extra_content: dict[str, Any] | None = None


class _Delta(msgspec.Struct, kw_only=True):
    content: str | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    thinking_blocks: list[dict[str, Any]] | None = None
    tool_calls: list[_ToolCallDelta] | None = None


class _Choice(msgspec.Struct, kw_only=True):
    index: int = 0
    delta: _Delta | None = None
    finish_reason: str | None = None
    logprobs: Any = None  # events have no place for them: a loss


class _PromptDetails(wire.PromptDetails):
    audio_tokens: Any = None


class _CompletionDetails(wire.CompletionDetails):
    audio_tokens: Any = None
    accepted_prediction_tokens: Any = None
    rejected_prediction_tokens: Any = None


class _Usage(wire.CompletionUsage):
    """Usage with the details events have no place for (a loss when they count anything)."""

    prompt_tokens_details: _PromptDetails | None = None
    completion_tokens_details: _CompletionDetails | None = None


class _Chunk(msgspec.Struct, kw_only=True):
    """The parts of a ``chat.completion.chunk`` the decoder reads (others are ignored)."""

    id: str | None = None
    model: str | None = None
    created: int | float | None = None
    choices: list[_Choice] | None = None
    usage: _Usage | None = None
    system_fingerprint: Any = None
    service_tier: Any = None
    error: Any = None


_chunk_decoder = msgspec.json.Decoder(_Chunk)


def _decode_chunk(data: bytes) -> _Chunk:
    try:
        return _chunk_decoder.decode(data)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        # Slow path for the error message only: these helpers name the problem and path.
        return convert(load_json(data, "OpenAI stream chunk"), _Chunk, "OpenAI stream chunk")


def _envelope_fields(chunk: _Chunk) -> JSONObject:
    """The chunk's fields beyond id, model and created, in the order OpenAI sends them."""
    fields: JSONObject = {}
    if chunk.service_tier is not None:
        fields["service_tier"] = chunk.service_tier
    if chunk.system_fingerprint is not None:
        fields["system_fingerprint"] = chunk.system_fingerprint
    return fields


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
        if data[:1] != b"{" and data.strip() == _DONE:
            self._finish(out)
            return out
        chunk = _decode_chunk(data)
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
                self.opening = _envelope_fields(chunk)
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

    def _lose(self, path: str) -> None:
        """A field events have no place for, reported once per stream."""
        if path not in self.lost_fields:
            self.lost_fields.add(path)
            self.ctx.lose(
                "response_field_dropped", path, "stream events have no place for this field"
            )

    def _keep_envelope(self, chunk: _Chunk) -> None:
        """Fields every chunk repeats: what differs from the first chunk's goes to the end
        (each chunk usually repeats the same values: one comparison)."""
        fields = _envelope_fields(chunk)
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

    def _choice(self, choice: _Choice, out: list[StreamEvent]) -> None:
        if choice.index != 0:
            if not self.warned_choices:
                self.warned_choices = True
                self.ctx.lose(
                    "extra_choices_dropped", "$.choices", "only the first choice is streamed"
                )
            return
        if choice.logprobs and informative(choice.logprobs):
            self._lose("$.choices[0].logprobs")
        delta = choice.delta
        if delta is not None:
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
        if choice.finish_reason:  # Ollama and sglang send "" on every chunk but the last
            self.finish_raw = choice.finish_reason
            self.parts.end_all(out)
            self.text = self.reasoning = None

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

    def _call_index(self, call: _ToolCallDelta) -> int:
        """The call a fragment belongs to. Without an ``index``, a new ``id`` starts a call
        and a fragment without one continues the last (keys below zero: apart from real
        indexes)."""
        if call.index is not None:
            return call.index
        last = self.last_call
        if last is None or (call.id and call.id != last[1]):
            return -1 - len(self.tools)
        return last[0]

    def _tool_call(self, call: _ToolCallDelta, out: list[StreamEvent]) -> None:
        function = call.function
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
        self.parts.end_all(out)
        finish = map_openai_finish(self.finish_raw, bool(self.tools)) or FinishReason(reason="stop")
        extras = {"openai": self.closing} if self.closing else {}
        out.append(MessageEnd(finish=finish, usage=decode_usage(self.usage), extras=extras))

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
        if isinstance(event, PartEnd) and event.index in self.no_arguments:
            # A call without arguments: "{}", as a whole response says, so that the caller's
            # JSON parse of the joined fragments works.
            self.no_arguments.discard(event.index)
            return self.encode(ToolArgsDelta(index=event.index, json="{}"))
        return b""  # PartEnd: OpenAI chunks do not mark the end of a part

    def _part_start(self, event: PartStart) -> bytes:
        part = event.part
        if isinstance(part, ReasoningPart) and part.redacted_data is not None:
            return self._redacted(part)
        if not isinstance(part, ToolCallPart):
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
        return ending + out + encode_event(_DONE)

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
