"""Claude bodies decoded from JSON text straight to the schema (``decode_request_json`` and
``decode_response_json`` of the format).

One strict typed decode (``strict.py``) replaces the untyped decode, the typed conversion and
the per-field checks of the general path. Any body it does not fit (malformed JSON, a wrong
type, an unknown field, a block that could record a loss) and any error while mapping it is
handed to the general path, on the parsed object, so that errors (with their JSON paths),
losses and extras stay exactly what the general path gives. The shapes accepted here record
no loss, so a fallback starts from a clean context.
"""

from __future__ import annotations

import msgspec

from ...errors import InvalidInputError
from ...schema import (
    CacheControl,
    Choice,
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    ReasoningPart,
    Request,
    Response,
    Signature,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
    Usage,
)
from .._context import TranslationContext
from .._json import JSONText, load_object
from . import strict
from .blocks import _cache
from .request import (
    THINKING_DISPLAY,
    _reasoning,
    _response_format,
    _tool_choice,
    decode_request,
)
from .response import (
    STOP_REASONS,
    USAGE_EXTRAS,
    decode_response,
    decode_usage,
    map_claude_stop,
)
from .unmodeled import CACHE_FIELDS

#: A field the strict mirrors declare with this default was absent from the body.
_UNSET = msgspec.UNSET

#: What a failed strict decode raises (bad UTF-8 is a ValueError, deep nesting a
#: RecursionError); every one of them means "take the general path".
_DECODE_ERRORS = (msgspec.MsgspecError, ValueError, RecursionError)


class _Fallback(Exception):
    """A decoded body holds something only the general path maps."""


def _direct_cache(value: JSONObject) -> CacheControl | None:
    """A breakpoint with a field beyond ``type`` and ``ttl``: a loss only the general path
    records."""
    if not CACHE_FIELDS.issuperset(value):
        raise _Fallback
    return _cache(value)


def decode_request_json(data: JSONText, ctx: TranslationContext) -> Request:
    """:func:`.request.decode_request` of JSON text, by one strict typed decode when it fits."""
    try:
        return _request(strict.REQUEST_DECODER.decode(data))
    except (*_DECODE_ERRORS, _Fallback, InvalidInputError):
        return decode_request(load_object(data, "request body"), ctx)


def decode_response_json(data: JSONText, ctx: TranslationContext) -> Response:
    """:func:`.response.decode_response` of JSON text, by one strict typed decode when it
    fits."""
    try:
        return _response(strict.RESPONSE_DECODER.decode(data), ctx)
    except (*_DECODE_ERRORS, _Fallback):
        return decode_response(load_object(data, "response body"), ctx)


# --------------------------------------------------------------------------- response

#: Finish reasons are frozen, so one of each can serve every response.
_FINISHES = {
    (raw, calls): map_claude_stop(raw, calls) for raw in STOP_REASONS for calls in (False, True)
}


def _response(body: strict.MessageResponse, ctx: TranslationContext) -> Response:
    """What ``response.build_response`` gives, with the fields at their defaults left unset
    (a Struct call costs by its keyword arguments)."""
    parts = _parts(body.content)
    choice = Choice(parts=parts)
    raw = body.stop_reason
    if raw is not None:
        calls = ToolCallPart in map(type, parts)  # cheaper than any() over a generator
        choice.finish = _FINISHES.get((raw, calls)) or map_claude_stop(raw, calls)
    if body.stop_sequence is not None:
        choice.stop_sequence = body.stop_sequence
    response = Response(id=body.id, model=body.model or ctx.model or "", choices=[choice])
    usage = body.usage
    if usage is not None:
        response.usage = _usage(usage)
    # Checked here rather than in _extras: a call would cost every body without extras.
    if body.stop_details is not _UNSET or (
        usage is not None
        and (
            usage.service_tier is not _UNSET
            or usage.cache_creation is not _UNSET
            or usage.inference_geo is not _UNSET
        )
    ):
        response.extras = {"claude": _extras(body)}
    return response


