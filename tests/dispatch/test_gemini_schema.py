"""A Gemini provider's ``gemini_schema`` decides how tool schemas go over the wire.

A recording Gemini upstream (a real aiohttp server on 127.0.0.1) shows what was sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from dispatch.conftest import KEY

import nexgate
from nexgate.providers import Provider, Route

ANSWER = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP"}
    ],
    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1},
    "modelVersion": "upstream-model",
}

PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
    "required": ["city"],
}

BODY = {
    "model": "alias",
    "messages": [{"role": "user", "content": "Weather in Paris?"}],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": PARAMETERS}}],
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []

    async def answer(request: web.Request) -> web.StreamResponse:
        bodies.append(await request.json())
        return web.json_response(ANSWER)

    app = web.Application()
    app.router.add_post("/v1beta/models/{model}:generateContent", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", bodies
    await runner.cleanup()


async def _declaration(url: str, bodies: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    provider = Provider("up", url, "gemini", keys=[KEY], **options)
    routes = {"alias": Route("up", "upstream-model")}
    async with nexgate.Client(providers=[provider], routes=routes, environ={}) as client:
        out = await client.send(BODY, format="openai")
    assert out["choices"][0]["message"]["content"] == "hi"
    declaration: dict[str, Any] = bodies[-1]["tools"][0]["functionDeclarations"][0]
    return declaration


@pytest.mark.anyio
async def test_json_schema_by_default(upstream: tuple[str, list[dict[str, Any]]]) -> None:
    declaration = await _declaration(*upstream)
    assert declaration == {"name": "get_weather", "parametersJsonSchema": PARAMETERS}


@pytest.mark.anyio
async def test_openapi_when_the_provider_asks(upstream: tuple[str, list[dict[str, Any]]]) -> None:
    declaration = await _declaration(*upstream, gemini_schema="openapi")
    assert declaration == {
        "name": "get_weather",
        "parameters": {
            "type": "OBJECT",
            "properties": {
                "city": {"type": "STRING"},
                "unit": {"type": "STRING", "enum": ["c", "f"]},
            },
            "required": ["city"],
        },
    }


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(nexgate.InvalidInputError, match="gemini_schema"):
        Provider("up", "http://127.0.0.1:1", "gemini", gemini_schema="yaml")  # type: ignore[arg-type]
