"""The fields of a Gemini response that nexgate does not model: safety ratings, log
probabilities, grounding, token details, ``promptFeedback``, ``createTime``...

They are kept in ``Response.extras["gemini"]`` (a candidate's under ``_candidates`` by its
position, the usage's under ``_usage``) so that a Gemini caller gets them back, and
:func:`extra_paths` names them as losses when the response goes to another format.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...schema import JSONObject
from .._foreign import informative, informative_fields

CANDIDATES = "_candidates"
USAGE = "_usage"
#: A hint: the source had no candidate at all (a blocked prompt).
NO_CANDIDATES = "_noCandidates"
MODELED_RESPONSE = frozenset({"candidates", "usageMetadata", "modelVersion", "responseId"})
MODELED_CANDIDATE = frozenset({"content", "finishReason", "index"})
MODELED_USAGE = frozenset(
    {
        "promptTokenCount",
        "candidatesTokenCount",
        "thoughtsTokenCount",
        "cachedContentTokenCount",
        "toolUsePromptTokenCount",
        "totalTokenCount",
    }
)


def _unmodeled(obj: JSONObject, modeled: frozenset[str]) -> JSONObject:
    if modeled.issuperset(obj):  # the usual case: one set test, nothing built
        return {}
    return {key: value for key, value in obj.items() if key not in modeled}


#: Counted in the internal input tokens, but kept apart so that a Gemini caller gets its own
#: promptTokenCount back (see ``response._add_extras``).
TOOL_USE_PROMPT = "toolUsePromptTokenCount"


def response_extras(obj: JSONObject) -> JSONObject:
    """What a camelCase response body holds beyond the modeled fields, in body order."""
    extras = _unmodeled(obj, MODELED_RESPONSE)
    candidates = obj.get("candidates")
    if type(candidates) is list:
        kept: JSONObject = {}
        for position, candidate in enumerate(candidates):
            if type(candidate) is dict:
                rest = _unmodeled(candidate, MODELED_CANDIDATE)
                if rest:
                    kept[str(position)] = rest
        if kept:
            extras[CANDIDATES] = kept
    usage = obj.get("usageMetadata")
    if type(usage) is dict:
        rest = _unmodeled(usage, MODELED_USAGE)
        tool_use = usage.get(TOOL_USE_PROMPT)
        if tool_use:
            rest[TOOL_USE_PROMPT] = tool_use
        if rest:
            extras[USAGE] = rest
    return extras


def extra_paths(extras: JSONObject) -> Iterator[str]:
    """The JSON paths of the information in Gemini ``extras`` (empty values hold none)."""
    for key, value in extras.items():
        if key == CANDIDATES:
            for position, fields in value.items():
                yield from informative_fields(fields, f"$.candidates[{position}]")
        elif key == USAGE:
            details = {
                k: v for k, v in value.items() if k != TOOL_USE_PROMPT and not _text_only(k, v)
            }
            yield from informative_fields(details, "$.usageMetadata")
        elif not key.startswith("_") and informative(value):
            yield f"$.{key}"


def _text_only(name: str, value: Any) -> bool:
    """A per-modality token breakdown of text alone, which says no more than the count (every
    answer of a text conversation carries one: not worth a loss)."""
    return (
        name.endswith("TokensDetails")
        and type(value) is list
        and all(type(item) is dict and item.get("modality") == "TEXT" for item in value)
    )
