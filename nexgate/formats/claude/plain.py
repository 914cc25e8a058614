"""Fast paths for the plain Claude blocks that make up almost all traffic.

A body whose blocks are all of known types converts to ``wire.TypedMessagesRequest`` (or
``wire.TypedMessageResponse``) in one ``msgspec.convert`` call, which validates it as the
general path would. Its plain blocks (text without citations, tool calls, tool results of
text, thinking) become parts here without any further check; the others (media, citations,
empty text) get ``None`` and go to the general decoder, which may record losses.
"""

from __future__ import annotations

from ...schema import (
    DocumentPart,
    ImagePart,
    JSONObject,
    Part,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from . import wire
from .blocks import _cache


def _text_part(block: wire.TypedText) -> TextPart:
    part = TextPart(text=block.text)
    if block.cache_control is not None:
        part.cache_control = _cache(block.cache_control)
    return part


def typed_part(block: wire.TypedBlock) -> Part | None:
    """A plain typed block as a part, else ``None`` (the general decoder handles it)."""
    if type(block) is wire.TypedText:
        if block.citations or not block.text:
            return None
        return _text_part(block)
    if type(block) is wire.TypedToolUse:
        return ToolCallPart(
            id=block.id,
            name=block.name,
            arguments=block.input,
            cache_control=_cache(block.cache_control),
        )
    if type(block) is wire.TypedToolResult:
        return _typed_tool_result(block)
    if type(block) is wire.TypedThinking:
        signature = Signature(format="claude", value=block.signature) if block.signature else None
        return ReasoningPart(text=block.thinking, signature=signature)
    if type(block) is wire.TypedRedactedThinking:
        return ReasoningPart(
            redacted_data=block.data, signature=Signature(format="claude", value="")
        )
    return None


def _typed_tool_result(block: wire.TypedToolResult) -> ToolResultPart | None:
    """A tool result of a string or of text blocks without citations, else ``None``."""
    content: list[TextPart | ImagePart | DocumentPart] = []
    if isinstance(block.content, str):
        if block.content:
            content.append(TextPart(text=block.content))
    elif block.content is not None:
        for item in block.content:
            if type(item) is not wire.TypedText or item.citations:
                return None
            if item.text:
                content.append(_text_part(item))
    return ToolResultPart(
        call_id=block.tool_use_id,
        content=content,
        is_error=bool(block.is_error),
        cache_control=_cache(block.cache_control),
    )


# --------------------------------------------------------------------------- system


def plain_system_block(block: JSONObject) -> TextPart | None:
    """``{"type": "text", "text": <non-empty>}`` as a part (the general path validates a
    system block as ``wire.TextBlock``), else ``None``."""
    text = block.get("text")
    if len(block) != 2 or type(text) is not str or not text or block.get("type") != "text":
        return None
    return TextPart(text=text)


def unknown_fields(obj: JSONObject, known: frozenset[str]) -> JSONObject:
    """The fields of ``obj`` not in ``known``, in body order. There are usually none, which a
    set comparison tells without building anything."""
    if known.issuperset(obj):
        return {}
    return {key: value for key, value in obj.items() if key not in known}
