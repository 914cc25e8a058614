"""OpenAI Chat Completions requests to and from the internal :class:`~nexgate.schema.Request`."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInputError
from ...schema import (
    Effort,
    JSONObject,
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
from .messages import decode_messages, encode_messages

#: Extras keys starting with "_" are hints for the same format, never fields of their own.
LEGACY_MAX_TOKENS = "_legacy_max_tokens"
EFFORTS: frozenset[str] = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"})


def _tool_choice(choice: str | JSONObject | None) -> ToolChoice | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        if choice not in ("auto", "none", "required"):
            raise InvalidInputError(f"unknown tool_choice {choice!r}", path="$.tool_choice")
        return ToolChoice(mode=choice)  # type: ignore[arg-type]
    kind = choice.get("type")
    if kind == "function":
        name = (choice.get("function") or {}).get("name")
        if not isinstance(name, str):
            raise InvalidInputError(
                "tool_choice needs a function name", path="$.tool_choice.function.name"
            )
        return ToolChoice(mode="tool", name=name)
    if kind == "allowed_tools":
        allowed = choice.get("allowed_tools") or {}
        names = tuple(
            str((tool.get("function") or {}).get("name", ""))
            for tool in allowed.get("tools", ())
            if isinstance(tool, dict)
        )
        required = allowed.get("mode") == "required"
        return ToolChoice(mode="required" if required else "auto", allowed=names)
    raise InvalidInputError(f"unsupported tool_choice type {kind!r}", path="$.tool_choice.type")


def _tools(tools: list[JSONObject] | None) -> tuple[list[Tool], list[JSONObject]]:
    ours: list[Tool] = []
    others: list[JSONObject] = []
    for i, item in enumerate(tools or ()):
        if item.get("type", "function") != "function":
            others.append(item)
            continue
        fn = convert(item, wire.FunctionTool, "tool", f"$.tools[{i}]").function
        ours.append(
            Tool(
                name=fn.name, description=fn.description, parameters=fn.parameters, strict=fn.strict
            )
        )
    return ours, others


def _response_format(fmt: wire.ResponseFormat | None) -> ResponseFormat | None:
    if fmt is None:
        return None
    if fmt.type in ("text", "json_object"):
        return ResponseFormat(type=fmt.type)  # type: ignore[arg-type]
    if fmt.type == "json_schema" and fmt.json_schema is not None:
        spec = fmt.json_schema
        return ResponseFormat(
            type="json_schema",
            schema=spec.schema,
            name=spec.name,
            description=spec.description,
            strict=spec.strict,
        )
    raise InvalidInputError(f"unsupported response_format {fmt.type!r}", path="$.response_format")


def decode_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """Decode an OpenAI Chat Completions request body."""
    body = convert(obj, wire.ChatRequest, "OpenAI request")
    if not body.messages:
        raise InvalidInputError("`messages` must not be empty", path="$.messages")
    tools, other_tools = _tools(body.tools)
    extras = {key: value for key, value in obj.items() if key not in wire.REQUEST_FIELDS}
    if other_tools:
        extras["tools"] = other_tools
    max_tokens = body.max_completion_tokens
    if max_tokens is None and body.max_tokens is not None:
        max_tokens = body.max_tokens
        extras[LEGACY_MAX_TOKENS] = True  # keep the legacy spelling for OpenAI targets
    effort = body.reasoning_effort
    if effort is not None and effort not in EFFORTS:
        raise InvalidInputError(f"unknown reasoning_effort {effort!r}", path="$.reasoning_effort")
    stop = [body.stop] if isinstance(body.stop, str) else list(body.stop or ())
    return Request(
        model=body.model,
        messages=decode_messages(body.messages),
        tools=tools,
        tool_choice=_tool_choice(body.tool_choice),
        parallel_tool_calls=body.parallel_tool_calls,
        max_tokens=max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        stop=stop,
        seed=body.seed,
        presence_penalty=body.presence_penalty,
        frequency_penalty=body.frequency_penalty,
        candidate_count=body.n,
        response_format=_response_format(body.response_format),
        reasoning=Reasoning(effort=effort) if effort is not None else None,  # type: ignore[arg-type]
        metadata=body.metadata,
        user=body.user,
        stream=bool(body.stream),
        include_usage=body.stream_options.include_usage if body.stream_options else None,
        extras={"openai": extras} if extras else {},
    )


def _encode_tool_choice(choice: ToolChoice) -> str | JSONObject:
    if choice.allowed is not None:
        mode = "required" if choice.mode in ("required", "tool") else "auto"
        tools = [{"type": "function", "function": {"name": name}} for name in choice.allowed]
        return {"type": "allowed_tools", "allowed_tools": {"mode": mode, "tools": tools}}
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name or ""}}
    return choice.mode


def _encode_tool(tool: Tool, path: str, ctx: TranslationContext) -> JSONObject:
    function: JSONObject = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    if tool.parameters is not None:
        function["parameters"] = tool.parameters
    if tool.strict is not None:
        function["strict"] = tool.strict
    if tool.cache_control is not None:
        ctx.lose(
            "cache_control_unsupported", f"{path}.cache_control", "OpenAI has no cache breakpoints"
        )
    return {"type": "function", "function": function}


def _encode_response_format(fmt: ResponseFormat) -> JSONObject:
    if fmt.type != "json_schema":
        return {"type": fmt.type}
    spec: JSONObject = {"name": fmt.name or "response"}
    if fmt.description is not None:
        spec["description"] = fmt.description
    spec["schema"] = fmt.schema if fmt.schema is not None else {"type": "object"}
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": spec}


def _encode_effort(reasoning: Reasoning, ctx: TranslationContext) -> Effort | None:
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
    if reasoning.mode == "adaptive":
        return None
    return None


def _lose_unsupported(request: Request, ctx: TranslationContext) -> None:
    if request.top_k is not None:
        ctx.lose("unsupported_parameter", "$.top_k", "OpenAI has no top_k")
    for fmt, extras in request.extras.items():
        if fmt != "openai":
            for key in _public(extras):
                ctx.lose(
                    "unsupported_parameter",
                    f"$.{key}",
                    f"{fmt}-only field has no OpenAI equivalent",
                )


def encode_request(request: Request, ctx: TranslationContext) -> JSONObject:
    """Encode an internal request as an OpenAI Chat Completions body."""
    extras = dict(request.extras.get("openai", {}))
    other_tools = extras.pop("tools", None)
    legacy = extras.pop(LEGACY_MAX_TOKENS, False)
    out: JSONObject = {"model": request.model or ctx.model or ""}
    out["messages"] = encode_messages(request, ctx)
    if request.max_tokens is not None:
        out["max_tokens" if legacy else "max_completion_tokens"] = request.max_tokens
    _put(out, "temperature", request.temperature)
    _put(out, "top_p", request.top_p)
    _put(out, "n", request.candidate_count)
    if request.stop:
        out["stop"] = list(request.stop)
    _put(out, "seed", request.seed)
    _put(out, "presence_penalty", request.presence_penalty)
    _put(out, "frequency_penalty", request.frequency_penalty)
    if request.response_format is not None:
        out["response_format"] = _encode_response_format(request.response_format)
    if request.reasoning is not None:
        _put(out, "reasoning_effort", _encode_effort(request.reasoning, ctx))
    tools = [_encode_tool(t, f"$.tools[{i}]", ctx) for i, t in enumerate(request.tools)]
    if isinstance(other_tools, list):
        tools.extend(other_tools)
    if tools:
        out["tools"] = tools
    if request.tool_choice is not None:
        out["tool_choice"] = _encode_tool_choice(request.tool_choice)
    _put(out, "parallel_tool_calls", request.parallel_tool_calls)
    _put(out, "metadata", request.metadata)
    _put(out, "user", request.user)
    if request.stream:
        out["stream"] = True
    if request.include_usage is not None:
        out["stream_options"] = {"include_usage": request.include_usage}
    _lose_unsupported(request, ctx)
    out.update(extras)
    return out


def _put(out: JSONObject, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _public(extras: JSONObject) -> list[str]:
    return [key for key in extras if not key.startswith("_")]
