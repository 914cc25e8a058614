"""Fields inside a Claude request's messages and content blocks, and inside a response's
blocks, that nexgate does not model (top-level ones are kept as extras, a custom tool's are
reported by ``request``).

The lenient mirrors skip them, so the general decode path reports each one as a loss from
here; the typed decode of JSON text refuses them (see ``strict``) and falls back to it. A
block of a type nexgate does not model, or media given by a file id or as content blocks, is
kept whole as a raw part and loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...schema import JSONObject
from .._context import TranslationContext
from .._foreign import informative
from .._unmodeled import fields_of, outside
from . import wire

_MESSAGE = fields_of(wire.ClaudeMessage)
#: A breakpoint's fields.
CACHE_FIELDS = frozenset({"type", "ttl"})
# ``citations``, a document's ``context`` and a call's ``caller`` are reported by the decoder
# itself, with kinds of their own.
_BLOCKS = {
    "text": fields_of(wire.TextBlock, "type", "citations"),
    "image": fields_of(wire.MediaBlock, "type"),
    "document": fields_of(wire.MediaBlock, "type", "context", "citations"),
    "tool_use": fields_of(wire.ToolUseBlock, "type", "caller"),
    "tool_result": fields_of(wire.ToolResultBlock, "type"),
    "thinking": fields_of(wire.ThinkingBlock, "type"),
    "redacted_thinking": fields_of(wire.RedactedThinkingBlock, "type"),
}
_SOURCES = {
    "base64": frozenset({"type", "media_type", "data"}),
    "text": frozenset({"type", "media_type", "data"}),
    "url": frozenset({"type", "url"}),
}


def block_fields(block: Any, path: str) -> Iterator[str]:
    """The unmodeled fields of one content block (and of the blocks a tool result holds)."""
    if not isinstance(block, dict):
        return
    kind = block.get("type")
    fields = _BLOCKS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        return  # kept whole
    source = block.get("source")
    if kind in ("image", "document"):
        spec = _SOURCES.get(str(source.get("type"))) if isinstance(source, dict) else None
        if spec is None:
            return  # a file or content source: kept whole
        yield from outside(source, spec, f"{path}.source")
    yield from outside(block, fields, path)
    yield from outside(block.get("cache_control"), CACHE_FIELDS, f"{path}.cache_control")
    content = block.get("content")
    if kind == "tool_result" and isinstance(content, list):
        for i, item in enumerate(content):
            if not (isinstance(item, dict) and item.get("type") == "tool_result"):
                yield from block_fields(item, f"{path}.content[{i}]")  # one level: no nesting


def _plain(block: Any) -> bool:
    """A block of modeled fields only, with nothing nested to look into (most text blocks
    and tool calls): told without a generator or a path."""
    if type(block) is not dict:
        return False
    fields = _BLOCKS.get(str(block.get("type")))
    return (
        fields is not None
        and "source" not in block
        and "cache_control" not in block
        and type(block.get("content")) is not list
        and fields.issuperset(block)
    )


def _content_fields(content: Any, path: str) -> Iterator[str]:
    if isinstance(content, list):
        for i, block in enumerate(content):
            if not _plain(block):
                yield from block_fields(block, f"{path}[{i}]")


def lose_unmodeled(obj: JSONObject, ctx: TranslationContext) -> None:
    """Record a loss for each unmodeled field of a request's system blocks and messages."""
    system = obj.get("system")
    for path in _content_fields(system, "$.system"):
        ctx.lose("part_field_dropped", path, "not carried by nexgate")
    for i, block in enumerate(system if isinstance(system, list) else ()):
        # A message's text citations are the decoder's to report; the system prompt's not.
        if isinstance(block, dict) and informative(block.get("citations")):
            where = f"$.system[{i}].citations"
            ctx.lose("citations_dropped", where, "text citations are not carried over")
    messages = obj.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        path = f"$.messages[{i}]"
        for where in outside(message, _MESSAGE, path):
            ctx.lose("message_field_dropped", where, "not carried by nexgate")
        if isinstance(message, dict):
            for where in _content_fields(message.get("content"), f"{path}.content"):
                ctx.lose("part_field_dropped", where, "not carried by nexgate")


def lose_unmodeled_blocks(content: Any, path: str, ctx: TranslationContext) -> None:
    """Record a loss for each unmodeled field of a response's (or a turn's) blocks."""
    for where in _content_fields(content, path):
        ctx.lose("part_field_dropped", where, "not carried by nexgate")
