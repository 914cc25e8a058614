"""The official clients as real peers: they read our translated streams over a real socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import openai
import pytest
from aiohttp import web
from google import genai
from google.genai import types as genai_types
from stream.scenarios import SCENARIOS, encode_stream

from nexgate import StreamTranslator
from nexgate.schema import FormatName

pytestmark = pytest.mark.anyio


async def _serve(body: bytes) -> AsyncIterator[str]:
    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for i in range(0, len(body), 97):  # arbitrary chunking on the wire
            await response.write(body[i : i + 97])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _translated(source: FormatName, target: FormatName, scenario: str) -> bytes:
    translator = StreamTranslator(source, target, model="test-model")
    data = encode_stream(source, SCENARIOS[scenario]())
    return translator.feed(data) + translator.close()


@pytest.mark.parametrize("source", ["openai", "gemini"])
async def test_anthropic_client_accepts_translated_stream(source: FormatName) -> None:
    body = _translated(source, "claude", "text_then_tool_call")
    async for url in _serve(body):
        client = anthropic.AsyncAnthropic(base_url=url, api_key="test", max_retries=0)
        async with client.messages.stream(
            model="test-model", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            message = await stream.get_final_message()
        await client.close()
    assert message.stop_reason == "tool_use"
    assert message.content[0].type == "text" and message.content[0].text == "Let me check."
    tool = message.content[1]
    assert tool.type == "tool_use" and tool.name == "get_weather"
    assert tool.input == {"city": "Paris", "unit": "c", "details": {"hourly": True}}
    assert message.usage.output_tokens == 48


@pytest.mark.parametrize("source", ["openai", "claude", "gemini"])
async def test_openai_client_accumulates_translated_tool_calls(source: FormatName) -> None:
    body = _translated(source, "openai", "parallel_interleaved")
    async for url in _serve(body):
        client = openai.AsyncOpenAI(base_url=url + "/v1", api_key="test", max_retries=0)
        stream = await client.chat.completions.create(
            model="test-model",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        calls: dict[int, dict[str, str]] = {}
        finish = None
        usage = None
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                finish = choice.finish_reason or finish
                for call in choice.delta.tool_calls or ():
                    entry = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                    entry["id"] += call.id or ""
                    if call.function is not None:
                        entry["name"] += call.function.name or ""
                        entry["arguments"] += call.function.arguments or ""
        await client.close()
    assert finish == "tool_calls"
    assert [(c["name"], c["arguments"].replace(" ", "")) for c in calls.values()] == [
        ("get_weather", '{"city":"Paris"}'),
        ("get_weather", '{"city":"Rome"}'),
    ]
    assert usage is not None and usage.completion_tokens == 48


@pytest.mark.parametrize("source", ["openai", "claude"])
async def test_genai_client_reads_translated_stream(source: FormatName) -> None:
    body = _translated(source, "gemini", "text_then_tool_call")
    async for url in _serve(body):
        client = genai.Client(api_key="test", http_options=genai_types.HttpOptions(base_url=url))
        texts: list[str] = []
        calls = []
        finish = None
        async for chunk in await client.aio.models.generate_content_stream(
            model="test-model", contents="hi"
        ):
            for part in chunk.candidates[0].content.parts if chunk.candidates[0].content else []:
                if part.text:
                    texts.append(part.text)
                if part.function_call:
                    calls.append(part.function_call)
            finish = chunk.candidates[0].finish_reason or finish
    assert "".join(texts) == "Let me check."
    assert [(c.name, c.args) for c in calls] == [
        ("get_weather", {"city": "Paris", "unit": "c", "details": {"hourly": True}})
    ]
    assert finish == genai_types.FinishReason.STOP


def _recorded_openai_to_openai(name: str) -> bytes:
    fixture = Path(__file__).resolve().parent.parent / "fixtures/openai/stream" / name
    translator = StreamTranslator("openai", "openai")
    return translator.feed(fixture.read_bytes()) + translator.close()


async def test_openai_client_reads_a_recorded_parallel_stream_translated_to_itself() -> None:
    body = _recorded_openai_to_openai("tool_calls_parallel_two.sse")
    async for url in _serve(body):
        client = openai.AsyncOpenAI(base_url=url + "/v1", api_key="test", max_retries=0)
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        calls: dict[int, dict[str, str]] = {}
        chunks = 0
        async for chunk in stream:
            chunks += 1
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or ():
                    entry = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                    entry["id"] += call.id or ""
                    if call.function is not None:
                        entry["name"] += call.function.name or ""
                        entry["arguments"] += call.function.arguments or ""
        await client.close()
    assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
        ("GetWeatherArgs", {"city": "Edinburgh", "country": "GB", "units": "c"}),
        ("get_stock_price", {"ticker": "AAPL", "exchange": "NASDAQ"}),
    ]
    assert all(c["id"].startswith("call_") for c in calls.values()) and chunks > 10
