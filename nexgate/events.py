"""Internal stream events: what every stream decoder emits and every stream encoder consumes.

A stream is ``MessageStart``, then parts opened with ``PartStart`` (``index`` numbers the parts
of the message, starting at 0), filled by deltas and closed with ``PartEnd``, then
``MessageEnd`` — or a ``StreamError`` at any point. Parts may interleave (OpenAI streams the
arguments of parallel tool calls by index); encoders whose format cannot interleave buffer.
``UsageUpdate`` carries cumulative usage as soon as the upstream reports it.

A block nexgate does not model (Claude's ``server_tool_use``, Gemini's ``executableCode``...)
opens as a ``PartStart`` whose part is a complete :class:`~nexgate.schema.RawPart`, closed at
once; a format-scoped addition to an ordinary part (Claude's ``citations_delta``, OpenAI's
``annotations`` and ``audio``) is a ``RawDelta``. Both reach only an encoder of the same
format, which writes them back; any other records a loss and skips them, as for a whole
response.

``MessageStart.extras`` and ``MessageEnd.extras`` hold what the source format said at the
start and at the end of the stream beyond these events (OpenAI's ``system_fingerprint``,
Claude's ``stop_details``, Gemini's safety ratings...), keyed by format in the shape of
``Response.extras``: an encoder of the same format puts them back where they were, another
records each as a lost field.
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from .schema import (
    FinishReason,
    FormatName,
    JSONObject,
    RawPart,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)


class _Event(msgspec.Struct, kw_only=True, omit_defaults=True, tag_field="event"):
    pass


class MessageStart(_Event, tag="message_start"):
    """The response began; ``usage`` holds input counts when the upstream sends them early."""

    id: str
    model: str
    created: int | None = None
    usage: Usage | None = None
    extras: dict[str, JSONObject] = msgspec.field(default_factory=dict)


class PartStart(_Event, tag="part_start"):
    """Part ``index`` opens. ``part`` is its empty skeleton: kind, tool id and name, signature;
    or a :class:`~nexgate.schema.RawPart`, which comes whole (no delta fills it)."""

    index: int
    part: TextPart | ReasoningPart | ToolCallPart | RawPart


class TextDelta(_Event, tag="text_delta"):
    index: int
    text: str


class ReasoningDelta(_Event, tag="reasoning_delta"):
    index: int
    text: str


class SignatureDelta(_Event, tag="signature_delta"):
    """The signature of part ``index`` (reasoning, tool call or text) became known."""

    index: int
    signature: Signature


class ToolArgsDelta(_Event, tag="tool_args_delta"):
    """A fragment of the JSON text of a tool call's arguments."""

    index: int
    json: str


class RawDelta(_Event, tag="raw_delta"):
    """What ``format`` streamed beyond the events, as its wire wrote it: a Claude delta
    (``data`` is the ``delta`` object, e.g. a ``citations_delta``) on part ``index``, or
    OpenAI ``delta`` fields (``annotations``, ``audio``) of the message. ``index`` is the part
    it belongs to; ``None``: the message as a whole (an OpenAI audio answer has no text part).
    Only an encoder of ``format`` can write it back; the others record a loss."""

    index: int | None
    format: FormatName
    data: JSONObject


class PartEnd(_Event, tag="part_end"):
    index: int


class UsageUpdate(_Event, tag="usage"):
    """Cumulative usage so far (replaces, never adds to, earlier updates)."""

    usage: Usage


class MessageEnd(_Event, tag="message_end"):
    finish: FinishReason
    usage: Usage | None = None
    stop_sequence: str | None = None
    extras: dict[str, JSONObject] = msgspec.field(default_factory=dict)


class StreamError(_Event, tag="error"):
    """The upstream reported an error inside the stream, or the stream broke off."""

    status: int
    kind: str
    message: str
    code: str | None = None
    retry_after: float | None = None


StreamEvent: TypeAlias = (
    MessageStart
    | PartStart
    | TextDelta
    | ReasoningDelta
    | SignatureDelta
    | ToolArgsDelta
    | RawDelta
    | PartEnd
    | UsageUpdate
    | MessageEnd
    | StreamError
)

__all__ = (
    "MessageEnd",
    "MessageStart",
    "PartEnd",
    "PartStart",
    "RawDelta",
    "ReasoningDelta",
    "SignatureDelta",
    "StreamError",
    "StreamEvent",
    "TextDelta",
    "ToolArgsDelta",
    "UsageUpdate",
)
