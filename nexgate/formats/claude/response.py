"""Anthropic Messages responses to and from the internal :class:`~nexgate.schema.Response`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...schema import (
    Choice,
    FinishReason,
    FinishReasonName,
    JSONObject,
    Part,
    RawPart,
    ReasoningPart,
    Response,
    TextPart,
    ToolCallPart,
    Usage,
)
from .._context import TranslationContext
from .._foreign import (
    informative,
    informative_fields,
    lose_error_finish,
    lose_foreign_fields,
)
from .._ids import digest
from .._json import convert
from . import wire
from .blocks import encode_content, encode_tool_call, safe_id
from .plain import unknown_fields
from .request import convert_typed, decode_content, decode_typed_content
from .unmodeled import lose_unmodeled_blocks

#: Response extras key for usage fields nexgate does not model.
USAGE_EXTRAS = "_usage"
#: Response extras key for text citations, by the index of the part they belong to.
CITATIONS = "_citations"

#: Claude stop reasons, as normalized reasons.
STOP_REASONS: dict[str, FinishReasonName] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "pause",
    "refusal": "content_filter",
    "model_context_window_exceeded": "length",
}

TO_STOP_REASON: dict[FinishReasonName, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
    "pause": "pause_turn",
    "error": "end_turn",
    "other": "end_turn",
}


def map_claude_stop(raw: str | None, has_tool_calls: bool) -> FinishReason | None:
    if raw is None:
        return None
    reason = STOP_REASONS.get(raw, "other")
    if has_tool_calls and reason == "stop":
        reason = "tool_calls"
    return FinishReason(reason=reason, raw=raw)


def to_claude_stop(
    finish: FinishReason | None, has_tool_calls: bool, stop_sequence: str | None
) -> str:
    if finish is None:
        return "tool_use" if has_tool_calls else "end_turn"
    if finish.raw in STOP_REASONS:
        return finish.raw
    if has_tool_calls and finish.reason in ("stop", "tool_calls"):
        return "tool_use"
    if finish.reason == "tool_calls" and not has_tool_calls:
        # Its calls could not be carried (another format's custom tool): a tool_use stop
        # with no tool_use block leaves a tool loop nothing to run, and Claude refuses it back.
        return "end_turn"
    if finish.reason == "stop" and stop_sequence is not None:
        return "stop_sequence"
    return TO_STOP_REASON[finish.reason]


def decode_usage(usage: wire.ClaudeUsage) -> Usage:
    """Claude's ``input_tokens`` excludes cache reads and writes; internal input includes them."""
    read = usage.cache_read_input_tokens or 0
    write = usage.cache_creation_input_tokens or 0
    details = usage.output_tokens_details
    reasoning = details.get("thinking_tokens") if details else None
    return Usage(
        input_tokens=usage.input_tokens + read + write,
        output_tokens=usage.output_tokens,
        cache_read_tokens=read,
        cache_write_tokens=write,
        reasoning_tokens=reasoning if isinstance(reasoning, int) else 0,
    )


