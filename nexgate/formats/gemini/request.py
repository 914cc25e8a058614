"""Gemini generateContent requests to and from the internal :class:`~nexgate.schema.Request`."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInputError
from ...schema import (
    JSONObject,
    Message,
    Reasoning,
    Request,
    ResponseFormat,
    TextPart,
    Tool,
    ToolChoice,
)
from .._context import TranslationContext
from .._ids import digest
from .._json import convert, dump_json
from .._reasoning import EFFORT_TO_GEMINI_LEVEL, GEMINI_LEVEL_TO_EFFORT, budget_for_effort
from . import wire
from .casing import camelize, has_snake_keys
from .parts import decode_contents, encode_contents
from .schema_compile import from_gemini_schema, to_gemini_schema

MAX_STOP_SEQUENCES = 5
_MODES = {"AUTO": "auto", "ANY": "required", "NONE": "none", "VALIDATED": "auto"}
_JSON_SCHEMA_TOOLS = "_parametersJsonSchemaTools"


def normalize(obj: JSONObject) -> JSONObject:
    """Accept the snake_case spelling of the Python SDK as well as proto-JSON camelCase."""
    return camelize(obj) if has_snake_keys(obj) else obj


def _tools(tools: list[JSONObject] | None) -> tuple[list[Tool], list[JSONObject], list[str]]:
    ours: list[Tool] = []
    others: list[JSONObject] = []
    json_schema_tools: list[str] = []
    for i, item in enumerate(tools or ()):
        declarations = item.get("functionDeclarations")
        rest = {k: v for k, v in item.items() if k != "functionDeclarations"}
        if rest:
            others.append(rest)
        for j, raw in enumerate(declarations or ()):
            fn = convert(
                raw,
                wire.FunctionDeclaration,
                "function declaration",
                f"$.tools[{i}].functionDeclarations[{j}]",
            )
            parameters: JSONObject | None
            if fn.parameters_json_schema is not None:
                json_schema_tools.append(fn.name)
                parameters = fn.parameters_json_schema
            else:
                parameters = (
                    from_gemini_schema(fn.parameters) if fn.parameters is not None else None
                )
            ours.append(Tool(name=fn.name, description=fn.description, parameters=parameters))
    return ours, others, json_schema_tools


def _tool_choice(config: wire.ToolConfig | None) -> ToolChoice | None:
    calling = config.function_calling_config if config else None
    if calling is None:
        return None
    if calling.mode not in _MODES:
        raise InvalidInputError(
            f"unknown mode {calling.mode!r}", path="$.toolConfig.functionCallingConfig.mode"
        )
    names = calling.allowed_function_names
    if calling.mode == "ANY" and names and len(names) == 1:
        return ToolChoice(mode="tool", name=names[0])
    return ToolChoice(mode=_MODES[calling.mode], allowed=tuple(names) if names else None)  # type: ignore[arg-type]


def _reasoning(config: wire.ThinkingConfig | None) -> Reasoning | None:
    if config is None:
        return None
    effort = (
        GEMINI_LEVEL_TO_EFFORT.get(config.thinking_level or "") if config.thinking_level else None
    )
    if config.thinking_level and effort is None:
        raise InvalidInputError(
            f"unknown thinkingLevel {config.thinking_level!r}",
            path="$.generationConfig.thinkingConfig.thinkingLevel",
        )
    budget = config.thinking_budget
    mode = "adaptive" if budget == -1 else ("disabled" if budget == 0 else None)
    return Reasoning(
        effort=effort,
        budget_tokens=budget if budget is not None and budget > 0 else None,
        include_thoughts=config.include_thoughts,
        mode=mode,  # type: ignore[arg-type]
    )


def _response_format(config: wire.GenerationConfig) -> ResponseFormat | None:
    if config.response_mime_type != "application/json":
        return None
    if config.response_json_schema is not None:
        return ResponseFormat(type="json_schema", schema=config.response_json_schema)
    if config.response_schema is not None:
        return ResponseFormat(type="json_schema", schema=from_gemini_schema(config.response_schema))
    return ResponseFormat(type="json_object")


def decode_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """Decode a Gemini generateContent body; its model comes from ``ctx.model`` (the URL)."""
    obj = normalize(obj)
    body = convert(obj, wire.GenerateContentRequest, "Gemini request")
    tools, other_tools, json_schema_tools = _tools(body.tools)
    extras: JSONObject = {
        k: v for k, v in obj.items() if k not in wire.REQUEST_FIELDS and k != "model"
    }
    if other_tools:
        extras["tools"] = other_tools
    if json_schema_tools:
        extras[_JSON_SCHEMA_TOOLS] = json_schema_tools
    config = body.generation_config or wire.GenerationConfig()
    system = body.system_instruction
    seed = digest(dump_json(obj.get("contents", [])).decode())
    return Request(
        model=ctx.model or (obj.get("model") if isinstance(obj.get("model"), str) else None),
        messages=decode_contents(body.contents, seed),
        system=[
            TextPart(text=p["text"])
            for p in (system.parts if system else ())
            if isinstance(p.get("text"), str) and p["text"]
        ],
        tools=tools,
        tool_choice=_tool_choice(body.tool_config),
        max_tokens=config.max_output_tokens,
        temperature=config.temperature,
        top_p=config.top_p,
        top_k=config.top_k,
        stop=list(config.stop_sequences or ()),
        seed=config.seed,
        presence_penalty=config.presence_penalty,
        frequency_penalty=config.frequency_penalty,
        candidate_count=config.candidate_count,
        response_format=_response_format(config),
        reasoning=_reasoning(config.thinking_config),
        extras={"gemini": extras} if extras else {},
    )


# --------------------------------------------------------------------------- encode


def _hoist_system(
    request: Request, ctx: TranslationContext
) -> tuple[list[TextPart], list[Message]]:
    system = list(request.system)
    messages: list[Message] = []
    for i, message in enumerate(request.messages):
        if message.role in ("system", "developer"):
            if messages:
                ctx.emulate(
                    "system_message_hoisted",
                    f"$.messages[{i}]",
                    "Gemini has one system instruction",
                )
            system.extend(p for p in message.parts if isinstance(p, TextPart))
        else:
            messages.append(message)
    for i, part in enumerate(system):
        if part.cache_control is not None:
            ctx.lose(
                "cache_control_unsupported",
                f"$.system[{i}].cache_control",
                "Gemini has no cache breakpoints",
            )
    return system, messages


def _encode_tools(
    request: Request, json_schema_tools: list[str], ctx: TranslationContext
) -> list[JSONObject]:
    declarations: list[JSONObject] = []
    for i, tool in enumerate(request.tools):
        declaration: JSONObject = {"name": tool.name}
        if tool.description is not None:
            declaration["description"] = tool.description
        if tool.parameters is not None:
            if tool.name in json_schema_tools:
                declaration["parametersJsonSchema"] = tool.parameters
            elif tool.parameters.get("properties") or tool.parameters.get("type") != "object":
                declaration["parameters"] = to_gemini_schema(
                    tool.parameters, f"$.tools[{i}].parameters", ctx
                )
        if tool.cache_control is not None:
            ctx.lose(
                "cache_control_unsupported",
                f"$.tools[{i}].cache_control",
                "Gemini has no cache breakpoints",
            )
        if tool.strict:
            ctx.lose(
                "unsupported_parameter", f"$.tools[{i}].strict", "Gemini has no strict tool schemas"
            )
        declarations.append(declaration)
    return [{"functionDeclarations": declarations}] if declarations else []


def _encode_tool_config(choice: ToolChoice) -> JSONObject:
    mode = {"auto": "AUTO", "required": "ANY", "none": "NONE", "tool": "ANY"}[choice.mode]
    config: JSONObject = {"mode": mode}
    if choice.mode == "tool":
        config["allowedFunctionNames"] = [choice.name or ""]
    elif choice.allowed is not None:
        config["mode"] = "ANY" if choice.mode == "required" else "VALIDATED"
        config["allowedFunctionNames"] = list(choice.allowed)
    return {"functionCallingConfig": config}


def _encode_thinking(request: Request, ctx: TranslationContext) -> JSONObject | None:
    reasoning = request.reasoning
    if reasoning is None:
        return None
    config: JSONObject = {}
    if reasoning.include_thoughts is not None:
        config["includeThoughts"] = reasoning.include_thoughts
    model = request.model or ctx.model or ""
    if reasoning.budget_tokens is not None:
        config["thinkingBudget"] = reasoning.budget_tokens
    elif reasoning.mode == "adaptive":
        config["thinkingBudget"] = -1
    elif reasoning.mode == "disabled":
        config["thinkingBudget"] = 0
    elif reasoning.effort is not None:
        # Gemini 2.x takes a token budget; later models take a thinking level.
        if model.startswith(("gemini-2", "gemini-1")):
            config["thinkingBudget"] = budget_for_effort(reasoning.effort)
            ctx.emulate(
                "reasoning_effort_as_budget", "$.reasoning.effort", "sent as thinkingBudget"
            )
        else:
            config["thinkingLevel"] = EFFORT_TO_GEMINI_LEVEL[reasoning.effort]
    return config or None


def _generation_config(request: Request, ctx: TranslationContext) -> JSONObject:
    config: JSONObject = {}
    pairs: list[tuple[str, Any]] = [
        ("maxOutputTokens", request.max_tokens),
        ("temperature", request.temperature),
        ("topP", request.top_p),
        ("topK", request.top_k),
    ]
    stop = list(request.stop)
    if len(stop) > MAX_STOP_SEQUENCES:
        ctx.lose("stop_sequences_truncated", "$.stop", f"Gemini takes at most {MAX_STOP_SEQUENCES}")
        stop = stop[:MAX_STOP_SEQUENCES]
    pairs += [
        ("stopSequences", stop or None),
        ("seed", request.seed),
        ("candidateCount", request.candidate_count),
        ("presencePenalty", request.presence_penalty),
        ("frequencyPenalty", request.frequency_penalty),
    ]
    config.update((k, v) for k, v in pairs if v is not None)
    fmt = request.response_format
    if fmt is not None and fmt.type != "text":
        config["responseMimeType"] = "application/json"
        if fmt.type == "json_schema" and fmt.schema is not None:
            config["responseJsonSchema"] = fmt.schema
    thinking = _encode_thinking(request, ctx)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    return config


def _lose_unsupported(request: Request, ctx: TranslationContext) -> None:
    for key, value in (("metadata", request.metadata), ("user", request.user)):
        if value is not None:
            ctx.lose("unsupported_parameter", f"$.{key}", f"Gemini has no {key}")
    if request.parallel_tool_calls is False:
        ctx.lose(
            "unsupported_parameter",
            "$.parallel_tool_calls",
            "Gemini cannot turn off parallel calls",
        )
    for fmt, extras in request.extras.items():
        if fmt != "gemini":
            for key in extras:
                if key.startswith("_"):  # a hint for its own format, not a field
                    continue
                ctx.lose(
                    "unsupported_parameter",
                    f"$.{key}",
                    f"{fmt}-only field has no Gemini equivalent",
                )


def encode_request(request: Request, ctx: TranslationContext) -> JSONObject:
    """Encode an internal request as a Gemini generateContent body (no model: it is in the URL)."""
    extras = dict(request.extras.get("gemini", {}))
    other_tools = extras.pop("tools", None)
    json_schema_tools = extras.pop(_JSON_SCHEMA_TOOLS, [])
    system, messages = _hoist_system(request, ctx)
    out: JSONObject = {"contents": encode_contents(messages, ctx)}
    if system:
        out["systemInstruction"] = {"parts": [{"text": p.text} for p in system]}
    tools = _encode_tools(request, json_schema_tools, ctx)
    if isinstance(other_tools, list):
        tools.extend(other_tools)
    if tools:
        out["tools"] = tools
    if request.tool_choice is not None:
        out["toolConfig"] = _encode_tool_config(request.tool_choice)
    config = _generation_config(request, ctx)
    if config:
        out["generationConfig"] = config
    _lose_unsupported(request, ctx)
    out.update(extras)
    return out
