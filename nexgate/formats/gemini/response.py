"""Gemini generateContent responses to and from the internal :class:`~nexgate.schema.Response`."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ...errors import InvalidInputError
from ...schema import (
    Choice,
    FinishReason,
    FinishReasonName,
    JSONObject,
    Part,
    Response,
    TextPart,
    ToolCallPart,
    Usage,
)
from .._context import TranslationContext
from .._foreign import lose_foreign_fields
from .._ids import digest
from .._json import convert, dump_json
from . import json_wire, wire
from .fastpath import Unusual, optional_str
from .parts import CallIds, decode_common_part, decode_part
from .parts_encode import Encoder
from .request import normalize
from .response_extras import (
    CANDIDATES,
    NO_CANDIDATES,
    TOOL_USE_PROMPT,
    USAGE,
    response_extras,
)
from .unmodeled import lose_unmodeled_candidates

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


def decode_usage(usage: wire.UsageMetadata | json_wire.UsageMetadata) -> Usage:
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
    try:
        return _decode_common_response(obj, ctx)
    except (Unusual, InvalidInputError):
        # The fast path reports no error itself: the general path names the first one.
        return _decode_any_response(obj, ctx)


def _decode_any_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    """The general decoder: any casing, any shape, errors with their JSON paths."""
    obj = normalize(obj)
    body = convert(obj, wire.GenerateContentResponse, "Gemini response")
    seed = body.response_id or digest(dump_json(obj.get("candidates", [])).decode())
    choices = [_choice(c, seed, f"$.candidates[{i}]") for i, c in enumerate(body.candidates)]
    lose_unmodeled_candidates(obj, ctx)
    extras = response_extras(obj)
    if not choices:
        # Never an empty success: a blocked prompt (or no answer at all) is a filtered finish.
        blocked = body.prompt_feedback.block_reason if body.prompt_feedback else None
        reason: FinishReasonName = "content_filter" if blocked else "other"
        choices = [Choice(finish=FinishReason(reason=reason, raw=blocked))]
        extras[NO_CANDIDATES] = True  # so that a Gemini caller gets no candidate back either
    return Response(
        id=body.response_id or f"gen-{seed}",
        model=body.model_version or ctx.model or "",
        choices=choices,
        usage=decode_usage(body.usage_metadata) if body.usage_metadata else None,
        extras={"gemini": extras} if extras else {},
    )


# --------------------------------------------------------------------------- decode, fast path
#
# A common response (camelCase, candidates made of text, thoughts and calls) read straight
# from the dict, without the casing pass, ``msgspec.convert`` and per-part JSON paths.
# Fields nexgate does not model (safetyRatings, avgLogprobs, token details...) are ignored
# as the general decoder ignores them; anything else raises ``Unusual`` (see ``fastpath.py``)
# and the general decoder runs instead.

#: Request fields ``has_snake_keys`` also looks into, should a response body carry them.
_CASING_SCANNED = frozenset(
    {"contents", "tools", "generationConfig", "toolConfig", "systemInstruction"}
)


_CONTENT_KEYS = frozenset({"role", "parts"})


def _decode_common_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    for key in obj:
        # snake_case (or request fields, whose casing is checked too): the general path
        # renames the whole body.
        if "_" in key or key in _CASING_SCANNED:
            raise Unusual
    candidates = obj.get("candidates", [])
    if type(candidates) is not list or not candidates:
        raise Unusual  # no candidate: a blocked prompt, with its own rules
    response_id = optional_str(obj.get("responseId"))
    model_version = optional_str(obj.get("modelVersion"))
    optional_str(obj.get("createTime"))
    feedback = obj.get("promptFeedback")
    if feedback is not None and (
        type(feedback) is not dict or type(feedback.get("blockReason", "")) is not str
    ):
        raise Unusual
    usage = obj.get("usageMetadata")
    seed = response_id or digest(dump_json(candidates).decode())
    response = Response(
        id=response_id or f"gen-{seed}",
        model=model_version or ctx.model or "",
        choices=[_common_choice(candidate, seed) for candidate in candidates],
        usage=None if usage is None else _common_usage(usage),
    )
    extras = response_extras(obj)
    if extras:
        response.extras = {"gemini": extras}
    return response


def _common_choice(candidate: Any, seed: str) -> Choice:
    if type(candidate) is not dict:
        raise Unusual
    index = candidate.get("index", 0)
    if type(index) is not int:
        raise Unusual
    finish_reason = optional_str(candidate.get("finishReason"))
    content = candidate.get("content")
    parts: list[Part] = []
    has_calls = False
    if content is not None:
        if type(content) is not dict or not _CONTENT_KEYS.issuperset(content):
            raise Unusual  # other keys are losses: the general path records them
        optional_str(content.get("role"))
        raw_parts = content.get("parts", [])
        if type(raw_parts) is not list:
            raise Unusual
        ids = CallIds(f"{seed}:{index}")
        for raw in raw_parts:
            part = decode_common_part(raw, ids)
            if part is not None:
                parts.append(part)
                has_calls = has_calls or isinstance(part, ToolCallPart)
    return Choice(parts=parts, finish=map_gemini_finish(finish_reason, has_calls), index=index)


def _common_usage(usage: Any) -> Usage:
    # msgspec checks the counts (in C) exactly as the general path's whole-body convert does.
    try:
        return decode_usage(msgspec.convert(usage, wire.UsageMetadata))
    except msgspec.ValidationError:
        raise Unusual from None


def _candidate(choice: Choice, index: int, encoder: Encoder, kept: Any) -> JSONObject:
    parts: list[JSONObject] = []
    for j, part in enumerate(choice.parts):
        if (
            type(part) is TextPart
            and part.text
            and part.signature is None
            and part.cache_control is None
        ):
            parts.append({"text": part.text})  # the commonest part, inlined
            continue
        encoded = encoder.common(part)
        if encoded is None:
            # The path is built only for the general path, which may report a loss.
            encoded = encoder.part(part, f"$.choices[{index}].parts[{j}]")
        if encoded is not None:
            parts.append(encoded)
    candidate: JSONObject = {}
    if parts:
        candidate["content"] = {"parts": parts, "role": "model"}
    candidate["finishReason"] = to_gemini_finish(choice.finish)
    if isinstance(kept, dict):
        candidate.update(kept)  # what a Gemini source said beyond the modeled fields
    candidate["index"] = choice.index
    return candidate


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as a Gemini generateContent response."""
    encoder = Encoder(ctx, {}, response=True)
    if response.extras:
        lose_foreign_fields(response, ctx)
    extras = response.extras.get("gemini")
    feedback = extras.get(_PROMPT_FEEDBACK) if extras else None
    out: JSONObject = {}
    if (
        isinstance(feedback, dict)
        and extras is not None
        and extras.get(NO_CANDIDATES)
        and not any(c.parts for c in response.choices)
    ):
        out["promptFeedback"] = feedback  # a blocked prompt has no candidates at all
    else:
        kept = extras.get(CANDIDATES) if extras else None
        out["candidates"] = [
            _candidate(choice, i, encoder, kept.get(str(i)) if kept else None)
            for i, choice in enumerate(response.choices)
        ]
    if response.usage is not None:
        out["usageMetadata"] = encode_usage(response.usage)
    out["modelVersion"] = response.model or ctx.model or ""
    out["responseId"] = response.id or digest(repr(response.choices))
    if extras:
        add_extras(out, extras)
    return out


def add_extras(out: JSONObject, extras: JSONObject) -> None:
    """What a Gemini source said beyond the modeled fields (usage details, createTime...),
    back into ``out`` (a response, or a stream's last chunk); candidates are not touched."""
    usage_rest = extras.get(USAGE)
    if isinstance(usage_rest, dict) and "usageMetadata" in out:
        usage = out["usageMetadata"]
        tool_use = usage_rest.get(TOOL_USE_PROMPT)
        if type(tool_use) is int and 0 < tool_use <= usage["promptTokenCount"]:
            usage["promptTokenCount"] -= tool_use  # the input total counts it: Gemini apart
        usage.update(usage_rest)
    for key, value in extras.items():
        if not key.startswith("_") and key not in out:
            out[key] = value
