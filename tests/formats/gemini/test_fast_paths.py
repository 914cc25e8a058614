"""The Gemini fast paths give exactly what the general paths give, and fall back on the rest.

Bodies are generated near the common shapes, with random values and keys mixed in, so that
both the fast paths and their fallbacks run; each result (body, losses, error and its path)
is compared with the general path's.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexgate.errors import InvalidInputError
from nexgate.formats import TranslationContext
from nexgate.formats.gemini import request as gemini_request
from nexgate.formats.gemini import response as gemini_response
from nexgate.formats.gemini.fastpath import Unusual
from nexgate.formats.gemini.parts_encode import Encoder, encode_contents
from nexgate.formats.gemini.schema_compile import (
    _Compiler,
    common_from_gemini,
    compile_plain_schema,
    from_gemini_schema,
)
from nexgate.schema import (
    CacheControl,
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    RawPart,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

# --------------------------------------------------------------------------- strategies

names = st.sampled_from(["f", "g", "get_weather", ""])
short_text = st.text(max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([2**31 - 1, 2**31, 2**53 + 1, 2**63, -(2**63) - 1]),
    st.sampled_from([0.5, -1.25, 1e300]),
    short_text,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(short_text, inner, max_size=2),
    max_leaves=6,
)
odd_keys = st.sampled_from(["snake_key", "inline_data", "foo", "function_call", "thought"])


def sometimes(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``strategy``; now and then any JSON value instead (a wrong type)."""
    return st.one_of(*[strategy] * 12, values)


