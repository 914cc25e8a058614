"""Cross-format calls: caller bodies in one format, upstreams in another, streamed and not."""

from __future__ import annotations

import pytest
import sdk_validators
from dispatch.conftest import body, make_client
from stream.scenarios import payloads
from stream.test_stream_matrix import validate

from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio
DIRECTIONS = [
    ("openai", "claude"),
    ("claude", "gemini"),
    ("gemini", "openai"),
    ("openai", "openai"),
]


@pytest.mark.parametrize(("caller", "upstream"), DIRECTIONS)
async def test_send_returns_the_callers_format(
    mock: MockUpstream, caller: str, upstream: str
) -> None:
    async with make_client(mock, upstream) as client:
        out = await client.send(body(caller, "ping across formats"), format=caller, model="m")
    sdk_validators.response(caller, out)
    text = {
        "openai": lambda o: o["choices"][0]["message"]["content"],
        "claude": lambda o: o["content"][0]["text"],
        "gemini": lambda o: o["candidates"][0]["content"]["parts"][0]["text"],
    }[caller](out)
    assert text == "echo: ping across formats"
    assert mock.stats.requests == 1


@pytest.mark.parametrize(("caller", "upstream"), DIRECTIONS)
async def test_send_stream_returns_the_callers_stream(
    mock: MockUpstream, caller: str, upstream: str
) -> None:
    async with (
        make_client(mock, upstream) as client,
        client.send_stream(
            body(caller, "stream me", stream=True), format=caller, model="m"
        ) as chunks,
    ):
        data = b"".join([chunk async for chunk in chunks])
    validate(caller, data)  # type: ignore[arg-type]
    assert b"stream" in data and b"me" in data
    assert not any(isinstance(p, dict) and "error" in p for _, p in payloads(data))


async def test_tool_call_round_trip_openai_caller_claude_upstream(mock: MockUpstream) -> None:
    request = body("openai", "call get_weather please")
    request["tools"] = [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    ]
    async with make_client(mock, "claude") as client:
        out = await client.send(request, format="openai")
        call = out["choices"][0]["message"]["tool_calls"][0]
        assert out["choices"][0]["finish_reason"] == "tool_calls"
        follow_up = {
            "model": "m",
            "messages": [
                *request["messages"],
                out["choices"][0]["message"],
                {"role": "tool", "tool_call_id": call["id"], "content": "18C"},
            ],
            "tools": request["tools"],
        }
        final = await client.send(follow_up, format="openai")
    assert final["choices"][0]["message"]["content"] == "tool results: 18C"


async def test_complete_and_stream_on_internal_requests(mock: MockUpstream) -> None:
    from nexgate import Message, Request, TextPart
    from nexgate.events import TextDelta

    request = Request(model="m", messages=[Message(role="user", parts=[TextPart(text="internal")])])
    async with make_client(mock, "gemini") as client:
        response = await client.complete(request)
        async with client.stream(request) as events:
            text = "".join([e.text async for e in events if isinstance(e, TextDelta)])
    assert response.text == text == "echo: internal"
    assert response.usage is not None and response.usage.output_tokens > 0


@pytest.mark.parametrize("upstream", ["claude", "openai"])
async def test_a_dotted_tool_name_goes_fitted_and_comes_back_as_written(
    mock: MockUpstream, upstream: str
) -> None:
    name = "fs.list:dir"
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": "list it"}]}],
        "tools": [{"functionDeclarations": [{"name": name}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}},
    }
    async with make_client(mock, upstream) as client:
        out = await client.send(gemini, format="gemini", model="m")
        async with client.send_stream(gemini, format="gemini", model="m") as chunks:
            streamed = b"".join([chunk async for chunk in chunks])
    assert out["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == name
    assert b'"name":"fs.list:dir"' in streamed


async def test_an_openai_caller_gets_its_dotted_tool_name_back_from_claude(
    mock: MockUpstream,
) -> None:
    """The mock refuses names outside Claude's pattern, as Claude does."""
    request = {
        "model": "m",
        "messages": [{"role": "user", "content": "weather in Paris"}],
        "tools": [{"type": "function", "function": {"name": "srv.get_weather"}}],
        "tool_choice": {"type": "function", "function": {"name": "srv.get_weather"}},
    }
    async with make_client(mock, "claude") as client:
        reply = await client.send(request, format="openai")
    call = reply["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "srv.get_weather"
