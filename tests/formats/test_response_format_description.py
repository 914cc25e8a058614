"""An OpenAI ``json_schema``'s description reaches Claude and Gemini inside the schema.

They take the schema alone, and the description was dropped with no loss recorded.
"""

from __future__ import annotations

from typing import Any

import pytest
import sdk_validators  # type: ignore[import-not-found]

import nexgate

DESCRIPTION = "Report the weather in Celsius, one sentence in `a`."
SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


def _request(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "weather", "description": DESCRIPTION, "schema": schema},
        },
    }


def _schema_sent(out: dict[str, Any], target: str) -> dict[str, Any]:
    if target == "claude":
        sdk_validators.claude_request(out)
        schema: dict[str, Any] = out["output_config"]["format"]["schema"]
        return schema
    sdk_validators.gemini_request(out)
    schema = out["generationConfig"]["responseJsonSchema"]
    return schema


@pytest.mark.parametrize("target", ["claude", "gemini"])
def test_the_description_goes_into_the_schema(target: str) -> None:
    out = nexgate.translate_request(_request(SCHEMA), source="openai", target=target)
    assert _schema_sent(out, target) == {"description": DESCRIPTION, **SCHEMA}
    kinds = {(loss.kind, loss.severity) for loss in out.losses}
    assert ("response_format_description_in_schema", "emulated") in kinds
    assert SCHEMA.get("description") is None  # the caller's schema is not changed


@pytest.mark.parametrize("target", ["claude", "gemini"])
def test_a_schema_with_its_own_description_records_the_drop(target: str) -> None:
    own = {**SCHEMA, "description": "the schema's own"}
    with pytest.raises(nexgate.TranslationError, match="response_format_description_dropped"):
        nexgate.translate_request(_request(own), source="openai", target=target, strict=True)
    out = nexgate.translate_request(_request(own), source="openai", target=target)
    assert _schema_sent(out, target)["description"] == "the schema's own"
