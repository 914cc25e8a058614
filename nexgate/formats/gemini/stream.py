"""Gemini ``streamGenerateContent`` chunks to internal stream events (encoder: stream_encoder).

Each Gemini chunk is a whole ``GenerateContentResponse`` holding only the new parts. Function
calls arrive whole on the Gemini API; Vertex AI may stream their arguments (``partialArgs``),
and a nameless call continues the previous one, so a call's arguments are sent on when the
next part, the finish or the end of the stream shows the call is complete. There is no end
sentinel: the chunk with a ``finishReason`` ends the turn. A part of another kind
(``executableCode``, ``codeExecutionResult``...) is a raw part, whole, as in a whole response.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec
from msgspec import UNSET

from ...events import (
    MessageEnd,
    MessageStart,
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
    RawPart,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
)
from ...sse import SSEEvent
from .._context import TranslationContext
from .._foreign import informative
from .._ids import digest, synthetic_call_id
from .._json import convert, dump_args, load_json
from .._stream import Parts, interrupted
from .._unmodeled import outside
from . import wire
from .errors import KIND_STATUSES, STATUS_KINDS
from .json_wire import CANDIDATE_EXTRAS, USAGE_EXTRAS, bare_candidate, bare_usage, set_fields
from .parts import TEXT_KEYS
from .request import normalize
from .response import decode_usage, map_gemini_finish
from .response_extras import CANDIDATES, NO_CANDIDATES, TOOL_USE_PROMPT, USAGE, response_extras
from .stream_args import PartialArgs
from .stream_encoder import StreamEncoder

#: Extras the typed path keeps already (see ``_keep_extras``), by their JSON names.
_TYPED_CANDIDATE_EXTRAS = frozenset(json_name for _, json_name in CANDIDATE_EXTRAS)
_TYPED_USAGE_EXTRAS = frozenset(json_name for _, json_name in USAGE_EXTRAS) | {
    "toolUsePromptTokenCount"
}
#: Top-level fields handled on their own: the start's createTime, a blocked prompt's feedback.
_TOP_LEVEL_DONE = frozenset({"createTime", "promptFeedback"})
#: Part keys the stream decoder understands; a part with other keys is kept raw, unless it is
#: a text or a call: then the other keys are losses (``partMetadata``...).
_KNOWN_KEYS = frozenset({"text", "thought", "thoughtSignature", "functionCall"})
#: A streamed call's keys (Vertex AI streams the arguments: see ``stream_args``).
_CALL_KEYS = frozenset({"name", "args", "id", "partialArgs", "willContinue"})
_PART_PATH = "$.candidates[0].content.parts[]"


class _Call:
    """A tool call whose arguments may still grow."""

    __slots__ = ("args", "index", "streaming")

    def __init__(self, index: int, args: PartialArgs, streaming: bool) -> None:
        self.index = index
        self.args = args
        #: Opened with ``willContinue``: nameless parts carry ``partialArgs`` until one without.
        self.streaming = streaming


class _Candidate(wire.Candidate):
    """A chunk's candidate, with the fields events have no place for held as JSON (to be
    reported as losses); the names are :data:`.json_wire.CANDIDATE_EXTRAS`'."""

    safety_ratings: Any = UNSET
    citation_metadata: Any = UNSET
    avg_logprobs: Any = UNSET
    logprobs_result: Any = UNSET
    grounding_metadata: Any = UNSET
    url_context_metadata: Any = UNSET
    finish_message: Any = UNSET
    token_count: Any = UNSET


class _Usage(wire.UsageMetadata):
    prompt_tokens_details: Any = UNSET
    cache_tokens_details: Any = UNSET
    candidates_tokens_details: Any = UNSET
    tool_use_prompt_tokens_details: Any = UNSET
    traffic_type: Any = UNSET
    service_tier: Any = UNSET


class _Chunk(wire.GenerateContentResponse):
    candidates: list[_Candidate] = msgspec.field(default_factory=list)  # type: ignore[assignment]
    usage_metadata: _Usage | None = None
    #: Kept whole (its safety ratings too): a blocked prompt's answer, written back as it came.
    prompt_feedback: Any = None


class _KnownCandidate(_Candidate, forbid_unknown_fields=True):
    pass


class _KnownUsage(_Usage, forbid_unknown_fields=True):
    pass


class _KnownChunk(_Chunk, forbid_unknown_fields=True):
    """A chunk of only the fields above: any other takes the general path, which keeps it."""

    candidates: list[_KnownCandidate] = msgspec.field(default_factory=list)  # type: ignore[assignment]
    usage_metadata: _KnownUsage | None = None