def encode_usage(usage: Usage) -> JSONObject:
    """The inverse of :func:`decode_usage` (thinking tokens only when there are some)."""
    fresh = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
    out: JSONObject = {
        "input_tokens": fresh if fresh > 0 else 0,  # cheaper than max()
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": usage.output_tokens,
    }
    if usage.reasoning_tokens:
        out["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    return out


def message_extras(obj: JSONObject) -> dict[str, JSONObject]:
    """Fields nexgate does not model (``stop_details``, ``container``, usage details such as
    ``service_tier``), kept so that a Claude caller gets them back. ``obj``: a message (a
    response, or a stream's ``message_start`` message)."""
    usage = obj.get("usage")
    if wire.RESPONSE_FIELDS.issuperset(obj) and (
        not isinstance(usage, dict) or wire.USAGE_FIELDS.issuperset(usage)
    ):
        return {}  # the usual case, told by two set comparisons
    extras = unknown_fields(obj, wire.RESPONSE_FIELDS)
    if isinstance(usage, dict):
        more = unknown_fields(usage, wire.USAGE_FIELDS)
        if more:
            extras[USAGE_EXTRAS] = more
    return {"claude": extras} if extras else {}


def decode_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    """Decode an Anthropic Messages response."""
    obj, cited = _citations_aside(obj)
    # As in request.decode_request: one typed conversion, else the general path.
    typed = convert_typed(obj, wire.TypedMessageResponse)
    if typed is None:
        body = convert(obj, wire.MessageResponse, "Claude response")
        parts = decode_content(body.content, "$.content", ctx)
    else:
        body = typed
        parts = decode_typed_content(typed.content, obj.get("content") or [], ctx)
    lose_unmodeled_blocks(obj.get("content"), "$.content", ctx)
    extras = message_extras(obj)
    if cited:
        extras.setdefault("claude", {})[CITATIONS] = _by_part(cited, parts)
    return build_response(body, parts, extras, ctx)


def _citations_aside(obj: JSONObject) -> tuple[JSONObject, list[tuple[Any, Any]]]:
    """``obj`` without its text blocks' ``citations``, and those as (text, citations) in
    order: a response keeps them in its extras (parts have no place for them)."""
    content = obj.get("content")
    if type(content) is not list or not any(
        type(block) is dict and block.get("citations") for block in content
    ):
        return obj, []
    cited: list[tuple[Any, Any]] = []
    blocks = []
    for block in content:
        if type(block) is dict and block.get("type") == "text" and block.get("citations"):
            cited.append((block.get("text"), block["citations"]))
            block = {key: value for key, value in block.items() if key != "citations"}
        blocks.append(block)
    return {**obj, "content": blocks}, cited


def _by_part(cited: list[tuple[Any, Any]], parts: list[Part]) -> JSONObject:
    """The citations of each text part (by its index), matched in order by text."""
    out: JSONObject = {}
    at = 0
    for text, citations in cited:
        for i in range(at, len(parts)):
            part = parts[i]
            if type(part) is TextPart and part.text == text:
                out[str(i)] = citations
                at = i + 1
                break
    return out


def _cite(content: list[JSONObject], parts: list[Part], cited: Any) -> None:
    """Put a Claude source's citations back on the text blocks of the parts they belong to."""
    if not isinstance(cited, dict):
        return
    at = 0
    for index, citations in cited.items():
        position = int(index) if isinstance(index, str) and index.isdigit() else -1
        if not 0 <= position < len(parts) or type(parts[position]) is not TextPart:
            continue
        text = parts[position].text  # type: ignore[union-attr]
        for j in range(at, len(content)):
            block = content[j]
            if block.get("type") == "text" and block.get("text") == text:
                block["citations"] = citations
                at = j + 1
                break


def build_response(
    body: wire.MessageResponse,
    parts: list[Part],
    extras: dict[str, JSONObject],
    ctx: TranslationContext,
) -> Response:
    """The response of a converted body whose content is already ``parts``."""
    has_calls = ToolCallPart in map(type, parts)  # cheaper than any() over a generator
    choice = Choice(
        parts=parts,
        finish=map_claude_stop(body.stop_reason, has_calls),
        stop_sequence=body.stop_sequence,
    )
    return Response(
        id=body.id,
        model=body.model or ctx.model or "",
        choices=[choice],
        usage=decode_usage(body.usage) if body.usage else None,
        extras=extras,
    )


def _encode_reasoning(part: ReasoningPart, path: str, ctx: TranslationContext) -> JSONObject | None:
    """Claude's own reasoning as issued. Foreign or unsigned reasoning keeps its text in a
    thinking block with an empty signature (``anthropic.types.Message`` accepts it, and the
    streamed form is the same); the signature cannot travel, which is a recorded loss."""
    if part.signature is not None and part.signature.format == "claude":
        if part.redacted_data is not None:
            return {"type": "redacted_thinking", "data": part.redacted_data}
        return {"type": "thinking", "thinking": part.text, "signature": part.signature.value}
    if part.signature is not None or part.redacted_data is not None:
        issuer = part.signature.format if part.signature else "an unknown issuer"
        ctx.lose("signature_not_replayable", path, f"a signature of {issuer} cannot reach claude")
    if not part.text:
        return None
    return {"type": "thinking", "thinking": part.text, "signature": ""}


def _encode_part(part: Part, path: str, ctx: TranslationContext) -> JSONObject | None:
    if isinstance(part, ReasoningPart):
        return _encode_reasoning(part, path, ctx)
    block: JSONObject | None = None
    if isinstance(part, ToolCallPart):
        block = encode_tool_call(part, path, ctx)
    elif isinstance(part, TextPart):
        block = encode_content(part, path, ctx)
    if block is not None:
        block.pop("cache_control", None)  # a request-only marker
        return block
    if isinstance(part, ToolCallPart | TextPart):
        return None
    if isinstance(part, RawPart) and part.format == "claude":
        return part.data
    ctx.lose("unsupported_part", path, f"a {type(part).__name__} has no Claude response form")
    return None


def _plain_block(part: Part) -> JSONObject | None:
    """A text or tool-call part that records no loss, as a block; else ``None`` (the general
    path, which needs the part's JSON path, handles it)."""
    if type(part) is TextPart:
        if part.text and part.signature is None:
            return {"type": "text", "text": part.text}  # cache_control is request-only
    elif type(part) is ToolCallPart and part.signature is None and part.raw_arguments is None:
        return {
            "type": "tool_use",
            "id": safe_id(part.id),
            "name": part.name,
            "input": part.arguments,
        }
    return None


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as an Anthropic Messages response (the first choice)."""
    if response.extras:
        lose_foreign_fields(response, ctx)
    choice = response.choices[0] if response.choices else Choice()
    if len(response.choices) > 1:
        ctx.lose("extra_choices_dropped", "$.choices", "Claude answers with one message")
    content: list[JSONObject] = []
    has_calls = False
    for i, part in enumerate(choice.parts):
        if type(part) is TextPart and part.text and part.signature is None:
            # Plain text, the most common part, inlined (cache_control is request-only).
            content.append({"type": "text", "text": part.text})
            continue
        block = _plain_block(part)
        if block is None:
            block = _encode_part(part, f"$.choices[0].parts[{i}]", ctx)
            if block is None:
                continue
        has_calls = has_calls or block.get("type") == "tool_use"
        content.append(block)
    lose_error_finish(choice.finish, "$.stop_reason", ctx)
    out: JSONObject = {
        "id": response.id or f"msg_{digest(repr(response.choices))}",
        "type": "message",
        "role": "assistant",
        "model": response.model or ctx.model or "",
        "content": content,
        "stop_reason": to_claude_stop(choice.finish, has_calls, choice.stop_sequence),
        "stop_sequence": choice.stop_sequence,
        "usage": encode_usage(response.usage or Usage()),
    }
    extras = response.extras.get("claude")
    if extras:
        if CITATIONS in extras:
            _cite(content, choice.parts, extras[CITATIONS])
        add_extras(out, out["usage"], extras)
    return out


def add_extras(fields: JSONObject, usage: JSONObject, extras: JSONObject) -> None:
    """Fields a Claude source had that nexgate does not model, back where they were: the
    usage's into ``usage``, the others into ``fields`` (a message, or a stream's
    ``message_delta`` delta). Modeled fields already written win."""
    more = extras.get(USAGE_EXTRAS)
    if isinstance(more, dict):
        usage.update({key: value for key, value in more.items() if key not in usage})
    fields.update(
        {key: value for key, value in extras.items() if key not in fields and key[:1] != "_"}
    )


def extra_paths(extras: JSONObject) -> Iterator[str]:
    """The JSON paths of the information in Claude response ``extras``."""
    for key, value in extras.items():
        if key == USAGE_EXTRAS:
            yield from informative_fields(value, "$.usage")
        elif key == CITATIONS and isinstance(value, dict):
            for index, citations in value.items():
                if informative(citations):
                    yield f"$.content[{index}].citations"
        elif not key.startswith("_") and informative(value):
            yield f"$.{key}"
