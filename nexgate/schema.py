"""The internal schema: the one shape every wire format is converted to and from.

Conventions shared by every adapter:

* Parts are a tagged union on ``type``; a block type nexgate does not know yet becomes a
  :class:`RawPart` instead of failing the whole decode.
* Tool results are parts of a ``user`` message (as Claude and Gemini model them); a system
  (or OpenAI ``developer``) message inside the conversation stays a message and is hoisted
  into the top-level system prompt only by targets that need it.
* :class:`Usage` has one definition: ``input_tokens`` and ``output_tokens`` are totals; the
  cache and reasoning counts are subsets of them.
* A :class:`Signature` remembers which format issued it; it is replayed only to that format.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import msgspec

FormatName: TypeAlias = Literal["openai", "claude", "gemini"]
Role: TypeAlias = Literal["system", "developer", "user", "assistant"]
FinishReasonName: TypeAlias = Literal[
    "stop", "length", "tool_calls", "content_filter", "pause", "error", "other"
]
Severity: TypeAlias = Literal["dropped", "emulated"]
Effort: TypeAlias = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]

JSONObject: TypeAlias = dict[str, Any]


class _Base(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True):
    """Common options: keyword construction, compact encoding and repr."""


class _Frozen(
    msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True, frozen=True
):
    """The same options, for immutable (hashable) values."""


class CacheControl(_Frozen, frozen=True):
    """A Claude prompt-cache breakpoint (``cache_control``); other formats cannot carry it."""

    type: str = "ephemeral"
    ttl: str | None = None


class Signature(_Frozen, frozen=True):
    """An opaque continuity token that must be echoed unchanged, and only to its issuer."""

    format: FormatName
    value: str


class Loss(_Frozen, frozen=True):
    """Something a translation could not carry over exactly.

    ``severity`` is ``"dropped"`` when information is lost, ``"emulated"`` when it was carried
    by another means (a system message hoisted, an id synthesized, a default filled in).
    """

    kind: str
    path: str
    detail: str
    severity: Severity = "dropped"


# --------------------------------------------------------------------------- parts


class TextPart(_Base, tag="text", tag_field="type"):
    """Plain text. ``signature`` carries a Gemini ``thoughtSignature`` on a non-thought part."""

    text: str
    cache_control: CacheControl | None = None
    signature: Signature | None = None


class ImagePart(_Base, tag="image", tag_field="type"):
    """An image given inline (base64 ``data`` + ``media_type``) or by ``url``."""

    media_type: str | None = None
    data: str | None = None
    url: str | None = None
    detail: str | None = None
    cache_control: CacheControl | None = None


class DocumentPart(_Base, tag="document", tag_field="type"):
    """A document (PDF, plain text, audio...) given inline or by ``url``."""

    media_type: str | None = None
    data: str | None = None
    url: str | None = None
    filename: str | None = None
    cache_control: CacheControl | None = None


class ToolCallPart(_Base, tag="tool_call", tag_field="type"):
    """A call of a tool by the assistant; ``arguments`` is always a JSON object.

    ``raw_arguments`` keeps an OpenAI argument string that was not a JSON object, so that it
    can be sent back unchanged to OpenAI. ``signature`` is a Gemini ``thoughtSignature``.
    """

    id: str
    name: str
    arguments: JSONObject = msgspec.field(default_factory=dict)
    raw_arguments: str | None = None
    signature: Signature | None = None
    cache_control: CacheControl | None = None


class ToolResultPart(_Base, tag="tool_result", tag_field="type"):
    """The result of a tool call, linked by ``call_id`` (and ``name`` for Gemini)."""

    call_id: str
    name: str | None = None
    content: list[TextPart | ImagePart | DocumentPart] = msgspec.field(default_factory=list)
    is_error: bool = False
    cache_control: CacheControl | None = None


class ReasoningPart(_Base, tag="reasoning", tag_field="type"):
    """Model reasoning: thinking text, and/or an opaque signature or redacted payload."""

    text: str = ""
    signature: Signature | None = None
    redacted_data: str | None = None


class RawPart(_Base, tag="raw", tag_field="type"):
    """A block of a type nexgate does not model, kept as the issuing format wrote it."""

    format: FormatName
    data: JSONObject


Part: TypeAlias = (
    TextPart | ImagePart | DocumentPart | ToolCallPart | ToolResultPart | (ReasoningPart | RawPart)
)


class Message(_Base):
    """One turn of the conversation."""

    role: Role
    parts: list[Part]
    name: str | None = None


# --------------------------------------------------------------------------- request


class Tool(_Base):
    """A function the model may call; ``parameters`` is a JSON Schema object."""

    name: str
    description: str | None = None
    parameters: JSONObject | None = None
    strict: bool | None = None
    cache_control: CacheControl | None = None


class ToolChoice(_Frozen, frozen=True):
    """Whether and which tools the model must call.

    ``mode`` ``"tool"`` forces the tool ``name``; ``allowed`` restricts the callable set.
    """

    mode: Literal["auto", "none", "required", "tool"]
    name: str | None = None
    allowed: tuple[str, ...] | None = None


class ResponseFormat(_Base):
    """Structured output: free text, any JSON object, or JSON matching ``schema``."""

    type: Literal["text", "json_object", "json_schema"]
    schema: JSONObject | None = None
    name: str | None = None
    description: str | None = None
    strict: bool | None = None


class Reasoning(_Base):
    """Reasoning settings; ``effort`` and ``budget_tokens`` are two views of one knob.

    ``mode`` distinguishes Claude's ``enabled`` (budget), ``adaptive`` and ``disabled``.
    """

    effort: Effort | None = None
    budget_tokens: int | None = None
    include_thoughts: bool | None = None
    mode: Literal["enabled", "adaptive", "disabled"] | None = None


class Request(_Base):
    """A chat request, independent of any wire format.

    ``extras`` holds fields of the source format that nexgate does not model, keyed by
    format; they pass through untouched when the target format is the same.
    """

    messages: list[Message]
    model: str | None = None
    system: list[TextPart] = msgspec.field(default_factory=list)
    tools: list[Tool] = msgspec.field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop: list[str] = msgspec.field(default_factory=list)
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    candidate_count: int | None = None
    response_format: ResponseFormat | None = None
    reasoning: Reasoning | None = None
    metadata: dict[str, str] | None = None
    user: str | None = None
    stream: bool = False
    include_usage: bool | None = None
    extras: dict[str, JSONObject] = msgspec.field(default_factory=dict)


# --------------------------------------------------------------------------- response


class FinishReason(_Frozen, frozen=True):
    """Why generation stopped: a normalized ``reason`` plus the upstream's own ``raw`` value."""

    reason: FinishReasonName
    raw: str | None = None


