"""Anthropic Messages requests decoded into the internal :class:`~nexgate.schema.Request`
(the other direction is :mod:`.request_encode`).

Encoding targets API version ``2023-06-01`` (it keeps ``temperature``/``top_p``/``top_k``);
input in the ``2026-10-21`` style (``role: "system"`` messages, adaptive thinking with
``output_config.effort``) is accepted. Choices worth knowing:

* Citations on a text block of a request are not modeled: the text is kept and the citations
  dropped with a recorded loss (``citations_dropped``), whatever the target (a raw block would
  hide the text from every other format and from ``Response.text``). A response keeps them in
  its extras (``response.CITATIONS``), which a Claude target writes back. A document's
  ``context`` and ``citations`` settings are likewise dropped with a loss.
* Image/document sources nexgate does not model (``file``, ``content``) and unknown block
  types become ``RawPart(format="claude")``; they reach only Claude targets.
* ``tool_choice.allowed`` is emulated by sending only the allowed tools.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from ...errors import InvalidInputError
from ...schema import (
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    RawPart,
    Reasoning,
    ReasoningPart,
    Request,
    ResponseFormat,
    TextPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
)
from .._context import TranslationContext
from .._json import convert
from .._unmodeled import outside
from . import wire
from .blocks import (
    _cache,
    decode_block,
    encode_content,
    encode_reasoning,
    encode_tool_call,
    encode_tool_result,
    lose_caller,
)
from .plain import plain_system_block, typed_part, unknown_fields
from .unmodeled import CACHE_FIELDS, lose_unmodeled

#: ``output_config.effort`` values Claude accepts.
CLAUDE_EFFORTS = frozenset({"low", "medium", "high", "xhigh", "max"})
#: Documented Claude media sources nexgate does not model (they reach Claude targets only).
_RAW_SOURCES = frozenset({"file", "content"})
#: Extras key remembering ``thinking.display`` for a Claude target.
THINKING_DISPLAY = "_thinking_display"
#: Where the server tools stood among the tools, when not after every custom one: the tool
#: list is part of the prompt (and of its cache key), so a Claude target keeps the order.
SERVER_TOOL_AT = "_server_tool_at"

# --------------------------------------------------------------------------- content


def decode_content(
    content: str | list[JSONObject], path: str, ctx: TranslationContext
) -> list[Part]:
    """Claude content (a string or blocks) as internal parts; empty text is dropped."""
    if isinstance(content, str):
        return [TextPart(text=content)] if content else []
    parts: list[Part] = []
    for i, block in enumerate(content):
        part = _decode_one(block, f"{path}[{i}]", ctx)
        if part is not None:
            parts.append(part)
    return parts


def decode_typed_content(
    blocks: list[wire.TypedBlock], raw: list[JSONObject], ctx: TranslationContext
) -> list[Part]:
    """The typed blocks of a response as internal parts (``raw``: the same, as decoded JSON,
    for the blocks that take the general path)."""
    parts: list[Part] = []
    for block in blocks:
        # Plain text, the most common block, inlined (as in _typed_messages).
        if (
            type(block) is wire.TypedText
            and block.text
            and block.cache_control is None
            and not block.citations
        ):
            parts.append(TextPart(text=block.text))
            continue
        part = typed_part(block)
        if part is None:
            j = _position(blocks, block)
            part = _decode_one(dict(raw[j]), f"$.content[{j}]", ctx)
            if part is None:
                continue
        parts.append(part)
    return parts


def _position(items: list[Any], item: object) -> int:
    """Where ``item`` itself (not an equal one) is in ``items``.

    The typed loops do not count blocks: a position is needed only for a block that takes
    the general path (to find it as decoded JSON, and for its JSON path), which is rare.
    """
    for index, candidate in enumerate(items):
        if candidate is item:
            return index
    raise ValueError("not in the list")


def _general_message_block(
    messages: list[wire.TypedMessage],
    message: wire.TypedMessage,
    content: list[wire.TypedBlock],
    block: wire.TypedBlock,
    raw: list[JSONObject],
    ctx: TranslationContext,
) -> Part | None:
    i, j = _position(messages, message), _position(content, block)
    # A copy, as msgspec.convert gives the general path (it may become a RawPart).
    return _decode_one(dict(raw[i]["content"][j]), f"$.messages[{i}].content[{j}]", ctx)


W = TypeVar("W", bound=msgspec.Struct)


def convert_typed(obj: JSONObject, type_: type[W]) -> W | None:
    """``obj`` as a typed wire struct, or ``None`` when it does not fit (an unknown block
    type, or bad input: the general path then reports it with its JSON path)."""
    try:
        return msgspec.convert(obj, type_)
    except (msgspec.ValidationError, RecursionError):
        return None


def _hashable(value: object) -> object:
    """``value`` if it can be looked up in a set (any JSON value may come), else ``None``."""
    return value if isinstance(value, str | int | float | bool | None) else None


def _decode_one(block: JSONObject, path: str, ctx: TranslationContext) -> Part | None:
    kind = block.get("type")
    if kind == "text" and block.get("citations"):
        ctx.lose("citations_dropped", f"{path}.citations", "text citations are not carried over")
    elif kind in ("image", "document"):
        source = block.get("source")
        if isinstance(source, dict) and _hashable(source.get("type")) in _RAW_SOURCES:
            return RawPart(format="claude", data=block)
        for key in ("context", "citations"):
            if block.get(key) is not None:
                ctx.lose("unsupported_field", f"{path}.{key}", f"document {key} is not carried")
    elif kind == "tool_result":
        return _tool_result(
            convert(block, wire.ToolResultBlock, "tool_result block", path), path, ctx
        )
    elif kind == "tool_use":
        lose_caller(block.get("caller"), path, ctx)
    return decode_block(block, path)


def _tool_result(block: wire.ToolResultBlock, path: str, ctx: TranslationContext) -> ToolResultPart:
    content: list[TextPart | ImagePart | DocumentPart] = []
    if isinstance(block.content, str):
        if block.content:
            content.append(TextPart(text=block.content))
    else:
        for i, item in enumerate(block.content or ()):
            where = f"{path}.content[{i}]"
            if item.get("type") == "tool_result":  # not decoded: it could nest without end
                ctx.lose("unsupported_block", where, "a tool_result block inside a tool result")
                continue
            part = _decode_one(item, where, ctx)
            if isinstance(part, TextPart | ImagePart | DocumentPart):
                content.append(part)
            elif part is not None:
                kind = item.get("type")
                ctx.lose("unsupported_block", where, f"a {kind} block inside a tool result")
    return ToolResultPart(
        call_id=block.tool_use_id,
        content=content,
        is_error=bool(block.is_error),
        cache_control=_cache(block.cache_control),
    )


def encode_part(part: Part, path: str, ctx: TranslationContext) -> JSONObject | None:
    """One internal part as a Claude request block (``None`` when it cannot be sent)."""
    if isinstance(part, ReasoningPart):
        if not (part.text or part.signature or part.redacted_data):
            return None
        return encode_reasoning(part, path, ctx)
    if isinstance(part, ToolResultPart):
        return encode_tool_result(part, path, ctx)
    if isinstance(part, ToolCallPart):
        return encode_tool_call(part, path, ctx)
    if isinstance(part, RawPart):
        if part.format == "claude":
            return part.data
        ctx.lose("unsupported_part", path, f"a {part.format} block has no Claude equivalent")
        return None
    return encode_content(part, path, ctx)


# --------------------------------------------------------------------------- decode


def _system(system: str | list[JSONObject] | None) -> list[TextPart]:
    if system is None:
        return []
    if isinstance(system, str):
        return [TextPart(text=system)] if system else []
    parts: list[TextPart] = []
    for i, block in enumerate(system):
        part = plain_system_block(block)
        if part is None:
            text = convert(block, wire.TextBlock, "system block", f"$.system[{i}]")
            if not text.text:
                continue
            part = TextPart(text=text.text, cache_control=_cache(text.cache_control))
        parts.append(part)
    return parts


def _typed_messages(
    messages: list[wire.TypedMessage], raw: list[JSONObject], ctx: TranslationContext
) -> list[Message]:
    """The messages of a ``wire.TypedMessagesRequest`` (``raw``: the same, as decoded JSON)."""
    out: list[Message] = []
    for message in messages:
        content = message.content
        if isinstance(content, str):
            parts: list[Part] = [TextPart(text=content)] if content else []
        else:
            # The block loop is inlined, and plain text (the most common block) within it:
            # a call costs as much as the rest of the work for a block.
            parts = []
            for block in content:
                if (
                    type(block) is wire.TypedText
                    and block.text
                    and block.cache_control is None
                    and not block.citations
                ):
                    parts.append(TextPart(text=block.text))
                    continue
                part = typed_part(block)
                if part is None:
                    part = _general_message_block(messages, message, content, block, raw, ctx)
                    if part is None:
                        continue
                parts.append(part)
        out.append(Message(role=message.role, parts=parts))
    return out


def _messages(messages: list[wire.ClaudeMessage], ctx: TranslationContext) -> list[Message]:
    out: list[Message] = []
    for i, message in enumerate(messages):
        if message.role not in ("user", "assistant", "system"):
            raise InvalidInputError(
                f"unknown message role {message.role!r}", path=f"$.messages[{i}].role"
            )
        parts = decode_content(message.content, f"$.messages[{i}].content", ctx)
        out.append(Message(role=message.role, parts=parts))  # type: ignore[arg-type]
    return out


def _tools(tools: list[JSONObject] | None) -> tuple[list[Tool], list[JSONObject]]:
    ours: list[Tool] = []
    server: list[JSONObject] = []
    for i, item in enumerate(tools or ()):
        if item.get("type", "custom") != "custom":
            server.append(item)  # versioned server tools (web_search_..., bash_...): Claude only
            continue
        ours.append(_tool(convert(item, wire.ClaudeTool, "tool", f"$.tools[{i}]")))
    return ours, server


def _typed_tools(
    tools: list[wire.TypedTool] | None, raw: list[JSONObject]
) -> tuple[list[Tool], list[JSONObject]]:
    """:func:`_tools` of a ``wire.TypedMessagesRequest`` (``raw``: the same, as decoded JSON)."""
    ours: list[Tool] = []
    server: list[JSONObject] = []
    for i, tool in enumerate(tools or ()):
        if tool.type == "custom":
            ours.append(_tool(tool))
        else:
            server.append(dict(raw[i]))  # a copy, as msgspec.convert gives the general path
    return ours, server


#: The fields of a custom tool that :class:`~nexgate.schema.Tool` carries.
_TOOL_FIELDS = frozenset({"type", "name", "description", "input_schema", "strict", "cache_control"})


def _lose_tool_fields(tools: Any, ctx: TranslationContext) -> None:
    """A custom tool's other fields (``input_examples``, ``defer_loading``...), and its
    breakpoint's, are losses."""
    for i, item in enumerate(tools if isinstance(tools, list) else ()):
        if isinstance(item, dict) and item.get("type", "custom") == "custom":
            for key in item.keys() - _TOOL_FIELDS:
                ctx.lose("tool_field_dropped", f"$.tools[{i}].{key}", "not carried by nexgate")
            where = f"$.tools[{i}].cache_control"
            for path in outside(item.get("cache_control"), CACHE_FIELDS, where):
                ctx.lose("tool_field_dropped", path, "not carried by nexgate")


