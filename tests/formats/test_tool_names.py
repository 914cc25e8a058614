"""Tool names a target refuses (MCP-style dotted names, long names) are fitted to it, and the
caller gets its own names back in answers and streams."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import sdk_validators  # type: ignore[import-not-found]

import nexgate
from nexgate.formats._names import fitted_name

DOTTED = "fs.list:dir"
LONG = "a" * 100
GEMINI_REQUEST: dict[str, Any] = {
    "contents": [
        {"role": "user", "parts": [{"text": "list it"}]},
        {"role": "model", "parts": [{"functionCall": {"id": "c1", "name": DOTTED, "args": {}}}]},
        {
            "role": "user",
            "parts": [{"functionResponse": {"id": "c1", "name": DOTTED, "response": {"n": 1}}}],
        },
    ],
    "tools": [{"functionDeclarations": [{"name": DOTTED}, {"name": "plain_name"}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [DOTTED]}},
}


def test_fitted_names_are_valid_distinct_and_stable() -> None:
    rules = {
        "openai": r"[a-zA-Z0-9_-]{1,64}",
        "claude": r"[a-zA-Z0-9_-]{1,128}",
        "gemini": r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}",
    }
    names = [DOTTED, "fs.list.dir", "fs:list:dir", LONG, LONG + "b", "9lives", "ok_name"]
    for target, rule in rules.items():
        fitted = [fitted_name(name, target) for name in names]
        assert all(re.fullmatch(rule, name) for name in fitted), fitted
        assert len(set(fitted)) == len(names)
        assert fitted == [fitted_name(name, target) for name in names]
    assert fitted_name("ok_name", "claude") == "ok_name"


def test_dotted_gemini_names_reach_claude_fitted_everywhere() -> None:
    out = nexgate.translate_request(GEMINI_REQUEST, source="gemini", target="claude", model="c")
    sdk_validators.claude_request(out)
    fitted = fitted_name(DOTTED, "claude")
    assert [tool["name"] for tool in out["tools"]] == [fitted, "plain_name"]
    assert out["tool_choice"] == {"type": "tool", "name": fitted}
    call = out["messages"][1]["content"][0]
    assert call["type"] == "tool_use" and call["name"] == fitted
    mapped = [
        (loss.detail, loss.severity) for loss in out.losses if loss.kind == "tool_name_mapped"
    ]
    assert mapped == [(f"{DOTTED!r} sent as {fitted!r}", "emulated")]


def test_a_long_claude_name_fits_openai() -> None:
    claude = {
        "model": "m",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": LONG, "input_schema": {"type": "object", "properties": {}}}],
    }
    out = nexgate.translate_request(claude, source="claude", target="openai")
    sdk_validators.openai_request(out)
    assert len(out["tools"][0]["function"]["name"]) <= 64


def test_answers_and_streams_give_the_caller_its_own_names() -> None:
    fitted = fitted_name(DOTTED, "claude")
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": fitted, "input": {"path": "/"}}
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "c",
        "content": [tool_use],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 5},
    }
    answer = nexgate.translate_response(
        message, source="claude", target="gemini", model="c", request=GEMINI_REQUEST
    )
    call = answer["candidates"][0]["content"]["parts"][0]["functionCall"]
    assert call["name"] == DOTTED
    events = [
        {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {**tool_use, "input": {}},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
        {"type": "message_stop"},
    ]
    stream = b"".join(
        b"event: " + e["type"].encode() + b"\ndata: " + msgspec.json.encode(e) + b"\n\n"
        for e in events
    )
    translator = nexgate.StreamTranslator("claude", "gemini", model="c", request=GEMINI_REQUEST)
    out = translator.feed(stream) + translator.close()
    assert b'"name":"fs.list:dir"' in out and fitted.encode() not in out


def test_a_dotted_openai_name_is_fitted_for_claude_too() -> None:
    """OpenAI's own pattern lies inside Claude's, but an OpenAI-format body may still carry a
    name OpenAI would refuse (a gateway's callers send MCP names as they come)."""
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "weather in Paris"}],
        "tools": [{"type": "function", "function": {"name": "srv.get_weather"}}],
        "tool_choice": {"type": "function", "function": {"name": "srv.get_weather"}},
    }
    out = nexgate.translate_request(body, source="openai", target="claude")
    fitted = fitted_name("srv.get_weather", "claude")
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,128}", fitted)
    assert out["tools"][0]["name"] == fitted and out["tool_choice"]["name"] == fitted
    assert "tool_name_mapped" in [loss.kind for loss in out.losses]