class Usage(_Base):
    """Token counts. Totals first; the other three are subsets of those totals."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Choice(_Base):
    """One candidate answer. Most responses have exactly one."""

    parts: list[Part] = msgspec.field(default_factory=list)
    finish: FinishReason | None = None
    stop_sequence: str | None = None
    index: int = 0


class Response(_Base):
    """A model's answer, independent of any wire format."""

    id: str
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    created: int | None = None
    losses: list[Loss] = msgspec.field(default_factory=list)
    extras: dict[str, JSONObject] = msgspec.field(default_factory=dict)

    @property
    def parts(self) -> list[Part]:
        """The parts of the first choice (empty when there is none)."""
        return self.choices[0].parts if self.choices else []

    @property
    def text(self) -> str:
        """The visible text of the first choice, joined."""
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The tool calls of the first choice, in order."""
        return [p for p in self.parts if isinstance(p, ToolCallPart)]

    @property
    def finish_reason(self) -> FinishReason | None:
        """The finish reason of the first choice."""
        return self.choices[0].finish if self.choices else None


__all__ = (
    "CacheControl",
    "Choice",
    "DocumentPart",
    "FinishReason",
    "ImagePart",
    "Loss",
    "Message",
    "Part",
    "RawPart",
    "Reasoning",
    "ReasoningPart",
    "Request",
    "Response",
    "ResponseFormat",
    "Signature",
    "TextPart",
    "Tool",
    "ToolCallPart",
    "ToolChoice",
    "ToolResultPart",
    "Usage",
)
