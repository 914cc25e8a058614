"""Claude bodies decoded from JSON text (``direct.py``) give what the general path gives.

Each body is decoded both ways and everything is compared: the result, the losses and the
error (type, message, JSON path). Plain bodies must also be taken by the strict decode (a
test that only compared results would pass if every body fell back); bodies the strict
mirrors do not model must fall back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from formats.claude.test_fast_paths import IMAGE, REQUESTS, RESPONSES, TOOL, body, message, text
from hypothesis import HealthCheck, given, settings
from property.test_round_trips import requests, responses

from nexgate.errors import NexgateError
from nexgate.formats import TranslationContext
from nexgate.formats._json import dump_json, load_object
from nexgate.formats.claude import FORMAT, direct, strict
from nexgate.formats.claude.request import decode_request
from nexgate.formats.claude.response import decode_response


def _ctx() -> TranslationContext:
    return TranslationContext(source="claude", target="claude", model="test-model")


def _outcome(decode: Any, data: Any) -> tuple[str, Any, list[Any]]:
    ctx = _ctx()
    try:
        result = decode(data, ctx)
    except NexgateError as exc:
        return "error", (type(exc), str(exc), getattr(exc, "path", None)), ctx.losses
    return "ok", result, ctx.losses


def same_request(data: bytes) -> None:
    general = _outcome(lambda d, c: decode_request(load_object(d, "request body"), c), data)
    assert _outcome(direct.decode_request_json, data) == general


def same_response(data: bytes) -> None:
    general = _outcome(lambda d, c: decode_response(load_object(d, "response body"), c), data)
    assert _outcome(direct.decode_response_json, data) == general


def takes_strict_request(data: bytes) -> bool:
    try:
        direct._request(strict.REQUEST_DECODER.decode(data))
    except (msgspec.ValidationError, direct._Fallback, NexgateError):
        return False
    return True


def takes_strict_response(data: bytes) -> bool:
    try:
        direct._response(strict.RESPONSE_DECODER.decode(data), _ctx())
    except (msgspec.ValidationError, direct._Fallback):
        return False
    return True


TOOL_USE = {"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}}
TYPED = {"thinking": {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}}
PLAIN_REQUESTS: dict[str, dict[str, Any]] = {
    **{name: REQUESTS[name] for name in ("plain", "string_content_and_system_role", "tool_loop")},
    "cache_control_everywhere": REQUESTS["cache_control_everywhere"],
    "every_setting": body(
        message("user", text("a")),
        message("assistant", {"type": "thinking", "thinking": "t", "signature": "s"}),
        message("assistant", {"type": "redacted_thinking", "data": "r"}),
        system=[text("S"), text(""), text("T", cache_control={"type": "ephemeral"})],
        temperature=1,
        top_p=0.5,
        top_k=3,
        stop_sequences=["x"],
        stream=True,
        metadata={"user_id": "u"},
        tools=[{**TOOL, "type": "custom", "strict": False, "cache_control": {"type": "e"}}],
        tool_choice={"type": "tool", "name": "f"},
        output_config={"effort": "high", "format": {"type": "json_schema", "schema": {}}},
        **TYPED,
    ),
    "empty_texts": body(
        message("user", text(""), text("a")),
        {"role": "user", "content": ""},
        message("assistant", text("")),
        message("user", text("b", cache_control={"type": "ephemeral"})),
    ),
    "service_tier": body(message("user", text("a")), service_tier="auto"),
    "service_tier_null_and_thinking_display": body(
        message("user", text("a")), service_tier=None, **TYPED
    ),
    # Current responses mark each tool call with its caller, and clients echo it back.
    "tool_use_callers": body(
        message("assistant", {**TOOL_USE, "caller": {"type": "direct"}}),
        message("assistant", {**TOOL_USE, "caller": None, "cache_control": {"type": "e"}}),
    ),
}

FALLBACK_REQUESTS: dict[str, dict[str, Any]] = {
    **{
        name: value
        for name, value in REQUESTS.items()
        if name not in PLAIN_REQUESTS and name != "non_string_key_in_arguments"
    },
    "unknown_top_level_field": body(message("user", text("a")), x_vendor={"k": 1}),
    "unknown_field_beside_service_tier": body(
        message("user", text("a")), service_tier="auto", x_vendor=1
    ),
    "unknown_block_field": body(message("user", text("a", extra=1))),
    # A call made by another tool: the general path records the caller it cannot carry.
    "programmatic_caller": body(
        message("assistant", text("a"), {**TOOL_USE, "caller": {"type": "code_execution"}})
    ),
    "citations": body(message("user", text("a", citations=[{"type": "x"}]))),
    "image": body(message("user", IMAGE)),
    "image_in_tool_result": body(
        message("user", {"type": "tool_result", "tool_use_id": "t", "content": [IMAGE]})
    ),
    "untyped_block_in_tool_result": body(
        message("user", {"type": "tool_result", "tool_use_id": "t", "content": [{"text": "a"}]})
    ),
    "untyped_system_block": body(message("user", text("a")), system=[{"text": "S"}]),
    "thinking_system_block": body(
        message("user", text("a")), system=[{"type": "thinking", "thinking": "S"}]
    ),
    "server_tool": body(message("user", text("a")), tools=[{"type": "bash_1", "name": "b"}]),
    "metadata_extra": body(message("user", text("a")), metadata={"user_id": "u", "k": "v"}),
    "thinking_extra": body(message("user", text("a")), thinking={"type": "enabled", "x": 1}),
    "bad_effort": body(message("user", text("a")), output_config={"effort": "huge"}),
    "bad_format": body(message("user", text("a")), output_config={"format": {"type": "x"}}),
    "bad_thinking_type": body(message("user", text("a")), thinking={"type": "sometimes"}),
    "tool_choice_without_name": body(message("user", text("a")), tool_choice={"type": "tool"}),
    "two_errors": body(
        message("user", text("a")), tool_choice={"type": "x"}, output_config={"effort": "x"}
    ),
    "bad_count": body(message("user", text("a")), max_tokens=-1),
    "unknown_tool_use_field": body(
        message("assistant", {"type": "tool_use", "id": "t", "name": "f", "input": {}, "x": 1})
    ),
}


@pytest.mark.parametrize("name", sorted(PLAIN_REQUESTS))
def test_plain_requests_take_the_strict_decode(name: str) -> None:
    data = msgspec.json.encode(PLAIN_REQUESTS[name])
    assert takes_strict_request(data)
    same_request(data)


def test_request_extras_keep_the_general_order() -> None:
    data = msgspec.json.encode(PLAIN_REQUESTS["service_tier_null_and_thinking_display"])
    fast = direct.decode_request_json(data, _ctx()).extras["claude"]
    general = decode_request(load_object(data, "request body"), _ctx()).extras["claude"]
    assert list(fast.items()) == list(general.items())
    assert len(fast) == 2


@pytest.mark.parametrize("name", sorted(FALLBACK_REQUESTS))
def test_other_requests_fall_back(name: str) -> None:
    data = msgspec.json.encode(FALLBACK_REQUESTS[name])
    assert not takes_strict_request(data)
    same_request(data)


RAW_BYTES = [
    b'{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","type":"x"}]}]}',
    b'{"model":"m","messages":[{"role":"user","content":[{"type":"x","text":"a","type":"text"}]}]}',
    b'{"model":"m","model":"n","messages":[{"role":"user","content":"a"}]}',
    b'{"model":"m","messages":[],"temperature":1e400}',
    b'{"model":"m","messages":[],"max_tokens":1.0}',
    b'{"model":"m","messages":[],"top_k":123456789012345678901234567890}',
]


@pytest.mark.parametrize("data", RAW_BYTES, ids=range(len(RAW_BYTES)))
def test_duplicate_keys_and_numbers_agree(data: bytes) -> None:
    same_request(data)


PLAIN_RESPONSES: dict[str, dict[str, Any]] = {
    "tool_use": RESPONSES["tool_use"],
    "thinking_and_usage": {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "model": "",
        "content": [
            {"type": "thinking", "thinking": "t", "signature": "s"},
            {"type": "redacted_thinking", "data": "r"},
            text(""),
            text("a"),
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 1,
            "output_tokens": 2,
            "cache_read_input_tokens": 3,
            "cache_creation_input_tokens": 4,
            "output_tokens_details": {"thinking_tokens": 5},
        },
    },
    "no_usage": {"id": "m", "content": [], "usage": None, "type": 5},
    "zero_and_negative_counts": {
        "id": "m",
        "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": -1, "cache_read_input_tokens": 0, "output_tokens": 0},
    },
    "unknown_stop_reason": {"id": "m", "content": [text("a")], "stop_reason": "mystery"},
    "cached_blocks": {
        "id": "m",
        "content": [
            text("a", cache_control={"type": "ephemeral"}),
            {"type": "tool_use", "id": "t", "name": "f", "cache_control": {"ttl": "1h"}},
        ],
        "stop_sequence": "END",
        "usage": {"input_tokens": 1, "cache_creation_input_tokens": 2},
    },
}

# The unmodelled fields that real responses carry, which the general path keeps as extras.
CACHE_CREATION = {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}
PLAIN_RESPONSES |= {
    "provider_extras": {
        "id": "m",
        "content": [{**TOOL_USE, "caller": {"type": "direct"}}],
        "stop_reason": "tool_use",
        "stop_details": {"type": "x"},
        "usage": {
            "input_tokens": 1,
            "cache_creation": CACHE_CREATION,
            "output_tokens": 2,
            "output_tokens_details": {"thinking_tokens": 1},
            "service_tier": "standard",
            "inference_geo": "global",
        },
    },
    "provider_extras_null": {
        "id": "m",
        "content": [text("a")],
        "stop_details": None,
        "usage": {"cache_creation": None, "service_tier": None, "inference_geo": None},
    },
    "stop_details_only": {"id": "m", "content": [], "stop_details": [1], "usage": None},
    "one_usage_extra": {"id": "m", "content": [], "usage": {"inference_geo": 5}},
}

FALLBACK_RESPONSES: dict[str, dict[str, Any]] = {
    **{name: value for name, value in RESPONSES.items() if name not in PLAIN_RESPONSES},
    "unknown_field": {"id": "m", "content": [], "container": {"id": "c"}},
    "unknown_usage_field": {"id": "m", "content": [], "usage": {"server_tool_use": {}}},
    "unknown_field_beside_extras": {
        "id": "m",
        "content": [],
        "stop_details": None,
        "usage": {"service_tier": "standard"},
        "container": None,
    },
    "unknown_tool_use_field": {"id": "m", "content": [{**TOOL_USE, "x": 1}]},
    "citations": {"id": "m", "content": [text("a", citations=[])]},
}


@pytest.mark.parametrize("name", sorted(PLAIN_RESPONSES))
def test_plain_responses_take_the_strict_decode(name: str) -> None:
    data = msgspec.json.encode(PLAIN_RESPONSES[name])
    assert takes_strict_response(data)
    same_response(data)


@pytest.mark.parametrize("name", sorted(FALLBACK_RESPONSES))
def test_other_responses_fall_back(name: str) -> None:
    data = msgspec.json.encode(FALLBACK_RESPONSES[name])
    assert not takes_strict_response(data)
    same_response(data)


FIXTURES = Path(__file__).parents[2] / "fixtures" / "claude"
RECORDED_RESPONSES = sorted((FIXTURES / "response").glob("*.json"))
RECORDED_REQUESTS = sorted((FIXTURES / "request").glob("*.json"))


@pytest.mark.parametrize("path", RECORDED_RESPONSES, ids=lambda path: path.name)
def test_recorded_responses_take_the_strict_decode(path: Path) -> None:
    data = path.read_bytes()
    assert takes_strict_response(data)
    same_response(data)


@pytest.mark.parametrize("path", RECORDED_RESPONSES, ids=lambda path: path.name)
def test_recorded_response_extras_keep_the_body_order(path: Path) -> None:
    """An identity translation writes extras back in their order: the strict decode's order
    must be the one the general path takes from a real body."""
    data = path.read_bytes()
    fast = direct.decode_response_json(data, _ctx()).extras
    general = decode_response(load_object(data, "response body"), _ctx()).extras
    assert fast["claude"]  # every recorded body has some
    assert list(fast["claude"]) == list(general["claude"])
    assert list(fast["claude"]["_usage"]) == list(general["claude"]["_usage"])


@pytest.mark.parametrize("path", RECORDED_REQUESTS, ids=lambda path: path.name)
def test_recorded_requests_take_the_strict_decode(path: Path) -> None:
    data = path.read_bytes()
    assert takes_strict_request(data)
    same_request(data)


def test_the_format_uses_the_direct_decoders() -> None:
    assert FORMAT.decode_request_json is direct.decode_request_json
    assert FORMAT.decode_response_json is direct.decode_response_json


def test_text_and_memoryview_input() -> None:
    data = msgspec.json.encode(PLAIN_REQUESTS["tool_loop"])
    expected = _outcome(direct.decode_request_json, data)
    assert _outcome(direct.decode_request_json, data.decode()) == expected
    assert _outcome(direct.decode_request_json, memoryview(data)) == expected


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests())
def test_generated_requests_agree(request: Any) -> None:
    same_request(dump_json(FORMAT.encode_request(request, _ctx())))


@SETTINGS
@given(responses())
def test_generated_responses_agree(response: Any) -> None:
    same_response(dump_json(FORMAT.encode_response(response, _ctx())))
