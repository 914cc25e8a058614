"""Fields inside an OpenAI request's messages, content parts and tools, and inside a
response's choices, that nexgate does not model (top-level ones, and a response message's,
are kept as extras: see :mod:`.request` and :mod:`.response_decode`).

The lenient wire mirrors skip unknown fields, so on their own they would drop them without a
word. The general decode path reports each one as a loss from here; the typed decode of JSON
text refuses them instead (its mirrors forbid unknown fields, and :func:`parts_modeled` checks
the content parts, which stay JSON objects), which hands such a body to the general path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ...schema import JSONObject
from .._context import TranslationContext
from .._unmodeled import fields_of, outside
from . import wire

_MESSAGE = fields_of(wire.ChatMessage)
#: A streamed call's ``index``, which a turn rebuilt from stream chunks carries, only ordered
#: the chunks: a request loses nothing without it.
_CALL = fields_of(wire.ToolCall, "index")
_CALL_FUNCTION = fields_of(wire.FunctionCall)
_EXTRA_CONTENT = fields_of(wire.ExtraContent)
_GOOGLE = fields_of(wire.GoogleExtra)
#: A thinking block's ``index`` orders a stream's list deltas (nexgate's own stream encoder
#: writes it, as OpenAI's does for tool calls): like a call's, it means nothing in a request.
_THINKING = {
    "thinking": fields_of(wire.ThinkingBlock, "type", "index"),
    "redacted_thinking": fields_of(wire.RedactedThinkingBlock, "type", "index"),
}
_TOOL = fields_of(wire.FunctionTool)
_FUNCTION = fields_of(wire.FunctionDefinition)
_BREAKPOINT = fields_of(wire.CacheBreakpoint)

#: A modeled part type's fields, and the name and fields of the object it nests, if any.
_PARTS: dict[str, tuple[frozenset[str], str | None, frozenset[str]]] = {
    "text": (fields_of(wire.TextContent, "type"), None, frozenset()),
    "refusal": (fields_of(wire.RefusalContent, "type"), None, frozenset()),
    "image_url": (fields_of(wire.ImageContent, "type"), "image_url", fields_of(wire.ImageURL)),
    "file": (fields_of(wire.FileContent, "type"), "file", fields_of(wire.FileData)),
    "input_audio": (fields_of(wire.AudioContent, "type"), "input_audio", fields_of(wire.AudioData)),
}


def part_fields(part: Any, path: str) -> Iterator[str]:
    """The unmodeled fields of one content part. A part nexgate does not model is kept
    whole (a raw part), and so is a file given by id only: neither loses a field."""
    if not isinstance(part, dict):
        return
    spec = _PARTS.get(str(part.get("type")))
    if spec is None:
        return
    fields, nested, nested_fields = spec
    if nested == "file" and not _has_data(part.get("file")):
        return
    yield from outside(part, fields, path)
    if nested is not None:
        yield from outside(part.get(nested), nested_fields, f"{path}.{nested}")
    mark = "prompt_cache_breakpoint"
    yield from outside(part.get(mark), _BREAKPOINT, f"{path}.{mark}")


def _has_data(file: Any) -> bool:
    return isinstance(file, dict) and file.get("file_data") is not None


def _call_fields(call: Any, path: str) -> Iterator[str]:
    yield from outside(call, _CALL, path)
    if isinstance(call, dict):
        yield from outside(call.get("function"), _CALL_FUNCTION, f"{path}.function")
        extra = call.get("extra_content")
        yield from outside(extra, _EXTRA_CONTENT, f"{path}.extra_content")
        if isinstance(extra, dict):
            yield from outside(extra.get("google"), _GOOGLE, f"{path}.extra_content.google")


def _message_fields(message: JSONObject, path: str) -> Iterator[tuple[str, str]]:
    for where in outside(message, _MESSAGE, path):
        yield "message_field_dropped", where
    content = message.get("content")
    if isinstance(content, list):
        for i, part in enumerate(content):
            for where in part_fields(part, f"{path}.content[{i}]"):
                yield "part_field_dropped", where
    for i, call in enumerate(message.get("tool_calls") or ()):
        for where in _call_fields(call, f"{path}.tool_calls[{i}]"):
            yield "part_field_dropped", where
    for i, block in enumerate(message.get("thinking_blocks") or ()):
        if isinstance(block, dict) and block.get("type") in _THINKING:
            for where in outside(block, _THINKING[block["type"]], f"{path}.thinking_blocks[{i}]"):
                yield "part_field_dropped", where


def _tool_fields(tool: Any, path: str) -> Iterator[str]:
    if not isinstance(tool, dict) or tool.get("type", "function") != "function":
        return  # other tool types are kept whole, for OpenAI
    yield from outside(tool, _TOOL, path)
    yield from outside(tool.get("function"), _FUNCTION, f"{path}.function")


def _plain(message: JSONObject) -> bool:
    """A turn of modeled fields only, whose content is a string and that has no calls or
    thinking blocks: nothing in it can be unmodeled."""
    return (
        type(message.get("content")) is not list
        and not message.get("tool_calls")
        and not message.get("thinking_blocks")
        and _MESSAGE.issuperset(message)
    )


def lose_unmodeled(obj: JSONObject, ctx: TranslationContext) -> None:
    """Record a loss for each unmodeled field of a request's messages, parts and tools."""
    messages = obj.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        if type(message) is dict and _plain(message):
            continue  # the usual turn: told without a generator or a path
        if isinstance(message, dict):
            for kind, path in _message_fields(message, f"$.messages[{i}]"):
                ctx.lose(kind, path, "not carried by nexgate")
    tools = obj.get("tools")
    for i, tool in enumerate(tools if isinstance(tools, list) else ()):
        for path in _tool_fields(tool, f"$.tools[{i}]"):
            ctx.lose("tool_field_dropped", path, "not carried by nexgate")


def parts_modeled(messages: Sequence[wire.ChatMessage | wire.ResponseMessage]) -> bool:
    """Whether every content part of ``messages`` has only modeled fields (the typed decode
    checks the rest itself)."""
    for message in messages:
        content = message.content
        if isinstance(content, list):
            for part in content:
                for _ in part_fields(part, ""):
                    return False
    return True


#: A choice's fields; its message's others are kept (the ``message`` hint, see
#: ``response_decode``), so only its parts and calls are looked into.
_CHOICE = fields_of(wire.ResponseChoice, "logprobs")


def lose_unmodeled_choices(obj: JSONObject, ctx: TranslationContext) -> None:
    """Record a loss for each unmodeled field of a response's choices (vLLM's
    ``stop_reason``...), their content parts and their tool calls."""
    choices = obj.get("choices")
    for i, choice in enumerate(choices if isinstance(choices, list) else ()):
        path = f"$.choices[{i}]"
        for where in outside(choice, _CHOICE, path):
            ctx.lose("response_field_dropped", where, "not carried by nexgate")
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        for j, part in enumerate(content if isinstance(content, list) else ()):
            for where in part_fields(part, f"{path}.message.content[{j}]"):
                ctx.lose("part_field_dropped", where, "not carried by nexgate")
        calls = message.get("tool_calls")
        for j, call in enumerate(calls if isinstance(calls, list) else ()):
            for where in _call_fields(call, f"{path}.message.tool_calls[{j}]"):
                ctx.lose("part_field_dropped", where, "not carried by nexgate")
