"""The OpenAI typed decode of JSON text agrees with the general path, fallbacks included.

``tests/formats/test_json_shortcuts.py`` holds every format to the contract; these cases aim
at what the OpenAI strict mirrors must hand back to the general path (the fields it keeps
as extras or hints) and check that the usual bodies, the recorded real ones included, do
take the typed decode.
"""

from __future__ import annotations

from pathlib import Path
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
FIXTURES = Path(__file__).parents[2] / "fixtures" / "openai"

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
    "null documented field": (("store",), None),
    "undocumented field": (("cache_key",), "k"),
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
    "null annotations": (("choices", 0, "message", "annotations"), None),
    "audio": (("choices", 0, "message", "audio"), {"id": "a", "transcript": "hi"}),
    "undocumented message field": (("choices", 0, "message", "reasoning"), "r"),
    "null service tier": (("service_tier",), None),
    "undocumented field": (("prompt_filter_results",), []),
    "unknown choice field": (("choices", 0, "stop_reason"), None),
    "informative unknown choice field": (("choices", 0, "stop_reason"), "</s>"),
    "unknown tool call field": (("choices", 0, "message", "tool_calls", 0, "x_c"), 1),
    "unknown part field": (
        ("choices", 0, "message", "content"),
        [{"type": "text", "text": "a", "x": 1}],
    ),
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
    # vLLM's null stop_reason loses nothing: no need to fall back for it.
    vllm = changed(RESPONSE, ("choices", 0, "stop_reason"), None)
    assert isinstance(json_decode.decode_response_json(vllm, ctx), Response)


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def fell_back(*args: Any) -> Any:
        raise AssertionError("fell back to the general path")

    monkeypatch.setattr(json_decode, "decode_request", fell_back)
    monkeypatch.setattr(json_decode, "decode_response", fell_back)


RECORDED_RESPONSES = sorted(path.name for path in (FIXTURES / "response").glob("*.json"))
RECORDED_REQUESTS = sorted(path.name for path in (FIXTURES / "request").glob("*.json"))


@pytest.mark.parametrize("name", RECORDED_RESPONSES)
def test_recorded_responses_take_the_typed_decode(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real bodies carry service_tier, system_fingerprint, message annotations and more
    # usage details than nexgate reads: none of them may send the shortcut back.
    data = (FIXTURES / "response" / name).read_bytes()
    assert_same_response("openai", data)
    _no_fallback(monkeypatch)
    ctx = TranslationContext(source="openai", target="openai")
    assert isinstance(json_decode.decode_response_json(data, ctx), Response)


@pytest.mark.parametrize("name", RECORDED_REQUESTS)
def test_recorded_requests_take_the_typed_decode(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (FIXTURES / "request" / name).read_bytes()
    assert_same_request("openai", data)
    _no_fallback(monkeypatch)
    ctx = TranslationContext(source="openai", target="openai")
    assert isinstance(json_decode.decode_request_json(data, ctx), Request)


#: Request fields the API documents that nexgate keeps verbatim as extras, as clients send
#: them (alphabetical: the official SDK's order).
DOCUMENTED_REQUEST_EXTRAS: dict[str, Any] = {
    "audio": {"voice": "alloy", "format": "wav"},
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "modalities": ["text"],
    "prediction": {"type": "content", "content": "x"},
    "prompt_cache_key": "k",
    "service_tier": "auto",
    "store": False,
    "top_logprobs": 2,
    "verbosity": "low",
    "web_search_options": {"search_context_size": "low"},
}


def test_documented_extras_take_the_typed_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    request = msgspec.json.encode({**REQUEST, **DOCUMENTED_REQUEST_EXTRAS})
    response = changed(RESPONSE, ("choices", 0, "message", "audio"), {"id": "a"})
    response = changed(msgspec.json.decode(response), ("service_tier",), "default")
    response = changed(msgspec.json.decode(response), ("system_fingerprint",), "fp")
    assert_same_request("openai", request)
    assert_same_response("openai", response)
    _no_fallback(monkeypatch)
    ctx = TranslationContext(source="openai", target="openai")
    decoded = json_decode.decode_request_json(request, ctx)
    assert list(decoded.extras["openai"])[: len(DOCUMENTED_REQUEST_EXTRAS)] == list(
        DOCUMENTED_REQUEST_EXTRAS
    )
    assert isinstance(json_decode.decode_response_json(response, ctx), Response)


UNDOCUMENTED: dict[str, tuple[str, bytes]] = {
    "request field": ("request", changed(REQUEST, ("cache_key",), "k")),
    "response field": ("response", changed(RESPONSE, ("prompt_filter_results",), [])),
    "message field": ("response", changed(RESPONSE, ("choices", 0, "message", "reasoning"), "r")),
}


@pytest.mark.parametrize("name", list(UNDOCUMENTED))
def test_undocumented_fields_fall_back(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The general path keeps them, and alone knows where in the body they were.
    kind, data = UNDOCUMENTED[name]
    general = getattr(json_decode, f"decode_{kind}")
    calls: list[Any] = []

    def spy(*args: Any) -> Any:
        calls.append(args)
        return general(*args)

    monkeypatch.setattr(json_decode, f"decode_{kind}", spy)
    ctx = TranslationContext(source="openai", target="openai")
    getattr(json_decode, f"decode_{kind}_json")(data, ctx)
    assert calls


def test_an_undocumented_field_skips_the_second_request_decode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def second_decode(*args: Any) -> Any:
        raise AssertionError("tried the decode with documented extras")

    monkeypatch.setattr(json_decode, "_decode_request_with_extras", second_decode)
    data = changed(REQUEST, ("cache_key",), "k")
    assert_same_request("openai", data)


def test_documented_and_undocumented_fields_agree() -> None:
    # The second decode refuses the undocumented one: the general path keeps both.
    data = msgspec.json.encode({**REQUEST, "store": True, "cache_key": "k"})
    assert_same_request("openai", data)
    ctx = TranslationContext(source="openai", target="openai")
    extras = json_decode.decode_request_json(data, ctx).extras["openai"]
    assert extras["store"] is True and extras["cache_key"] == "k"


def test_recorded_extras_keep_the_wire_order() -> None:
    # text.json is byte-exact from the wire: an identity translation writes its extras
    # back in this order, whichever path decoded it.
    data = (FIXTURES / "response" / "text.json").read_bytes()
    ctx = TranslationContext(source="openai", target="openai")
    extras = json_decode.decode_response_json(data, ctx).extras["openai"]
    assert list(extras) == ["service_tier", "system_fingerprint", "_choices", "_usage"]
    assert list(extras["_choices"]["0"]["message"]) == ["annotations"]
    general = OPENAI.decode_response(msgspec.json.decode(data), ctx).extras["openai"]
    assert list(general) == list(extras)


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
