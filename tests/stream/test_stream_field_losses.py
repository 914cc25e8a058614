"""OpenAI and Claude stream fields that events have no place for (log probabilities, the
system fingerprint, usage details, Claude's container and stop details): each is a loss,
reported once per stream, whatever the target; empty and null values lose nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

import nexgate

TARGETS = ["openai", "claude", "gemini"]


def _losses(source: str, target: str, data: bytes) -> list[str]:
    translator = nexgate.StreamTranslator(source, target)
    out = translator.feed(data) + translator.close()
    assert b"Hi" in out
    return [loss.path for loss in translator.losses if loss.kind == "response_field_dropped"]


def _openai(logprobs: Any, fingerprint: str | None, audio: int) -> bytes:
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    if fingerprint is not None:
        base["system_fingerprint"] = fingerprint
    delta = {"role": "assistant", "content": "Hi"}
    chunks = [
        {**base, "choices": [{"index": 0, "delta": delta, "logprobs": logprobs}]},
        {**base, "choices": [{"index": 0, "delta": {}, "logprobs": logprobs}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": 3,
                "completion_tokens": 1,
                "total_tokens": 4,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": audio},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        },
    ]
    lines = [b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks]
    return b"".join(lines) + b"data: [DONE]\n\n"


LOGPROBS = {"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72], "top_logprobs": []}]}


@pytest.mark.parametrize("target", TARGETS)
def test_openai_stream_fields_are_losses_once(target: str) -> None:
    assert _losses("openai", target, _openai(LOGPROBS, "fp_1", 2)) == [
        "$.choices[0].logprobs",
        "$.system_fingerprint",
        "$.usage.prompt_tokens_details.audio_tokens",
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_an_openai_stream_without_them_loses_nothing(target: str) -> None:
    assert _losses("openai", target, _openai(None, None, 0)) == []


def _claude(container: Any, tier: Any, stop_details: Any) -> bytes:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1, "service_tier": tier},
    }
    if container is not None:
        message["container"] = container
    delta: dict[str, Any] = {"stop_reason": "end_turn", "stop_sequence": None}
    if stop_details is not None:
        delta["stop_details"] = stop_details
    events = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": delta, "usage": {"output_tokens": 2}},
        {"type": "message_stop"},
    ]
    return b"".join(
        b"event: " + e["type"].encode() + b"\ndata: " + json.dumps(e).encode() + b"\n\n"
        for e in events
    )


@pytest.mark.parametrize("target", TARGETS)
def test_claude_stream_fields_are_losses_once(target: str) -> None:
    data = _claude({"id": "cont_1"}, "standard", {"type": "refusal", "category": "cyber"})
    assert _losses("claude", target, data) == [
        "$.container",
        "$.usage.service_tier",
        "$.stop_details",
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_a_claude_stream_without_them_loses_nothing(target: str) -> None:
    assert _losses("claude", target, _claude(None, None, None)) == []


@pytest.mark.parametrize("target", TARGETS)
def test_an_openai_stream_refusal_goes_as_text_and_says_so(target: str) -> None:
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "refusal": "Hi, no."}}]},
        {**base, "choices": [{"index": 0, "delta": {"refusal": " Sorry."}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    data = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    translator = nexgate.StreamTranslator("openai", target)
    out = translator.feed(data + b"data: [DONE]\n\n") + translator.close()
    assert b"Hi, no." in out and b" Sorry." in out
    emulated = [(loss.kind, loss.severity) for loss in translator.losses]
    assert emulated == [("refusal_as_text", "emulated")]
