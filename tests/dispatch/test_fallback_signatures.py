"""An alternate on another provider never receives the signatures meant for the primary.

API.md: a signature goes back only to its issuer, and dropping one is a recorded loss (so
``strict=True`` refuses). A same-format alternate used to get the caller's body as written,
signatures included, with no loss.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from dispatch.conftest import KEY, openai_completion, openai_stream, serve

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio

OPENAI_ANSWER = openai_completion(model="gpt-x")
CLAUDE_ANSWER = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-x",
    "content": [{"type": "text", "text": "hi"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}
#: An OpenAI-format conversation carrying Claude thinking (the thinking_blocks extension).
OPENAI_BODY = {
    "model": "alias",
    "messages": [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": "ok",
            "thinking_blocks": [
                {"type": "thinking", "thinking": "think", "signature": "CLAUDE-SIG-123"}
            ],
        },
        {"role": "user", "content": "again"},
    ],
}
CLAUDE_BODY = {
    "model": "alias",
    "max_tokens": 64,
    "messages": [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "think", "signature": "CLAUDE-SIG-123"},
                {"type": "redacted_thinking", "data": "OPAQUE-REDACTED"},
                {"type": "text", "text": "ok"},
            ],
        },
        {"role": "user", "content": "again"},
    ],
}


@asynccontextmanager
async def _fallback_client(
    alternate_format: str, path: str, answer: dict[str, Any], seen: list[Any], **options: Any
) -> AsyncIterator[tuple[nexgate.Client, MockUpstream]]:
    """A client whose route's primary (the mock, overloaded once) falls back to an upstream
    of ours on another provider, which records the bodies it gets."""

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(await request.json())
        return web.json_response(answer)

    async with MockUpstream(keys=[KEY]) as mock, serve(path, handler) as url:
        providers = [
            Provider("primary", mock.base_url, "claude", keys=[KEY]),
            Provider("other", url, alternate_format, keys=[KEY]),
        ]
        route = Route("primary", model="claude-x", fallbacks=(Route("other", model="alt-x"),))
        client = nexgate.Client(
            providers=providers,
            routes={"alias": route},
            environ={},
            retry=RetryPolicy(max_retries=0),
            **options,
        )
        async with client:
            mock.inject(Fault("status", status=529), times=1)
            yield client, mock


async def test_openai_alternate_gets_no_claude_signature_and_a_loss() -> None:
    seen: list[Any] = []
    losses: list[nexgate.Loss] = []
    async with _fallback_client("openai", "/v1/chat/completions", OPENAI_ANSWER, seen) as (
        client,
        _,
    ):
        out = await client.send(OPENAI_BODY, format="openai", on_loss=losses.append)
    assert out["choices"][0]["message"]["content"] == "hi"
    (sent,) = seen
    assert "CLAUDE-SIG-123" not in str(sent)
    assert [m["content"] for m in sent["messages"]] == ["hi", "ok", "again"]
    assert "signature_not_replayable" in {loss.kind for loss in losses}
    assert client.stats.fallbacks == 1


async def test_claude_alternate_on_another_provider_gets_no_signature() -> None:
    """Same format, other provider: the signatures were issued for the primary's account."""
    seen: list[Any] = []
    losses: list[nexgate.Loss] = []
    async with _fallback_client("claude", "/v1/messages", CLAUDE_ANSWER, seen) as (client, _):
        out = await client.send(CLAUDE_BODY, format="claude", on_loss=losses.append)
    assert out["content"] == [{"type": "text", "text": "hi"}]
    (sent,) = seen
    assert "CLAUDE-SIG-123" not in str(sent)
    assert "OPAQUE-REDACTED" not in str(sent)
    assert sent["messages"][1]["content"][-1] == {"type": "text", "text": "ok"}
    assert sent["model"] == "alt-x"
    paths = {loss.path for loss in losses if loss.kind == "signature_not_replayable"}
    assert {"$.messages[1].parts[0].signature", "$.messages[1].parts[1]"} <= paths


async def test_strict_refuses_the_alternate_instead_of_dropping() -> None:
    seen: list[Any] = []
    async with _fallback_client(
        "openai", "/v1/chat/completions", OPENAI_ANSWER, seen, strict=True
    ) as (client, _):
        with pytest.raises(nexgate.TranslationError, match="signature_not_replayable"):
            await client.send(OPENAI_BODY, format="openai")
    assert seen == []


async def test_a_streamed_call_falls_back_unsigned_too() -> None:
    seen: list[Any] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(await request.json())
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(openai_stream(model="alt-x"))
        return response

    losses: list[nexgate.Loss] = []
    async with MockUpstream(keys=[KEY]) as mock, serve("/v1/chat/completions", handler) as url:
        providers = [
            Provider("primary", mock.base_url, "claude", keys=[KEY]),
            Provider("other", url, "openai", keys=[KEY]),
        ]
        route = Route("primary", model="claude-x", fallbacks=(Route("other", model="alt-x"),))
        client = nexgate.Client(
            providers=providers,
            routes={"alias": route},
            environ={},
            retry=RetryPolicy(max_retries=0),
        )
        async with client:
            mock.inject(Fault("status", status=529), times=1)
            body = {**OPENAI_BODY, "stream": True}
            async with client.send_stream(body, format="openai", on_loss=losses.append) as chunks:
                out = b"".join([chunk async for chunk in chunks])
    assert b'"hi"' in out
    (sent,) = seen
    assert "CLAUDE-SIG-123" not in str(sent)
    assert sent["stream"] is True
    assert "signature_not_replayable" in {loss.kind for loss in losses}


async def test_the_primary_still_gets_the_body_as_written() -> None:
    seen: list[Any] = []
    async with _fallback_client("claude", "/v1/messages", CLAUDE_ANSWER, seen) as (client, mock):
        mock.clear_faults()  # the primary answers: no alternate
        route = Route("other", model="alt-x")
        await client.send(CLAUDE_BODY, format="claude", route=route)
    (sent,) = seen
    assert sent["messages"] == CLAUDE_BODY["messages"]
