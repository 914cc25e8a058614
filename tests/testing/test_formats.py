"""Each format answered correctly, streaming and not, checked with the SDKs' typed models."""

from __future__ import annotations

import aiohttp
import anthropic.types
import msgspec
import openai.types.chat
import pydantic
import pytest
from google.genai import types as genai_types
from testing.conftest import body, post, sse_data

from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio

_CLAUDE_EVENT = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)


async def test_openai_non_stream(mock: MockUpstream, session: aiohttp.ClientSession) -> None:
    status, headers, raw = await post(session, mock, "openai")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    reply = openai.types.chat.ChatCompletion.model_validate_json(raw)
    assert reply.choices[0].message.content == "echo: hello there"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.completion_tokens == 3


async def test_openai_stream_ends_with_done_and_usage_on_request(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    payload = body("openai", stream=True)
    payload["stream_options"] = {"include_usage": True}
    status, headers, raw = await post(session, mock, "openai", payload, stream=True)
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    data = sse_data(raw)
    assert data[-1] == b"[DONE]"
    chunks = [openai.types.chat.ChatCompletionChunk.model_validate_json(d) for d in data[:-1]]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: hello there"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3


async def test_openai_stream_without_include_usage_has_no_usage_chunk(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    _, _, raw = await post(session, mock, "openai", stream=True)
    chunks = [msgspec.json.decode(d) for d in sse_data(raw)[:-1]]
    assert chunks and all(c.get("usage") is None for c in chunks)


async def test_claude_non_stream(mock: MockUpstream, session: aiohttp.ClientSession) -> None:
    status, _, raw = await post(session, mock, "claude")
    assert status == 200
    reply = anthropic.types.Message.model_validate_json(raw)
    assert reply.content[0].type == "text" and reply.content[0].text == "echo: hello there"
    assert reply.stop_reason == "end_turn" and reply.usage.output_tokens == 3


async def test_claude_stream(mock: MockUpstream, session: aiohttp.ClientSession) -> None:
    status, _, raw = await post(session, mock, "claude", stream=True)
    assert status == 200
    events = [_CLAUDE_EVENT.validate_json(d) for d in sse_data(raw)]
    assert events[0].type == "message_start" and events[-1].type == "message_stop"
    text = "".join(
        e.delta.text
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    assert text == "echo: hello there"
    assert b"event: message_stop" in raw


async def test_gemini_non_stream(mock: MockUpstream, session: aiohttp.ClientSession) -> None:
    status, _, raw = await post(session, mock, "gemini")
    assert status == 200
    reply = genai_types.GenerateContentResponse.model_validate_json(raw)
    assert reply.text == "echo: hello there"
    assert reply.usage_metadata is not None and reply.usage_metadata.candidates_token_count == 3


@pytest.mark.parametrize("sse", [True, False])
async def test_gemini_stream_in_both_forms(
    mock: MockUpstream, session: aiohttp.ClientSession, sse: bool
) -> None:
    status, headers, raw = await post(session, mock, "gemini", stream=True, sse=sse)
    assert status == 200
    if sse:
        assert headers["Content-Type"].startswith("text/event-stream")
        pieces = sse_data(raw)
    else:
        assert headers["Content-Type"].startswith("application/json")
        pieces = [msgspec.json.encode(p) for p in msgspec.json.decode(raw)]
    chunks = [genai_types.GenerateContentResponse.model_validate_json(p) for p in pieces]
    assert len(chunks) > 1
    assert "".join(c.text or "" for c in chunks) == "echo: hello there"
    assert chunks[-1].candidates and chunks[-1].candidates[0].finish_reason == "STOP"


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
async def test_routes_also_answer_under_a_base_path(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    url_path = {
        "openai": "/proxy/openai/v1/chat/completions",
        "claude": "/proxy/v1/messages",
        "gemini": "/proxy/g/v1beta/models/m:generateContent",
    }[fmt]
    from testing.conftest import headers

    async with session.post(
        mock.base_url + url_path, json=body(fmt), headers=headers(fmt)
    ) as response:
        assert response.status == 200
        assert b"echo: hello there" in await response.read()


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
async def test_malformed_body_is_400_in_the_format_shape(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    from testing.conftest import headers, path

    for bad in (b"{not json", b"[1, 2]", b'{"messages": 5, "contents": 5}'):
        async with session.post(
            mock.base_url + path(fmt), data=bad, headers=headers(fmt)
        ) as response:
            assert response.status == 400
            error = msgspec.json.decode(await response.read())
        _assert_error_shape(fmt, error, 400)


@pytest.mark.parametrize(
    ("fmt", "name"), [("openai", "fs.list"), ("claude", "a" * 129), ("gemini", "9lives")]
)
async def test_a_tool_name_the_format_refuses_is_400(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, name: str
) -> None:
    from testing.conftest import headers, path

    tool: dict[str, object]
    if fmt == "openai":
        data = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
        tool = {"type": "function", "function": {"name": name}}
        data["tools"] = [tool]
    elif fmt == "claude":
        data = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        data["tools"] = [{"name": name, "input_schema": {"type": "object"}}]
    else:
        data = {"contents": [{"role": "user", "parts": [{"text": "x"}]}]}
        data["tools"] = [{"functionDeclarations": [{"name": name}]}]
    async with session.post(
        mock.base_url + path(fmt), data=msgspec.json.encode(data), headers=headers(fmt)
    ) as response:
        assert response.status == 400
        error = msgspec.json.decode(await response.read())
    _assert_error_shape(fmt, error, 400)


def _assert_error_shape(fmt: str, error: dict[str, object], status: int) -> None:
    if fmt == "openai":
        inner = error["error"]
        assert isinstance(inner, dict) and inner["message"] and "type" in inner
    elif fmt == "claude":
        assert error["type"] == "error"
        inner = error["error"]
        assert isinstance(inner, dict) and inner["type"] and inner["message"]
    else:
        inner = error["error"]
        assert isinstance(inner, dict) and inner["code"] == status and inner["status"]
