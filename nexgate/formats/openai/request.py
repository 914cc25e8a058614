"""OpenAI Chat Completions requests to and from the internal :class:`~nexgate.schema.Request`.

Fields the schema does not model (``logit_bias``, ``service_tier``, ``store``, unknown ones...)
go to ``Request.extras["openai"]`` and come back only for an OpenAI target. Keys starting with
``_`` there are hints that make openai -> openai an identity (the spelling the caller used:
legacy ``max_tokens``, ``stop`` as a string, ``safety_identifier``); they are never fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from ...errors import InvalidInputError
from ...schema import (
    Effort,
    JSONObject,
    Message,
    Reasoning,
    Request,
    ResponseFormat,
    Tool,
    ToolChoice,
)
from .._context import TranslationContext
from .._json import convert
from .._reasoning import effort_for_budget
from . import wire
from .messages import argument_spellings, decode_messages
from .messages_encode import encode_messages
from .unmodeled import lose_unmodeled

LEGACY_MAX_TOKENS = "_legacy_max_tokens"  # only max_tokens was given
BOTH_MAX_TOKENS = "_max_tokens"  # both were given: the legacy value
STOP_STRING = "_stop_string"  # stop was a string
STREAM_OPTIONS = "_stream_options"  # stream_options keys besides include_usage
USER_FIELD = "_user_field"  # the end-user id came as safety_identifier
STREAM_FALSE = "_stream_false"  # "stream": false was written out
ARGUMENTS = "_arguments"  # tool-call argument strings not written compactly, by call id
EFFORTS: frozenset[str] = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"})


# --------------------------------------------------------------------------- decode


#: The string tool choices. ToolChoice is frozen, so one instance of each can be shared.
_MODE_CHOICES = {mode: ToolChoice(mode=mode) for mode in ("auto", "none", "required")}


def _tool_choice(choice: str | JSONObject | None, extras: JSONObject) -> ToolChoice | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        if choice not in _MODE_CHOICES:
            raise InvalidInputError(f"unknown tool_choice {choice!r}", path="$.tool_choice")
        return _MODE_CHOICES[choice]
    kind = choice.get("type")
    if kind == "function":
        named = convert(choice, wire.NamedToolChoice, "tool_choice", "$.tool_choice")
        return ToolChoice(mode="tool", name=named.function.name)
    if kind == "allowed_tools":
        allowed = convert(choice, wire.AllowedToolsChoice, "tool_choice", "$.tool_choice")
        spec = allowed.allowed_tools
        if spec.mode not in ("auto", "required"):
            raise InvalidInputError(
                f"unknown allowed_tools mode {spec.mode!r}", path="$.tool_choice.allowed_tools.mode"
            )
        names = tuple(tool.function.name for tool in spec.tools if tool.function is not None)
        return ToolChoice(mode=spec.mode, allowed=names)  # type: ignore[arg-type]
    if not isinstance(kind, str):
        raise InvalidInputError("tool_choice needs a string `type`", path="$.tool_choice.type")
    extras["tool_choice"] = choice  # e.g. a custom tool: OpenAI-only
    return None


def _tool(fn: wire.FunctionDefinition) -> Tool:
    return Tool(
        name=fn.name, description=fn.description, parameters=fn.parameters, strict=fn.strict
    )


def _function_tool(item: JSONObject, index: int) -> Tool:
    try:
        fn = msgspec.convert(item, wire.FunctionTool).function
    except (msgspec.ValidationError, RecursionError):
        # Only now is the path worth formatting: convert() raises the error with it.
        convert(item, wire.FunctionTool, "tool", f"$.tools[{index}]")
        raise
    return _tool(fn)


def _tools(
    tools: Sequence[JSONObject | wire.FunctionTool] | None, extras: JSONObject
) -> list[Tool]:
    if not tools:
        return []
    ours: list[Tool] = []
    others: list[JSONObject] = []
    for i, item in enumerate(tools):
        if isinstance(item, wire.FunctionTool):  # typed by the JSON text decode: a function
            ours.append(_tool(item.function))
            continue
        if item.get("type", "function") != "function":
            others.append(item)  # custom / hosted tools exist only in OpenAI
            continue
        ours.append(_function_tool(item, i))
    if others:
        extras["tools"] = others
    return ours


def _response_format(fmt: wire.ResponseFormat | None) -> ResponseFormat | None:
    if fmt is None:
        return None
    if fmt.type in ("text", "json_object"):
        return ResponseFormat(type=fmt.type)  # type: ignore[arg-type]
    if fmt.type != "json_schema":
        raise InvalidInputError(
            f"unknown response_format type {fmt.type!r}", path="$.response_format.type"
        )
    if fmt.json_schema is None:
        raise InvalidInputError(
            "json_schema response_format needs `json_schema`", path="$.response_format.json_schema"
        )
    spec = fmt.json_schema
    return ResponseFormat(
        type="json_schema",
        schema=spec.schema,
        name=spec.name,
        description=spec.description,
        strict=spec.strict,
    )


def _reasoning(effort: str | None, extras: JSONObject) -> Reasoning | None:
    if effort is None:
        return None
    if effort not in EFFORTS:
        extras["reasoning_effort"] = effort  # a level newer than nexgate: OpenAI-only
        return None
    return Reasoning(effort=effort)  # type: ignore[arg-type]


def _stream_options(options: JSONObject | None, extras: JSONObject) -> bool | None:
    if options is None:
        return None
    parsed = convert(options, wire.StreamOptions, "stream_options", "$.stream_options")
    rest = {key: value for key, value in options.items() if key != "include_usage"}
    if rest:
        extras[STREAM_OPTIONS] = rest
    return parsed.include_usage


def _max_tokens(body: wire.ChatRequest[Any], extras: JSONObject) -> int | None:
    if body.max_completion_tokens is None:
        if body.max_tokens is not None:
            extras[LEGACY_MAX_TOKENS] = True
        return body.max_tokens
    if body.max_tokens is not None:
        extras[BOTH_MAX_TOKENS] = body.max_tokens
    return body.max_completion_tokens


def _user(body: wire.ChatRequest[Any], extras: JSONObject) -> str | None:
    if body.user is not None:
        if body.safety_identifier is not None:
            extras["safety_identifier"] = body.safety_identifier
        return body.user
    if body.safety_identifier is not None:
        extras[USER_FIELD] = "safety_identifier"
    return body.safety_identifier


def _decode_messages(
    messages: Sequence[wire.ChatMessage], spellings: dict[str, str]
) -> list[Message]:
    try:
        return decode_messages(messages, spellings)
    except InvalidInputError:
        # Argument spellings used to be collected before any message was decoded, so an
        # argument string that cannot be re-encoded (a lone surrogate) reported its error
        # first. Keep that order: collect them all again, only on this error path.
        argument_spellings(c for m in messages for c in m.tool_calls or ())
        raise


def _unmodeled_fields(obj: JSONObject) -> JSONObject:
    """The fields nexgate does not model, kept as extras (usually none: one set test)."""
    if wire.REQUEST_FIELDS.issuperset(obj):
        return {}
    return {key: value for key, value in obj.items() if key not in wire.REQUEST_FIELDS}


def _copy_sampling(body: wire.ChatRequest[Any], request: Request) -> None:
    # Set one by one, and only when given: a Request built with every field as a keyword
    # costs about 0.5 us more, most of them being unset.
    if body.temperature is not None:
        request.temperature = body.temperature
    if body.top_p is not None:
        request.top_p = body.top_p
    if body.seed is not None:
        request.seed = body.seed
    if body.presence_penalty is not None:
        request.presence_penalty = body.presence_penalty
    if body.frequency_penalty is not None:
        request.frequency_penalty = body.frequency_penalty
    if body.n is not None:
        request.candidate_count = body.n
    if body.stop is not None:
        request.stop = [body.stop] if isinstance(body.stop, str) else list(body.stop)


def decode_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """Decode an OpenAI Chat Completions request body."""
    body = convert(obj, wire.LenientRequest, "OpenAI request")
    request = request_from_wire(body, _unmodeled_fields(obj))
    lose_unmodeled(obj, ctx)  # after the checks above, so an invalid body records nothing
    return request


def request_from_wire(body: wire.ChatRequest[Any], extras: JSONObject) -> Request:
    """The request of a validated body; ``extras`` holds its unmodeled fields (and is filled).

    Shared by :func:`decode_request` and the typed decode of JSON text, which must agree.
    """
    if not body.messages:
        raise InvalidInputError("`messages` must not be empty", path="$.messages")
    if isinstance(body.stop, str):
        extras[STOP_STRING] = True
    if body.stream is False:
        extras[STREAM_FALSE] = True
    spellings: dict[str, str] = {}
    messages = _decode_messages(body.messages, spellings)
    if spellings:
        extras[ARGUMENTS] = spellings
    # Evaluated in this order so that extras keep their order and errors their precedence.
    tools = _tools(body.tools, extras)
    tool_choice = _tool_choice(body.tool_choice, extras)
    max_tokens = _max_tokens(body, extras)
    response_format = _response_format(body.response_format)
    reasoning = _reasoning(body.reasoning_effort, extras)
    user = _user(body, extras)
    include_usage = _stream_options(body.stream_options, extras)
    request = Request(messages=messages, model=body.model, tools=tools, max_tokens=max_tokens)
    _copy_sampling(body, request)
    if tool_choice is not None:
        request.tool_choice = tool_choice
    if body.parallel_tool_calls is not None:
        request.parallel_tool_calls = body.parallel_tool_calls
    if response_format is not None:
        request.response_format = response_format
    if reasoning is not None:
        request.reasoning = reasoning
    if body.metadata is not None:
        request.metadata = body.metadata
    if user is not None:
        request.user = user
    if body.stream:
        request.stream = True
    if include_usage is not None:
        request.include_usage = include_usage
    if extras:
        request.extras = {"openai": extras}
    return request


# --------------------------------------------------------------------------- encode


def _encode_tool_choice(choice: ToolChoice) -> str | JSONObject:
    if choice.allowed is not None:
        mode = "required" if choice.mode in ("required", "tool") else "auto"
        tools = [{"type": "function", "function": {"name": name}} for name in choice.allowed]
        return {"type": "allowed_tools", "allowed_tools": {"mode": mode, "tools": tools}}
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name or ""}}
    return choice.mode


def _encode_tool(tool: Tool, index: int, ctx: TranslationContext) -> JSONObject:
    function: JSONObject = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    if tool.parameters is not None:
        function["parameters"] = tool.parameters
    if tool.strict is not None:
        function["strict"] = tool.strict
    if tool.cache_control is not None:
        ctx.lose(
            "cache_control_unsupported",
            f"$.tools[{index}].cache_control",
            "OpenAI has no cache breakpoints",
        )
    return {"type": "function", "function": function}


def _encode_response_format(fmt: ResponseFormat) -> JSONObject:
    if fmt.type != "json_schema":
        return {"type": fmt.type}
    spec: JSONObject = {"name": fmt.name or "response"}
    if fmt.description is not None:
        spec["description"] = fmt.description
    if fmt.schema is not None:
        spec["schema"] = fmt.schema
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": spec}


def _encode_effort(reasoning: Reasoning, ctx: TranslationContext) -> Effort | None:
    if reasoning.include_thoughts:
        ctx.lose(
            "reasoning_text_unavailable",
            "$.reasoning.include_thoughts",
            "OpenAI Chat Completions never returns reasoning text",
        )
    if reasoning.effort is not None:
        return reasoning.effort
    if reasoning.mode == "disabled":
        return "none"
    if reasoning.budget_tokens is not None:
        effort = effort_for_budget(reasoning.budget_tokens)
        ctx.emulate(
            "reasoning_budget_as_effort",
            "$.reasoning.budget_tokens",
            f"budget {reasoning.budget_tokens} sent as reasoning_effort {effort!r}",
        )
        return effort
    return None  # adaptive: the model decides, as it does without reasoning_effort


def _lose_unsupported(request: Request, ctx: TranslationContext) -> None:
    if request.top_k is not None:
        ctx.lose("unsupported_parameter", "$.top_k", "OpenAI has no top_k")
    for fmt, extras in request.extras.items():
        if fmt == "openai":
            continue
        for key in extras:
            if not key.startswith("_"):  # "_..." keys are hints for their own format
                ctx.lose("unsupported_parameter", f"$.{key}", f"{fmt}-only field")


def _encode_sampling(request: Request, hints: JSONObject, out: JSONObject) -> None:
    # Plain `is not None` tests rather than _put(): most of these are unset, and a call per
    # field was a measurable share of a typical request's encoding.
    if request.max_tokens is not None:
        legacy = hints.get(LEGACY_MAX_TOKENS, False)
        out["max_tokens" if legacy else "max_completion_tokens"] = request.max_tokens
    if hints:
        _put(out, "max_tokens", hints.get(BOTH_MAX_TOKENS))
    if request.temperature is not None:
        out["temperature"] = request.temperature
    if request.top_p is not None:
        out["top_p"] = request.top_p
    if request.candidate_count is not None:
        out["n"] = request.candidate_count
    if request.stop:
        single = hints.get(STOP_STRING) and len(request.stop) == 1
        out["stop"] = request.stop[0] if single else list(request.stop)
    if request.seed is not None:
        out["seed"] = request.seed
    if request.presence_penalty is not None:
        out["presence_penalty"] = request.presence_penalty
    if request.frequency_penalty is not None:
        out["frequency_penalty"] = request.frequency_penalty


def _split_extras(extras: JSONObject | None) -> tuple[JSONObject, JSONObject]:
    """OpenAI extras as (fields to write back, ``_`` hints); copies, the request is not changed."""
    if not extras:
        return {}, {}
    fields: JSONObject = {}
    hints: JSONObject = {}
    for key, value in extras.items():
        if key.startswith("_"):
            hints[key] = value
        else:
            fields[key] = value
    return fields, hints


def _empty_turn(ctx: TranslationContext) -> list[JSONObject]:
    """The messages of a conversation with nothing to say (only empty texts, or only parts
    the target cannot take): OpenAI refuses none, and takes an empty user turn."""
    if ctx.source != "openai":
        ctx.emulate("empty_turn_sent", "$.messages", "OpenAI needs a turn: an empty one was sent")
    return [{"role": "user", "content": ""}]


def encode_request(request: Request, ctx: TranslationContext) -> JSONObject:
    """Encode an internal request as an OpenAI Chat Completions body."""
    extras, hints = _split_extras(request.extras.get("openai"))
    other_tools = extras.pop("tools", None)
    out: JSONObject = {"model": request.model or ctx.model or ""}
    spellings = hints.get(ARGUMENTS)
    out["messages"] = encode_messages(
        request, ctx, spellings if isinstance(spellings, dict) else None
    ) or _empty_turn(ctx)
    _encode_sampling(request, hints, out)
    if request.response_format is not None:
        out["response_format"] = _encode_response_format(request.response_format)
    if request.reasoning is not None:
        _put(out, "reasoning_effort", _encode_effort(request.reasoning, ctx))
    tools = [_encode_tool(tool, i, ctx) for i, tool in enumerate(request.tools)]
    if isinstance(other_tools, list):
        tools.extend(other_tools)
    if tools:
        out["tools"] = tools
    if request.tool_choice is not None:
        out["tool_choice"] = _encode_tool_choice(request.tool_choice)
    if request.parallel_tool_calls is not None:
        out["parallel_tool_calls"] = request.parallel_tool_calls
    if request.metadata is not None:
        out["metadata"] = request.metadata
    if request.user is not None:
        out[str(hints.get(USER_FIELD, "user"))] = request.user
    if request.stream:
        out["stream"] = True
        options: JSONObject = {}
        if request.include_usage is not None:
            options["include_usage"] = request.include_usage
        options.update(hints.get(STREAM_OPTIONS) or {})
        if options:
            out["stream_options"] = options
    elif hints.get(STREAM_FALSE):
        out["stream"] = False
    _lose_unsupported(request, ctx)
    out.update(extras)
    return out


def _put(out: JSONObject, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value
