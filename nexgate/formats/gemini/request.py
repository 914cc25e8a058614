"""Gemini generateContent requests to and from the internal :class:`~nexgate.schema.Request`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from ...errors import InvalidInputError
from ...schema import (
    Effort,
    JSONObject,
    Message,
    Part,
    Reasoning,
    Request,
    ResponseFormat,
    TextPart,
    Tool,
    ToolChoice,
)
from .._context import TranslationContext
from .._json import convert
from .._reasoning import EFFORT_TO_GEMINI_LEVEL, GEMINI_LEVEL_TO_EFFORT, budget_for_effort
from . import wire
from .casing import camelize, has_snake_keys
from .fastpath import (
    Unusual,
    check_json_object,
    json_object,
    optional_count,
    optional_float,
    optional_int64,
    optional_str,
    str_list,
)
from .parts import CallIds, decode_common_part, decode_contents, encode_contents
from .schema_compile import (
    common_from_gemini,
    compile_plain_schema,
    from_gemini_schema,
    to_gemini_schema,
)

MAX_STOP_SEQUENCES = 5
_MODES = {"AUTO": "auto", "ANY": "required", "NONE": "none", "VALIDATED": "auto"}
#: Hints kept in ``Request.extras["gemini"]`` so that gemini -> gemini is an identity; other
#: formats skip keys that start with ``_``.
_JSON_SCHEMA_TOOLS = "_parametersJsonSchemaTools"
_RESPONSE_SCHEMA = "_responseSchema"
_VALIDATED = "_validatedMode"
#: Unmodelled fields of these objects pass through to a Gemini target (a loss elsewhere).
_CONFIG_EXTRAS = "generationConfig"
_TOOL_CONFIG_EXTRAS = "toolConfig"
_LEVELS: dict[str, Effort] = {**GEMINI_LEVEL_TO_EFFORT, "XHIGH": "xhigh"}
_GENERATION_FIELDS = frozenset(f.encode_name for f in msgspec.structs.fields(wire.GenerationConfig))


def normalize(obj: JSONObject) -> JSONObject:
    """Accept the snake_case spelling of the Python SDK as well as proto-JSON camelCase."""
    return camelize(obj) if has_snake_keys(obj) else obj


def _tools(tools: list[JSONObject] | None) -> tuple[list[Tool], list[JSONObject], list[str]]:
    ours: list[Tool] = []
    others: list[JSONObject] = []
    json_schema_tools: list[str] = []
    for i, item in enumerate(tools or ()):
        declarations = item.get("functionDeclarations")
        if declarations is not None and not isinstance(declarations, list):
            raise InvalidInputError(
                "functionDeclarations must be an array", path=f"$.tools[{i}].functionDeclarations"
            )
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
                    from_gemini_schema(
                        fn.parameters, f"$.tools[{i}].functionDeclarations[{j}].parameters"
                    )
                    if fn.parameters is not None
                    else None
                )
            if not fn.name:
                raise InvalidInputError(
                    "a function declaration needs a name",
                    path=f"$.tools[{i}].functionDeclarations[{j}].name",
                )
            ours.append(Tool(name=fn.name, description=fn.description, parameters=parameters))
    return ours, others, json_schema_tools


def _tool_choice(config: wire.ToolConfig | None) -> ToolChoice | None:
    calling = config.function_calling_config if config else None
    if calling is None:
        return None
    mode = calling.mode.upper()
    if mode not in _MODES:
        raise InvalidInputError(
            f"unknown mode {calling.mode!r}", path="$.toolConfig.functionCallingConfig.mode"
        )
    return _choice_for(mode, calling.allowed_function_names)


def _choice_for(mode: str, names: list[str] | None) -> ToolChoice:
    """The choice an (uppercase, known) mode and its allowed names mean."""
    if mode == "ANY" and names and len(names) == 1:
        return ToolChoice(mode="tool", name=names[0])
    return ToolChoice(mode=_MODES[mode], allowed=tuple(names) if names else None)  # type: ignore[arg-type]


def _reasoning(config: wire.ThinkingConfig | None) -> Reasoning | None:
    if config is None:
        return None
    level = config.thinking_level.upper() if config.thinking_level else None
    effort = _LEVELS.get(level) if level else None
    if level and effort is None:
        raise InvalidInputError(
            f"unknown thinkingLevel {config.thinking_level!r}",
            path="$.generationConfig.thinkingConfig.thinkingLevel",
        )
    budget = config.thinking_budget
    mode = (
        "adaptive" if budget is not None and budget < 0 else ("disabled" if budget == 0 else None)
    )
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
        schema = from_gemini_schema(config.response_schema, "$.generationConfig.responseSchema")
        return ResponseFormat(type="json_schema", schema=schema)
    return ResponseFormat(type="json_object")


def _hints(obj: JSONObject, body: wire.GenerateContentRequest, extras: JSONObject) -> None:
    """Keep what the schema cannot say, so that a Gemini target gets it back unchanged."""
    raw_config = obj.get("generationConfig")
    config = body.generation_config
    if isinstance(raw_config, dict) and config is not None:
        json_out = config.response_mime_type == "application/json"
        rest = {
            k: v
            for k, v in raw_config.items()
            if k not in _GENERATION_FIELDS
            or (not json_out and k in ("responseMimeType", "responseSchema", "responseJsonSchema"))
        }
        if rest:
            extras[_CONFIG_EXTRAS] = rest
        if json_out and config.response_json_schema is None and config.response_schema:
            extras[_RESPONSE_SCHEMA] = True
    raw_tools = obj.get("toolConfig")
    if isinstance(raw_tools, dict):
        rest = {k: v for k, v in raw_tools.items() if k != "functionCallingConfig"}
        if rest:
            extras[_TOOL_CONFIG_EXTRAS] = rest
    calling = body.tool_config.function_calling_config if body.tool_config else None
    if calling is not None and calling.mode.upper() == "VALIDATED":
        extras[_VALIDATED] = True


def _system(content: wire.Content | None, ctx: TranslationContext) -> list[TextPart]:
    out: list[TextPart] = []
    for i, part in enumerate(content.parts if content else ()):
        text = part.get("text")
        if not isinstance(text, str):
            ctx.lose(
                "system_part_dropped",
                f"$.systemInstruction.parts[{i}]",
                "Gemini system instructions hold text only",
            )
        elif text:
            out.append(TextPart(text=text))
    return out


def decode_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """Decode a Gemini generateContent body; its model comes from ``ctx.model`` (the URL)."""
    try:
        return _decode_common_request(obj, ctx)
    except (Unusual, InvalidInputError):
        # The fast path reports no error itself (a digest may fail on a lone surrogate): the
        # general path names the first error, as it always did.
        return _decode_any_request(obj, ctx)


def _decode_any_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    """The general decoder: any casing, any shape, every loss and error with its path."""
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
    _hints(obj, body, extras)
    config = body.generation_config or wire.GenerationConfig()
    model = obj.get("model")
    return Request(
        model=ctx.model or (model if isinstance(model, str) else None),
        messages=decode_contents(body.contents),
        system=_system(body.system_instruction, ctx),
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


# --------------------------------------------------------------------------- decode, fast path
#
# The common request (camelCase; text, calls and results; function declarations; a tool
# config; plain sampling settings and thinking) read straight from the dict: no casing pass,
# no ``msgspec.convert`` of the whole body, no JSON paths. Anything else raises ``Unusual``
# (see ``fastpath.py``) and the general decoder above runs instead.

_COMMON_REQUEST_KEYS = frozenset(
    {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "model"}
)
_CONTENT_KEYS = frozenset({"role", "parts"})
_TOOL_KEYS = frozenset({"functionDeclarations"})
_DECLARATION_KEYS = frozenset({"name", "description", "parameters", "parametersJsonSchema"})
_TOOL_CONFIG_KEYS = frozenset({"functionCallingConfig"})
_CALLING_KEYS = frozenset({"mode", "allowedFunctionNames"})
_COMMON_MODES = frozenset({"AUTO", "ANY", "NONE"})  # VALIDATED leaves a hint: general path
_THINKING_KEYS = frozenset({"includeThoughts", "thinkingBudget", "thinkingLevel"})
_USER_ROLES = (None, "", "user")


def _stop_list(value: Any) -> list[str]:
    return str_list(value) or []


def _decode_common_request(obj: JSONObject, ctx: TranslationContext) -> Request:
    if not _COMMON_REQUEST_KEYS.issuperset(obj):
        raise Unusual
    model = obj.get("model")
    request = Request(
        model=ctx.model or (model if isinstance(model, str) else None),
        messages=_common_contents(obj.get("contents")),
        system=_common_system(obj.get("systemInstruction")),
        tool_choice=_common_tool_choice(obj.get("toolConfig")),
    )
    tools = obj.get("tools")
    if tools is not None:
        json_schema_tools = _common_tools(tools, request.tools)
        if json_schema_tools:
            request.extras = {"gemini": {_JSON_SCHEMA_TOOLS: json_schema_tools}}
    config = obj.get("generationConfig")
    if config is not None:
        _apply_common_config(config, request)
    return request


def _common_contents(contents: Any) -> list[Message]:
    if type(contents) is not list:
        raise Unusual
    ids = CallIds("")
    out: list[Message] = []
    for content in contents:
        if type(content) is not dict or not _CONTENT_KEYS.issuperset(content):
            raise Unusual
        role = content.get("role")
        parts = content.get("parts", [])
        if type(parts) is not list:
            raise Unusual
        if role == "model":
            ids.turn(parts)
        elif role not in _USER_ROLES:
            raise Unusual
        kept: list[Part] = []
        for part in parts:
            text = part.get("text") if type(part) is dict and len(part) == 1 else None
            if type(text) is str:  # plain text, by far the commonest part: inlined
                if text:
                    kept.append(TextPart(text=text))
                continue
            decoded = decode_common_part(part, ids)
            if decoded is not None:
                kept.append(decoded)
        if kept:
            out.append(Message(role="assistant" if role == "model" else "user", parts=kept))
    return out


def _common_system(content: Any) -> list[TextPart]:
    if content is None:
        return []
    if type(content) is not dict or not _CONTENT_KEYS.issuperset(content):
        raise Unusual
    optional_str(content.get("role"))
    parts = content.get("parts", [])
    if type(parts) is not list:
        raise Unusual
    out: list[TextPart] = []
    for part in parts:
        # Only ``{"text": ...}``: anything else is dropped with a loss by the general path.
        if type(part) is not dict or len(part) != 1 or type(part.get("text")) is not str:
            raise Unusual
        if part["text"]:
            out.append(TextPart(text=part["text"]))
    return out


def _common_tools(tools: Any, ours: list[Tool]) -> list[str]:
    """Appends the declared functions to ``ours``; returns those given a JSON Schema."""
    if type(tools) is not list:
        raise Unusual
    json_schema_tools: list[str] = []
    for tool in tools:
        # Other tools (googleSearch, codeExecution...) are kept as extras: general path.
        if type(tool) is not dict or not _TOOL_KEYS.issuperset(tool):
            raise Unusual
        declarations = tool.get("functionDeclarations")
        if declarations is None:
            continue
        if type(declarations) is not list:
            raise Unusual
        for declaration in declarations:
            ours.append(_common_declaration(declaration, json_schema_tools))
    return json_schema_tools


def _common_declaration(declaration: Any, json_schema_tools: list[str]) -> Tool:
    if type(declaration) is not dict or not _DECLARATION_KEYS.issuperset(declaration):
        raise Unusual
    name = declaration.get("name")
    if type(name) is not str or not name:
        raise Unusual
    description = optional_str(declaration.get("description"))
    parameters = declaration.get("parameters")
    json_schema = declaration.get("parametersJsonSchema")
    if json_schema is not None:
        if parameters is not None:
            check_json_object(parameters)  # as the general path does, then unused
        json_schema_tools.append(name)
        return Tool(name=name, description=description, parameters=json_object(json_schema))
    if parameters is None:
        return Tool(name=name, description=description)
    check_json_object(parameters)  # as the general path's convert does; the walk copies
    return Tool(name=name, description=description, parameters=common_from_gemini(parameters))


def _common_tool_choice(config: Any) -> ToolChoice | None:
    if config is None:
        return None
    if type(config) is not dict or not _TOOL_CONFIG_KEYS.issuperset(config):
        raise Unusual
    calling = config.get("functionCallingConfig")
    if calling is None:
        return None
    if type(calling) is not dict or not _CALLING_KEYS.issuperset(calling):
        raise Unusual
    mode = calling.get("mode", "AUTO")
    if type(mode) is not str or mode.upper() not in _COMMON_MODES:
        raise Unusual
    return _choice_for(mode.upper(), str_list(calling.get("allowedFunctionNames")))


def _common_reasoning(config: Any) -> Reasoning | None:
    if config is None:
        return None
    if type(config) is not dict or not _THINKING_KEYS.issuperset(config):
        raise Unusual
    include = config.get("includeThoughts")
    level = optional_str(config.get("thinkingLevel"))
    if include is not None and type(include) is not bool:
        raise Unusual
    if level and level.upper() not in _LEVELS:
        raise Unusual  # an error, reported by the general path
    budget = optional_int64(config.get("thinkingBudget"))
    thinking = wire.ThinkingConfig(
        include_thoughts=include, thinking_budget=budget, thinking_level=level
    )
    return _reasoning(thinking)


#: The generation settings the fast path reads: the request attribute each sets, and its check.
_COMMON_CONFIG: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "maxOutputTokens": ("max_tokens", optional_count),
    "temperature": ("temperature", optional_float),
    "topP": ("top_p", optional_float),
    "topK": ("top_k", optional_count),
    "stopSequences": ("stop", _stop_list),
    "seed": ("seed", optional_int64),
    "candidateCount": ("candidate_count", optional_count),
    "presencePenalty": ("presence_penalty", optional_float),
    "frequencyPenalty": ("frequency_penalty", optional_float),
    "thinkingConfig": ("reasoning", _common_reasoning),
}


def _apply_common_config(config: Any, request: Request) -> None:
    # Only the settings present are set: a Struct built with every keyword costs ~4x more.
    if type(config) is not dict:
        raise Unusual
    for key, value in config.items():
        setting = _COMMON_CONFIG.get(key)
        if setting is None:  # responseMimeType and others leave hints: general path
            raise Unusual
        attribute, check = setting
        setattr(request, attribute, check(value))


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
            for j, part in enumerate(message.parts):
                if isinstance(part, TextPart):
                    system.append(part)
                else:
                    ctx.lose(
                        "system_part_dropped",
                        f"$.messages[{i}].parts[{j}]",
                        "Gemini system instructions hold text only",
                    )
        else:
            messages.append(message)
    for i, part in enumerate(system):
        if part.cache_control is not None:
            ctx.lose(
                "cache_control_unsupported",
                f"$.system[{i}].cache_control",
                "Gemini has no cache breakpoints",
            )
    return [p for p in system if p.text], messages


def _encode_tools(
    request: Request, json_schema_tools: list[str], ctx: TranslationContext
) -> list[JSONObject]:
    declarations: list[JSONObject] = []
    for i, tool in enumerate(request.tools):
        declaration: JSONObject = {"name": tool.name}
        if tool.description is not None:
            declaration["description"] = tool.description
        params = tool.parameters
        if params is not None:
            if tool.name in json_schema_tools:
                declaration["parametersJsonSchema"] = params
            elif params.get("properties") or params.get("type") not in ("object", None):
                # Gemini rejects an OBJECT with no properties: a tool without arguments has none.
                declaration["parameters"] = _parameters(params, i, ctx)
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


def _parameters(params: JSONObject, index: int, ctx: TranslationContext) -> JSONObject:
    # A plain schema (nearly all) needs neither the full compiler nor a JSON path.
    try:
        return compile_plain_schema(params)
    except Unusual:
        return to_gemini_schema(params, f"$.tools[{index}].parameters", ctx)


def _encode_tool_config(choice: ToolChoice, validated: bool) -> JSONObject:
    mode = {"auto": "AUTO", "required": "ANY", "none": "NONE", "tool": "ANY"}[choice.mode]
    if validated and choice.mode == "auto":
        mode = "VALIDATED"
    config: JSONObject = {"mode": mode}
    if choice.mode == "tool":
        config["allowedFunctionNames"] = [choice.name or ""]
    elif choice.allowed is not None:
        # Gemini restricts the callable set only in ANY and VALIDATED modes.
        config["mode"] = "ANY" if choice.mode == "required" else "VALIDATED"
        config["allowedFunctionNames"] = list(choice.allowed)
    return {"functionCallingConfig": config}


def _level(effort: Effort, native: bool, ctx: TranslationContext) -> str:
    if native and effort == "xhigh":
        return "XHIGH"
    if effort == "none":
        ctx.lose(
            "reasoning_not_disabled",
            "$.reasoning.effort",
            "Gemini 3 cannot turn thinking off; sent as MINIMAL",
        )
    return EFFORT_TO_GEMINI_LEVEL[effort]


def _encode_thinking(request: Request, ctx: TranslationContext) -> JSONObject | None:
    reasoning = request.reasoning
    if reasoning is None:
        return None
    config: JSONObject = {}
    if reasoning.include_thoughts is not None:
        config["includeThoughts"] = reasoning.include_thoughts
    model = request.model or ctx.model or ""
    native = ctx.source == "gemini"
    # Gemini rejects thinkingLevel together with thinkingBudget: exactly one is sent.
    if reasoning.budget_tokens is not None:
        config["thinkingBudget"] = reasoning.budget_tokens
    elif reasoning.mode == "adaptive":
        config["thinkingBudget"] = -1
    elif reasoning.mode == "disabled":
        config["thinkingBudget"] = 0
    elif reasoning.effort is not None:
        # Gemini 2.x takes a token budget; later models take a thinking level.
        if not native and model.removeprefix("models/").startswith(("gemini-2", "gemini-1")):
            config["thinkingBudget"] = budget_for_effort(reasoning.effort)
            ctx.emulate(
                "reasoning_effort_as_budget", "$.reasoning.effort", "sent as thinkingBudget"
            )
        else:
            config["thinkingLevel"] = _level(reasoning.effort, native, ctx)
    return config or None


def _response_config(request: Request, native_schema: bool, ctx: TranslationContext) -> JSONObject:
    fmt = request.response_format
    if fmt is None or fmt.type == "text":
        return {}
    config: JSONObject = {"responseMimeType": "application/json"}
    if fmt.type == "json_schema" and fmt.schema is not None:
        if native_schema:
            path = "$.response_format.schema"
            config["responseSchema"] = to_gemini_schema(fmt.schema, path, ctx)
        else:
            config["responseJsonSchema"] = fmt.schema
    return config


def _generation_config(request: Request, extras: JSONObject, ctx: TranslationContext) -> JSONObject:
    config: JSONObject = {}
    stop = list(request.stop)
    if len(stop) > MAX_STOP_SEQUENCES:
        ctx.lose("stop_sequences_truncated", "$.stop", f"Gemini takes at most {MAX_STOP_SEQUENCES}")
        stop = stop[:MAX_STOP_SEQUENCES]
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.top_p is not None:
        config["topP"] = request.top_p
    if request.top_k is not None:
        config["topK"] = request.top_k
    if stop:
        config["stopSequences"] = stop
    if request.seed is not None:
        config["seed"] = request.seed
    if request.candidate_count is not None:
        config["candidateCount"] = request.candidate_count
    if request.presence_penalty is not None:
        config["presencePenalty"] = request.presence_penalty
    if request.frequency_penalty is not None:
        config["frequencyPenalty"] = request.frequency_penalty
    config.update(_response_config(request, bool(extras.pop(_RESPONSE_SCHEMA, False)), ctx))
    thinking = _encode_thinking(request, ctx)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    rest = extras.pop(_CONFIG_EXTRAS, None)
    if isinstance(rest, dict):
        config.update(rest)
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
    validated = bool(extras.pop(_VALIDATED, False))
    tool_config_rest = extras.pop(_TOOL_CONFIG_EXTRAS, None)
    system, messages = _hoist_system(request, ctx)
    out: JSONObject = {"contents": encode_contents(messages, ctx)}
    if system:
        out["systemInstruction"] = {"parts": [{"text": p.text} for p in system]}
    tools = _encode_tools(request, json_schema_tools, ctx)
    if isinstance(other_tools, list):
        tools.extend(other_tools)
    if tools:
        out["tools"] = tools
    tool_config: JSONObject = {}
    if request.tool_choice is not None:
        tool_config = _encode_tool_config(request.tool_choice, validated)
    if isinstance(tool_config_rest, dict):
        tool_config.update(tool_config_rest)
    if tool_config:
        out["toolConfig"] = tool_config
    config = _generation_config(request, extras, ctx)
    if config:
        out["generationConfig"] = config
    _lose_unsupported(request, ctx)
    out.update((k, v) for k, v in extras.items() if not k.startswith("_"))
    return out
