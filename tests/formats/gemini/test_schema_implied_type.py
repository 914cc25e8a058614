"""A typeless schema compiled to Gemini's OpenAPI subset gets the type its keywords imply.

JSON Schema lets ``properties`` stand without ``"type": "object"`` (MCP tool schemas often
do). Compiled as written, Gemini refuses it: "parameters schema should be of type OBJECT" at
the root, "properties: only allowed for OBJECT type" below it. No loss said so either.
"""

from __future__ import annotations

from typing import Any

import nexgate

TYPELESS: dict[str, Any] = {
    "properties": {
        "query": {"type": "string"},
        "data": {
            "description": "nested, typeless",
            "properties": {"page_id": {"type": "string"}},
            "required": ["page_id"],
        },
        "tags": {"items": {"type": "string"}},
    },
    "required": ["query"],
}


def _translated(parameters: dict[str, Any]) -> Any:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "tools": [{"type": "function", "function": {"name": "notion", "parameters": parameters}}],
    }
    return nexgate.translate_request(
        body, source="openai", target="gemini", gemini_schema="openapi"
    )


def test_each_typeless_schema_gets_its_implied_type() -> None:
    out = _translated(TYPELESS)
    params = out["tools"][0]["functionDeclarations"][0]["parameters"]
    assert params["type"] == "OBJECT"
    assert params["properties"]["data"]["type"] == "OBJECT"
    assert params["properties"]["tags"]["type"] == "ARRAY"
    implied = {
        loss.path: loss.severity for loss in out.losses if loss.kind == "schema_keyword_rewritten"
    }
    assert implied == {
        "$.tools[0].parameters.type": "emulated",
        "$.tools[0].parameters.properties.data.type": "emulated",
        "$.tools[0].parameters.properties.tags.type": "emulated",
    }


def test_a_typed_schema_is_unchanged() -> None:
    typed = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    out = _translated(typed)
    params = out["tools"][0]["functionDeclarations"][0]["parameters"]
    assert params == {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}, "required": ["q"]}
    assert out.losses == ()
