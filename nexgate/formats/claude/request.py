"""Anthropic Messages requests to and from the internal :class:`~nexgate.schema.Request`."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInputError
from ...schema import (
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
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
from .._reasoning import CLAUDE_MIN_BUDGET, budget_for_effort
from . import wire
from .blocks import (
    _cache,
    decode_blocks,
    encode_cache,
    encode_content,
    encode_reasoning,
    encode_tool_call,
    encode_tool_result,
)

_EFFORTS = frozenset({"low", "medium", "high", "xhigh", "max"})


# --------------------------------------------------------------------------- decode


def _system(system: str | list[JSONObject] | None) -> list[TextPart]:
    if system is None:
        return []
    if isinstance(system, str):
        return [TextPart(text=system)] if system else []
    parts: list[TextPart] = []
    for i, block in enumerate(system):
        text = convert(block, wire.TextBlock, "system block", f"$.system[{i}]")
        if text.text:
            parts.append(TextPart(text=text.text, cache_control=_cache(text.cache_control)))
    return parts


def _messages(messages: list[wire.ClaudeMessage]) -> list[Message]:
    out: list[Message] = []
    for i, message in enumerate(messages):
        if message.role not in ("user", "assistant", "system"):
            raise InvalidInputError(
                f"unknown message role {message.role!r}", path=f"$.messages[{i}].role"
            )
        parts = decode_blocks(message.content, f"$.messages[{i}].content")
        out.append(Message(role=message.role, parts=parts))  # type: ignore[arg-type]
    return out


def _tools(tools: list[JSONObject] | None) -> tuple[list[Tool], list[JSONObject]]:
    ours: list[Tool] = []
    server: list[JSONObject] = []
    for i, item in enumerate(tools or ()):
        if item.get("type", "custom") != "custom":
            server.append(item)
            continue
        tool = convert(item, wire.ClaudeTool, "tool", f"$.tools[{i}]")
        ours.append(
            Tool(
                name=tool.name,
                description=tool.description,
                parameters=tool.input_schema,
                strict=tool.strict,
                cache_control=_cache(tool.cache_control),
            )
        )
    return ours, server


def _tool_choice(choice: wire.ToolChoice | None) -> tuple[ToolChoice | None, bool | None]:
    if choice is None:
        return None, None
    parallel = False if choice.disable_parallel_tool_use else None
    modes = {"auto": "auto", "any": "required", "none": "none", "tool": "tool"}
    if choice.type not in modes:
        raise InvalidInputError(
            f"unknown tool_choice type {choice.type!r}", path="$.tool_choice.type"
        )
    return ToolChoice(mode=modes[choice.type], name=choice.name), parallel  # type: ignore[arg-type]


def _reasoning(body: wire.MessagesRequest) -> Reasoning | None:
    effort = body.output_config.effort if body.output_config else None
    if effort is not None and effort not in _EFFORTS:
        raise InvalidInputError(f"unknown effort {effort!r}", path="$.output_config.effort")
    thinking = body.thinking
    if thinking is None:
        return Reasoning(effort=effort) if effort else None  # type: ignore[arg-type]
    if thinking.type not in ("enabled", "adaptive", "disabled"):
        raise InvalidInputError(f"unknown thinking type {thinking.type!r}", path="$.thinking.type")
    return Reasoning(mode=thinking.type, budget_tokens=thinking.budget_tokens, effort=effort)  # type: ignore[arg-type]


def _response_format(config: wire.OutputConfig | None) -> ResponseFormat | None:
    if config is None or config.format is None:
        return None
    if config.format.type != "json_schema":
        raise InvalidInputError(
            f"unknown output format {config.format.type!r}", path="$.output_config.format"
        )
    return ResponseFormat(type="json_schema", schema=config.format.schema)


def decode_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """Decode an Anthropic Messages request body."""
    body = convert(obj, wire.MessagesRequest, "Claude request")
    tools, server_tools = _tools(body.tools)
    extras = {key: value for key, value in obj.items() if key not in wire.REQUEST_FIELDS}
    if server_tools:
        extras["tools"] = server_tools
    if body.metadata is not None and set(obj["metadata"]) - {"user_id"}:
        extras["metadata"] = obj["metadata"]
    choice, parallel = _tool_choice(body.tool_choice)
    return Request(
        model=body.model,
        messages=_messages(body.messages),
        system=_system(body.system),
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=parallel,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        top_k=body.top_k,
        stop=list(body.stop_sequences or ()),
        response_format=_response_format(body.output_config),
        reasoning=_reasoning(body),
        user=body.metadata.user_id if body.metadata else None,
        stream=bool(body.stream),
        extras={"claude": extras} if extras else {},
    )


# --------------------------------------------------------------------------- encode


def _hoist_system(
    request: Request, ctx: TranslationContext
) -> tuple[list[TextPart], list[Message]]:
    system = list(request.system)
    messages: list[Message] = []
    seen_turn = False
    for i, message in enumerate(request.messages):
        if message.role in ("system", "developer"):
            if seen_turn:
                ctx.emulate(
                    "system_message_hoisted", f"$.messages[{i}]", "Claude has one system prompt"
                )
            system.extend(p for p in message.parts if isinstance(p, TextPart))
        else:
            seen_turn = True
            messages.append(message)
    return system, messages


def _encode_system(system: list[TextPart]) -> str | list[JSONObject] | None:
    texts = [p for p in system if p.text]
    if not texts:
        return None
    if len(texts) == 1 and texts[0].cache_control is None:
        return texts[0].text
    return [encode_cache(p.cache_control, {"type": "text", "text": p.text}) for p in texts]


def _encode_parts(items: list[tuple[str, Part]], ctx: TranslationContext) -> list[JSONObject]:
    thinking: list[JSONObject] = []
    results: list[JSONObject] = []
    rest: list[JSONObject] = []
    for where, part in items:
        encoded: JSONObject | None
        if isinstance(part, ReasoningPart):
            encoded = encode_reasoning(part, where, ctx)
            if encoded is not None:
                thinking.append(encoded)
            continue
        if isinstance(part, ToolResultPart):
            results.append(encode_tool_result(part, where, ctx))
            continue
        if isinstance(part, ToolCallPart):
            encoded = encode_tool_call(part, where, ctx)
        elif isinstance(part, TextPart | ImagePart | DocumentPart):
            encoded = encode_content(part, where, ctx)
        elif part.format == "claude":
            encoded = part.data
        else:
            ctx.lose("unsupported_part", where, f"a {part.format} block has no Claude equivalent")
            encoded = None
        if encoded is not None:
            rest.append(encoded)
    # Claude wants thinking first in an assistant turn and tool results first in a user turn.
    return thinking + results + rest


def encode_messages(messages: list[Message], ctx: TranslationContext) -> list[JSONObject]:
    """Claude turns: adjacent same-role messages merged (Claude wants roles to alternate)."""
    out: list[JSONObject] = []
    turns: list[tuple[str, list[tuple[str, Part]]]] = []
    for i, message in enumerate(messages):
        role = "assistant" if message.role == "assistant" else "user"
        items = [(f"$.messages[{i}].parts[{j}]", part) for j, part in enumerate(message.parts)]
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(items)
        else:
            turns.append((role, items))
    for role, items in turns:
        content = _encode_parts(items, ctx)
        if content:
            out.append({"role": role, "content": content})
    return out


def _encode_thinking(
    request: Request, max_tokens: int, ctx: TranslationContext
) -> tuple[JSONObject | None, int]:
    reasoning = request.reasoning
    if reasoning is None:
        return None, max_tokens
    if reasoning.mode == "adaptive":
        return {"type": "adaptive"}, max_tokens
    if reasoning.mode == "disabled" or (
        reasoning.effort == "none" and reasoning.budget_tokens is None
    ):
        return ({"type": "disabled"} if reasoning.mode == "disabled" else None), max_tokens
    budget = reasoning.budget_tokens
    if budget is None and reasoning.effort is not None:
        budget = budget_for_effort(reasoning.effort)
        ctx.emulate(
            "reasoning_effort_as_budget",
            "$.reasoning.effort",
            f"effort {reasoning.effort!r} sent as thinking budget {budget}",
        )
    if budget is None:
        return None, max_tokens
    if budget < CLAUDE_MIN_BUDGET:
        ctx.emulate(
            "thinking_budget_raised", "$.reasoning.budget_tokens", "Claude's minimum is 1024"
        )
        budget = CLAUDE_MIN_BUDGET
    if budget >= max_tokens:
        ctx.emulate("max_tokens_raised", "$.max_tokens", "Claude needs max_tokens above the budget")
        max_tokens = budget + CLAUDE_MIN_BUDGET
    return {"type": "enabled", "budget_tokens": budget}, max_tokens


def _encode_tool(tool: Tool) -> JSONObject:
    out: JSONObject = {"name": tool.name}
    if tool.description is not None:
        out["description"] = tool.description
    out["input_schema"] = (
        tool.parameters if tool.parameters is not None else {"type": "object", "properties": {}}
    )
    if tool.strict is not None:
        out["strict"] = tool.strict
    return encode_cache(tool.cache_control, out)


def _encode_tool_choice(request: Request, ctx: TranslationContext) -> JSONObject | None:
    choice = request.tool_choice
    out: JSONObject | None = None
    if choice is not None:
        kinds = {"auto": "auto", "required": "any", "none": "none", "tool": "tool"}
        out = {"type": kinds[choice.mode]}
        if choice.mode == "tool":
            out["name"] = choice.name or ""
        if choice.allowed is not None:
            ctx.emulate(
                "allowed_tools_filtered", "$.tool_choice.allowed", "only the allowed tools are sent"
            )
    if request.parallel_tool_calls is False:
        if out is None:
            out = {"type": "auto"}
        if out["type"] != "none":
            out["disable_parallel_tool_use"] = True
    return out


def _lose_unsupported(request: Request, ctx: TranslationContext) -> None:
    unsupported: dict[str, Any] = {
        "seed": request.seed,
        "presence_penalty": request.presence_penalty,
        "frequency_penalty": request.frequency_penalty,
        "metadata": request.metadata,
    }
    if request.candidate_count not in (None, 1):
        unsupported["candidate_count"] = request.candidate_count
    for key, value in unsupported.items():
        if value is not None:
            ctx.lose("unsupported_parameter", f"$.{key}", f"Claude has no {key}")
    if request.response_format is not None and request.response_format.type == "json_object":
        ctx.emulate(
            "json_object_as_schema", "$.response_format", "sent as a JSON schema of any object"
        )
    for fmt, extras in request.extras.items():
        if fmt != "claude":
            for key in extras:
                if key.startswith("_"):  # a hint for its own format, not a field
                    continue
                ctx.lose(
                    "unsupported_parameter",
                    f"$.{key}",
                    f"{fmt}-only field has no Claude equivalent",
                )


def encode_request(request: Request, ctx: TranslationContext) -> JSONObject:
    """Encode an internal request as an Anthropic Messages body (API version 2023-06-01)."""
    extras = dict(request.extras.get("claude", {}))
    server_tools = extras.pop("tools", None)
    system, messages = _hoist_system(request, ctx)
    max_tokens = request.max_tokens
    if max_tokens is None:
        max_tokens = ctx.default_max_tokens
        ctx.emulate(
            "max_tokens_defaulted", "$.max_tokens", f"Claude requires max_tokens; sent {max_tokens}"
        )
    thinking, max_tokens = _encode_thinking(request, max_tokens, ctx)
    out: JSONObject = {"model": request.model or ctx.model or "", "max_tokens": max_tokens}
    encoded_system = _encode_system(system)
    if encoded_system is not None:
        out["system"] = encoded_system
    out["messages"] = encode_messages(messages, ctx)
    if request.temperature is not None:
        if request.temperature > 1.0:
            ctx.emulate("temperature_clamped", "$.temperature", "Claude's range is 0-1")
        out["temperature"] = min(request.temperature, 1.0)
    for key, value in (("top_p", request.top_p), ("top_k", request.top_k)):
        if value is not None:
            out[key] = value
    if request.stop:
        out["stop_sequences"] = list(request.stop)
    if thinking is not None:
        out["thinking"] = thinking
    config = _encode_output_config(request)
    if config:
        out["output_config"] = config
    tools = [_encode_tool(t) for t in request.tools if _allowed(request, t.name)]
    if isinstance(server_tools, list):
        tools.extend(server_tools)
    if tools:
        out["tools"] = tools
    choice = _encode_tool_choice(request, ctx)
    if choice is not None:
        out["tool_choice"] = choice
    if request.user is not None:
        out["metadata"] = {"user_id": request.user}
    if request.stream:
        out["stream"] = True
    _lose_unsupported(request, ctx)
    out.update(extras)
    return out


def _allowed(request: Request, name: str) -> bool:
    allowed = request.tool_choice.allowed if request.tool_choice else None
    return allowed is None or name in allowed


def _encode_output_config(request: Request) -> JSONObject:
    config: JSONObject = {}
    reasoning = request.reasoning
    if (
        reasoning is not None
        and reasoning.mode == "adaptive"
        and reasoning.effort not in (None, "none", "minimal")
    ):
        config["effort"] = reasoning.effort
    fmt = request.response_format
    if fmt is not None and fmt.type != "text":
        schema = (
            fmt.schema
            if fmt.type == "json_schema" and fmt.schema is not None
            else {"type": "object"}
        )
        config["format"] = {"type": "json_schema", "schema": schema}
    return config
