"""Deterministic replies: echo, tool calls, tool-result summaries, scripts, usage and ids."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import msgspec
import pytest
from testing.conftest import body, post, sse_data

from nexgate.schema import Usage
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
}


def _openai_tools(choice: Any) -> dict[str, Any]:
    out = body("openai", "Paris")
    out["tools"] = [
        {"type": "function", "function": {"name": "noop", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    ]
    if choice is not None:
        out["tool_choice"] = choice
    return out


async def test_named_tool_choice_gets_arguments_from_the_schema(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    choice = {"type": "function", "function": {"name": "get_weather"}}
    _, _, raw = await post(session, mock, "openai", _openai_tools(choice))
    message = msgspec.json.decode(raw)["choices"][0]["message"]
    call = message["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert msgspec.json.decode(call["function"]["arguments"]) == {
        "city": "Paris",
        "unit": "celsius",
    }


async def test_auto_choice_echoes_unless_asked_to_call(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    _, _, raw = await post(session, mock, "openai", _openai_tools(None))
    assert msgspec.json.decode(raw)["choices"][0]["message"]["content"] == "echo: Paris"
    asked = _openai_tools("auto")
    asked["messages"][0]["content"] = "please call get_weather now"
    _, _, raw = await post(session, mock, "openai", asked)
    assert msgspec.json.decode(raw)["choices"][0]["finish_reason"] == "tool_calls"
    refused = _openai_tools("none")
    refused["messages"][0]["content"] = "please call get_weather now"
    _, _, raw = await post(session, mock, "openai", refused)
    assert msgspec.json.decode(raw)["choices"][0]["message"]["content"].startswith("echo:")


async def test_claude_any_choice_calls_the_first_tool_and_streams_its_arguments(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    payload = body("claude", "Oslo", stream=True)
    payload["tools"] = [{"name": "get_weather", "input_schema": WEATHER}]
    payload["tool_choice"] = {"type": "any"}
    _, _, raw = await post(session, mock, "claude", payload, stream=True)
    events = [msgspec.json.decode(d) for d in sse_data(raw)]
    args = "".join(
        e["delta"]["partial_json"]
        for e in events
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "input_json_delta"
    )
    assert msgspec.json.decode(args) == {"city": "Oslo", "unit": "celsius"}
    stop = next(e for e in events if e["type"] == "message_delta")
    assert stop["delta"]["stop_reason"] == "tool_use"


async def test_tool_results_are_summarized(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    payload = {
        "contents": [
            {"role": "user", "parts": [{"text": "weather?"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "w", "args": {}}}]},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "w", "response": {"result": "18C"}}}],
            },
        ]
    }
    _, _, raw = await post(session, mock, "gemini", payload)
    parts = msgspec.json.decode(raw)["candidates"][0]["content"]["parts"]
    assert parts == [{"text": "tool results: 18C"}]


async def test_scripted_replies_are_used_in_order(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    mock.script_text("first", usage=Usage(input_tokens=7, output_tokens=11))
    mock.script_tool_calls([("get_weather", {"city": "Paris"})], text="checking")
    _, _, raw = await post(session, mock, "openai")
    first = msgspec.json.decode(raw)
    assert first["choices"][0]["message"]["content"] == "first"
    assert first["usage"]["prompt_tokens"] == 7 and first["usage"]["completion_tokens"] == 11
    _, _, raw = await post(session, mock, "claude")
    content = msgspec.json.decode(raw)["content"]
    assert content[0] == {"type": "text", "text": "checking"}
    assert content[1]["type"] == "tool_use" and content[1]["input"] == {"city": "Paris"}
    _, _, raw = await post(session, mock, "openai")
    assert msgspec.json.decode(raw)["choices"][0]["message"]["content"] == "echo: hello there"


async def test_replies_and_usage_are_deterministic(session: aiohttp.ClientSession) -> None:
    seen = []
    for _ in range(2):
        async with MockUpstream() as mock:
            payload = body("claude", "one two three four five")
            sent = json.dumps(payload)  # what aiohttp's json= sends
            _, _, raw = await post(session, mock, "claude", payload, key="k")
            seen.append(raw)
    assert seen[0] == seen[1]
    reply = msgspec.json.decode(seen[0])
    assert reply["id"] == "mock-1"
    assert reply["usage"]["output_tokens"] == 6  # "echo: one two three four five"
    assert reply["usage"]["input_tokens"] == len(sent) // 4
