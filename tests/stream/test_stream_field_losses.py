"""OpenAI and Claude stream fields beyond the events (log probabilities, the system
fingerprint, usage details, Claude's container and stop details): a stream to the same format
gets them back where they were; another format records each as a loss, once per stream.
Log probabilities have no place in any event: lost even to the same format. Empty and null
values lose nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic.types import RawMessageStreamEvent as _ClaudeEvent
from openai.types.chat import ChatCompletionChunk
from pydantic import TypeAdapter

import nexgate
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.stream_translate import StreamDecoding

RawMessageStreamEvent: TypeAdapter[Any] = TypeAdapter(_ClaudeEvent)

TARGETS = ["openai", "claude", "gemini"]


def _translate(source: str, target: str, data: bytes) -> tuple[bytes, list[str]]:
    translator = nexgate.StreamTranslator(source, target)
    out = translator.feed(data) + translator.close()
    assert b"Hi" in out
    lost = [loss.path for loss in translator.losses if loss.kind == "response_field_dropped"]
    return out, lost


def _losses(source: str, target: str, data: bytes) -> list[str]:
    return _translate(source, target, data)[1]


def _payloads(out: bytes) -> list[dict[str, Any]]:
    lines = [line[6:] for line in out.split(b"\n") if line.startswith(b"data: ")]
    return [json.loads(line) for line in lines if line != b"[DONE]"]


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


@pytest.mark.parametrize("target", ["claude", "gemini"])
def test_openai_stream_fields_are_losses_once(target: str) -> None:
    assert _losses("openai", target, _openai(LOGPROBS, "fp_1", 2)) == [
        "$.choices[0].logprobs",
        "$.system_fingerprint",
        "$.usage.prompt_tokens_details.audio_tokens",
    ]


def test_an_openai_stream_to_openai_keeps_them_but_the_logprobs() -> None:
    out, lost = _translate("openai", "openai", _openai(LOGPROBS, "fp_1", 2))
    assert lost == ["$.choices[0].logprobs"]
    chunks = _payloads(out)
    assert chunks and all(chunk["system_fingerprint"] == "fp_1" for chunk in chunks)
    usage = chunks[-1]["usage"]
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0, "audio_tokens": 2}
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 0}
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)


def test_a_fingerprint_that_changes_mid_stream_keeps_the_last() -> None:
    data = _openai(None, "fp_1", 0).replace(b'"fp_1"}, "choices": []', b'"fp_2"}, "choices": []')
    data = data.replace(b'"fp_1", "choices": []', b'"fp_2", "choices": []')
    out, lost = _translate("openai", "openai", data)
    assert lost == []
    fingerprints = [chunk["system_fingerprint"] for chunk in _payloads(out)]
    assert fingerprints[0] == "fp_1" and fingerprints[-1] == "fp_2"


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


@pytest.mark.parametrize("target", ["openai", "gemini"])
def test_claude_stream_fields_are_losses_once(target: str) -> None:
    data = _claude({"id": "cont_1"}, "standard", {"type": "refusal", "category": "cyber"})
    assert _losses("claude", target, data) == [
        "$.container",
        "$.usage.service_tier",
        "$.stop_details",
    ]


def test_a_claude_stream_to_claude_keeps_them_where_they_were() -> None:
    container = {"id": "cont_1", "expires_at": "2026-11-28T23:00:00Z"}
    data = _claude(container, "standard", {"type": "refusal", "category": "cyber"})
    out, lost = _translate("claude", "claude", data)
    assert lost == []
    events = {event["type"]: event for event in _payloads(out)}
    message = events["message_start"]["message"]
    assert message["container"] == container
    assert message["usage"]["service_tier"] == "standard"
    assert events["message_delta"]["delta"]["stop_details"] == {
        "type": "refusal",
        "category": "cyber",
    }
    for event in events.values():
        RawMessageStreamEvent.validate_python(event)


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


def test_a_streamed_answer_accumulated_keeps_them_for_a_whole_response() -> None:
    container = {"id": "cont_1", "expires_at": "2026-11-28T23:00:00Z"}
    data = _claude(container, "standard", {"type": "refusal", "category": "cyber"})
    decoding = StreamDecoding(TranslationContext(source="claude", target="claude"))
    response = accumulate(decoding.feed(data) + decoding.close())
    assert response.extras == {
        "claude": {
            "container": container,
            "_usage": {"service_tier": "standard"},
            "stop_details": {"type": "refusal", "category": "cyber"},
        }
    }
    whole = get_format("claude").encode_response(
        response, TranslationContext(source="claude", target="claude")
    )
    assert whole["container"] == container and whole["usage"]["service_tier"] == "standard"


@pytest.mark.parametrize("target", ["openai", "gemini"])
def test_a_field_nested_hundreds_deep_is_a_loss_not_a_recursion_error(target: str) -> None:
    deep = json.loads("[" * 450 + "1" + "]" * 450)
    data = _claude(None, None, deep)
    assert _losses("claude", target, data) == ["$.stop_details"]
    answer = {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [{"type": "text", "text": "Hi"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
        "stop_details": deep,
    }
    out = nexgate.translate_response(answer, source="claude", target=target)
    assert [loss.path for loss in out.losses] == ["$.stop_details"]


def test_usage_fields_of_other_servers_come_back_or_are_losses() -> None:
    """DeepSeek's cache counts and a text-token detail: kept to OpenAI, as a whole answer's
    are, and lost elsewhere with a word."""
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "total_tokens": 12,
        "prompt_cache_hit_tokens": 8,
        "prompt_cache_miss_tokens": 2,
        "prompt_tokens_details": {"cached_tokens": 8, "text_tokens": 10},
    }
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "deepseek"}
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**base, "choices": [], "usage": usage},
    ]
    data = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    data += b"data: [DONE]\n\n"
    out, lost = _translate("openai", "openai", data)
    assert lost == [] and _payloads(out)[-1]["usage"] == usage
    assert _losses("openai", "claude", data) == [
        "$.usage.prompt_cache_hit_tokens",
        "$.usage.prompt_cache_miss_tokens",
        "$.usage.prompt_tokens_details.text_tokens",
    ]