def _tool(tool: wire.ClaudeTool) -> Tool:
    return Tool(
        name=tool.name,
        description=tool.description,
        parameters=tool.input_schema,
        strict=tool.strict,
        cache_control=_cache(tool.cache_control),
    )


_CHOICE_MODES = {"auto": "auto", "any": "required", "none": "none", "tool": "tool"}


def _tool_choice(choice: wire.ToolChoice | None) -> tuple[ToolChoice | None, bool | None]:
    if choice is None:
        return None, None
    mode = _CHOICE_MODES.get(choice.type)
    if mode is None:
        raise InvalidInputError(
            f"unknown tool_choice type {choice.type!r}", path="$.tool_choice.type"
        )
    if mode == "tool" and not choice.name:
        raise InvalidInputError("tool_choice of type tool needs a name", path="$.tool_choice.name")
    parallel = False if choice.disable_parallel_tool_use else None
    return ToolChoice(mode=mode, name=choice.name), parallel  # type: ignore[arg-type]


def _reasoning(body: wire.MessagesRequest) -> Reasoning | None:
    effort = body.output_config.effort if body.output_config else None
    if effort is not None and effort not in CLAUDE_EFFORTS:
        raise InvalidInputError(f"unknown effort {effort!r}", path="$.output_config.effort")
    thinking = body.thinking
    if thinking is None:
        return Reasoning(effort=effort) if effort else None  # type: ignore[arg-type]
    if thinking.type not in ("enabled", "adaptive", "disabled"):
        raise InvalidInputError(f"unknown thinking type {thinking.type!r}", path="$.thinking.type")
    # Claude returns the thinking it does (summarized) unless asked to omit it: a target
    # that shows thoughts only on request (Gemini's includeThoughts) is asked.
    shown = thinking.type != "disabled" and thinking.display != "omitted"
    return Reasoning(
        mode=thinking.type,  # type: ignore[arg-type]
        budget_tokens=thinking.budget_tokens,
        effort=effort,  # type: ignore[arg-type]
        include_thoughts=True if shown else None,
    )


