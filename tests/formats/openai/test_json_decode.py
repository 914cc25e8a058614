"""The OpenAI typed decode of JSON text agrees with the general path, fallbacks included.

``tests/formats/test_json_shortcuts.py`` holds every format to the contract; these cases aim
at what the OpenAI strict mirrors must hand back to the general path (the fields it keeps
as extras or hints) and check that the usual bodies do take the typed decode.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from formats.test_json_shortcuts import assert_same_request, assert_same_response
from hypothesis import HealthCheck, given, settings
from property.test_round_trips import requests, responses

from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
from nexgate.formats.openai import json_decode
from nexgate.schema import Request, Response

OPENAI = get_format("openai")

REQUEST: dict[str, Any] = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi", "name": "ann"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"a": 1}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
    ],
    "max_tokens": 10,
    "temperature": 1,
    "stop": "x",
    "stream": False,
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "tool_choice": {"type": "function", "function": {"name": "f"}},
    "stream_options": {"include_usage": True, "other": 1},
}

RESPONSE: dict[str, Any] = {
    "id": "r",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "hi",
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"a": 1}'},
                    }
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "total_tokens": 7,
        "prompt_tokens_details": {"cached_tokens": 2, "audio_tokens": 0},
    },
}


def changed(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> bytes:
    """``body`` as JSON with the value at ``path`` replaced (``...`` deletes the key)."""
    copy = msgspec.json.decode(msgspec.json.encode(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return msgspec.json.encode(copy)


REQUEST_VARIANTS: dict[str, tuple[tuple[Any, ...], Any]] = {
    "as is": (("model",), "m"),
    "unknown field": (("logit_bias",), {"1": 2}),
    "unknown message field": (("messages", 1, "audio"), None),
    "unknown tool field": (("tools", 0, "cache_control"), {"type": "ephemeral"}),
    "custom tool": (("tools", 0), {"type": "custom", "custom": {"name": "x"}}),
    "bad tool": (("tools", 0, "function", "strict"), "yes"),
    "string choice": (("tool_choice",), "required"),
    "bad choice": (("tool_choice",), "sometimes"),
    "empty messages": (("messages",), []),
    "bad role": (("messages", 1, "role"), "robot"),
    "float count": (("max_tokens",), 1.5),
    "huge temperature": (("temperature",), 1e308),
    "no model": (("model",), ...),
    "raw arguments": (("messages", 2, "tool_calls", 0, "function", "arguments"), "[1]"),
    "list content": (("messages", 1, "content"), [{"type": "text", "text": "a"}]),
    "bad part": (("messages", 1, "content"), [{"type": "text", "text": 3}]),
}


@pytest.mark.parametrize("name", list(REQUEST_VARIANTS))
def test_request_variants_agree(name: str) -> None:
    path, value = REQUEST_VARIANTS[name]
    assert_same_request("openai", changed(REQUEST, path, value))


RESPONSE_VARIANTS: dict[str, tuple[tuple[Any, ...], Any]] = {
    "as is": (("id",), "r"),
    "unknown field": (("system_fingerprint",), "fp"),
    "object of another type": (("object",), 3),
    "unknown message field": (("choices", 0, "message", "annotations"), []),
    "unknown choice field": (("choices", 0, "stop_reason"), None),
    "logprobs": (("choices", 0, "logprobs"), {"content": []}),
    "refusal": (("choices", 0, "message", "refusal"), "no"),
    "null details": (("usage", "prompt_tokens_details"), None),
    "no details": (("usage", "prompt_tokens_details"), ...),
    "completion details": (("usage", "completion_tokens_details"), {"reasoning_tokens": 1}),
    "bad detail count": (("usage", "prompt_tokens_details", "cached_tokens"), -1),
    "detail list": (("usage", "prompt_tokens_details"), [1]),
    "unknown usage field": (("usage", "cost"), 0.1),
    "null usage": (("usage",), None),
    "no model": (("model",), ...),
    "no choices": (("choices",), []),
    "bad part and bad count": (("choices", 0, "message", "content"), [{"type": 1}]),
    "bad created": (("created",), "now"),
}


@pytest.mark.parametrize("name", list(RESPONSE_VARIANTS))
def test_response_variants_agree(name: str) -> None:
    path, value = RESPONSE_VARIANTS[name]
    assert_same_response("openai", changed(RESPONSE, path, value))


def test_a_bad_content_part_is_reported_after_a_bad_count() -> None:
    # The general path validates the whole body first: the count's error wins.
    data = changed(RESPONSE, ("choices", 0, "message", "content"), [{"type": 1}])
    data = changed(msgspec.json.decode(data), ("usage", "prompt_tokens_details"), {"x": 1})
    data = changed(msgspec.json.decode(data), ("usage", "completion_tokens_details"), [])
    assert_same_response("openai", data)


def test_usual_bodies_take_the_typed_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fallback(*args: Any) -> Any:
        raise AssertionError("fell back to the general path")

    monkeypatch.setattr(json_decode, "decode_request", no_fallback)
    monkeypatch.setattr(json_decode, "decode_response", no_fallback)
    ctx = TranslationContext(source="openai", target="openai")
    assert isinstance(json_decode.decode_request_json(msgspec.json.encode(REQUEST), ctx), Request)
    assert isinstance(
        json_decode.decode_response_json(msgspec.json.encode(RESPONSE), ctx), Response
    )
    # A choice's unknown fields are dropped by both paths: no need to fall back for them.
    vllm = changed(RESPONSE, ("choices", 0, "stop_reason"), None)
    assert isinstance(json_decode.decode_response_json(vllm, ctx), Response)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests())
def test_generated_requests_agree(request: Request) -> None:
    body = OPENAI.encode_request(request, TranslationContext(source="openai", target="openai"))
    assert_same_request("openai", dump_json(body))


@SETTINGS
@given(responses())
def test_generated_responses_agree(response: Response) -> None:
    body = OPENAI.encode_response(response, TranslationContext(source="openai", target="openai"))
    assert_same_response("openai", dump_json(body))


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, "str"])
def test_every_json_text_type_agrees(kind: Any) -> None:
    for body, check in ((REQUEST, assert_same_request), (RESPONSE, assert_same_response)):
        data = msgspec.json.encode(body)
        text = data.decode() if kind == "str" else kind(data)
        check("openai", text)
