"""Internal stream events: what every stream decoder emits and every stream encoder consumes.

A stream is ``MessageStart``, then parts opened with ``PartStart`` (``index`` numbers the parts
of the message, starting at 0), filled by deltas and closed with ``PartEnd``, then
``MessageEnd`` — or a ``StreamError`` at any point. Parts may interleave (OpenAI streams the
arguments of parallel tool calls by index); encoders whose format cannot interleave buffer.
``UsageUpdate`` carries cumulative usage as soon as the upstream reports it.

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
    JSONObject,
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
    """Part ``index`` opens. ``part`` is its empty skeleton: kind, tool id and name, signature."""

    index: int
    part: TextPart | ReasoningPart | ToolCallPart


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
    "ReasoningDelta",
    "SignatureDelta",
    "StreamError",
    "StreamEvent",
    "TextDelta",
    "ToolArgsDelta",
    "UsageUpdate",
)
