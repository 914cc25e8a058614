"""Gemini generateContent requests decoded into the internal :class:`~nexgate.schema.Request`
(the other direction is :mod:`.request_encode`)."""

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
from .._reasoning import GEMINI_LEVEL_TO_EFFORT
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
from .parts import CallIds, decode_common_part, decode_contents
from .schema_compile import (
    common_from_gemini,
    from_gemini_schema,
)
from .unmodeled import lose_unmodeled

MAX_STOP_SEQUENCES = 5
#: ``MODE_UNSPECIFIED`` is the API's default, which behaves as ``AUTO``.
_MODES = {
    "AUTO": "auto",
    "ANY": "required",
    "NONE": "none",
    "VALIDATED": "auto",
    "MODE_UNSPECIFIED": "auto",
}
#: Hints kept in ``Request.extras["gemini"]`` so that gemini -> gemini is an identity; other
#: formats skip keys that start with ``_``.
JSON_SCHEMA_TOOLS = "_parametersJsonSchemaTools"
#: The functions whose schema came in the OpenAPI subset of ``parameters``.
OPENAPI_TOOLS = "_parametersTools"
RESPONSE_SCHEMA = "_responseSchema"
#: A JSON output schema given as ``responseJsonSchema``: a Gemini target sends it back as written.
RESPONSE_JSON_SCHEMA = "_responseJsonSchema"
VALIDATED = "_validatedMode"
#: Unmodelled fields of these objects pass through to a Gemini target (a loss elsewhere).
CONFIG_EXTRAS = "generationConfig"
TOOL_CONFIG_EXTRAS = "toolConfig"
_LEVELS: dict[str, Effort] = {**GEMINI_LEVEL_TO_EFFORT, "XHIGH": "xhigh"}
_GENERATION_FIELDS = frozenset(f.encode_name for f in msgspec.structs.fields(wire.GenerationConfig))


def normalize(obj: JSONObject) -> JSONObject:
    """Accept the snake_case spelling of the Python SDK as well as proto-JSON camelCase."""
    return camelize(obj) if has_snake_keys(obj) else obj


def tool_hints(json_schema_tools: list[str], openapi_tools: list[str]) -> JSONObject:
    """The hints naming the functions a Gemini source gave each kind of schema (only the
    kinds it used), shared by every decoder so that their extras agree."""
    hints: JSONObject = {}
    if json_schema_tools:
        hints[JSON_SCHEMA_TOOLS] = json_schema_tools
    if openapi_tools:
        hints[OPENAPI_TOOLS] = openapi_tools
    return hints


def _tools(
    tools: list[JSONObject] | None,
) -> tuple[list[Tool], list[JSONObject], list[str], list[str]]:
    """The declared functions, Gemini's own tools, and the functions whose schema came as
    ``parametersJsonSchema`` and as ``parameters`` (hints: a Gemini target keeps each so)."""
    ours: list[Tool] = []
    others: list[JSONObject] = []
    json_schema_tools: list[str] = []
    openapi_tools: list[str] = []
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
            elif fn.parameters is not None:
                openapi_tools.append(fn.name)
                path = f"$.tools[{i}].functionDeclarations[{j}].parameters"
                parameters = from_gemini_schema(fn.parameters, path)
            else:
                parameters = None
            if not fn.name:
                raise InvalidInputError(
                    "a function declaration needs a name",
                    path=f"$.tools[{i}].functionDeclarations[{j}].name",
                )
            ours.append(Tool(name=fn.name, description=fn.description, parameters=parameters))
    return ours, others, json_schema_tools, openapi_tools


#: The fields of a function declaration that :class:`~nexgate.schema.Tool` carries.
_DECLARATION_FIELDS = frozenset(
    {"name", "description", "parameters", "parametersJsonSchema", "parameters_json_schema"}
)


def _lose_declaration_fields(tools: list[JSONObject] | None, ctx: TranslationContext) -> None:
    """A declaration's other fields (``response``, ``behavior``...) are losses."""
    for i, item in enumerate(tools or ()):
        declarations = item.get("functionDeclarations")
        for j, raw in enumerate(declarations if isinstance(declarations, list) else ()):
            for key in raw.keys() - _DECLARATION_FIELDS if isinstance(raw, dict) else ():
                path = f"$.tools[{i}].functionDeclarations[{j}].{key}"
                ctx.lose("tool_field_dropped", path, "not carried by nexgate")


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
            extras[CONFIG_EXTRAS] = rest
        if json_out and config.response_json_schema is None and config.response_schema:
            extras[RESPONSE_SCHEMA] = True
        elif json_out and config.response_json_schema is not None:
            extras[RESPONSE_JSON_SCHEMA] = True
    raw_tools = obj.get("toolConfig")
    if isinstance(raw_tools, dict):
        rest = {k: v for k, v in raw_tools.items() if k != "functionCallingConfig"}
        if rest:
            extras[TOOL_CONFIG_EXTRAS] = rest
    calling = body.tool_config.function_calling_config if body.tool_config else None
    if calling is not None and calling.mode.upper() == "VALIDATED":
        extras[VALIDATED] = True


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
    tools, other_tools, json_schema_tools, openapi_tools = _tools(body.tools)
    _lose_declaration_fields(body.tools, ctx)
    lose_unmodeled(obj, ctx)
    extras: JSONObject = {
        k: v for k, v in obj.items() if k not in wire.REQUEST_FIELDS and k != "model"
    }
    if other_tools:
        extras["tools"] = other_tools
    extras.update(tool_hints(json_schema_tools, openapi_tools))
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
        hints = _common_tools(tools, request.tools)
        if hints:
            request.extras = {"gemini": hints}
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


def _common_tools(tools: Any, ours: list[Tool]) -> JSONObject:
    """Appends the declared functions to ``ours``; returns the hints naming the functions
    given a JSON Schema and those given an OpenAPI one (as :func:`_tools`)."""
    if type(tools) is not list:
        raise Unusual
    json_schema_tools: list[str] = []
    openapi_tools: list[str] = []
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
            ours.append(_common_declaration(declaration, json_schema_tools, openapi_tools))
    return tool_hints(json_schema_tools, openapi_tools)


def _common_declaration(
    declaration: Any, json_schema_tools: list[str], openapi_tools: list[str]
) -> Tool:
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
    openapi_tools.append(name)
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