def _extras(body: strict.MessageResponse) -> JSONObject:
    """What ``response._extras`` keeps of the unmodelled fields ``strict`` accepts (the body
    has some): the top-level ones, then the usage ones under ``USAGE_EXTRAS``.

    An identity translation writes them back in the order of these dicts, which the general
    path takes from the body; the typed decode does not see that order, so they are put in
    the order Anthropic sends them (the recorded responses show it).
    """
    extras: JSONObject = {}
    if body.stop_details is not _UNSET:
        extras["stop_details"] = body.stop_details
    if body.usage is not None:
        more = _usage_extras(body.usage)
        if more:
            extras[USAGE_EXTRAS] = more
    return extras


def _usage_extras(usage: strict.Usage) -> JSONObject:
    more: JSONObject = {}
    if usage.cache_creation is not _UNSET:
        more["cache_creation"] = usage.cache_creation
    if usage.service_tier is not _UNSET:
        more["service_tier"] = usage.service_tier
    if usage.inference_geo is not _UNSET:
        more["inference_geo"] = usage.inference_geo
    return more


def _usage(usage: strict.Usage) -> Usage:
    """``response.decode_usage``, with the zero counts left at their default."""
    if usage.output_tokens_details is not None:
        return decode_usage(usage)
    read = usage.cache_read_input_tokens or 0
    write = usage.cache_creation_input_tokens or 0
    ours = Usage(input_tokens=usage.input_tokens + read + write, output_tokens=usage.output_tokens)
    if read:
        ours.cache_read_tokens = read
    if write:
        ours.cache_write_tokens = write
    return ours


# --------------------------------------------------------------------------- request


def _request(body: strict.MessagesRequest) -> Request:
    # In the general path's order, so that the first semantic error is the same one (an
    # InvalidInputError sends the body to the general path anyway, which raises it again).
    choice, parallel = _tool_choice(body.tool_choice)
    messages = _messages(body.messages)
    request = Request(
        model=body.model,
        messages=messages,
        system=_system(body.system),
        tools=_tools(body.tools) if body.tools else [],
        tool_choice=choice,
        parallel_tool_calls=parallel,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        top_k=body.top_k,
        stream=bool(body.stream),
    )
    # Set apart, as in request.decode_request: a Struct call with many keyword arguments
    # costs several times as much.
    if body.stop_sequences:
        request.stop = list(body.stop_sequences)
    if body.metadata is not None:
        request.user = body.metadata.user_id
    if body.service_tier is not _UNSET or (
        body.thinking is not None and body.thinking.display is not None
    ):
        request.extras = {"claude": _request_extras(body)}
    if body.output_config is not None:
        request.response_format = _response_format(body.output_config)
    if body.thinking is not None or body.output_config is not None:
        request.reasoning = _reasoning(body)
    return request


def _request_extras(body: strict.MessagesRequest) -> JSONObject:
    """What ``request._extras`` keeps of a body that takes this path, in its order: the
    unknown top-level fields (only ``service_tier`` gets here), then the thinking display."""
    extras: JSONObject = {}
    if body.service_tier is not _UNSET:
        extras["service_tier"] = body.service_tier
    if body.thinking is not None and body.thinking.display is not None:
        extras[THINKING_DISPLAY] = body.thinking.display
    return extras


_Text = strict.Text
_ToolUse = strict.ToolUse


def _messages(messages: list[strict.Message]) -> list[Message]:
    # The usual message (a string or one plain text block) is built inline: a Python call
    # per message costs about as much as building its part. Other messages go to _parts.
    out: list[Message] = []
    for message in messages:
        content = message.content
        parts: list[Part]
        if isinstance(content, str):
            parts = [TextPart(text=content)] if content else []
        elif (
            len(content) == 1
            and type(first := content[0]) is _Text
            and first.cache_control is None
            and first.text
        ):  # the usual message: one plain text block
            parts = [TextPart(text=first.text)]
        else:
            parts = _parts(content)
        out.append(Message(role=message.role, parts=parts))
    return out


