"""OpenAI chat completions to and from the internal :class:`~nexgate.schema.Response`.

This module holds what both directions share and the encoding; the decoding of a parsed
body is in :mod:`.response_decode`.

Reasoning and signatures travel as extensions on the assistant message (so an OpenAI-format
caller can send them back to their issuer): Claude thinking as ``reasoning_content`` +
``thinking_blocks``, a Gemini ``thoughtSignature`` as ``extra_content.google.thought_signature``
on its tool call.

What the schema does not model (``system_fingerprint``, ``service_tier``, ``annotations``,
``logprobs``, extra usage details, which text was a ``refusal``) is kept in
``Response.extras["openai"]`` and written back only when the response is encoded for OpenAI
again, which makes openai -> openai an identity.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
from .._foreign import (
    informative,
    informative_fields,
    lose_error_finish,
    lose_foreign_fields,
)
from .._ids import digest
from .._json import dump_args, dump_json
from . import wire
from .messages import custom_call_of
from .messages_encode import arguments_text

#: Per choice index: refusal text, argument spellings, logprobs, unmodeled message fields.
CHOICE_HINTS = "_choices"
USAGE_HINTS = "_usage"  # usage fields and details nexgate does not model

#: OpenAI finish reasons, as normalized reasons.
FINISH_REASONS: dict[str, FinishReasonName] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}

#: Normalized reasons, as OpenAI finish reasons. A paused turn (Claude ``pause_turn``) is
#: reported as ``stop`` so the caller keeps the turn and can resume it (wire-formats §5.8).
TO_FINISH_REASON: dict[FinishReasonName, str] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "pause": "stop",
    "error": "stop",
    "other": "stop",
}


def _finish_reason(raw: str, has_tool_calls: bool) -> FinishReason:
    reason = FINISH_REASONS.get(raw, "other")
    if has_tool_calls and reason == "stop":
        reason = "tool_calls"
    return FinishReason(reason=reason, raw=raw)


#: The finish reasons of OpenAI's own values, made once: FinishReason is frozen.
_KNOWN_FINISHES = {
    (raw, calls): _finish_reason(raw, calls) for raw in FINISH_REASONS for calls in (False, True)
}


def map_openai_finish(raw: str | None, has_tool_calls: bool) -> FinishReason | None:
    """The normalized finish reason; tool calls are decided from the content."""
    if raw is None:
        return None
    known = _KNOWN_FINISHES.get((raw, has_tool_calls))
    return known if known is not None else _finish_reason(raw, has_tool_calls)


def to_openai_finish(finish: FinishReason | None, has_tool_calls: bool) -> str | None:
    """The OpenAI finish reason for a normalized one (the raw value when it is OpenAI's)."""
    if finish is None:
        return None
    if finish.raw in FINISH_REASONS and not (has_tool_calls and finish.raw == "stop"):
        return finish.raw
    if has_tool_calls and finish.reason in ("stop", "tool_calls"):
        return "tool_calls"
    return TO_FINISH_REASON[finish.reason]


# --------------------------------------------------------------------------- usage


def decode_usage(usage: wire.CompletionUsage | None) -> Usage | None:
    """Usage as the schema counts it (OpenAI's totals already include cache and reasoning)."""
    if usage is None:
        return None
    return usage_of(
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.prompt_tokens_details,
        usage.completion_tokens_details,
    )


def usage_of(
    prompt_tokens: int,
    completion_tokens: int,
    prompt: wire.PromptDetails | None,
    completion: wire.CompletionDetails | None,
) -> Usage:
    """The usage of validated counts and detail objects."""
    out = Usage(input_tokens=prompt_tokens, output_tokens=completion_tokens)
    # The subsets are set only when given: they default to 0, and a Usage built with all
    # five keywords (and empty detail objects) cost more than the rest of this function.
    if prompt is not None:
        if prompt.cached_tokens:
            out.cache_read_tokens = prompt.cached_tokens
        if prompt.cache_write_tokens:
            out.cache_write_tokens = prompt.cache_write_tokens
    if completion is not None and completion.reasoning_tokens:
        out.reasoning_tokens = completion.reasoning_tokens
    return out


def _detail(details: JSONObject, key: str, value: int) -> None:
    """Set a detail count where known or where the hinted object has it."""
    if value or key in details:
        details[key] = value


def _hinted(hint: Any) -> JSONObject:
    """A copy of the hinted detail object (unmodeled counts kept), or a new one."""
    return dict(hint) if isinstance(hint, dict) else {}


def encode_usage(usage: Usage, hints: JSONObject | None = None) -> JSONObject:
    """OpenAI usage: prompt tokens include cached ones; completion includes reasoning."""
    hints = hints or {}
    out: JSONObject = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }
    # Without counts or hinted details a detail object would be empty and is not written,
    # so the usual usage skips building it.
    if usage.cache_read_tokens or usage.cache_write_tokens or "prompt_tokens_details" in hints:
        prompt = _hinted(hints.get("prompt_tokens_details"))
        _detail(prompt, "cached_tokens", usage.cache_read_tokens)
        _detail(prompt, "cache_write_tokens", usage.cache_write_tokens)
        if prompt:
            out["prompt_tokens_details"] = prompt
    if usage.reasoning_tokens or "completion_tokens_details" in hints:
        completion = _hinted(hints.get("completion_tokens_details"))
        _detail(completion, "reasoning_tokens", usage.reasoning_tokens)
        if completion:
            out["completion_tokens_details"] = completion
    for key, value in hints.items():
        out.setdefault(key, value)
    return out


