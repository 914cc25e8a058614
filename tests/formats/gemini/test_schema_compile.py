"""JSON Schema -> Gemini's OpenAPI subset: one row per rule, with the losses it records."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types as genai_types

from nexgate.errors import InvalidInputError
from nexgate.formats import TranslationContext
from nexgate.formats.gemini.schema_compile import from_gemini_schema, to_gemini_schema

P = "$.tools[0].parameters"


def compile_(schema: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    ctx = TranslationContext(source="openai", target="gemini")
    out = to_gemini_schema(schema, P, ctx)
    genai_types.Schema.model_validate(out)
    return out, [(loss.kind, loss.path, loss.severity) for loss in ctx.losses]


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


TABLE: list[tuple[str, dict[str, Any], dict[str, Any], list[tuple[str, str, str]]]] = [
    (
        "types uppercase",
        obj(x={"type": "string"}, n={"type": "integer"}),
        {"type": "OBJECT", "properties": {"x": {"type": "STRING"}, "n": {"type": "INTEGER"}}},
        [],
    ),
    (
        "anyOf with null -> nullable",
        obj(x={"anyOf": [{"type": "string"}, {"type": "null"}], "description": "d"}),
        {
            "type": "OBJECT",
            "properties": {"x": {"type": "STRING", "nullable": True, "description": "d"}},
        },
        [],
    ),
    (
        "type array with null -> nullable",
        obj(x={"type": ["integer", "null"]}),
        {"type": "OBJECT", "properties": {"x": {"type": "INTEGER", "nullable": True}}},
        [],
    ),
    (
        "const -> enum",
        obj(x={"const": "only"}),
        {"type": "OBJECT", "properties": {"x": {"enum": ["only"], "type": "STRING"}}},
        [("schema_keyword_rewritten", f"{P}.properties.x.const", "emulated")],
    ),
    (
        "$ref inlined from $defs",
        {
            "type": "object",
            "properties": {"p": {"$ref": "#/$defs/Point"}},
            "$defs": {"Point": obj(x={"type": "number"})},
        },
        {
            "type": "OBJECT",
            "properties": {
                "p": {"type": "OBJECT", "properties": {"x": {"type": "NUMBER"}}},
            },
        },
        [],
    ),
    (
        "recursive $ref stops with a loss",
        {
            "type": "object",
            "properties": {"node": {"$ref": "#/definitions/Node"}},
            "definitions": {"Node": obj(next={"$ref": "#/definitions/Node"})},
        },
        {
            "type": "OBJECT",
            "properties": {
                "node": {"type": "OBJECT", "properties": {"next": {"type": "OBJECT"}}},
            },
        },
        [("schema_keyword_removed", f"{P}.properties.node.properties.next.$ref", "dropped")],
    ),
    (
        "allOf of one item merged",
        obj(x={"allOf": [{"type": "string", "minLength": 2}], "description": "d"}),
        {
            "type": "OBJECT",
            "properties": {"x": {"type": "STRING", "description": "d", "minLength": 2}},
        },
        [],
    ),
    (
        "unsupported keywords removed with losses",
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "x": {"type": "string", "not": {"const": "a"}},
            },
            "additionalProperties": False,
            "patternProperties": {"^a": {}},
            "required": ["tags"],
        },
        {
            "type": "OBJECT",
            "properties": {
                "tags": {"type": "ARRAY", "items": {"type": "STRING"}},
                "x": {"type": "STRING"},
            },
            "required": ["tags"],
        },
        [
            ("schema_keyword_removed", f"{P}.$schema", "dropped"),
            ("schema_keyword_removed", f"{P}.properties.tags.uniqueItems", "dropped"),
            ("schema_keyword_removed", f"{P}.properties.x.not", "dropped"),
            ("schema_keyword_removed", f"{P}.additionalProperties", "dropped"),
            ("schema_keyword_removed", f"{P}.patternProperties", "dropped"),
        ],
    ),
    (
        "supported keywords kept",
        obj(
            n={"type": "integer", "minimum": 0, "maximum": 9, "default": 1, "format": "int32"},
            s={"type": "string", "pattern": "^a", "maxLength": 3, "title": "S", "format": "uuid"},
            a={"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "boolean"}},
        ),
        {
            "type": "OBJECT",
            "properties": {
                "n": {
                    "type": "INTEGER",
                    "minimum": 0,
                    "maximum": 9,
                    "default": 1,
                    "format": "int32",
                },
                "s": {"type": "STRING", "pattern": "^a", "maxLength": 3, "title": "S"},
                "a": {"type": "ARRAY", "minItems": 1, "maxItems": 2, "items": {"type": "BOOLEAN"}},
            },
        },
        [("schema_keyword_removed", f"{P}.properties.s.format", "dropped")],
    ),
    (
        "oneOf -> anyOf",
        obj(x={"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        {
            "type": "OBJECT",
            "properties": {"x": {"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]}},
        },
        [("schema_keyword_rewritten", f"{P}.properties.x.oneOf", "emulated")],
    ),
    (
        "non-string enum removed",
        obj(x={"type": "integer", "enum": [1, 2]}),
        {"type": "OBJECT", "properties": {"x": {"type": "INTEGER"}}},
        [("schema_keyword_removed", f"{P}.properties.x.enum", "dropped")],
    ),
]


@pytest.mark.parametrize(
    ("schema", "expected", "losses"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_compile(
    schema: dict[str, Any], expected: dict[str, Any], losses: list[tuple[str, str, str]]
) -> None:
    out, recorded = compile_(schema)
    assert out == expected
    assert sorted(recorded) == sorted(losses)


def test_malformed_schemas_never_raise_type_errors() -> None:
    for schema in (
        {"$defs": 3, "properties": {"a": {"$ref": "#/$defs/x"}}},
        {"allOf": [{"properties": 5, "required": "x"}, 7]},
        {"properties": [1], "items": [{"type": "string"}], "type": [1, "null"]},
        {"anyOf": "x", "enum": "y"},
    ):
        ctx = TranslationContext(source="openai", target="gemini")
        to_gemini_schema(schema, P, ctx)
        assert ctx.losses


def test_too_deep_is_an_input_error() -> None:
    schema: dict[str, Any] = {}
    node = schema
    for _ in range(500):
        node["items"] = {"type": "array"}
        node = node["items"]
    ctx = TranslationContext(source="openai", target="gemini")
    with pytest.raises(InvalidInputError):
        to_gemini_schema(schema, P, ctx)
    with pytest.raises(InvalidInputError):
        from_gemini_schema(schema)


def test_gemini_schema_back_to_json_schema() -> None:
    gemini = {
        "type": "OBJECT",
        "properties": {
            "x": {"type": "STRING", "nullable": True},
            "y": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}], "nullable": True},
            "z": {"type": "ARRAY", "items": {"type": "NUMBER"}, "minItems": "1"},
        },
        "propertyOrdering": ["x", "y", "z"],
    }
    assert from_gemini_schema(gemini) == {
        "type": "object",
        "properties": {
            "x": {"type": ["string", "null"]},
            "y": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
            "z": {"type": "array", "items": {"type": "number"}, "minItems": 1},
        },
        "propertyOrdering": ["x", "y", "z"],
    }
    ctx = TranslationContext(source="gemini", target="gemini")
    back = to_gemini_schema(from_gemini_schema(gemini), P, ctx)
    expected = from_gemini_schema(gemini)  # counts given as strings come back as numbers
    assert back["properties"]["z"] == {"type": "ARRAY", "items": {"type": "NUMBER"}, "minItems": 1}
    assert back["properties"]["x"] == {"type": "STRING", "nullable": True}
    assert back["properties"]["y"] == gemini["properties"]["y"]  # type: ignore[index]
    assert back["propertyOrdering"] == expected["propertyOrdering"]
    assert ctx.losses == []


def test_a_nullable_enum_still_admits_null_as_json_schema() -> None:
    """JSON Schema checks ``type`` and ``enum`` both: null must join the enum too."""
    gemini = {"type": "STRING", "enum": ["red", "blue"], "nullable": True}
    out = from_gemini_schema(gemini)
    assert out == {"type": ["string", "null"], "enum": ["red", "blue", None]}
    ctx = TranslationContext(source="gemini", target="gemini")
    assert to_gemini_schema(out, "$", ctx) == gemini  # and back, as it came
    assert ctx.losses == []


def test_type_unspecified_is_no_type() -> None:
    out = from_gemini_schema({"type": "OBJECT", "properties": {"x": {"type": "TYPE_UNSPECIFIED"}}})
    assert out == {"type": "object", "properties": {"x": {}}}


def _compiled(schema: dict[str, Any]) -> tuple[Any, list[tuple[str, str, str]]]:
    ctx = TranslationContext(source="openai", target="gemini")
    out = to_gemini_schema(schema, "$", ctx)
    return out, [(loss.kind, loss.path, loss.severity) for loss in ctx.losses]


def test_a_nested_all_of_is_merged_too() -> None:
    """It compiled to {} with no loss: every constraint gone, silently."""
    out, _ = _compiled({"allOf": [{"allOf": [{"type": "integer", "minimum": 1}]}]})
    assert out == {"type": "INTEGER", "minimum": 1}


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"type": "string", "maxLength": 10}, {"maxLength": 5}]},
        {
            "allOf": [
                {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                {"anyOf": [{"type": "integer"}, {"type": "boolean"}]},
            ]
        },
    ],
)
def test_all_of_branches_that_disagree_record_the_drop(schema: dict[str, Any]) -> None:
    _, losses = _compiled(schema)
    assert any(severity == "dropped" for _, _, severity in losses), losses
    genai_types.Schema.model_validate(_compiled(schema)[0])