def obj(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """An object of known keys, sometimes with an unknown or snake_case key added."""
    base = st.fixed_dictionaries(required, optional=optional)
    extra = st.dictionaries(odd_keys, values, max_size=1)
    return sometimes(
        st.one_of(*[base] * 12, st.tuples(base, extra).map(lambda t: {**t[0], **t[1]}))
    )


signatures = sometimes(st.sampled_from(["", "sig"]))
args = sometimes(st.dictionaries(short_text, values, max_size=2))
ids = sometimes(st.sampled_from(["c1", "c2", ""]))
parts = st.one_of(
    obj({"text": sometimes(short_text)}, {}),
    obj(
        {"text": short_text}, {"thought": sometimes(st.booleans()), "thoughtSignature": signatures}
    ),
    obj(
        {"functionCall": obj({"name": sometimes(names)}, {"args": args, "id": ids})},
        {"thoughtSignature": signatures},
    ),
    obj(
        {"functionResponse": obj({}, {"name": sometimes(names), "response": args, "id": ids})},
        {},
    ),
    st.just({"inlineData": {"mimeType": "image/png", "data": "AA=="}}),
)
roles = st.sampled_from(["user", "model", "", None, "system", 1])
contents = st.lists(obj({"parts": sometimes(st.lists(parts, max_size=3))}, {"role": roles}))


def gemini_schemas() -> st.SearchStrategy[Any]:
    leaf = obj(
        {},
        {
            "type": sometimes(st.sampled_from(["STRING", "INTEGER", "NUMBER", "string", "NULL"])),
            "description": short_text,
            "enum": sometimes(st.lists(short_text, max_size=2)),
            "format": st.sampled_from(["enum", "int32", "float", "date-time", "uuid"]),
            "nullable": st.booleans(),
            "minLength": st.sampled_from([1, "2", "x"]),
        },
    )
    return st.recursive(
        leaf,
        lambda inner: (
            obj(
                {},
                {
                    "type": st.sampled_from(["OBJECT", "ARRAY", "object"]),
                    "properties": st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
                    "items": inner,
                    "required": st.lists(st.sampled_from(["a", "b"]), max_size=2),
                    "anyOf": st.lists(inner, max_size=2),
                    "title": short_text,
                },
            )
            | st.just(True)
        ),
        max_leaves=6,
    )


schemas = gemini_schemas()
declarations = obj(
    {"name": sometimes(names)},
    {
        "description": sometimes(short_text),
        "parameters": sometimes(schemas),
        "parametersJsonSchema": sometimes(schemas),
        "parameters_json_schema": sometimes(schemas),  # as google-genai writes it
    },
)
tools = st.lists(
    obj(
        {},
        {
            "functionDeclarations": sometimes(st.lists(declarations, max_size=2)),
            "googleSearch": values,
            "urlContext": values,
        },
    ),
    max_size=2,
)
calling = obj(
    {},
    {
        "mode": sometimes(st.sampled_from(["AUTO", "any", "NONE", "VALIDATED", "SOMETIMES"])),
        "allowedFunctionNames": sometimes(st.lists(names, max_size=2)),
    },
)
thinking = obj(
    {},
    {
        "includeThoughts": sometimes(st.booleans()),
        "thinkingBudget": sometimes(st.integers(-1, 2048)),
        "thinkingLevel": sometimes(st.sampled_from(["low", "HIGH", "", "extreme"])),
    },
)
generation = obj(
    {},
    {
        "maxOutputTokens": sometimes(st.integers(0, 4096)),
        "temperature": sometimes(st.sampled_from([0.0, 0.7, 2.0])),
        "topP": sometimes(st.integers(0, 1)),
        "topK": scalars,
        "stopSequences": sometimes(st.lists(short_text, max_size=6)),
        "seed": scalars,
        "candidateCount": scalars,
        "presencePenalty": scalars,
        "frequencyPenalty": scalars,
        "thinkingConfig": sometimes(thinking),
        "responseMimeType": sometimes(st.sampled_from(["application/json", "text/plain"])),
        "responseSchema": sometimes(schemas),
        "responseJsonSchema": sometimes(schemas),
        "responseModalities": values,
    },
)
requests = obj(
    {"contents": sometimes(contents)},
    {
        "systemInstruction": obj({"parts": sometimes(st.lists(parts, max_size=2))}, {}),
        "tools": sometimes(tools),
        "toolConfig": obj({}, {"functionCallingConfig": sometimes(calling)}),
        "generationConfig": sometimes(generation),
        "model": sometimes(short_text),
        "cachedContent": short_text,
        "safetySettings": values,
        "labels": values,
        "serviceTier": values,
    },
)
candidates = obj(
    {},
    {
        "content": obj({}, {"parts": sometimes(st.lists(parts, max_size=3)), "role": roles}),
        "finishReason": sometimes(st.sampled_from(["STOP", "MAX_TOKENS", "SAFETY"])),
        "index": sometimes(st.integers(0, 2)),
        "safetyRatings": values,
    },
)
counts = sometimes(st.integers(0, 500))
responses = obj(
    {"candidates": sometimes(st.lists(candidates, max_size=2))},
    {
        "usageMetadata": obj(
            {},
            {
                "promptTokenCount": counts,
                "candidatesTokenCount": counts,
                "thoughtsTokenCount": counts,
                "totalTokenCount": counts,
                "promptTokensDetails": values,
            },
        ),
        "modelVersion": sometimes(short_text),
        "responseId": sometimes(st.sampled_from(["r1", ""])),
        "promptFeedback": obj({}, {"blockReason": sometimes(st.just("SAFETY"))}),
        "contents": values,
    },
)

# --------------------------------------------------------------------------- outcomes


def _outcome(decode: Any, body: Any) -> tuple[Any, ...]:
    """Everything a decode shows: the decoded value as JSON and the losses, or the error."""
    ctx = TranslationContext(source="gemini", target="openai", model=None)
    try:
        decoded = decode(copy.deepcopy(body), ctx)
    except InvalidInputError as exc:
        return ("error", str(exc), exc.path)
    return ("ok", msgspec.json.encode(decoded), msgspec.json.encode(ctx.losses))


@SETTINGS
@given(requests)
def test_request_decode_matches_the_general_path(body: Any) -> None:
    if not isinstance(body, dict):
        return
    fast = _outcome(gemini_request.decode_request, body)
    assert fast == _outcome(gemini_request._decode_any_request, body)


@SETTINGS
@given(responses)
def test_response_decode_matches_the_general_path(body: Any) -> None:
    if not isinstance(body, dict):
        return
    fast = _outcome(gemini_response.decode_response, body)
    assert fast == _outcome(gemini_response._decode_any_response, body)


@SETTINGS
@given(schemas)
def test_schema_walks_match_the_general_ones(schema: Any) -> None:
    try:
        fast = common_from_gemini(schema)
    except Unusual:
        fast = None
    if fast is not None:
        assert msgspec.json.encode(fast) == msgspec.json.encode(from_gemini_schema(schema))
    json_schema = from_gemini_schema(schema)
    if not isinstance(json_schema, dict):
        return
    try:
        plain = compile_plain_schema(json_schema)
    except Unusual:
        return
    ctx = TranslationContext(source="openai", target="gemini")
    general = _Compiler(json_schema, ctx).compile(json_schema, "$")
    assert msgspec.json.encode(plain) == msgspec.json.encode(general)
    assert ctx.losses == []


def test_the_benchmark_shapes_take_the_fast_paths() -> None:
    ctx = TranslationContext(source="gemini", target="gemini")
    request = {
        "contents": [
            {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
            },
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "get_weather", "response": {"t": 18}}}],
            },
        ],
        "systemInstruction": {"parts": [{"text": "Be terse."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {"city": {"type": "STRING", "enum": ["Paris"]}},
                            "required": ["city"],
                        },
                    }
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
        "generationConfig": {"maxOutputTokens": 10, "thinkingConfig": {"thinkingBudget": 0}},
    }
    decoded = gemini_request._decode_common_request(request, ctx)
    assert decoded == gemini_request._decode_any_request(request, ctx)
    response = {
        "candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 4},
    }
    assert gemini_response._decode_common_response(
        response, ctx
    ) == gemini_response._decode_any_response(response, ctx)
    parameters = decoded.tools[0].parameters
    assert parameters is not None
    compile_plain_schema(parameters)


