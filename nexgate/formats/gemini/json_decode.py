"""Gemini JSON text decoded straight into the schema (``decode_request_json`` and friends).

The bytes go through one typed msgspec decode into the strict mirrors of ``json_wire.py``
instead of an untyped decode followed by a walk that checks every key and type of the dicts.
The conversion below repeats the dict fast paths' rules on the mirrors; whatever those would
not take (and any decode failure) raises or fails here too, and the body is then decoded as
``decode_x(load_object(data))`` would, so that results, losses and errors stay the same.
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET

from ...schema import (
    Choice,
    JSONObject,
    Message,
    Part,
    ReasoningPart,
    Request,
    Response,
    ResponseFormat,
    Signature,
    TextPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
)
from .._context import TranslationContext
from .._ids import digest
from .._json import JSONText, dump_json, load_object
from . import json_wire, wire
from .fastpath import Unusual
from .json_extras import builtin_tool, request_extras
from .parts import CallIds, result_content
from .request import (
    _COMMON_MODES,
    _LEVELS,
    _choice_for,
    _reasoning,
    decode_request,
    tool_hints,
)
from .response import decode_response, decode_usage, map_gemini_finish
from .response_extras import CANDIDATES, TOOL_USE_PROMPT, USAGE
from .schema_compile import common_from_gemini

#: What a failed typed decode or conversion raises: the general path then decides (and
#: names the error). ``ValueError`` covers bad UTF-8 and the ``InvalidInputError`` of a
#: result that cannot be written back as JSON (a lone surrogate).
_FALLBACK = (msgspec.MsgspecError, Unusual, RecursionError, ValueError)


class _RawSeedIds(CallIds):
    """Call ids of a request, read from the mirrors.

    The seed of a synthesized id is a digest of the model turn's parts as JSON objects,
    which the mirrors do not hold: when one is needed (a call without an id), the body is
    parsed as the general path parses it and the digest is taken of the same parts.
    """

    __slots__ = ("_contents", "_data", "_turn_index")

    def __init__(self, data: JSONText) -> None:
        super().__init__("")
        self._data = data
        self._contents: list[JSONObject] | None = None
        self._turn_index = -1

    def turn_at(self, index: int) -> None:
        """Start the model turn ``contents[index]``."""
        self.turn([])
        self._turn_index = index

    @property
    def seed(self) -> str:
        if self._seed is None:
            if self._contents is None:
                self._contents = load_object(self._data, "request body")["contents"]
            self._turn_parts = self._contents[self._turn_index].get("parts", [])
        return super().seed


def decode_request_json(data: JSONText, ctx: TranslationContext) -> Request:
    """A Gemini request from JSON text; the same as ``decode_request(load_object(data))``."""
    try:
        return _request(json_wire.REQUEST_DECODER.decode(data), _RawSeedIds(data), ctx)
    except _FALLBACK:
        return decode_request(load_object(data, "request body"), ctx)


def decode_response_json(data: JSONText, ctx: TranslationContext) -> Response:
    """A Gemini response from JSON text; the same as ``decode_response(load_object(data))``."""
    try:
        return _response(json_wire.RESPONSE_DECODER.decode(data), data, ctx)
    except _FALLBACK:
        return decode_response(load_object(data, "response body"), ctx)


# --------------------------------------------------------------------------- parts


def _signature(value: str | None) -> Signature | None:
    return Signature(format="gemini", value=value) if value else None


def _part(part: json_wire.Part, ids: CallIds) -> Part | None:
    """As ``parts.decode_common_part``: text (or thought), a call or a result."""
    text = part.text
    if text is not UNSET:
        if part.function_call is not UNSET or part.function_response is not UNSET:
            raise Unusual
        signature = part.thought_signature
        if not text and not signature:
            return None
        if part.thought is True:
            return ReasoningPart(text=text, signature=_signature(signature or None))
        if signature:
            return TextPart(text=text, signature=_signature(signature))
        return TextPart(text=text)
    if part.thought is not UNSET:
        raise Unusual
    call = part.function_call
    if call is not UNSET:
        if part.function_response is not UNSET or not call.name:
            raise Unusual
        return ToolCallPart(
            id=ids.named_call(call.id, call.name),
            name=call.name,
            arguments=call.args or {},
            signature=_signature(part.thought_signature or None),
        )
    result = part.function_response
    if result is UNSET or part.thought_signature is not UNSET:
        raise Unusual
    response = {} if result.response is UNSET else result.response
    content, is_error = result_content(response)
    return ToolResultPart(
        call_id=ids.named_result(result.id, result.name),
        name=result.name,
        content=content,
        is_error=is_error,
    )


def _plain_text(part: json_wire.Part) -> str | None:
    """The text of a part that holds text and nothing else, the commonest part."""
    if (
        part.thought is UNSET
        and part.thought_signature is UNSET
        and part.function_call is UNSET
        and part.function_response is UNSET
    ):
        text = part.text
        return None if text is UNSET else text
    return None


# --------------------------------------------------------------------------- request

#: A shared empty default, never written to: a body without tools allocates no list for them.
_NO_TOOLS: list[JSONObject] = []


def _request(body: json_wire.Request, ids: _RawSeedIds, ctx: TranslationContext) -> Request:
    model = body.model
    request = Request(
        model=ctx.model or (model if type(model) is str else None),
        messages=_contents(body.contents, ids),
        system=_system(body.system_instruction),
    )
    if body.tool_config is not None:
        request.tool_choice = _tool_choice(body.tool_config)
    schema_hints: JSONObject | None = None
    builtin_tools: list[JSONObject] = _NO_TOOLS
    renamed = False
    if body.tools is not None:
        schema_hints, builtin_tools, renamed = _tools(body.tools, request.tools)
    if body.generation_config is not None:
        _apply_config(body.generation_config, request)
    extras = request_extras(body, builtin_tools, schema_hints, renamed)
    if extras:  # JSON output alone keeps nothing
        request.extras = {"gemini": extras}
    return request


def _contents(contents: list[json_wire.Content], ids: _RawSeedIds) -> list[Message]:
    out: list[Message] = []
    for index, content in enumerate(contents):
        role = content.role
        if role == "model":
            ids.turn_at(index)
        elif role and role != "user":
            raise Unusual
        kept: list[Part] = []
        for part in content.parts:
            text = part.text
            # Plain text, by far the commonest part: inlined (a signature leaves a key set).
            if text is not UNSET and part.thought_signature is UNSET and part.thought is UNSET:
                if part.function_call is not UNSET or part.function_response is not UNSET:
                    raise Unusual
                if text:
                    kept.append(TextPart(text=text))
                continue
            decoded = _part(part, ids)
            if decoded is not None:
                kept.append(decoded)
        if kept:
            out.append(Message(role="assistant" if role == "model" else "user", parts=kept))
    return out


def _system(content: json_wire.Content | None) -> list[TextPart]:
    if content is None:
        return []
    out: list[TextPart] = []
    for part in content.parts:
        # Only ``{"text": ...}``: anything else is dropped with a loss by the general path.
        text = _plain_text(part)
        if text is None:
            raise Unusual
        if text:
            out.append(TextPart(text=text))
    return out


def _tools(
    tools: list[json_wire.Tool], ours: list[Tool]
) -> tuple[JSONObject, list[JSONObject], bool]:
    """Appends the declared functions to ``ours``; returns the hints naming the functions
    given a JSON Schema and those given an OpenAPI one, Gemini's own tools, and whether a
    schema was given in snake_case (the general path then renames the whole body)."""
    json_schema_tools: list[str] = []
    openapi_tools: list[str] = []
    builtin: list[JSONObject] = []
    renamed = False
    for tool in tools:
        kept = builtin_tool(tool)
        if kept is not None:
            builtin.append(kept)
        for declaration in tool.function_declarations or ():
            name = declaration.name
            if not name:
                raise Unusual
            description = declaration.description
            json_schema = declaration.parameters_json_schema
            snake = declaration.snake_parameters_json_schema
            if snake is not UNSET:
                if json_schema is not UNSET:
                    raise Unusual  # both spellings: the later one wins, and order is lost
                json_schema, renamed = snake, True
            if json_schema is not None and json_schema is not UNSET:
                json_schema_tools.append(name)
                parameters = json_schema
            elif declaration.parameters is not None:
                openapi_tools.append(name)
                parameters = common_from_gemini(declaration.parameters)
            else:
                ours.append(Tool(name=name, description=description))
                continue
            ours.append(Tool(name=name, description=description, parameters=parameters))
    return tool_hints(json_schema_tools, openapi_tools), builtin, renamed


def _tool_choice(config: json_wire.ToolConfig) -> ToolChoice | None:
    calling = config.function_calling_config
    if calling is None:
        return None
    mode = calling.mode.upper()
    if mode not in _COMMON_MODES:
        raise Unusual  # VALIDATED leaves a hint, others are errors: general path
    return _choice_for(mode, calling.allowed_function_names)


def _apply_config(config: json_wire.GenerationConfig, request: Request) -> None:
    # Only the settings present are set: a Struct built with every keyword costs ~4x more.
    if config.max_output_tokens is not None:
        request.max_tokens = config.max_output_tokens
    if config.temperature is not None:
        request.temperature = config.temperature
    if config.top_p is not None:
        request.top_p = config.top_p
    if config.top_k is not None:
        request.top_k = config.top_k
    if config.stop_sequences:
        request.stop = config.stop_sequences
    if config.seed is not None:
        request.seed = config.seed
    if config.candidate_count is not None:
        request.candidate_count = config.candidate_count
    if config.presence_penalty is not None:
        request.presence_penalty = config.presence_penalty
    if config.frequency_penalty is not None:
        request.frequency_penalty = config.frequency_penalty
    if config.response_mime_type == "application/json":
        request.response_format = _response_format(config)
    thinking = config.thinking_config
    if thinking is not None:
        level = thinking.thinking_level
        if level and level.upper() not in _LEVELS:
            raise Unusual  # an error, reported by the general path
        request.reasoning = _reasoning(
            wire.ThinkingConfig(
                include_thoughts=thinking.include_thoughts,
                thinking_budget=thinking.thinking_budget,
                thinking_level=level,
            )
        )


def _response_format(config: json_wire.GenerationConfig) -> ResponseFormat:
    """As ``request._response_format`` for JSON output."""
    json_schema = config.response_json_schema
    if json_schema is not None and json_schema is not UNSET:
        return ResponseFormat(type="json_schema", schema=json_schema)
    schema = config.response_schema
    if schema is not None and schema is not UNSET:
        return ResponseFormat(type="json_schema", schema=common_from_gemini(schema))
    return ResponseFormat(type="json_object")


# --------------------------------------------------------------------------- response


def _response(body: json_wire.Response, data: JSONText, ctx: TranslationContext) -> Response:
    if not body.candidates:
        raise Unusual  # no candidate: a blocked prompt, with its own rules
    response_id = body.response_id
    # Without an id, the seed of the call ids (and the id) is a digest of the candidates as
    # the general path parsed them.
    seed = response_id or _candidates_digest(data)
    response = Response(
        id=response_id or f"gen-{seed}",
        model=body.model_version or ctx.model or "",
        choices=[_choice(candidate, seed) for candidate in body.candidates],
    )
    if body.usage_metadata is not None:
        response.usage = decode_usage(body.usage_metadata)
    extras = _response_extras(body)
    if extras:
        response.extras = {"gemini": extras}
    return response


def _response_extras(body: json_wire.Response) -> JSONObject:
    """As ``response_extras.response_extras`` of the parsed body."""
    extras: JSONObject = {}
    feedback = body.prompt_feedback
    if feedback is not UNSET:
        if feedback is not None and (
            type(feedback) is not dict or type(feedback.get("blockReason", "")) not in _REASONS
        ):
            raise Unusual  # the general path words the error
        extras["promptFeedback"] = feedback
    if body.create_time is not UNSET:
        extras["createTime"] = body.create_time
    kept: JSONObject = {}
    for position, candidate in enumerate(body.candidates):
        if not json_wire.bare_candidate(candidate):
            kept[str(position)] = json_wire.set_fields(candidate, json_wire.CANDIDATE_EXTRAS)
    if kept:
        extras[CANDIDATES] = kept
    usage = body.usage_metadata
    if usage is not None and not json_wire.bare_usage(usage):
        extras[USAGE] = json_wire.set_fields(usage, json_wire.USAGE_EXTRAS)
    if usage is not None and usage.tool_use_prompt_token_count:
        extras.setdefault(USAGE, {})[TOOL_USE_PROMPT] = usage.tool_use_prompt_token_count
    return extras


#: The types a prompt feedback's ``blockReason`` may have on this path (absent counts as str).
_REASONS = (str, type(None))


def _candidates_digest(data: JSONText) -> str:
    # Only the candidates are parsed again: real bodies also carry usage details, the model
    # version and such, which the digest does not read.
    candidates = json_wire.CANDIDATES_DECODER.decode(data).candidates
    return digest(dump_json(candidates).decode())


def _choice(candidate: json_wire.Candidate, seed: str) -> Choice:
    index = candidate.index
    parts: list[Part] = []
    has_calls = False
    if candidate.content is not None:
        ids: CallIds | None = None  # made for the first call or result only
        for raw in candidate.content.parts:
            text = raw.text
            if text is not UNSET and raw.thought_signature is UNSET and raw.thought is UNSET:
                if raw.function_call is not UNSET or raw.function_response is not UNSET:
                    raise Unusual
                if text:
                    parts.append(TextPart(text=text))  # plain text, the commonest part
                continue
            if ids is None:
                ids = CallIds(f"{seed}:{index}")
            part = _part(raw, ids)
            if part is not None:
                parts.append(part)
                has_calls = has_calls or type(part) is ToolCallPart
    finish = map_gemini_finish(candidate.finish_reason, has_calls)
    return Choice(parts=parts, finish=finish, index=index)
