"""Strict msgspec mirrors of the common Gemini bodies, for decoding JSON text in one typed pass.

They model only the shapes the dict fast paths (``request._decode_common_request``,
``response._decode_common_response``) accept, so that whatever they decode can be converted
without a single check the general decoder would have made differently:

* unknown keys are refused (``forbid_unknown_fields``) where the general path keeps them as
  extras, renames snake_case or reports them; the candidate, its content and the usage ignore
  them, as every Gemini decoder does (``safetyRatings``, ``avgLogprobs``, token details...);
* the extras real requests carry most are fields of any value (``Any``, ``UNSET`` when
  absent), kept as the general path keeps them (``json_extras.py``);
* a key whose ``null`` means something else than its absence defaults to ``UNSET``, so a
  ``null`` fails the decode;
* counts and seeds carry the bounds of ``wire.py``.

Any decode failure sends the body to the general path (see ``json_decode.py``).
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from . import wire


class _Strict(
    msgspec.Struct,
    kw_only=True,
    rename="camel",
    forbid_unknown_fields=True,
    gc=False,
):
    pass


class FunctionCall(_Strict):
    name: str
    args: dict[str, Any] | None = None
    id: str | None = None


class FunctionResponse(_Strict):
    name: str
    # ``null`` is refused by the general path, an absent response is ``{}``.
    response: dict[str, Any] | UnsetType = UNSET
    id: str | None = None


class Part(_Strict):
    """Text, thought, call or result; which one is decided from the keys that are set."""

    text: str | UnsetType = UNSET
    thought: bool | UnsetType = UNSET
    # ``null`` is no signature, but it still counts as a key next to a functionResponse.
    thought_signature: str | UnsetType | None = UNSET
    function_call: FunctionCall | UnsetType = UNSET
    function_response: FunctionResponse | UnsetType = UNSET


class Content(_Strict):
    parts: list[Part] = msgspec.field(default_factory=list)
    role: str | None = None


class FunctionDeclaration(_Strict):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    parameters_json_schema: dict[str, Any] | UnsetType | None = UNSET
    # google-genai writes this one key in snake_case (the API takes both spellings). The
    # general path then renames the whole body (``casing.py``), which json_decode repeats.
    snake_parameters_json_schema: dict[str, Any] | UnsetType | None = msgspec.field(
        default=UNSET, name="parameters_json_schema"
    )


class Tool(_Strict):
    function_declarations: list[FunctionDeclaration] | None = None
    # Gemini's own tools: kept whole (any value) in the request's extras by the general path.
    google_search: Any = UNSET
    code_execution: Any = UNSET
    url_context: Any = UNSET
    google_search_retrieval: Any = UNSET


class FunctionCallingConfig(_Strict):
    mode: str = "AUTO"
    allowed_function_names: list[str] | None = None


class ToolConfig(_Strict):
    function_calling_config: FunctionCallingConfig | None = None


class ThinkingConfig(_Strict):
    include_thoughts: bool | None = None
    thinking_budget: wire.Int64 | None = None
    thinking_level: str | None = None


class GenerationConfig(_Strict):
    """The settings the fast path reads; ``responseMimeType`` and others leave hints."""

    max_output_tokens: wire.Count | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: wire.Count | None = None
    stop_sequences: list[str] | None = None
    seed: wire.Int64 | None = None
    candidate_count: wire.Count | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    thinking_config: ThinkingConfig | None = None
    # JSON output makes a response format; any other type leaves the three keys (``null``
    # included, hence ``UNSET``) in the request's extras, as the general path does.
    response_mime_type: str | UnsetType | None = UNSET
    response_schema: dict[str, Any] | UnsetType | None = UNSET
    response_json_schema: dict[str, Any] | UnsetType | None = UNSET
    # Not modelled: kept whole (any value) in the request's extras by the general path.
    response_modalities: Any = UNSET


class Request(_Strict):
    contents: list[Content]
    system_instruction: Content | None = None
    tools: list[Tool] | None = None
    tool_config: ToolConfig | None = None
    generation_config: GenerationConfig | None = None
    model: Any = None  # any value: only a string is used
    # Not modelled: kept whole (any value) in the request's extras by the general path.
    safety_settings: Any = UNSET
    cached_content: Any = UNSET
    labels: Any = UNSET
    service_tier: Any = UNSET


class CandidateContent(_Strict):
    parts: list[Part] = msgspec.field(default_factory=list)
    role: str | None = None


class Candidate(_Strict):
    """A candidate, with the unmodeled fields real responses carry held as JSON (kept as
    extras); any other field falls back to the general path, which keeps it too."""

    content: CandidateContent | None = None
    finish_reason: str | None = None
    safety_ratings: Any = UNSET
    citation_metadata: Any = UNSET
    avg_logprobs: Any = UNSET
    logprobs_result: Any = UNSET
    grounding_metadata: Any = UNSET
    url_context_metadata: Any = UNSET
    finish_message: Any = UNSET
    token_count: Any = UNSET
    index: int = 0


#: The fields of :class:`Candidate` kept as extras, with their JSON names.
CANDIDATE_EXTRAS = tuple(
    (name, json_name)
    for name, json_name in zip(
        Candidate.__struct_fields__, Candidate.__struct_encode_fields__, strict=True
    )
    if name not in ("content", "finish_reason", "index")
)


def bare_candidate(candidate: Any) -> bool:
    """Whether ``candidate`` (a :class:`Candidate`, or the stream decoder's twin with the same
    extras) has none of them (spelled out: a loop costs four times)."""
    return (
        candidate.safety_ratings is UNSET
        and candidate.avg_logprobs is UNSET
        and candidate.finish_message is UNSET
        and candidate.citation_metadata is UNSET
        and candidate.logprobs_result is UNSET
        and candidate.grounding_metadata is UNSET
        and candidate.url_context_metadata is UNSET
        and candidate.token_count is UNSET
    )


class UsageMetadata(_Strict):
    prompt_token_count: int = 0
    candidates_token_count: int = 0
    thoughts_token_count: int = 0
    cached_content_token_count: int = 0
    tool_use_prompt_token_count: int = 0
    total_token_count: int | None = None
    prompt_tokens_details: Any = UNSET
    cache_tokens_details: Any = UNSET
    candidates_tokens_details: Any = UNSET
    tool_use_prompt_tokens_details: Any = UNSET
    traffic_type: Any = UNSET
    service_tier: Any = UNSET


USAGE_EXTRAS = tuple(
    (name, json_name)
    for name, json_name in zip(
        UsageMetadata.__struct_fields__, UsageMetadata.__struct_encode_fields__, strict=True
    )
    if name.endswith("_details") or name in ("traffic_type", "service_tier")
)


class Response(_Strict):
    candidates: list[Candidate] = msgspec.field(default_factory=list)
    usage_metadata: UsageMetadata | None = None
    model_version: str | None = None
    response_id: str | None = None
    prompt_feedback: Any = UNSET
    create_time: str | UnsetType | None = UNSET


class Candidates(msgspec.Struct):
    """The candidates of a response as the general path parses them; the rest is skipped."""

    candidates: Any = None


REQUEST_DECODER = msgspec.json.Decoder(Request)
RESPONSE_DECODER = msgspec.json.Decoder(Response)
CANDIDATES_DECODER = msgspec.json.Decoder(Candidates)


def bare_usage(usage: Any) -> bool:
    """Whether ``usage`` (a :class:`UsageMetadata` or the stream's twin) has none of the extras."""
    return (
        usage.prompt_tokens_details is UNSET
        and usage.candidates_tokens_details is UNSET
        and usage.cache_tokens_details is UNSET
        and usage.tool_use_prompt_tokens_details is UNSET
        and usage.traffic_type is UNSET
        and usage.service_tier is UNSET
    )


def set_fields(obj: Any, fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The fields of ``obj`` among ``fields`` that the body set, by their JSON names."""
    out: dict[str, Any] = {}
    for name, json_name in fields:
        value = getattr(obj, name)
        if value is not UNSET:
            out[json_name] = value
    return out
