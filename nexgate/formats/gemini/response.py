"""Gemini generateContent responses to and from the internal :class:`~nexgate.schema.Response`."""

from __future__ import annotations

import re

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
from .parts import CallIds, Encoder, decode_part
from .request import normalize

_PROMPT_FEEDBACK = "promptFeedback"
#: Gemini's enum values are UPPER_SNAKE; OpenAI's and Claude's are lowercase.
_GEMINI_VALUE = re.compile(r"^[A-Z][A-Z0-9_]*$")
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
    "ESCALATION",
    "MODEL_ARMOR",
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
    "CONTINUATION": "length",
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
    """Gemini's own (UPPERCASE) value as it came; any other format's reason mapped."""
    if finish is None:
        return "STOP"
    if finish.raw is not None and (finish.raw in FINISH_REASONS or _GEMINI_VALUE.match(finish.raw)):
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
    """Proto-JSON usage: zero counts are omitted, as Gemini itself does."""
    out: JSONObject = {"promptTokenCount": usage.input_tokens}
    candidates = max(0, usage.output_tokens - usage.reasoning_tokens)
    if candidates:
        out["candidatesTokenCount"] = candidates
    out["totalTokenCount"] = usage.input_tokens + usage.output_tokens
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    if usage.cache_read_tokens:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    return out


def _choice(candidate: wire.Candidate, seed: str, path: str) -> Choice:
    # The same seed as the stream decoder's, so a call has one id whether streamed or not.
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
    extras: JSONObject = {}
    if not choices:
        # Never an empty success: a blocked prompt (or no answer at all) is a filtered finish.
        blocked = body.prompt_feedback.block_reason if body.prompt_feedback else None
        reason: FinishReasonName = "content_filter" if blocked else "other"
        choices = [Choice(finish=FinishReason(reason=reason, raw=blocked))]
        if isinstance(obj.get("promptFeedback"), dict):
            extras[_PROMPT_FEEDBACK] = obj["promptFeedback"]
    return Response(
        id=body.response_id or f"gen-{seed}",
        model=body.model_version or ctx.model or "",
        choices=choices,
        usage=decode_usage(body.usage_metadata) if body.usage_metadata else None,
        extras={"gemini": extras} if extras else {},
    )


def _candidate(choice: Choice, path: str, encoder: Encoder) -> JSONObject:
    parts: list[JSONObject] = []
    for j, part in enumerate(choice.parts):
        # The path is built only for the general path, which may report a loss.
        encoded = encoder.common(part)
        if encoded is None:
            encoded = encoder.part(part, f"{path}.parts[{j}]")
        if encoded is not None:
            parts.append(encoded)
    candidate: JSONObject = {}
    if parts:
        candidate["content"] = {"parts": parts, "role": "model"}
    candidate["finishReason"] = to_gemini_finish(choice.finish)
    candidate["index"] = choice.index
    return candidate


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as a Gemini generateContent response."""
    encoder = Encoder(ctx, {}, response=True)
    feedback = response.extras.get("gemini", {}).get(_PROMPT_FEEDBACK)
    out: JSONObject = {}
    if isinstance(feedback, dict) and not any(c.parts for c in response.choices):
        out["promptFeedback"] = feedback  # a blocked prompt has no candidates at all
    else:
        out["candidates"] = [
            _candidate(choice, f"$.choices[{i}]", encoder)
            for i, choice in enumerate(response.choices)
        ]
    if response.usage is not None:
        out["usageMetadata"] = encode_usage(response.usage)
    out["modelVersion"] = response.model or ctx.model or ""
    out["responseId"] = response.id or digest(repr(response.choices))
    return out