# --------------------------------------------------------------------------- encode


def _encode_reasoning(parts: list[ReasoningPart], message: JSONObject) -> None:
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


def _encode_call(part: ToolCallPart, spellings: Any) -> JSONObject:
    if part.raw_arguments is None and spellings is None:  # the usual: compact arguments
        arguments = dump_args(part.arguments)
    else:
        arguments = arguments_text(part, spellings if isinstance(spellings, dict) else None)
    call: JSONObject = {
        "id": part.id,
        "type": "function",
        "function": {"name": part.name, "arguments": arguments},
    }
    if part.signature is not None and part.signature.format == "gemini":
        call["extra_content"] = {"google": {"thought_signature": part.signature.value}}
    return call


def _check_parts(parts: list[Part], path: str, ctx: TranslationContext) -> None:
    for i, part in enumerate(parts):
        where = f"{path}[{i}]"
        if custom_call_of(part) is not None:
            continue
        if not isinstance(part, TextPart | ToolCallPart | ReasoningPart):
            ctx.lose("unsupported_part", where, f"{type(part).__name__} has no OpenAI form")
        elif isinstance(part, TextPart) and part.signature is not None:
            ctx.lose(
                "signature_not_replayable",
                f"{where}.signature",
                "OpenAI messages have no slot for a signature on text",
            )
        elif (
            isinstance(part, ReasoningPart)
            and part.signature is not None
            and part.signature.format != "claude"
        ):
            ctx.lose(
                "signature_not_replayable",
                f"{where}.signature",
                f"no OpenAI extension carries a {part.signature.format} reasoning signature",
            )


def _plain_split(parts: list[Part]) -> tuple[list[str], list[ToolCallPart]] | None:
    """Texts and tool calls of a message made only of those, texts unsigned; else None.

    Such a message loses nothing, so it needs neither the loss checks nor their paths: the
    usual answer is encoded in one pass over its parts.
    """
    texts: list[str] = []
    calls: list[ToolCallPart] = []
    for part in parts:
        if type(part) is TextPart and part.signature is None:
            texts.append(part.text)
        elif type(part) is ToolCallPart:
            calls.append(part)
        else:
            return None
    return texts, calls


def _encode_message(
    parts: list[Part], hints: JSONObject, position: int, ctx: TranslationContext
) -> tuple[JSONObject, bool]:
    """The message of a choice, and whether it has tool calls."""
    reasoning: list[ReasoningPart] = []
    split = _plain_split(parts)
    #: The calls in their order: function calls, and custom tools' (kept raw).
    ordered: list[ToolCallPart | JSONObject]
    if split is not None:
        texts, calls = split
        ordered = list(calls)
    else:
        _check_parts(parts, f"$.choices[{position}].parts", ctx)
        texts = [p.text for p in parts if isinstance(p, TextPart)]
        reasoning = [p for p in parts if isinstance(p, ReasoningPart)]
        ordered = []
        for part in parts:
            call = part if isinstance(part, ToolCallPart) else custom_call_of(part)
            if call is not None:
                ordered.append(call)
    refusal = hints.get("refusal")
    if isinstance(refusal, str) and texts and texts[-1] == refusal:
        texts.pop()  # it came as `refusal`: send it back there
    else:
        refusal = None
    message: JSONObject = {
        "role": "assistant",
        "content": "".join(texts) if texts else hints.get("content"),  # "" as it came, or null
        "refusal": refusal,
    }
    if reasoning:
        _encode_reasoning(reasoning, message)
    if ordered:
        spellings = hints.get("arguments")
        message["tool_calls"] = [
            _encode_call(p, spellings) if isinstance(p, ToolCallPart) else p for p in ordered
        ]
    extra = hints.get("message")
    if isinstance(extra, dict):
        for key, value in extra.items():
            message.setdefault(key, value)
    return message, bool(ordered)


