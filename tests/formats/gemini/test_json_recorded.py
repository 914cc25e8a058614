"""Recorded Gemini bodies take the JSON shortcut, and agree with the general path.

The recorded bodies carry what real clients and the API send beyond the common shapes
(``safetySettings``, ``responseModalities``, google-genai's snake_case
``parameters_json_schema``, ``safetyRatings``, token details...). A shortcut that falls back
on them costs more than no shortcut at all, so each is checked to stay on it.
``tests/formats/test_json_shortcuts.py`` checks the same bodies for agreement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from formats.test_json_shortcuts import assert_same_request, assert_same_response

from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json, load_object
from nexgate.formats.gemini import json_decode
from nexgate.formats.gemini.request import CONFIG_EXTRAS

GEMINI = get_format("gemini")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "gemini"
REQUESTS = sorted((FIXTURES / "request").glob("*.json"))
RESPONSES = sorted((FIXTURES / "response").glob("*.json"))


def _ctx() -> TranslationContext:
    return TranslationContext(source="gemini", target="gemini", model="test-model")


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any) -> Any:
        raise AssertionError("the shortcut fell back to the general path")

    monkeypatch.setattr(json_decode, "decode_request", fail)
    monkeypatch.setattr(json_decode, "decode_response", fail)


def test_there_are_recorded_bodies() -> None:
    assert len(REQUESTS) >= 5
    assert len(RESPONSES) >= 6


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.name)
def test_recorded_requests_take_the_shortcut(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    assert_same_request("gemini", data)
    _no_fallback(monkeypatch)
    json_decode.decode_request_json(data, _ctx())


@pytest.mark.parametrize("path", RESPONSES, ids=lambda p: p.name)
def test_recorded_responses_take_the_shortcut(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    assert_same_response("gemini", data)
    _no_fallback(monkeypatch)
    json_decode.decode_response_json(data, _ctx())


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.name)
def test_recorded_requests_are_written_back_alike(path: Path) -> None:
    """Same bytes out of an identity translation, extras' key order included."""
    data = path.read_bytes()
    shortcut = GEMINI.encode_request(GEMINI.decode_request_json(data, _ctx()), _ctx())
    general = GEMINI.decode_request(load_object(data, "request body"), _ctx())
    assert dump_json(shortcut) == dump_json(GEMINI.encode_request(general, _ctx()))


def test_unmodelled_fields_are_kept_as_the_general_path_keeps_them() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}],
        "cachedContent": "cachedContents/abc",
        "labels": {"team": "a"},
        "serviceTier": "flex",
        "generationConfig": {"maxOutputTokens": 5, "responseModalities": ["TEXT"]},
    }
    data = msgspec.json.encode(body)
    assert_same_request("gemini", data)
    extras = GEMINI.decode_request_json(data, _ctx()).extras["gemini"]
    kept = ["safetySettings", "cachedContent", "labels", "serviceTier", CONFIG_EXTRAS]
    assert list(extras) == kept
    assert extras[CONFIG_EXTRAS] == {"responseModalities": ["TEXT"]}


def test_a_snake_case_json_schema_renames_the_extras_as_the_general_path_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One snake_case key makes the general path rename the whole body, the kept fields'
    nested keys included (not the schema's: it is the caller's data)."""
    schema = {"type": "object", "properties": {"a_b": {"type": "string"}}}
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": [{"name": "f", "parameters_json_schema": schema}]}],
        "safetySettings": [{"category": "X", "threshold": "OFF", "extra_key": {"in_ner": 1}}],
        "labels": {"cost_center": "a_b"},
        "generationConfig": {"responseModalities": [{"some_thing": 1}]},
    }
    data = msgspec.json.encode(body)
    assert_same_request("gemini", data)
    _no_fallback(monkeypatch)
    request = json_decode.decode_request_json(data, _ctx())
    assert request.tools[0].parameters == schema
    extras = request.extras["gemini"]
    assert extras["safetySettings"] == [
        {"category": "X", "threshold": "OFF", "extraKey": {"inNer": 1}}
    ]
    assert extras[CONFIG_EXTRAS] == {"responseModalities": [{"someThing": 1}]}
    assert extras["labels"] == {"cost_center": "a_b"}  # the caller's keys: never renamed


_SCHEMA = {"type": "OBJECT", "properties": {"a": {"type": "STRING", "nullable": True}}}
_JSON_SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}}


@pytest.mark.parametrize(
    "config",
    [
        {"responseMimeType": "application/json"},
        {"responseMimeType": "application/json", "responseSchema": _SCHEMA},
        {"responseMimeType": "application/json", "responseSchema": {}},
        {"responseMimeType": "application/json", "responseJsonSchema": _JSON_SCHEMA},
        {
            "responseMimeType": "application/json",
            "responseJsonSchema": None,
            "responseSchema": _SCHEMA,
        },
        {"responseMimeType": "text/plain", "responseModalities": ["TEXT"]},
        {"responseMimeType": None, "responseSchema": _SCHEMA, "responseJsonSchema": None},
        {"responseSchema": _SCHEMA},
    ],
)
def test_response_types_take_the_shortcut(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON output is a response format (a Gemini schema leaves a hint); any other type is
    kept whole, as the general path keeps it."""
    body = {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": config}
    data = msgspec.json.encode(body)
    assert_same_request("gemini", data)
    _no_fallback(monkeypatch)
    json_decode.decode_request_json(data, _ctx())


def test_a_kept_response_type_is_written_back_in_the_sdks_order() -> None:
    config = {"responseMimeType": "text/plain", "responseModalities": ["TEXT"], "topK": 3}
    data = msgspec.json.encode({"contents": [], "generationConfig": config})
    request = GEMINI.decode_request_json(data, _ctx())
    written = GEMINI.encode_request(request, _ctx())["generationConfig"]
    assert list(written) == ["topK", "responseMimeType", "responseModalities"]


@pytest.mark.parametrize(
    "tools",
    [
        [{"googleSearch": {}}],
        [{"codeExecution": {}}, {"urlContext": {}}, {"functionDeclarations": [{"name": "f"}]}],
        [{"functionDeclarations": [{"name": "f"}], "googleSearch": None}],
        [
            {"functionDeclarations": [{"name": "f", "parameters_json_schema": {}}]},
            {"googleSearchRetrieval": {"dynamic_retrieval_config": {"mode": "MODE_DYNAMIC"}}},
        ],
    ],
)
def test_geminis_own_tools_take_the_shortcut(
    tools: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept whole, renamed with a snake_case body as the general path renames it."""
    data = msgspec.json.encode({"contents": [], "tools": tools})
    assert_same_request("gemini", data)
    _no_fallback(monkeypatch)
    assert json_decode.decode_request_json(data, _ctx()).extras["gemini"]["tools"]
