"""OpenAI chat completions to and from the internal :class:`~nexgate.schema.Response`."""

from __future__ import annotations

from ...schema import (
    Choice,
    FinishReason,
    FinishReasonName,
    JSONObject,
    Part,
    ReasoningPart,
    Response,
    TextPart,
    ToolCallPart,
    Usage,
)
from .._context import TranslationContext
from .._ids import digest
from .._json import convert, dump_args
from . import wire
from .messages import decode_messages

#: OpenAI finish reasons, as normalized reasons.
FINISH_REASONS: dict[str, FinishReasonName] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}

#: Normalized reasons, as OpenAI finish reasons.
TO_FINISH_REASON: dict[FinishReasonName, str] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "pause": "length",
    "error": "stop",
    "other": "stop",
}


def map_openai_finish(raw: str | None, has_tool_calls: bool) -> FinishReason | None:
    """The normalized finish reason; tool calls are decided from the content."""
    if raw is None:
        return None
    reason = FINISH_REASONS.get(raw, "other")
    if has_tool_calls and reason == "stop":
        reason = "tool_calls"
    return FinishReason(reason=reason, raw=raw)


def to_openai_finish(finish: FinishReason | None, has_tool_calls: bool) -> str | None:
    """The OpenAI finish reason for a normalized one (the raw value when it is OpenAI's)."""
    if finish is None:
        return None
    if finish.raw in FINISH_REASONS and not (has_tool_calls and finish.raw == "stop"):
        return finish.raw
    if has_tool_calls and finish.reason in ("stop", "tool_calls"):
        return "tool_calls"
    return TO_FINISH_REASON[finish.reason]


def decode_usage(usage: wire.CompletionUsage | None) -> Usage | None:
    if usage is None:
        return None
    prompt = usage.prompt_tokens_details or wire.PromptDetails()
    completion = usage.completion_tokens_details or wire.CompletionDetails()
    return Usage(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cache_read_tokens=prompt.cached_tokens or 0,
        cache_write_tokens=prompt.cache_write_tokens or 0,
        reasoning_tokens=completion.reasoning_tokens or 0,
    )


def encode_usage(usage: Usage) -> JSONObject:
    """OpenAI usage: prompt tokens include cached ones; completion includes reasoning."""
    out: JSONObject = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }
    details: JSONObject = {}
    if usage.cache_read_tokens:
        details["cached_tokens"] = usage.cache_read_tokens
    if usage.cache_write_tokens:
        details["cache_write_tokens"] = usage.cache_write_tokens
    if details:
        out["prompt_tokens_details"] = details
    if usage.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return out


def decode_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    """Decode an OpenAI chat completion."""
    body = convert(obj, wire.ChatCompletion, "OpenAI response")
    choices: list[Choice] = []
    messages = decode_messages([choice.message for choice in body.choices])
    for choice, message in zip(body.choices, messages, strict=True):
        has_calls = any(isinstance(p, ToolCallPart) for p in message.parts)
        choices.append(
            Choice(
                parts=message.parts,
                finish=map_openai_finish(choice.finish_reason, has_calls),
                index=choice.index,
            )
        )
    extras = {
        key: value
        for key, value in (
            ("system_fingerprint", body.system_fingerprint),
            ("service_tier", body.service_tier),
        )
        if value is not None
    }
    return Response(
        id=body.id,
        model=body.model or ctx.model or "",
        choices=choices,
        usage=decode_usage(body.usage),
        created=body.created,
        extras={"openai": extras} if extras else {},
    )


def _encode_reasoning(
    parts: list[ReasoningPart], message: JSONObject, ctx: TranslationContext
) -> None:
    """Reasoning travels in the ``reasoning_content`` / ``thinking_blocks`` extension fields."""
    text = "".join(p.text for p in parts)
    if text:
        message["reasoning_content"] = text
    blocks: list[JSONObject] = []
    for part in parts:
        if part.signature is None or part.signature.format != "claude":
            continue
        if part.redacted_data is not None:
            blocks.append({"type": "redacted_thinking", "data": part.redacted_data})
        else:
            blocks.append(
                {"type": "thinking", "thinking": part.text, "signature": part.signature.value}
            )
    if blocks:
        message["thinking_blocks"] = blocks


def _encode_call(part: ToolCallPart) -> JSONObject:
    arguments = part.raw_arguments if part.raw_arguments is not None else dump_args(part.arguments)
    call: JSONObject = {
        "id": part.id,
        "type": "function",
        "function": {"name": part.name, "arguments": arguments},
    }
    if part.signature is not None and part.signature.format == "gemini":
        call["extra_content"] = {"google": {"thought_signature": part.signature.value}}
    return call


def _encode_message(parts: list[Part], path: str, ctx: TranslationContext) -> JSONObject:
    texts = [p.text for p in parts if isinstance(p, TextPart)]
    calls = [_encode_call(p) for p in parts if isinstance(p, ToolCallPart)]
    message: JSONObject = {
        "role": "assistant",
        "content": "".join(texts) if texts else None,
        "refusal": None,
    }
    _encode_reasoning([p for p in parts if isinstance(p, ReasoningPart)], message, ctx)
    for i, part in enumerate(parts):
        if not isinstance(part, TextPart | ToolCallPart | ReasoningPart):
            ctx.lose(
                "unsupported_part", f"{path}[{i}]", f"{type(part).__name__} has no OpenAI form"
            )
    if calls:
        message["tool_calls"] = calls
    return message


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as an OpenAI chat completion."""
    choices = []
    for i, choice in enumerate(response.choices):
        has_calls = any(isinstance(p, ToolCallPart) for p in choice.parts)
        choices.append(
            {
                "index": choice.index,
                "message": _encode_message(choice.parts, f"$.choices[{i}].parts", ctx),
                "logprobs": None,
                "finish_reason": to_openai_finish(choice.finish, has_calls) or "stop",
            }
        )
    out: JSONObject = {
        "id": response.id or f"chatcmpl-{digest(repr(response.choices))}",
        "object": "chat.completion",
        "created": response.created or 0,
        "model": response.model or ctx.model or "",
        "choices": choices,
    }
    if response.usage is not None:
        out["usage"] = encode_usage(response.usage)
    out.update(response.extras.get("openai", {}))
    return out