def _encode_choice(
    choice: Choice, position: int, hints: JSONObject, ctx: TranslationContext
) -> JSONObject:
    message, has_calls = _encode_message(choice.parts, hints, position, ctx)
    return {
        "index": choice.index,
        "message": message,
        "logprobs": hints.get("logprobs"),
        "finish_reason": to_openai_finish(choice.finish, has_calls) or "stop",
    }


def _plain_choice(choice: Choice) -> JSONObject | None:
    """:func:`_encode_choice` without hints, for a choice of unsigned texts and tool calls.

    The usual answer: it loses nothing and has no hints to apply, so it is encoded in one
    function. Anything else gives None, having produced nothing.
    """
    texts: list[str] = []
    parts: list[ToolCallPart] = []
    for part in choice.parts:
        if type(part) is TextPart and part.signature is None:
            texts.append(part.text)
        elif type(part) is ToolCallPart:
            parts.append(part)
        else:
            return None
    message: JSONObject = {
        "role": "assistant",
        "content": "".join(texts) if texts else None,
        "refusal": None,
    }
    if parts:
        message["tool_calls"] = [_encode_call(p, None) for p in parts]
    return {
        "index": choice.index,
        "message": message,
        "logprobs": None,
        "finish_reason": to_openai_finish(choice.finish, bool(parts)) or "stop",
    }


def _encode_choices(choices: list[Choice], hints: Any, ctx: TranslationContext) -> list[JSONObject]:
    """The choices, each with its hints (by index); without hints no key is formatted."""
    if not isinstance(hints, dict) or not hints:
        out: list[JSONObject] = []
        for i, choice in enumerate(choices):
            encoded = _plain_choice(choice)
            out.append(encoded if encoded is not None else _encode_choice(choice, i, {}, ctx))
        return out
    return [
        _encode_choice(choice, i, hints.get(str(choice.index)) or {}, ctx)
        for i, choice in enumerate(choices)
    ]


def encode_response(response: Response, ctx: TranslationContext) -> JSONObject:
    """Encode an internal response as an OpenAI chat completion."""
    if response.extras:
        lose_foreign_fields(response, ctx)
    # Read, never copied: the hints are the "_" keys, which are not written out.
    extras: JSONObject = response.extras.get("openai") or {}
    choices = _encode_choices(response.choices, extras.get(CHOICE_HINTS), ctx)
    for i, choice in enumerate(response.choices):
        lose_error_finish(choice.finish, f"$.choices[{i}].finish_reason", ctx)
    out: JSONObject = {
        "id": response.id or f"chatcmpl-{digest(dump_json(response.choices).decode())}",
        "object": "chat.completion",
        "created": response.created or 0,
        "model": response.model or ctx.model or "",
        "choices": choices,
    }
    if response.usage is not None:
        usage_hints = extras.get(USAGE_HINTS)
        hints = usage_hints if isinstance(usage_hints, dict) else None
        out["usage"] = encode_usage(response.usage, hints)
    for key, value in extras.items():
        if not key.startswith("_"):
            out.setdefault(key, value)
    return out


#: Usage details that nexgate models (``Usage.cache_read_tokens``, ``reasoning_tokens``).
_MODELED_DETAILS: dict[str, frozenset[str]] = {
    "prompt_tokens_details": frozenset({"cached_tokens", "cache_write_tokens"}),
    "completion_tokens_details": frozenset({"reasoning_tokens"}),
}


def extra_paths(extras: JSONObject) -> Iterator[str]:
    """The JSON paths of the information in OpenAI response ``extras``."""
    if len(extras) == 1 and _modeled_only(extras.get(USAGE_HINTS)):
        return iter(())  # the usual extras: cached or reasoning counts, which Usage carries
    return _extra_paths(extras)


def _modeled_only(usage: Any) -> bool:
    if type(usage) is not dict:
        return False
    for name, detail in usage.items():
        modeled = _MODELED_DETAILS.get(name)
        if modeled is None or type(detail) is not dict or not modeled.issuperset(detail):
            return False
    return True


def _extra_paths(extras: JSONObject) -> Iterator[str]:
    for key, value in extras.items():
        if key == CHOICE_HINTS:
            for index, hints in value.items():
                if informative(hints.get("logprobs")):
                    yield f"$.choices[{index}].logprobs"
                yield from informative_fields(hints.get("message"), f"$.choices[{index}].message")
        elif key == USAGE_HINTS:
            for name, detail in value.items():
                modeled = _MODELED_DETAILS.get(name)
                if modeled is not None and isinstance(detail, dict):
                    rest = {k: v for k, v in detail.items() if k not in modeled}
                    yield from informative_fields(rest, f"$.usage.{name}")
                elif informative(detail):
                    yield f"$.usage.{name}"
        elif not key.startswith("_") and informative(value):
            yield f"$.{key}"
