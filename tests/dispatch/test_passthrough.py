"""Same-format calls forward the caller's body and the upstream's answer as they are.

A recording upstream (a real aiohttp server on 127.0.0.1) shows what went over the wire.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from dispatch.conftest import KEY

import nexgate
from nexgate.providers import Provider, Route

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
        self.stream: list[bytes] = []  # what a streamed call gets, piece by piece


def _chunk(delta: dict[str, Any], **extra: Any) -> bytes:
    chunk = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "upstream-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        **extra,
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder()

    async def answer(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        recorder.bodies.append(body)
        recorder.paths.append(request.path)
        if body.get("stream"):
            stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await stream.prepare(request)
            for piece in recorder.stream:  # written one by one: the client sees them apart
                await stream.write(piece)
            return stream
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
@pytest.mark.parametrize("entered", [True, False])
async def test_a_tokens_per_minute_limit_still_gets_the_real_usage(
    upstream: tuple[str, Recorder], entered: bool
) -> None:
    # send() skips decoding a same-format answer, except when a TPM bucket wants its usage:
    # the estimate charged at admission (~256 tokens) is replaced by the answer's 4. Also on
    # the first call of a client not entered with `async with` (its limiters do not exist yet).
    url, _ = upstream
    client = nexgate.Client(
        providers=[Provider("up", url, "openai", keys=[KEY])],
        routes={"alias": Route("up", "upstream-model")},
        limits=nexgate.LimitConfig(max_concurrency=4, tpm=60),
        environ={},
    )
    if entered:
        await client.__aenter__()
    try:
        await client.send(
            {"model": "alias", "messages": [{"role": "user", "content": "hi"}]}, format="openai"
        )
        bucket = client.limiters.global_scope._tokens
        assert bucket is not None
        assert 50 < bucket.level < 59  # 60 - 4 (+ refill): charged, then reconciled
    finally:
        await client.aclose()


async def _stream(client: nexgate.Client, body: dict[str, Any]) -> bytes:
    async with client.send_stream(body, format="openai") as chunks:
        return b"".join([chunk async for chunk in chunks])


@pytest.mark.anyio
async def test_a_same_format_stream_arrives_byte_for_byte(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    recorder.stream = [
        _chunk({"role": "assistant", "content": ""}, obfuscation="x1"),  # unmodelled field
        b": keep-alive comment\n\n",
        _chunk({"content": "Hel"}),
        _chunk({"content": "lo"}, service_tier="flex"),
        b'data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"upst'
        b'ream-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
        b"data: [DONE]\n\n",
    ]
    body = {"model": "alias", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with _client(url, "openai") as client:
        out = await _stream(client, body)
    assert out == b"".join(recorder.stream)
    assert recorder.bodies[0]["stream"] is True
    assert recorder.bodies[0]["model"] == "upstream-model"
    assert "stream_options" not in recorder.bodies[0]  # usage only when the caller asks


@pytest.mark.anyio
async def test_a_same_format_stream_cut_mid_event_ends_in_an_error_event(
    upstream: tuple[str, Recorder],
) -> None:
    url, recorder = upstream
    whole = [_chunk({"role": "assistant", "content": ""}), _chunk({"content": "Hel"})]
    recorder.stream = [*whole, _chunk({"content": "lo"})[:30]]  # then the upstream hangs up
    body = {"model": "alias", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with _client(url, "openai") as client:
        out = await _stream(client, body)
    assert out.startswith(b"".join(whole))
    tail = out[len(b"".join(whole)) :]
    assert tail.startswith(b"data: {") and b'"error"' in tail  # no half event before it
    assert json.loads(tail[len(b"data: ") :])["error"]["code"] == "stream_interrupted"
    assert b"[DONE]" not in out