def _tools(tools: list[strict.Tool]) -> list[Tool]:
    """As ``request._tool`` maps each, with the usually absent fields set apart."""
    out: list[Tool] = []
    for tool in tools:
        ours = Tool(name=tool.name, description=tool.description, parameters=tool.input_schema)
        if tool.strict is not None:
            ours.strict = tool.strict
        if tool.cache_control is not None:
            ours.cache_control = _direct_cache(tool.cache_control)
        out.append(ours)
    return out


def _system(system: str | list[strict.Block] | None) -> list[TextPart]:
    if system is None:
        return []
    if type(system) is str:
        return [TextPart(text=system)] if system else []
    parts: list[TextPart] = []
    for block in system:
        if type(block) is not strict.Text:
            raise _Fallback  # the general path reads any system block as text
        if block.text:
            parts.append(_text(block))
    return parts


# --------------------------------------------------------------------------- blocks


def _parts(blocks: list[strict.Block]) -> list[Part]:
    """The blocks as parts, as the general path maps them (empty text is dropped)."""
    parts: list[Part] = []
    for block in blocks:
        kind = type(block)
        # Plain text and tool calls (almost every block) inlined: a call per block would
        # cost about as much as building its part.
        if kind is _Text and block.cache_control is None:  # type: ignore[union-attr]
            text = block.text  # type: ignore[union-attr]
            if text:
                parts.append(TextPart(text=text))
        elif kind is _ToolUse and block.cache_control is None:  # type: ignore[union-attr]
            parts.append(
                ToolCallPart(id=block.id, name=block.name, arguments=block.input)  # type: ignore[union-attr]
            )
        else:
            part = _part(block)
            if part is not None:
                parts.append(part)
    return parts


def _part(block: strict.Block) -> Part | None:
    # Tool results first: the callers inline plain text and tool calls.
    if isinstance(block, strict.ToolResult):
        return _tool_result(block)
    if isinstance(block, strict.Text):
        return _text(block) if block.text else None
    if isinstance(block, strict.ToolUse):
        return _tool_call(block)
    if isinstance(block, strict.Thinking):
        return _thinking(block)
    return _redacted(block)


def _text(block: strict.Text) -> TextPart:
    part = TextPart(text=block.text)
    if block.cache_control is not None:
        part.cache_control = _direct_cache(block.cache_control)
    return part


def _tool_call(block: strict.ToolUse) -> ToolCallPart:
    part = ToolCallPart(id=block.id, name=block.name, arguments=block.input)
    if block.cache_control is not None:
        part.cache_control = _direct_cache(block.cache_control)
    return part


def _tool_result(block: strict.ToolResult) -> ToolResultPart:
    content: list[TextPart | ImagePart | DocumentPart] = []
    if type(block.content) is str:
        if block.content:
            content.append(TextPart(text=block.content))
    elif block.content is not None:
        for item in block.content:
            if type(item) is not _Text:
                raise _Fallback  # other blocks may record a loss or fail, with a path
            if item.cache_control is None:
                if item.text:
                    content.append(TextPart(text=item.text))
            elif item.text:
                content.append(_text(item))
    part = ToolResultPart(call_id=block.tool_use_id, content=content, is_error=bool(block.is_error))
    if block.cache_control is not None:
        part.cache_control = _direct_cache(block.cache_control)
    return part


def _thinking(block: strict.Thinking) -> ReasoningPart:
    signature = Signature(format="claude", value=block.signature) if block.signature else None
    return ReasoningPart(text=block.thinking, signature=signature)


def _redacted(block: strict.RedactedThinking) -> ReasoningPart:
    return ReasoningPart(redacted_data=block.data, signature=Signature(format="claude", value=""))
