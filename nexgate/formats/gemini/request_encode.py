"""Internal requests encoded as Gemini generateContent bodies (the model goes in the URL).

System prompts become ``systemInstruction``; tool schemas are sent as
``parametersJsonSchema`` or compiled to the OpenAPI subset of ``parameters`` (see
``TranslationContext.gemini_schema``); reasoning becomes ``thinkingConfig`` (a token budget for
Gemini 2.x, a thinking level later); what Gemini cannot carry is recorded as a loss.
"""

from __future__ import annotations

from ...schema import (
    Effort,
    JSONObject,
    Message,
    Request,
    TextPart,
    ToolChoice,
)
from .._context import TranslationContext
from .._output import schema_with_description
from .._reasoning import EFFORT_TO_GEMINI_LEVEL, budget_for_effort
from .fastpath import (
    Unusual,
)
from .json_schema import fit_json_schema
from .parts_encode import encode_contents
from .request import (
    CONFIG_EXTRAS,
    JSON_SCHEMA_TOOLS,
    MAX_STOP_SEQUENCES,
    OPENAPI_TOOLS,
    RESPONSE_JSON_SCHEMA,
    RESPONSE_SCHEMA,
    TOOL_CONFIG_EXTRAS,
    VALIDATED,
)
from .schema_compile import (
    compile_plain_schema,
    to_gemini_schema,
)

_SYSTEM_ROLES = ("system", "developer")
_NO_NAMES: list[str] = []


def _hoist_system(
    request: Request, ctx: TranslationContext
) -> tuple[list[TextPart], list[Message]]:
    for message in request.messages:
        if message.role in _SYSTEM_ROLES:
            return _hoist_system_messages(request, ctx)
    for part in request.system:
        if part.cache_control is not None or not part.text:
            return _hoist_system_messages(request, ctx)
    # Nothing to hoist, drop or report (the usual case): the lists are used as they are.
    return request.system, request.messages


def _hoist_system_messages(
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


def _encode_tools(request: Request, hints: JSONObject, ctx: TranslationContext) -> list[JSONObject]:
    """The function declarations; pops the tool hints of a Gemini source from ``hints``.

    ``gemini_schema="openapi"`` compiles every schema (the endpoint refuses JSON Schema);
    otherwise a Gemini source's tools keep the field they came in, so that an identity stays
    one, and other schemas go as JSON Schema.
    """
    json_schema_tools: list[str] = hints.pop(JSON_SCHEMA_TOOLS, _NO_NAMES)
    compiled: list[str] = hints.pop(OPENAPI_TOOLS, _NO_NAMES)
    openapi = ctx.gemini_schema == "openapi"
    declarations: list[JSONObject] = []
    for i, tool in enumerate(request.tools):
        declaration: JSONObject = {"name": tool.name}
        if tool.description is not None:
            declaration["description"] = tool.description
        params = tool.parameters
        if params is not None:
            if openapi or tool.name in compiled:
                # The OpenAPI subset rejects an OBJECT without properties: a tool without
                # arguments goes without a schema (unless it came so, from Gemini itself).
                if tool.name in compiled or not _takes_no_arguments(params):
                    declaration["parameters"] = _parameters(params, i, ctx)
            elif tool.name in json_schema_tools:
                declaration["parametersJsonSchema"] = params  # as the Gemini source wrote it
            elif not _takes_no_arguments(params):
                path = f"$.tools[{i}].parameters"
                declaration["parametersJsonSchema"] = fit_json_schema(params, path, ctx)
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


#: The keywords of a schema that says "no arguments" (an object with no properties).
_NO_ARGUMENT_KEYS = frozenset(
    {"type", "properties", "required", "additionalProperties", "title", "description", "$schema"}
)


def _takes_no_arguments(params: JSONObject) -> bool:
    """Whether ``params`` is only an empty object, which a declaration without a schema says
    as well (a root ``$ref``, ``anyOf`` or open map of values is a schema to send)."""
    return (
        params.get("type") in ("object", None)
        and not params.get("properties")
        and not params.get("required")
        and params.get("additionalProperties") in (None, False)
        and _NO_ARGUMENT_KEYS.issuperset(params)
    )


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
    elif effort in ("xhigh", "max"):
        ctx.emulate("reasoning_effort_lowered", "$.reasoning.effort", f"{effort} sent as HIGH")
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


def _response_config(
    request: Request, native_schema: bool, as_written: bool, ctx: TranslationContext
) -> JSONObject:
    fmt = request.response_format
    if fmt is None or fmt.type == "text":
        return {}
    config: JSONObject = {"responseMimeType": "application/json"}
    if fmt.type == "json_schema" and fmt.schema is not None:
        path = "$.response_format.schema"
        schema = schema_with_description(fmt, ctx)
        assert schema is not None
        if native_schema or ctx.gemini_schema == "openapi":
            config["responseSchema"] = to_gemini_schema(schema, path, ctx)
        elif as_written:
            config["responseJsonSchema"] = schema  # as the Gemini source wrote it
        else:
            config["responseJsonSchema"] = fit_json_schema(schema, path, ctx)
    return config


def _generation_config(request: Request, extras: JSONObject, ctx: TranslationContext) -> JSONObject:
    config: JSONObject = {}
    stop = request.stop
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
        config["stopSequences"] = list(stop)
    if request.seed is not None:
        config["seed"] = request.seed
    if request.candidate_count is not None:
        config["candidateCount"] = request.candidate_count
    if request.presence_penalty is not None:
        config["presencePenalty"] = request.presence_penalty
    if request.frequency_penalty is not None:
        config["frequencyPenalty"] = request.frequency_penalty
    native_schema = bool(extras.pop(RESPONSE_SCHEMA, False))
    as_written = bool(extras.pop(RESPONSE_JSON_SCHEMA, False))
    if request.response_format is not None:
        config.update(_response_config(request, native_schema, as_written, ctx))
    thinking = _encode_thinking(request, ctx)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    rest = extras.pop(CONFIG_EXTRAS, None)
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


def _empty_turn(ctx: TranslationContext) -> list[JSONObject]:
    """The contents of a conversation with nothing to say (only empty texts, or only a system
    prompt): Gemini refuses no contents but takes an empty user turn, as a Gemini client may
    send it."""
    if ctx.source != "gemini":
        ctx.emulate("empty_turn_sent", "$.messages", "Gemini needs a turn: an empty one was sent")
    return [{"role": "user", "parts": [{"text": ""}]}]


def encode_request(request: Request, ctx: TranslationContext) -> JSONObject:
    """Encode an internal request as a Gemini generateContent body (no model: it is in the URL)."""
    extras = dict(request.extras.get("gemini", {}))
    other_tools = extras.pop("tools", None)
    validated = bool(extras.pop(VALIDATED, False))
    tool_config_rest = extras.pop(TOOL_CONFIG_EXTRAS, None)
    system, messages = _hoist_system(request, ctx)
    out: JSONObject = {"contents": encode_contents(messages, ctx) or _empty_turn(ctx)}
    if system:
        out["systemInstruction"] = {"parts": [{"text": p.text} for p in system]}
    tools = _encode_tools(request, extras, ctx)
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
    if extras:
        out.update((k, v) for k, v in extras.items() if not k.startswith("_"))
    return out
