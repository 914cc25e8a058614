"""The official SDK clients, as real peers, talk to the mock in each format."""

from __future__ import annotations

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as genai_types
from testing.conftest import KEY

from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio


async def test_openai_sdk(mock: MockUpstream) -> None:
    async with openai.AsyncOpenAI(base_url=mock.base_url + "/v1", api_key=KEY) as client:
        reply = await client.chat.completions.create(
            model="gpt-x", messages=[{"role": "user", "content": "hi sdk"}]
        )
        assert reply.choices[0].message.content == "echo: hi sdk"
        stream = await client.chat.completions.create(
            model="gpt-x",
            messages=[{"role": "user", "content": "hi stream"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == "echo: hi stream"
        assert chunks[-1].usage is not None
        tools: list[openai.types.chat.ChatCompletionToolParam] = [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            }
        ]
        called = await client.chat.completions.create(
            model="gpt-x",
            messages=[{"role": "user", "content": "Paris"}],
            tools=tools,
            tool_choice="required",
        )
        calls = called.choices[0].message.tool_calls
        assert calls and calls[0].type == "function"
        assert calls[0].function.name == "get_weather"
        assert calls[0].function.arguments == '{"city":"Paris"}'
        assert called.choices[0].finish_reason == "tool_calls"
    assert mock.stats.requests_by_key == {KEY: 3}


async def test_openai_sdk_sees_wrong_key_as_authentication_error(mock: MockUpstream) -> None:
    async with openai.AsyncOpenAI(
        base_url=mock.base_url + "/v1", api_key="wrong", max_retries=0
    ) as client:
        with pytest.raises(openai.AuthenticationError):
            await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}]
            )


async def test_anthropic_sdk(mock: MockUpstream) -> None:
    async with anthropic.AsyncAnthropic(base_url=mock.base_url, api_key=KEY) as client:
        reply = await client.messages.create(
            model="claude-x", max_tokens=50, messages=[{"role": "user", "content": "hi sdk"}]
        )
        assert reply.content[0].type == "text" and reply.content[0].text == "echo: hi sdk"
        async with client.messages.stream(
            model="claude-x", max_tokens=50, messages=[{"role": "user", "content": "hi stream"}]
        ) as stream:
            text = "".join([piece async for piece in stream.text_stream])
            final = await stream.get_final_message()
        assert text == "echo: hi stream"
        assert final.stop_reason == "end_turn" and final.usage.output_tokens == 3


async def test_anthropic_sdk_sees_overloaded(mock: MockUpstream) -> None:
    from nexgate.testing import Fault

    mock.inject(Fault("status", status=529))
    async with anthropic.AsyncAnthropic(
        base_url=mock.base_url, api_key=KEY, max_retries=0
    ) as client:
        with pytest.raises(anthropic.APIStatusError) as caught:
            await client.messages.create(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    assert caught.value.status_code == 529
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["error"]["type"] == "overloaded_error"


async def test_google_genai_sdk(mock: MockUpstream) -> None:
    client = genai.Client(api_key=KEY, http_options=genai_types.HttpOptions(base_url=mock.base_url))
    reply = await client.aio.models.generate_content(model="gemini-x", contents="hi sdk")
    assert reply.text == "echo: hi sdk"
    assert reply.usage_metadata is not None and reply.usage_metadata.candidates_token_count == 3
    pieces = [
        chunk.text or ""
        async for chunk in await client.aio.models.generate_content_stream(
            model="gemini-x", contents="hi stream"
        )
    ]
    assert "".join(pieces) == "echo: hi stream"
    assert mock.stats.requests == 2