# --------------------------------------------------------------------------- encode

GEMINI_SIG = Signature(format="gemini", value="sig")
OTHER_SIG = Signature(format="claude", value="sig")
CACHE = CacheControl()
signature_choice = st.sampled_from([None, GEMINI_SIG, OTHER_SIG])
call_ids = st.sampled_from(["c1", "c2", "ngc_0123_0"])
text_parts = st.builds(
    TextPart,
    text=st.sampled_from(["", "hi"]),
    signature=signature_choice,
    cache_control=st.sampled_from([None, CACHE]),
)
internal_parts: st.SearchStrategy[Part] = st.one_of(
    text_parts,
    st.builds(
        ToolCallPart,
        id=call_ids,
        name=st.sampled_from(["f", "g"]),
        arguments=st.just({"a": 1}),
        raw_arguments=st.sampled_from([None, "[1]"]),
        signature=signature_choice,
        cache_control=st.sampled_from([None, CACHE]),
    ),
    st.builds(
        ToolResultPart,
        call_id=call_ids,
        name=st.sampled_from([None, "f"]),
        content=st.lists(
            st.one_of(text_parts, st.builds(ImagePart, data=st.just("AA=="))), max_size=2
        ),
        is_error=st.booleans(),
        cache_control=st.sampled_from([None, CACHE]),
    ),
    st.builds(ReasoningPart, text=st.sampled_from(["", "hmm"]), signature=signature_choice),
    st.builds(DocumentPart, url=st.just("https://x.test/a.pdf")),
    st.builds(RawPart, format=st.sampled_from(["gemini", "claude"]), data=st.just({"x": 1})),
)
messages = st.lists(
    st.builds(
        Message,
        role=st.sampled_from(["user", "assistant"]),
        parts=st.lists(internal_parts, max_size=3),
        name=st.sampled_from([None, None, "bob"]),
    ),
    max_size=5,
)


def _reference_contents(messages: list[Message], ctx: TranslationContext) -> list[JSONObject]:
    """The straightforward algorithm: every part through the general encoder, then merged.

    A result takes its name from an earlier call; results go first, in the calls' order.
    """
    names: dict[str, str] = {}
    encoder = Encoder(ctx, names)
    out: list[JSONObject] = []
    items: list[list[tuple[str | None, JSONObject]]] = []
    for i, message in enumerate(messages):
        if message.name is not None:
            ctx.lose("message_name_unsupported", f"$.messages[{i}].name", "Gemini has no names")
        role = "model" if message.role == "assistant" else "user"
        encoded: list[tuple[str | None, JSONObject]] = []
        for j, part in enumerate(message.parts):
            if isinstance(part, ToolCallPart):
                names[part.id] = part.name
            item = encoder.part(part, f"$.messages[{i}].parts[{j}]")
            if item is not None:
                call_id = part.call_id if isinstance(part, ToolResultPart) else None
                encoded.append((call_id, item))
        if not encoded:
            continue
        if out and out[-1]["role"] == role:
            items[-1].extend(encoded)
        else:
            out.append({"role": role})
            items.append(encoded)
    order = {call_id: i for i, call_id in enumerate(names)}
    for content, parts in zip(out, items, strict=True):
        results = sorted(
            (it for it in parts if it[0] is not None), key=lambda it: order.get(it[0] or "", -1)
        )
        content["parts"] = [it[1] for it in results] + [it[1] for it in parts if it[0] is None]
    return out


def _encoded(encode: Any, messages: list[Message], source: str) -> tuple[Any, ...]:
    ctx = TranslationContext(source=source, target="gemini")  # type: ignore[arg-type]
    try:
        body = encode(messages, ctx)
    except InvalidInputError as exc:
        return ("error", str(exc), exc.path)
    return ("ok", msgspec.json.encode(body), msgspec.json.encode(ctx.losses))


@SETTINGS
@given(messages, st.sampled_from(["gemini", "claude"]))
def test_contents_encode_matches_the_general_path(messages: list[Message], source: str) -> None:
    expected = _encoded(_reference_contents, messages, source)
    assert _encoded(encode_contents, messages, source) == expected


@pytest.mark.parametrize("response", [False, True])
@SETTINGS
@given(part=internal_parts)
def test_common_parts_encode_as_the_general_path(part: Part, response: bool) -> None:
    ctx = TranslationContext(source="gemini", target="gemini")
    encoder = Encoder(ctx, {"c1": "f"}, response=response)
    common = encoder.common(part)
    if common is None:
        return
    assert common == encoder.part(part, "$")
    assert ctx.losses == []
