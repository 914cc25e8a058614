"""OpenAI chat completions decoded into the internal :class:`~nexgate.schema.Response`.

What the lenient wire mirror drops is read from the parsed body and kept as extras (see
:mod:`.response`); the typed decode of JSON text (:mod:`.json_decode`) shares the per-choice
decoding below.
"""

from __future__ import annotations

from typing import Any

from ...schema import Choice, JSONObject, Response, Usage
from .._context import TranslationContext
from .._json import convert
from . import wire
from .messages import decode_assistant
from .response import CHOICE_HINTS, USAGE_HINTS, decode_usage, map_openai_finish
from .unmodeled import lose_unmodeled_choices


def _unmodeled(obj: JSONObject, modeled: frozenset[str]) -> JSONObject:
    """The fields of ``obj`` outside ``modeled``, in order (usually none: one set test)."""
    if modeled.issuperset(obj):
        return {}
    return {key: value for key, value in obj.items() if key not in modeled}


_MODELED_USAGE = frozenset({"prompt_tokens", "completion_tokens", "total_tokens"})


def usage_hints(obj: JSONObject) -> JSONObject:
    """The usage fields of a response (or a stream's usage chunk) beyond the three counts,
    kept verbatim under ``USAGE_HINTS``: detail objects, and others' fields (DeepSeek's
    ``prompt_cache_hit_tokens``)."""
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        return {}
    return _unmodeled(usage, _MODELED_USAGE)


# --------------------------------------------------------------------------- decode


#: Where a choice's content is, as a template for its index (formatted only for an error).
_CONTENT_PATH = "$.choices[{}].message.content"


def _choice_hints(
    choice: wire.ResponseChoice, spellings: dict[str, str], logprobs: Any, rest: JSONObject
) -> JSONObject:
    hints: JSONObject = {}
    if choice.message.content == "":
        hints["content"] = ""
    if choice.message.refusal:
        hints["refusal"] = choice.message.refusal
    if spellings:
        hints["arguments"] = spellings
    if logprobs is not None:
        hints["logprobs"] = logprobs
    if rest:
        hints["message"] = rest
    return hints


def _raw_choice_fields(raw: Any) -> tuple[Any, JSONObject]:
    """A raw choice's ``logprobs`` and its message's unmodeled fields."""
    if not isinstance(raw, dict):
        return None, {}
    message = raw.get("message")
    rest = _unmodeled(message, wire.MESSAGE_FIELDS) if isinstance(message, dict) else {}
    return raw.get("logprobs"), rest


def decode_choice(
    position: int,
    choice: wire.ResponseChoice,
    logprobs: Any,
    message_rest: JSONObject,
    hints: JSONObject,
) -> Choice:
    """One choice; what it cannot hold goes to ``hints[CHOICE_HINTS]`` under its index.

    ``logprobs`` and ``message_rest`` (the message's unmodeled fields) come from the JSON,
    which the lenient wire mirror does not keep.
    """
    spellings: dict[str, str] = {}
    parts = decode_assistant(choice.message, _CONTENT_PATH, position, spellings)
    # Only `tool_calls` give ToolCallParts, so no need to look through the parts.
    has_calls = bool(choice.message.tool_calls)
    finish = map_openai_finish(choice.finish_reason, has_calls)
    empty = choice.message.content == ""  # not null: an OpenAI caller gets "" back
    if choice.message.refusal or spellings or logprobs is not None or message_rest or empty:
        choice_hints = _choice_hints(choice, spellings, logprobs, message_rest)
        hints.setdefault(CHOICE_HINTS, {})[str(choice.index)] = choice_hints
    return Choice(parts=parts, finish=finish, index=choice.index)


def complete_response(
    response: Response, usage: Usage | None, created: int | None, extras: JSONObject
) -> Response:
    """Set a new response's optional fields, only those present (fewer keywords build the
    Struct faster)."""
    if usage is not None:
        response.usage = usage
    if created is not None:
        response.created = created
    if extras:
        response.extras = {"openai": extras}
    return response


def decode_response(obj: JSONObject, ctx: TranslationContext) -> Response:
    """Decode an OpenAI chat completion."""
    body = convert(obj, wire.ChatCompletion, "OpenAI response")
    raw_choices = obj.get("choices") or []
    hints: JSONObject = {}
    choices = [
        decode_choice(i, choice, *_raw_choice_fields(raw_choices[i]), hints)
        for i, choice in enumerate(body.choices)
    ]
    extras = _unmodeled(obj, wire.RESPONSE_FIELDS)
    extras.update(hints)
    kept_usage = usage_hints(obj)
    if kept_usage:
        extras[USAGE_HINTS] = kept_usage
    lose_unmodeled_choices(obj, ctx)
    response = Response(id=body.id, model=body.model or ctx.model or "", choices=choices)
    return complete_response(response, decode_usage(body.usage), body.created, extras)
