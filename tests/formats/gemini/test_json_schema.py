"""Tool and output schemas for a Gemini target: sent as JSON Schema by default (fitted to the
keywords Gemini documents), or compiled to the OpenAPI subset when asked."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import sdk_validators  # type: ignore[import-not-found]

import nexgate
from nexgate.formats import TranslationContext
from nexgate.formats.gemini.json_schema import fit_json_schema

P = "$.tools[0].parameters"

WEATHER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": ["string", "null"], "enum": ["c", "f"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "where": {"$ref": "#/$defs/Place"},
        "extra": {"type": "object", "additionalProperties": {"type": "number"}},
    },
    "required": ["city"],
    "additionalProperties": False,
    "$defs": {"Place": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
}


def ctx() -> TranslationContext:
    return TranslationContext(source="openai", target="gemini")


def openai_request(parameters: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}],
        **body,
    }


def to_gemini(body: dict[str, Any], **kw: Any) -> nexgate.translate.Translated:
    out = nexgate.translate_request(body, source="openai", target="gemini", **kw)
    sdk_validators.gemini_request(out)
    return out


def test_a_schema_gemini_takes_is_sent_as_it_is() -> None:
    schema = copy.deepcopy(WEATHER)
    context = ctx()
    assert fit_json_schema(schema, P, context) is schema  # no copy, nothing lost
    assert context.losses == []
    assert schema == WEATHER


def test_tools_go_as_parameters_json_schema_by_default() -> None:
    out = to_gemini(openai_request(WEATHER))
    [declaration] = out["tools"][0]["functionDeclarations"]
    assert declaration == {"name": "f", "parametersJsonSchema": WEATHER}
    assert out.losses == ()


@pytest.mark.parametrize("dialect", ["json_schema", "openapi"])
def test_a_tool_without_arguments_goes_without_a_schema(dialect: str) -> None:
    for empty in ({"type": "object", "properties": {}}, {"type": "object"}, {}):
        out = to_gemini(openai_request(empty), gemini_schema=dialect)
        assert out["tools"][0]["functionDeclarations"] == [{"name": "f"}]


@pytest.mark.parametrize(
    "parameters",
    [
        pytest.param(
            {"$defs": {"N": {"type": "object", "properties": {"x": {}}}}, "$ref": "#/$defs/N"},
            id="a root reference",
        ),
        pytest.param(
            {"anyOf": [{"type": "object", "properties": {"a": {}}}, {"type": "object"}]},
            id="a root anyOf",
        ),
        pytest.param(
            {"type": "object", "additionalProperties": {"type": "integer"}}, id="an open map"
        ),
        pytest.param({"type": "object", "additionalProperties": True}, id="any keys"),
    ],
)
def test_a_schema_without_top_level_properties_is_sent(parameters: dict[str, Any]) -> None:
    out = to_gemini(openai_request(parameters))
    [declaration] = out["tools"][0]["functionDeclarations"]
    assert declaration["parametersJsonSchema"] == parameters


@pytest.mark.parametrize(
    ("schema", "fitted", "losses"),
    [
        pytest.param(
            {
                "type": "object",
                "properties": {"s": {"type": "string", "pattern": "^a", "minLength": 1}},
            },
            {"type": "object", "properties": {"s": {"type": "string"}}},
            [
                ("schema_keyword_removed", f"{P}.properties.s.pattern", "dropped"),
                ("schema_keyword_removed", f"{P}.properties.s.minLength", "dropped"),
            ],
            id="unsupported keywords removed",
        ),
        pytest.param(
            {"type": "object", "properties": {"k": {"const": "x"}}},
            {"type": "object", "properties": {"k": {"enum": ["x"]}}},
            [("schema_keyword_rewritten", f"{P}.properties.k.const", "emulated")],
            id="const as a one-value enum",
        ),
        pytest.param(
            {"type": "object", "properties": {"k": {"const": {"a": 1}}}},
            {"type": "object", "properties": {"k": {}}},
            [("schema_keyword_removed", f"{P}.properties.k.const", "dropped")],
            id="an object const is removed",
        ),
        pytest.param(
            {"type": "boolean", "enum": [True, False]},
            {"type": "boolean"},
            [("schema_keyword_removed", f"{P}.enum", "dropped")],
            id="an enum of booleans is removed",
        ),
        pytest.param(
            {
                "properties": {"p": {"$ref": "#/$defs/P", "description": "where"}},
                "$defs": {"P": {}},
            },
            {
                "properties": {"p": {"description": "where", "anyOf": [{"$ref": "#/$defs/P"}]}},
                "$defs": {"P": {}},
            },
            [("schema_keyword_rewritten", f"{P}.properties.p.$ref", "emulated")],
            id="a $ref with siblings wrapped in anyOf",
        ),
        pytest.param(
            {"$ref": "#/$defs/A", "anyOf": [{"type": "string"}], "$defs": {"A": {}}},
            {"anyOf": [{"type": "string"}], "$defs": {"A": {}}},
            [("schema_keyword_removed", f"{P}.$ref", "dropped")],
            id="a $ref beside anyOf is removed",
        ),
        pytest.param(
            {
                "properties": {"p": {"$ref": "#/definitions/P"}},
                "definitions": {"P": {"type": "string"}},
            },
            {"properties": {"p": {"$ref": "#/$defs/P"}}, "$defs": {"P": {"type": "string"}}},
            [("schema_keyword_rewritten", f"{P}.definitions", "emulated")],
            id="draft-07 definitions as $defs",
        ),
        pytest.param(
            {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
            {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
            [("schema_keyword_rewritten", f"{P}.items", "emulated")],
            id="tuple items as prefixItems",
        ),
        pytest.param(
            {"enum": ["a", "b"], "const": "a"},
            {"enum": ["a"]},
            [("schema_keyword_rewritten", f"{P}.const", "emulated")],
            id="const narrows the enum beside it",
        ),
        pytest.param(
            {"const": "c", "enum": ["a", "b"]},
            {"enum": ["a", "b"]},
            [("schema_keyword_removed", f"{P}.const", "dropped")],
            id="a const outside the enum is a loss",
        ),
        pytest.param(
            {"enum": ["a", None]},
            {"enum": ["a"]},
            [("schema_keyword_removed", f"{P}.enum", "dropped")],
            id="null left out of an enum",
        ),
        pytest.param(
            {"properties": {"c": {"allOf": [{"$ref": "#/$defs/C"}], "description": "d"}}},
            {"properties": {"c": {"anyOf": [{"$ref": "#/$defs/C"}], "description": "d"}}},
            [("schema_keyword_rewritten", f"{P}.properties.c.allOf", "emulated")],
            id="a one-branch allOf as anyOf",
        ),
        pytest.param(
            {"allOf": [{"type": "object"}, {"required": ["a"]}]},
            {},
            [("schema_keyword_removed", f"{P}.allOf", "dropped")],
            id="a multi-branch allOf is removed",
        ),
        pytest.param(
            {"properties": {"p": {"$ref": "#/definitions/A"}}},
            {"properties": {"p": {"$ref": "#/definitions/A"}}},
            [],
            id="a legacy reference without definitions is left alone",
        ),
        pytest.param(
            {
                "properties": {"p": {"$ref": "#/definitions/A"}},
                "definitions": {"A": {"type": "string", "pattern": "x"}},
                "$defs": {"A": {"type": "integer"}},
            },
            {"properties": {"p": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"type": "integer"}}},
            [
                ("schema_keyword_rewritten", f"{P}.definitions", "emulated"),
                ("schema_keyword_removed", f"{P}.definitions.A", "dropped"),
            ],
            id="definitions clashing with $defs",
        ),
        pytest.param(
            {"items": [{"type": "string"}], "prefixItems": [{"type": "integer"}]},
            {"prefixItems": [{"type": "integer"}]},
            [("schema_keyword_removed", f"{P}.items", "dropped")],
            id="tuple items beside prefixItems",
        ),
        pytest.param(
            {"properties": {}, "definitions": {"A": {}}, "$defs": "x"},
            {"properties": {}, "$defs": "x"},
            [("schema_keyword_removed", f"{P}.definitions", "dropped")],
            id="definitions beside a malformed $defs",
        ),
        pytest.param(
            {"anyOf": [{"type": "string", "format": "uuid", "examples": ["x"]}]},
            {"anyOf": [{"type": "string", "format": "uuid"}]},
            [("schema_keyword_removed", f"{P}.anyOf[0].examples", "dropped")],
            id="inside anyOf",
        ),
    ],
)
def test_a_schema_outside_the_subset_is_fitted(
    schema: dict[str, Any], fitted: dict[str, Any], losses: list[tuple[str, str, str]]
) -> None:
    original = copy.deepcopy(schema)
    context = ctx()
    assert fit_json_schema(schema, P, context) == fitted
    assert [(loss.kind, loss.path, loss.severity) for loss in context.losses] == losses
    assert schema == original  # the caller's schema is never changed in place


def test_fitted_tools_are_valid_and_their_losses_listed() -> None:
    out = to_gemini(openai_request({"type": "object", "properties": {"s": {"pattern": "x"}}}))
    declaration = out["tools"][0]["functionDeclarations"][0]
    assert declaration["parametersJsonSchema"] == {"type": "object", "properties": {"s": {}}}
    assert [loss.path for loss in out.losses] == ["$.tools[0].parameters.properties.s.pattern"]
    with pytest.raises(nexgate.TranslationError, match="pattern"):
        to_gemini(openai_request({"properties": {"s": {"pattern": "x"}}}), strict=True)


def test_too_deep_a_schema_is_refused_with_its_path() -> None:
    deep: dict[str, Any] = {"type": "string", "pattern": "x"}
    for _ in range(100):
        deep = {"type": "object", "properties": {"a": deep}}
    with pytest.raises(nexgate.InvalidInputError, match="nested too deeply") as caught:
        to_gemini(openai_request(deep))
    assert caught.value.path.startswith("$.tools[0].parameters.properties.a")


def test_structured_output_goes_as_response_json_schema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 5}}}
    body = openai_request(
        WEATHER,
        response_format={"type": "json_schema", "json_schema": {"name": "out", "schema": schema}},
    )
    out = to_gemini(body)
    config = out["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }
    assert [loss.path for loss in out.losses] == ["$.response_format.schema.properties.a.maxLength"]


def test_openapi_asks_for_the_compiled_subset() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    body = openai_request(
        WEATHER,
        response_format={"type": "json_schema", "json_schema": {"name": "out", "schema": schema}},
    )
    out = to_gemini(body, gemini_schema="openapi")
    parameters = out["tools"][0]["functionDeclarations"][0]["parameters"]
    assert parameters["type"] == "OBJECT"
    assert parameters["properties"]["city"] == {"type": "STRING", "description": "City name"}
    assert parameters["properties"]["where"] == {"type": "STRING", "nullable": True}  # inlined
    assert "parametersJsonSchema" not in out["tools"][0]["functionDeclarations"][0]
    assert out["generationConfig"]["responseSchema"] == {
        "type": "OBJECT",
        "properties": {"a": {"type": "STRING"}},
    }


def test_a_gemini_source_keeps_the_field_each_tool_came_in() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "a",
                        "parameters": {"type": "OBJECT", "properties": {"x": {"type": "STRING"}}},
                    },
                    {
                        "name": "b",
                        "parametersJsonSchema": {"type": "object", "properties": {"y": {}}},
                    },
                ]
            }
        ],
    }
    out = nexgate.translate_request(copy.deepcopy(body), source="gemini", target="gemini")
    assert out == body


def test_openapi_compiles_a_gemini_source_s_json_schemas_too() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [
            {
                "functionDeclarations": [
                    {"name": "b", "parametersJsonSchema": {"properties": {"y": {}}}}
                ]
            }
        ],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseJsonSchema": {"type": "object", "properties": {"a": {"type": "string"}}},
        },
    }
    out = nexgate.translate_request(body, source="gemini", target="gemini", gemini_schema="openapi")
    assert set(out["tools"][0]["functionDeclarations"][0]) == {"name", "parameters"}
    assert set(out["generationConfig"]) == {"responseMimeType", "responseSchema"}


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_gemini_source_s_output_schema_goes_back_as_written(as_bytes: bool) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseJsonSchema": {"type": "string", "pattern": "^a"},
        },
    }
    given = json.dumps(body).encode() if as_bytes else copy.deepcopy(body)
    out = nexgate.translate_request(given, source="gemini", target="gemini", strict=True)
    assert out == body
    assert out.losses == ()


def test_depth_is_refused_the_same_with_or_without_other_keywords() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(70):
        deep = {"anyOf": [deep]}
    for schema in (deep, {**deep, "pattern": "x"}):
        with pytest.raises(nexgate.InvalidInputError, match="nested too deeply"):
            fit_json_schema(schema, P, ctx())


def test_an_internal_request_s_output_schema_is_fitted_for_gemini() -> None:
    # What Client.complete() does with an internal request: the context says "gemini" on
    # both sides, and the schema is still fitted.
    from nexgate.formats import get_format
    from nexgate.schema import Message, Request, ResponseFormat, TextPart

    request = Request(
        messages=[Message(role="user", parts=[TextPart(text="hi")])],
        response_format=ResponseFormat(type="json_schema", schema={"const": "x", "pattern": "y"}),
    )
    context = TranslationContext(source="gemini", target="gemini")
    out = get_format("gemini").encode_request(request, context)
    assert out["generationConfig"]["responseJsonSchema"] == {"enum": ["x"]}
    assert [loss.kind for loss in context.losses] == [
        "schema_keyword_removed",
        "schema_keyword_rewritten",
    ]


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(nexgate.InvalidInputError, match="gemini_schema") as caught:
        nexgate.translate_request(
            openai_request(WEATHER),
            source="openai",
            target="gemini",
            gemini_schema="yaml",  # type: ignore[arg-type]
        )
    assert caught.value.path == "gemini_schema"


@pytest.mark.parametrize(
    ("flag", "field"),
    [([], "parametersJsonSchema"), (["--gemini-schema", "openapi"], "parameters")],
)
def test_the_cli_takes_the_dialect(flag: list[str], field: str) -> None:
    import json
    import subprocess
    import sys

    command = [sys.executable, "-m", "nexgate", "translate", "request", "--from", "openai"]
    result = subprocess.run(
        [*command, "--to", "gemini", *flag],
        input=json.dumps(openai_request(WEATHER)).encode(),
        capture_output=True,
        check=True,
    )
    [declaration] = json.loads(result.stdout)["tools"][0]["functionDeclarations"]
    assert set(declaration) == {"name", field}


def test_a_schema_known_to_fit_is_remembered_by_its_text_and_others_still_walked() -> None:
    from nexgate.formats.gemini import json_schema

    fitting = {"type": "object", "properties": {"q": {"type": "string"}}}
    unfitting = {"type": "object", "properties": {"q": {"type": "string", "pattern": "^a"}}}
    assert fit_json_schema(fitting, P, ctx()) is fitting
    assert json.dumps(fitting, separators=(",", ":")).encode() in json_schema._FITTING
    again = ctx()
    assert fit_json_schema(copy.deepcopy(fitting), P, again) == fitting and not again.losses
    walked = ctx()
    assert "pattern" not in json.dumps(fit_json_schema(unfitting, P, walked))
    assert [loss.kind for loss in walked.losses] == ["schema_keyword_removed"]
    assert json.dumps(unfitting, separators=(",", ":")).encode() not in json_schema._FITTING


def test_the_memory_of_fitting_schemas_is_bounded() -> None:
    from nexgate.formats.gemini import json_schema

    for i in range(json_schema._FITTING_MAX + 10):
        fit_json_schema({"type": "object", "title": f"t{i}"}, P, ctx())
    assert 0 < len(json_schema._FITTING) <= json_schema._FITTING_MAX


def test_a_schema_without_json_text_is_walked_and_reported() -> None:
    schema = {"type": "object", "description": "lone \ud800 surrogate", "pattern": "x"}
    lost = ctx()
    out = fit_json_schema(schema, P, lost)
    assert "pattern" not in out and lost.losses


def test_a_remembered_verdict_never_stands_for_a_schema_of_other_values() -> None:
    from nexgate.formats.gemini import json_schema

    json_schema._FITTING.clear()
    nan = {"type": "string", "enum": ["a", float("nan")]}  # its text says null
    fit_json_schema(nan, P, ctx())
    null = {"type": "string", "enum": ["a", None]}
    lost = ctx()
    assert fit_json_schema(null, P, lost) == {"type": "string", "enum": ["a"]}
    assert [loss.kind for loss in lost.losses] == ["schema_keyword_removed"]


def test_enum_members_are_their_values_whatever_was_fitted_before() -> None:
    import enum

    from nexgate.formats.gemini import json_schema

    class Color(enum.StrEnum):
        RED = "red"

    outcomes = []
    for seen_first in (False, True):
        json_schema._FITTING.clear()
        if seen_first:
            fit_json_schema({"type": "string", "enum": ["red"]}, P, ctx())
        member = ctx()
        fit_json_schema({"type": "string", "enum": [Color.RED]}, P, member)
        outcomes.append(member.losses)
    assert outcomes == [[], []]
