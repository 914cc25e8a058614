"""Gemini generateContent responses to and from the internal :class:`~nexgate.schema.Response`."""

from __future__ import annotations

from ...schema import (
    Choice,
    FinishReason,
    FinishReasonName,
    JSONObject,
    Response,
    ToolCallPart,
    Usage,
)
from .._context import TranslationContext
from .._ids import digest
from .._json import convert, dump_json
from . import wire
from .parts import CallIds, decode_part, encode_part
from .request import normalize

_CONTENT_FILTER = [
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "LANGUAGE",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
    "IMAGE_OTHER",
    "NO_IMAGE",
]
_ERRORS = [
    "MALFORMED_FUNCTION_CALL",
    "UNEXPECTED_TOOL_CALL",
    "TOO_MANY_TOOL_CALLS",
    "MISSING_THOUGHT_SIGNATURE",
    "MALFORMED_RESPONSE",
]

#: Gemini finish reasons, as normalized reasons.
FINISH_REASONS: dict[str, FinishReasonName] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "OTHER": "other",
    "FINISH_REASON_UNSPECIFIED": "other",
    **dict.fromkeys(_CONTENT_FILTER, "content_filter"),
    **dict.fromkeys(_ERRORS, "error"),
}

TO_FINISH_REASON: dict[FinishReasonName, str] = {
    "stop": "STOP",
    "length": "MAX_TOKENS",
    "tool_calls": "STOP",
    "content_filter": "SAFETY",
    "pause": "OTHER",
    "error": "OTHER",
    "other": "OTHER",
}


def map_gemini_finish(raw: str | None, has_tool_calls: bool) -> FinishReason | None:
    """Gemini finishes tool calls with STOP: the content decides."""
    if raw is None:
        return None
    reason = FINISH_REASONS.get(raw, "other")
    if has_tool_calls and reason == "stop":
        reason = "tool_calls"
    return FinishReason(reason=reason, raw=raw)


def to_gemini_finish(finish: FinishReason | None) -> str:
    if finish is None:
        return "STOP"
    if finish.raw in FINISH_REASONS:
        return finish.raw
    return TO_FINISH_REASON[finish.reason]


def decode_usage(usage: wire.UsageMetadata) -> Usage:
    """Gemini counts thoughts outside ``candidatesTokenCount``; internal output includes them."""
    return Usage(
        input_tokens=usage.prompt_token_count + usage.tool_use_prompt_token_count,
        output_tokens=usage.candidates_token_count + usage.thoughts_token_count,
        cache_read_tokens=usage.cached_content_token_count,
        reasoning_tokens=usage.thoughts_token_count,
    )


def encode_usage(usage: Usage) -> JSONObject:
    out: JSONObject = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": max(0, usage.output_tokens - usage.reasoning_tokens),
        "totalTokenCount": usage.input_tokens + usage.output_tokens,
    }
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    if usage.cache_read_tokens:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    return out


def _choice(candidate: wire.Candidate, seed: str, path: str) -> Choice:
    ids = CallIds(f"{seed}:{candidate.index}")
    raw_parts = candidate.content.parts if candidate.content else []
    parts = [decode_part(p, f"{path}.content.parts[{i}]", ids) for i, p in enumerate(raw_parts)]
    kept = [p for p in parts if p is not None]
    has_calls = any(isinstance(p, ToolCallPart) for p in kept)
    return Choice(
        parts=kept,
        finish=map_gemini_finish(candidate.finish_reason, has_calls),
        index=candidate.index,
    )


def decode_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    """Decode a Gemini generateContent response; a blocked prompt is a content-filter finish."""
    obj = normalize(obj)
    body = convert(obj, wire.GenerateContentResponse, "Gemini response")
    seed = body.response_id or digest(dump_json(obj.get("candidates", [])).decode())
    choices = [_choice(c, seed, f"$.candidates[{i}]") for i, c in enumerate(body.candidates)]
    blocked = body.prompt_feedback.block_reason if body.prompt_feedback else None
    if not choices and blocked:
        choices = [Choice(finish=FinishReason(reason="content_filter", raw=blocked))]
    return Response(
        id=body.response_id or f"gen-{seed}",
        model=body.model_version or ctx.model or "",
        choices=choices,
        usage=decode_usage(body.usage_metadata) if body.usage_metadata else None,
    )


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as a Gemini generateContent response."""
    candidates: list[JSONObject] = []
    for i, choice in enumerate(response.choices):
        parts = [
            encoded
            for j, part in enumerate(choice.parts)
            if (encoded := encode_part(part, f"$.choices[{i}].parts[{j}]", ctx, {})) is not None
        ]
        candidate: JSONObject = {}
        if parts:
            candidate["content"] = {"role": "model", "parts": parts}
        candidate["finishReason"] = to_gemini_finish(choice.finish)
        candidate["index"] = choice.index
        candidates.append(candidate)
    out: JSONObject = {"candidates": candidates}
    if response.usage is not None:
        out["usageMetadata"] = encode_usage(response.usage)
    out["modelVersion"] = response.model or ctx.model or ""
    out["responseId"] = response.id or digest(repr(response.choices))
    return out
