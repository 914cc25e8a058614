"""Same-format calls forward the caller's body and the upstream's answer as they are.

A recording upstream (a real aiohttp server on 127.0.0.1) shows what went over the wire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

import nexgate
from nexgate.providers import Provider, Route

KEY = "sk-passthrough-0123456789"

OPENAI_ANSWER = {
    "id": "chatcmpl-pt",
    "object": "chat.completion",
    "created": 1,
    "model": "upstream-model",
    "system_fingerprint": "fp_1",
    "service_tier": "flex",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi", "annotations": []},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}

CLAUDE_ANSWER = {
    "id": "msg_pt",
    "type": "message",
    "role": "assistant",
    "model": "upstream-model",
    "content": [{"type": "text", "text": "hi", "citations": None}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "container": None,
    "usage": {"input_tokens": 3, "output_tokens": 1, "service_tier": "standard"},
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recorder:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder()

    async def answer(request: web.Request) -> web.Response:
        recorder.bodies.append(await request.json())
        recorder.paths.append(request.path)
        reply = CLAUDE_ANSWER if request.path == "/v1/messages" else OPENAI_ANSWER
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", answer)
    app.router.add_post("/v1/messages", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", recorder
    await runner.cleanup()


def _client(url: str, fmt: str) -> nexgate.Client:
    return nexgate.Client(
        providers=[Provider("up", url, fmt, keys=[KEY])],
        routes={"alias": Route("up", "upstream-model")},
        environ={},
    )


@pytest.mark.anyio
async def test_openai_body_goes_upstream_as_written(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    body = {
        "model": "alias",
        "messages": [{"role": "user", "content": "hi", "name": "ann"}],
        "service_tier": "flex",  # not modelled by nexgate: still forwarded
        "prediction": {"type": "content", "content": "x"},
        "stream": False,
        "stream_options": {"include_usage": True},  # meaningless without a stream
    }
    async with _client(url, "openai") as client:
        out = await client.send(body, format="openai")
    sent = recorder.bodies[0]
    assert sent["model"] == "upstream-model"
    assert "stream" not in sent and "stream_options" not in sent
    assert {k: sent[k] for k in ("messages", "service_tier", "prediction")} == {
        k: body[k] for k in ("messages", "service_tier", "prediction")
    }
    assert body["model"] == "alias"  # the caller's dict is not modified
    assert out == OPENAI_ANSWER  # the answer comes back exactly, unknown fields included


@pytest.mark.anyio
async def test_claude_body_gets_the_route_model_and_a_max_tokens(
    upstream: tuple[str, Recorder],
) -> None:
    url, recorder = upstream
    body = {
        "model": "alias",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "context_management": {"edits": []},  # a newer Claude field, unknown to nexgate
    }
    async with _client(url, "claude") as client:
        out = await client.send(body, format="claude")
    assert recorder.bodies[0] == {**body, "model": "upstream-model"}
    assert out == CLAUDE_ANSWER


@pytest.mark.anyio
async def test_bad_same_format_body_fails_before_sending(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    async with _client(url, "openai") as client:
        with pytest.raises(nexgate.InvalidInputError) as caught:
            await client.send({"model": "alias", "messages": "hi"}, format="openai")
    assert caught.value.path == "$.messages"
    assert recorder.bodies == []


@pytest.mark.anyio
async def test_cross_format_call_is_translated(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    body = {"model": "alias", "messages": [{"role": "user", "content": "hi"}]}
    async with _client(url, "claude") as client:
        out = await client.send(body, format="openai")
    assert recorder.paths == ["/v1/messages"]
    assert recorder.bodies[0]["model"] == "upstream-model"
    assert recorder.bodies[0]["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]}
    ]
    assert out["object"] == "chat.completion"
    assert out["choices"][0]["message"]["content"] == "hi"


@pytest.mark.anyio
async def test_a_tokens_per_minute_limit_still_gets_the_real_usage(
    upstream: tuple[str, Recorder],
) -> None:
    # send() skips decoding a same-format answer, except when a TPM bucket wants its usage:
    # the estimate charged at admission (~256 tokens) is replaced by the answer's 4.
    url, _ = upstream
    client = nexgate.Client(
        providers=[Provider("up", url, "openai", keys=[KEY])],
        routes={"alias": Route("up", "upstream-model")},
        limits=nexgate.LimitConfig(max_concurrency=4, tpm=60),
        environ={},
    )
    async with client:
        await client.send(
            {"model": "alias", "messages": [{"role": "user", "content": "hi"}]}, format="openai"
        )
        bucket = client.limiters.global_scope._tokens
        assert bucket is not None
        assert bucket.level > 50  # 60 - 4 (+ refill); without the reconcile it is about -196
