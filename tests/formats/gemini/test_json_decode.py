"""Gemini's JSON-text decoders agree with decoding the parsed object, and do take the shortcut.

``tests/formats/test_json_shortcuts.py`` holds every format to the contract; here the bodies
are generated near the common Gemini shapes (with wrong types, nulls and odd keys mixed in)
so that both the typed conversion and each of its fallbacks run, and the typical bodies are
checked to stay on the shortcut.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from formats.gemini.test_fast_paths import SETTINGS
from formats.gemini.test_fast_paths import requests as request_bodies
from formats.gemini.test_fast_paths import responses as response_bodies
from formats.test_json_shortcuts import assert_same_request, assert_same_response
from hypothesis import given
from property.test_round_trips import requests as internal_requests
from property.test_round_trips import responses as internal_responses

from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
from nexgate.formats.gemini import json_decode, json_wire

GEMINI = get_format("gemini")


def _json(body: Any) -> bytes | None:
    try:
        return msgspec.json.encode(body)
    except (TypeError, OverflowError, UnicodeEncodeError):
        return None


@SETTINGS
@given(request_bodies)
def test_requests_near_the_common_shapes_agree(body: Any) -> None:
    data = _json(body)
    if data is not None:
        assert_same_request("gemini", data)


@SETTINGS
@given(response_bodies)
def test_responses_near_the_common_shapes_agree(body: Any) -> None:
    data = _json(body)
    if data is not None:
        assert_same_response("gemini", data)


@SETTINGS
@given(internal_requests())
def test_encoded_requests_agree(request: Any) -> None:
    ctx = TranslationContext(source="gemini", target="gemini")
    assert_same_request("gemini", dump_json(GEMINI.encode_request(request, ctx)))


@SETTINGS
@given(internal_responses())
def test_encoded_responses_agree(response: Any) -> None:
    ctx = TranslationContext(source="gemini", target="gemini")
    assert_same_response("gemini", dump_json(GEMINI.encode_response(response, ctx)))


TYPICAL_REQUEST = {
    "contents": [
        {"role": "user", "parts": [{"text": " Weather in Paris? "}]},
        {
            "role": "model",
            "parts": [
                {"text": "hmm", "thought": True, "thoughtSignature": "s"},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}},
            ],
        },
        {
            "role": "user",
            "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}}],
        },
    ],
    "systemInstruction": {"parts": [{"text": "Be terse.\n"}]},
    "tools": [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather.",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"city": {"type": "STRING", "enum": ["Paris"]}},
                        "required": ["city"],
                    },
                },
                {"name": "get_time", "parametersJsonSchema": {"type": "object"}},
            ]
        }
    ],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}},
    "generationConfig": {
        "maxOutputTokens": 10,
        "temperature": 1,
        "stopSequences": ["x"],
        "thinkingConfig": {"thinkingBudget": -1, "includeThoughts": True},
    },
}
TYPICAL_RESPONSE = {
    "candidates": [
        {
            "content": {
                "parts": [{"text": "Hi"}, {"functionCall": {"name": "f", "args": {}}}],
                "role": "model",
            },
            "finishReason": "STOP",
            "index": 0,
            "safetyRatings": [{"category": "X", "probability": "NEGLIGIBLE"}],
        }
    ],
    "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 4, "promptTokensDetails": []},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "r1",
}


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any) -> Any:
        raise AssertionError("the shortcut fell back to the general path")

    monkeypatch.setattr(json_decode, "decode_request", fail)
    monkeypatch.setattr(json_decode, "decode_response", fail)


def test_the_common_shapes_take_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    request_data = msgspec.json.encode(TYPICAL_REQUEST)
    response_data = msgspec.json.encode(TYPICAL_RESPONSE)
    assert_same_request("gemini", request_data)
    assert_same_response("gemini", response_data)
    _no_fallback(monkeypatch)
    ctx = TranslationContext(source="gemini", target="gemini")
    json_decode.decode_request_json(request_data, ctx)
    json_decode.decode_response_json(response_data, ctx)


@pytest.mark.parametrize(
    "change",
    [
        {"requestId": "a"},  # kept as an extra, not modelled
        {"generationConfig": {"mediaResolution": "MEDIA_RESOLUTION_LOW"}},  # the same
        {"tools": [{"googleSearch": {}, "urlContext": {}}]},  # kept, but their order is lost
        {  # both spellings: the later one wins in the general path
            "tools": [
                {
                    "functionDeclarations": [
                        {"name": "f", "parameters_json_schema": {}, "parametersJsonSchema": {}}
                    ]
                }
            ]
        },
        {"system_instruction": {"parts": [{"text": "snake"}]}},  # renamed
        {"generationConfig": {"responseMimeType": "application/json", "responseSchema": [1]}},
        {"contents": [{"parts": [{"text": None}]}]},  # an error
        {"contents": [{"parts": [{"functionResponse": {"name": "f"}, "thoughtSignature": None}]}]},
        {"toolConfig": {"functionCallingConfig": {"mode": "VALIDATED"}}},
        {"contents": [{"role": "system", "parts": [{"text": "x"}]}]},
    ],
)
def test_unusual_requests_fall_back(change: dict[str, Any]) -> None:
    body = {**TYPICAL_REQUEST, **change}
    data = msgspec.json.encode(body)
    with pytest.raises((msgspec.MsgspecError, json_decode.Unusual)):
        json_decode._request(
            json_wire.REQUEST_DECODER.decode(data),
            json_decode._RawSeedIds(data),
            TranslationContext(source="gemini", target="gemini"),
        )
    assert_same_request("gemini", data)


@pytest.mark.parametrize(
    "change",
    [
        {"candidates": []},  # a blocked prompt
        {"usage_metadata": {"promptTokenCount": 1}},  # renamed
        {"candidates": [{"content": {"parts": [{"inlineData": {"data": "AA=="}}]}}]},
    ],
)
def test_unusual_responses_fall_back(change: dict[str, Any]) -> None:
    body = {**TYPICAL_RESPONSE, **change}
    data = msgspec.json.encode(body)
    with pytest.raises((msgspec.MsgspecError, json_decode.Unusual)):
        json_decode._response(
            json_wire.RESPONSE_DECODER.decode(data),
            data,
            TranslationContext(source="gemini", target="gemini"),
        )
    assert_same_response("gemini", data)


def test_a_result_that_cannot_be_written_back_falls_back() -> None:
    """A lone surrogate in a result fails its JSON digest: the general path decides."""
    data = (
        b'{"contents": [{"parts": [{"functionResponse":'
        b' {"name": "f", "id": "c1", "response": {"a": "\\ud800"}}}]}]}'
    )
    with pytest.raises(ValueError):
        json_decode._request(
            json_wire.REQUEST_DECODER.decode(data),
            json_decode._RawSeedIds(data),
            TranslationContext(source="gemini", target="gemini"),
        )
    assert_same_request("gemini", data)


def test_calls_without_ids_take_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Their ids are digests of the turn's parts: taken from the body parsed as the general
    path parses it, so Gemini's own id-less calls need no fallback."""
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"args": {"b": 1, "a": 2}, "name": "f"}},
                    {"functionCall": {"name": "g"}, "thoughtSignature": "s"},
                ],
            },
            {
                "parts": [
                    {"functionResponse": {"name": "g", "response": {"result": "2"}}},
                    {"functionResponse": {"name": "f", "response": {"result": "1"}}},
                    {"functionResponse": {"name": "h"}},
                ]
            },
            {"role": "model", "parts": [{"functionCall": {"name": "f"}}]},
        ]
    }
    data = msgspec.json.encode(body)
    assert_same_request("gemini", data)
    _no_fallback(monkeypatch)
    ctx = TranslationContext(source="gemini", target="gemini")
    decoded = json_decode.decode_request_json(data, ctx)
    assert decoded.messages[1].parts[0].id != decoded.messages[3].parts[0].id  # type: ignore[union-attr]


@pytest.mark.parametrize("response_id", [None, ""])
def test_responses_without_an_id_take_the_shortcut(
    monkeypatch: pytest.MonkeyPatch, response_id: str | None
) -> None:
    """The id and the call ids' seed are a digest of the candidates as the general path
    parsed them."""
    body = {**TYPICAL_RESPONSE, "responseId": response_id}
    data = msgspec.json.encode(body)
    assert_same_response("gemini", data)
    _no_fallback(monkeypatch)
    ctx = TranslationContext(source="gemini", target="gemini")
    assert json_decode.decode_response_json(data, ctx).id.startswith("gen-")