_chunk_decoder = msgspec.json.Decoder(_KnownChunk)

_SNAKE_KEY = re.compile(rb'"[a-z]+_[a-z_]+"\s*:')


def _fast_decode(data: bytes, camel: bool) -> _Chunk | None:
    """Decode a plain camelCase chunk straight from bytes; ``None`` sends it the slow way.

    Any snake_case-looking key (possibly inside tool arguments: harmless) or an ``error``
    field takes the general path, which normalizes casing and reports errors.
    """
    if b'"error"' in data[:32] or data.lstrip()[:1] != b"{":
        return None
    if not camel and _SNAKE_KEY.search(data):
        return None
    try:
        return _chunk_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


class StreamDecoder:
    """Gemini stream chunks in, internal events out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self._camel = False
        self.parts = Parts()
        self.started = False
        self.done = False
        #: The open text or reasoning part and its kind.
        self.current: int | None = None
        self.current_kind: str | None = None
        self.call: _Call | None = None
        self.calls = 0
        self.usage: UsageUpdate | None = None
        self.seed = ""
        self.warned_candidates = False
        self.lost_fields: set[str] = set()
        #: The fields events do not model, in the shape of ``Response.extras["gemini"]``: the
        #: first chunk's top-level ones (``createTime``), and what the chunks said since.
        self.opening: JSONObject = {}
        self.closing: JSONObject = {}

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self.done:
            return []
        out: list[StreamEvent] = []
        # One upstream does not switch casing mid-stream: once a chunk was camelCase, the
        # snake_case scan is skipped for the rest of the stream.
        body = _fast_decode(event.data, self._camel)
        if body is not None:
            self._camel = True
        else:  # an error, an array-wrapped chunk, snake_case or an unknown field
            body = self._general(event.data, out)
            if body is None:
                return out
        if not self.started:
            out.append(self._start(body, event.data))
        usage = body.usage_metadata
        if usage is not None:
            self.usage = UsageUpdate(usage=decode_usage(usage))
            out.append(self.usage)
        candidate = self._first_candidate(body.candidates)  # the others are a loss already
        if (
            (candidate is not None and not bare_candidate(candidate))
            or (usage is not None and (not bare_usage(usage) or usage.tool_use_prompt_token_count))
            or body.create_time is not None
        ):
            self._keep_extras(body, candidate)
        if candidate is not None and candidate.content is not None:
            for position, part in enumerate(candidate.content.parts):
                self._part(part, position, out)
        if candidate is not None and candidate.finish_reason is not None:
            self._finish(map_gemini_finish(candidate.finish_reason, self.calls > 0), out)
        elif type(body.prompt_feedback) is dict and body.prompt_feedback.get("blockReason"):
            raw = body.prompt_feedback["blockReason"]
            # Its reason ends the turn as a filtered finish; the feedback itself is kept.
            self.closing["promptFeedback"] = body.prompt_feedback
            if not body.candidates:
                self.closing[NO_CANDIDATES] = True
            self._finish(FinishReason(reason="content_filter", raw=str(raw)), out)
        return out

    def _start(self, body: _Chunk, data: bytes) -> MessageStart:
        self.started = True
        self.seed = body.response_id or digest(data.decode("utf-8", "replace"))
        model = body.model_version or self.ctx.model or ""
        if body.create_time is not None:
            self.opening["createTime"] = body.create_time
        return MessageStart(
            id=body.response_id or f"gen-{self.seed}",
            model=model,
            extras={"gemini": dict(self.opening)} if self.opening else {},
        )

    def _keep_extras(self, body: _Chunk, candidate: _Candidate | None) -> None:
        """Keep the fields events do not model (safety ratings, log probabilities, usage
        details...) for ``MessageEnd``. A later chunk's usage replaces the earlier (counts are
        cumulative); a candidate field or ``createTime`` that changes loses its earlier value."""
        created = body.create_time
        if created is not None and created != self.opening.get("createTime"):
            self._replace(self.closing, "createTime", created, "$.createTime")
        if candidate is not None and not bare_candidate(candidate):
            kept = self.closing.setdefault(CANDIDATES, {"0": {}})["0"]
            for name, value in set_fields(candidate, CANDIDATE_EXTRAS).items():
                self._replace(kept, name, value, f"$.candidates[0].{name}")
        usage = body.usage_metadata
        if usage is not None:
            rest = {} if bare_usage(usage) else set_fields(usage, USAGE_EXTRAS)
            if usage.tool_use_prompt_token_count:
                rest[TOOL_USE_PROMPT] = usage.tool_use_prompt_token_count
            if rest:
                self.closing[USAGE] = rest

    def _general(self, data: bytes, out: list[StreamEvent]) -> _Chunk | None:
        """The general path's chunk (``None``: an error event, appended to ``out``, or no
        chunk at all); the fields it has beyond the typed mirrors are kept."""
        chunk = load_json(data, "Gemini stream chunk")
        if isinstance(chunk, list):  # an error chunk is sometimes wrapped in an array
            chunk = chunk[0] if chunk else {}
        if not isinstance(chunk, dict):
            return None
        if isinstance(chunk.get("error"), dict):
            self.done = True
            out.append(_stream_error(chunk["error"]))
            return None
        chunk = normalize(chunk)
        body = convert(chunk, _Chunk, "Gemini stream chunk")
        if not self.started:
            out.append(self._start(body, data))
        self._keep_unknown(chunk)
        return body

    def _keep_unknown(self, chunk: JSONObject) -> None:
        """The fields of a chunk the typed mirrors do not know (a new field, another server's),
        kept as a whole response keeps them; the known extras are the typed path's."""
        for key, value in response_extras(chunk).items():
            if key == CANDIDATES:
                first = value.get("0") if isinstance(value, dict) else None
                if isinstance(first, dict):
                    kept = self.closing.setdefault(CANDIDATES, {"0": {}})["0"]
                    for name, field in first.items():
                        if name not in _TYPED_CANDIDATE_EXTRAS:
                            self._replace(kept, name, field, f"$.candidates[0].{name}")
            elif key == USAGE:
                rest = {k: v for k, v in value.items() if k not in _TYPED_USAGE_EXTRAS}
                if rest:
                    self.closing[USAGE] = {**self.closing.get(USAGE, {}), **rest}
            elif key not in _TOP_LEVEL_DONE:
                self._replace(self.closing, key, value, f"$.{key}")

    def _replace(self, fields: JSONObject, name: str, value: Any, path: str) -> None:
        earlier = fields.get(name)
        if earlier is not None and earlier != value and informative(earlier):
            self._lose_path(path)
        fields[name] = value

    def _lose_unmodeled(self, paths: Iterable[str]) -> None:
        """Fields beside or inside a streamed part that events cannot carry, once a stream."""
        for path in paths:
            if path not in self.lost_fields:
                self.lost_fields.add(path)
                self.ctx.lose("part_field_dropped", path, "not carried by nexgate")

    def _lose_path(self, path: str) -> None:
        if path not in self.lost_fields:
            self.lost_fields.add(path)
            self.ctx.lose(
                "response_field_dropped", path, "a later chunk replaced it: one value is kept"
            )

    def _first_candidate(self, candidates: list[_Candidate]) -> _Candidate | None:
        """Candidate 0, the one streamed; the others are a loss (recorded once)."""
        if len(candidates) == 1 and candidates[0].index == 0:
            return candidates[0]  # the usual chunk
        first = None
        for candidate in candidates:
            if candidate.index == 0 and first is None:
                first = candidate
            elif not self.warned_candidates:
                self.warned_candidates = True
                self.ctx.lose(
                    "extra_candidates_dropped",
                    "$.candidates",
                    "only the first candidate is streamed",
                )
        return first

    def close(self) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return [interrupted()]

    # ------------------------------------------------------------------ parts

    def _close_current(self, out: list[StreamEvent]) -> None:
        if self.current is not None:
            self.parts.end(self.current, out)
        self.current = self.current_kind = None
        call, self.call = self.call, None
        if call is not None:
            arguments = call.args.args
            if not call.args.valid:
                self.ctx.lose(
                    "tool_arguments_invalid", "$.functionCall.partialArgs", "unusable jsonPath"
                )
            out.append(ToolArgsDelta(index=call.index, json=dump_args(arguments)))
            self.parts.end(call.index, out)

    def _part(self, part: JSONObject, position: int, out: list[StreamEvent]) -> None:
        if len(part) == 1 and self.current_kind == "text" and self.current is not None:
            text = part.get("text")
            if isinstance(text, str) and text:  # the common case: more of the open text part
                out.append(TextDelta(index=self.current, text=text))
                return
        signature = part.get("thoughtSignature")
        sig = (
            Signature(format="gemini", value=signature)
            if isinstance(signature, str) and signature
            else None
        )
        call = part.get("functionCall")
        if not _KNOWN_KEYS.issuperset(part) and (isinstance(call, dict) or part.get("text")):
            self._lose_unmodeled(outside(part, _KNOWN_KEYS, _PART_PATH))
        if isinstance(call, dict):
            if part.get("text"):  # a part is one kind of data: the call is read, the text not
                self._lose_unmodeled((f"{_PART_PATH}.text",))
            if not _CALL_KEYS.issuperset(call):
                self._lose_unmodeled(outside(call, _CALL_KEYS, f"{_PART_PATH}.functionCall"))
            self._call(call, sig, out)
            return
        text = part.get("text")
        if not isinstance(text, str) or (not text and not TEXT_KEYS.issuperset(part)):
            # No text, or an empty one beside another kind of data (see parts.TEXT_KEYS).
            if not _KNOWN_KEYS.issuperset(part):
                self._raw(part, out)
                return
            if sig is None:
                return
            text = ""
        kind = "reasoning" if part.get("thought") is True else "text"
        # An empty part that only brings a signature (Gemini 3) belongs to the open part of its
        # kind; otherwise it becomes a part of its own, so a Gemini re-encode keeps it.
        if (text and kind != self.current_kind) or (sig is not None and kind != self.current_kind):
            self._close_current(out)
            skeleton = ReasoningPart() if kind == "reasoning" else TextPart(text="")
            self.current, self.current_kind = self.parts.start(skeleton, out), kind
        if self.current is None:
            return
        if text:
            delta = ReasoningDelta if kind == "reasoning" else TextDelta
            out.append(delta(index=self.current, text=text))
        if sig is not None:
            out.append(SignatureDelta(index=self.current, signature=sig))

    def _raw(self, part: JSONObject, out: list[StreamEvent]) -> None:
        """A part of a kind events do not model, whole (its signature too): a part of its own
        between the ones before and after it, as a whole response decodes it."""
        self._close_current(out)
        self.parts.end(self.parts.start(RawPart(format="gemini", data=part), out), out)

    def _call(self, raw: JSONObject, signature: Signature | None, out: list[StreamEvent]) -> None:
        call = convert(raw, wire.FunctionCall, "functionCall", "$.functionCall")
        open_call = self.call
        if not call.name:
            if open_call is not None:
                self._continue(open_call, raw, call.args, signature, out)
            else:  # never a call without a name
                self.ctx.lose("unsupported_part", "$.functionCall", "a call without a name")
            return
        self._close_current(out)
        call_id = call.id or synthetic_call_id(f"{self.seed}:0:{call.name}", self.calls)
        self.calls += 1
        part = ToolCallPart(id=call_id, name=call.name, signature=signature)
        index = self.parts.start(part, out)
        args = PartialArgs(call.args)
        args.add(_field(raw, "partialArgs", "partial_args"))
        self.call = _Call(index, args, _field(raw, "willContinue", "will_continue") is True)

    def _continue(
        self,
        call: _Call,
        raw: JSONObject,
        args: JSONObject | None,
        signature: Signature | None,
        out: list[StreamEvent],
    ) -> None:
        """A nameless functionCall: more arguments for the open call."""
        if args:
            call.args.args.update(args)
        call.args.add(_field(raw, "partialArgs", "partial_args"))
        if signature is not None:
            out.append(SignatureDelta(index=call.index, signature=signature))
        if call.streaming and _field(raw, "willContinue", "will_continue") is not True:
            self._close_current(out)

    def _finish(self, finish: FinishReason | None, out: list[StreamEvent]) -> None:
        self.done = True
        self._close_current(out)
        self.parts.end_all(out)
        usage = self.usage.usage if self.usage is not None else None
        out.append(
            MessageEnd(
                finish=finish or FinishReason(reason="stop"),
                usage=usage,
                extras={"gemini": self.closing} if self.closing else {},
            )
        )


def _field(raw: JSONObject, camel: str, snake: str) -> Any:
    return raw[camel] if camel in raw else raw.get(snake)


def _stream_error(error: JSONObject) -> StreamError:
    status = error.get("code")
    rpc = error.get("status")
    rpc = rpc if isinstance(rpc, str) else ""
    kind = STATUS_KINDS.get(rpc, "server")
    message = error.get("message")
    return StreamError(
        status=status
        if isinstance(status, int) and not isinstance(status, bool)
        else KIND_STATUSES.get(kind, (500, ""))[0],
        kind=kind,
        message=message if isinstance(message, str) else "",
        code=rpc or None,
    )


__all__ = ("StreamDecoder", "StreamEncoder")
