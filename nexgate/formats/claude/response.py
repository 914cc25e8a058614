"""Anthropic Messages responses to and from the internal :class:`~nexgate.schema.Response`."""

from __future__ import annotations

from ...schema import (
    Choice,
    DocumentPart,
    FinishReason,
    FinishReasonName,
    ImagePart,
    JSONObject,
    RawPart,
    ReasoningPart,
    Response,
    TextPart,
    ToolCallPart,
    Usage,
)
from .._context import TranslationContext
from .._ids import digest
from .._json import convert
from . import wire
from .blocks import decode_blocks, encode_content, encode_reasoning, encode_tool_call

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
    if finish.reason == "stop" and stop_sequence is not None:
        return "stop_sequence"
    return TO_STOP_REASON[finish.reason]


def decode_usage(usage: wire.ClaudeUsage) -> Usage:
    """Claude's ``input_tokens`` excludes cache reads and writes; internal input includes them."""
    read = usage.cache_read_input_tokens or 0
    write = usage.cache_creation_input_tokens or 0
    details = usage.output_tokens_details or {}
    reasoning = details.get("thinking_tokens")
    return Usage(
        input_tokens=usage.input_tokens + read + write,
        output_tokens=usage.output_tokens,
        cache_read_tokens=read,
        cache_write_tokens=write,
        reasoning_tokens=reasoning if isinstance(reasoning, int) else 0,
    )


def encode_usage(usage: Usage) -> JSONObject:
    return {
        "input_tokens": max(
            0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
        ),
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": usage.output_tokens,
    }


def decode_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    """Decode an Anthropic Messages response."""
    body = convert(obj, wire.MessageResponse, "Claude response")
    parts = decode_blocks(body.content, "$.content")
    has_calls = any(isinstance(p, ToolCallPart) for p in parts)
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
    )


def _encode_content(choice: Choice, ctx: TranslationContext) -> list[JSONObject]:
    content: list[JSONObject] = []
    for i, part in enumerate(choice.parts):
        path = f"$.choices[0].parts[{i}]"
        encoded: JSONObject | None = None
        if isinstance(part, ReasoningPart):
            encoded = encode_reasoning(part, path, ctx)
        elif isinstance(part, ToolCallPart):
            encoded = encode_tool_call(part, path, ctx)
        elif isinstance(part, TextPart | ImagePart | DocumentPart):
            encoded = encode_content(part, path, ctx)
        elif isinstance(part, RawPart) and part.format == "claude":
            encoded = part.data
        else:
            ctx.lose("unsupported_part", path, f"{type(part).__name__} has no Claude response form")
        if encoded is not None:
            content.append(encoded)
    return content


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as an Anthropic Messages response."""
    choice = response.choices[0] if response.choices else Choice()
    if len(response.choices) > 1:
        ctx.lose("extra_choices_dropped", "$.choices", "Claude answers with one message")
    has_calls = any(isinstance(p, ToolCallPart) for p in choice.parts)
    return {
        "id": response.id or f"msg_{digest(repr(response.choices))}",
        "type": "message",
        "role": "assistant",
        "model": response.model or ctx.model or "",
        "content": _encode_content(choice, ctx),
        "stop_reason": to_claude_stop(choice.finish, has_calls, choice.stop_sequence),
        "stop_sequence": choice.stop_sequence,
        "usage": encode_usage(response.usage or Usage()),
    }
