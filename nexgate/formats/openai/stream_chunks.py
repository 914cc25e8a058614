"""The chunks of an OpenAI chat-completion stream, as the stream decoder reads them.

The lenient mirrors read what events carry and ignore the rest; their strict twins refuse any
field inside a choice that events cannot carry, so that a chunk holding one is read leniently
and its fields reported (:func:`unmodeled_paths`). The chunk's own top-level fields are not
refused: servers add their own there (OpenAI's ``obfuscation``, Groq's ``x_groq``...).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from ...schema import JSONObject
from .._json import convert, load_json
from .._unmodeled import outside
from . import wire


class FunctionDelta(msgspec.Struct, kw_only=True):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(msgspec.Struct, kw_only=True):
    index: int | None = None  # Gemini's OpenAI-compatible endpoint sends none
    id: str | None = None
    function: FunctionDelta | None = None
    extra_content: dict[str, Any] | None = None
    #: A custom tool's call (``type: "custom"``): its name, then its free-form input in pieces.
    custom: dict[str, Any] | None = None


class Delta(msgspec.Struct, kw_only=True):
    content: str | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    thinking_blocks: list[dict[str, Any]] | None = None
    tool_calls: Sequence[ToolCallDelta] | None = None
    #: The pre-tools API's one call per message: streamed as a tool call of its own.
    function_call: FunctionDelta | None = None
    #: Fields only OpenAI has (a search model's citations, audio): raw deltas.
    annotations: Any = None
    audio: Any = None


class ChunkChoice(msgspec.Struct, kw_only=True):
    index: int = 0
    delta: Delta | None = None
    finish_reason: str | None = None
    logprobs: Any = None  # events have no place for them: a loss


class PromptDetails(wire.PromptDetails):
    audio_tokens: Any = None


class CompletionDetails(wire.CompletionDetails):
    audio_tokens: Any = None
    accepted_prediction_tokens: Any = None
    rejected_prediction_tokens: Any = None


class ChunkUsage(wire.CompletionUsage):
    """Usage with the details events have no place for (a loss when they count anything)."""

    prompt_tokens_details: PromptDetails | None = None
    completion_tokens_details: CompletionDetails | None = None


class Chunk(msgspec.Struct, kw_only=True):
    """The parts of a ``chat.completion.chunk`` the decoder reads (others are ignored)."""

    id: str | None = None
    model: str | None = None
    created: int | float | None = None
    choices: Sequence[ChunkChoice] | None = None
    usage: ChunkUsage | None = None
    system_fingerprint: Any = None
    service_tier: Any = None
    error: Any = None


# The same inside a choice, refusing any field the events cannot carry: a chunk with one
# takes the lenient decode, and its fields are reported (see StreamDecoder._lose_unmodeled).
# The chunk's own fields are not refused: servers add their own there (``obfuscation``).


class StrictFunctionDelta(FunctionDelta, forbid_unknown_fields=True):
    pass


class StrictToolCallDelta(ToolCallDelta, forbid_unknown_fields=True):
    function: StrictFunctionDelta | None = None
    type: Any = None


class StrictDelta(Delta, forbid_unknown_fields=True):
    role: Any = None
    tool_calls: Sequence[StrictToolCallDelta] | None = None
    function_call: StrictFunctionDelta | None = None


class StrictChoice(ChunkChoice, forbid_unknown_fields=True):
    delta: StrictDelta | None = None
    #: vLLM's, on every choice: null but on the last, where a set one is a loss.
    stop_reason: Any = None


class StrictChunk(Chunk):
    choices: Sequence[StrictChoice] | None = None


_chunk_decoder = msgspec.json.Decoder(Chunk)
STRICT_DECODER = msgspec.json.Decoder(StrictChunk)

#: What each level of a choice carries (beyond it: a loss).
#: (vLLM's ``stop_reason`` is a strict field only so that a null one needs no lenient decode.)
_CHOICE_KEYS = frozenset(StrictChoice.__struct_fields__) - {"stop_reason"}
_DELTA_KEYS = frozenset(StrictDelta.__struct_fields__)
_CALL_KEYS = frozenset(StrictToolCallDelta.__struct_fields__)
_FUNCTION_KEYS = frozenset(StrictFunctionDelta.__struct_fields__)


def decode_chunk(data: bytes) -> Chunk:
    try:
        return _chunk_decoder.decode(data)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        # Slow path for the error message only: these helpers name the problem and path.
        return convert(load_json(data, "OpenAI stream chunk"), Chunk, "OpenAI stream chunk")


def unmodeled_paths(chunk: Any) -> Iterator[str]:
    """The fields inside a chunk's choices that events cannot carry (paths by choice index;
    a call's position is left out: every chunk would repeat it)."""
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    for choice in choices if isinstance(choices, list) else ():
        if not isinstance(choice, dict):
            continue
        at = f"$.choices[{choice.get('index', 0)}]"
        yield from outside(choice, _CHOICE_KEYS, at)
        delta = choice.get("delta")
        yield from outside(delta, _DELTA_KEYS, f"{at}.delta")
        if not isinstance(delta, dict):
            continue
        calls = delta.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            yield from outside(call, _CALL_KEYS, f"{at}.delta.tool_calls[]")
            if isinstance(call, dict):
                function = call.get("function")
                yield from outside(function, _FUNCTION_KEYS, f"{at}.delta.tool_calls[].function")
        yield from outside(delta.get("function_call"), _FUNCTION_KEYS, f"{at}.delta.function_call")


def envelope_fields(chunk: Chunk) -> JSONObject:
    """The chunk's fields beyond id, model and created, in the order OpenAI sends them."""
    fields: JSONObject = {}
    if chunk.service_tier is not None:
        fields["service_tier"] = chunk.service_tier
    if chunk.system_fingerprint is not None:
        fields["system_fingerprint"] = chunk.system_fingerprint
    return fields