def _response_format(config: wire.OutputConfig | None) -> ResponseFormat | None:
    if config is None or config.format is None:
        return None
    if config.format.type != "json_schema":
        raise InvalidInputError(
            f"unknown output format {config.format.type!r}", path="$.output_config.format.type"
        )
    return ResponseFormat(type="json_schema", schema=config.format.schema)


def _extras(
    obj: JSONObject, body: wire.MessagesRequest, server_tools: list[JSONObject]
) -> JSONObject:
    extras = unknown_fields(obj, wire.REQUEST_FIELDS)
    if server_tools:
        extras["tools"] = server_tools
        raw = obj.get("tools") or []
        at = [i for i, tool in enumerate(raw) if tool.get("type", "custom") != "custom"]
        if at != list(range(len(raw) - len(at), len(raw))):
            extras[SERVER_TOOL_AT] = at
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and set(metadata) - {"user_id"}:
        extras["metadata"] = metadata  # keys other than user_id go back to Claude untouched
    if body.thinking is not None and body.thinking.display is not None:
        extras[THINKING_DISPLAY] = body.thinking.display
    return extras


def decode_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """Decode an Anthropic Messages request body (``max_tokens`` may be absent)."""
    # The typed conversion checks the body and its blocks in one call; a body it does not
    # fit is converted again by the general path, which names the error's JSON path.
    typed = convert_typed(obj, wire.TypedMessagesRequest)
    if typed is None:
        body = convert(obj, wire.MessagesRequest, "Claude request")
        tools, server_tools = _tools(body.tools)
    else:
        body = typed
        tools, server_tools = _typed_tools(typed.tools, obj.get("tools") or [])
    _lose_tool_fields(obj.get("tools"), ctx)
    extras = _extras(obj, body, server_tools)
    choice, parallel = _tool_choice(body.tool_choice)
    if typed is None:
        messages = _messages(body.messages, ctx)
    else:
        messages = _typed_messages(typed.messages, obj["messages"], ctx)
    lose_unmodeled(obj, ctx)
    request = Request(
        model=body.model,
        messages=messages,
        system=_system(body.system),
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=parallel,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        top_k=body.top_k,
        stop=list(body.stop_sequences or ()),
        user=body.metadata.user_id if body.metadata else None,
        stream=bool(body.stream),
        extras={"claude": extras} if extras else {},
    )
    # Set apart: a msgspec Struct call with more than 15 keyword arguments costs about three
    # times as much (~0.7 us against ~0.23 us for 15, measured on Request).
    request.response_format = _response_format(body.output_config)
    request.reasoning = _reasoning(body)
    return request
