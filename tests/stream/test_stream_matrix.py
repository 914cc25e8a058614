"""Every (source, target) stream pair × the scenarios: valid for the SDKs, same meaning."""

from __future__ import annotations

import itertools

import pytest
import sdk_validators
from stream.scenarios import (
    FAILING,
    SCENARIOS,
    decode_stream,
    encode_stream,
    payloads,
    random_splits,
)

from nexgate import StreamTranslator
from nexgate.errors import APIStatusError, StreamInterruptedError
from nexgate.schema import FormatName, ToolCallPart

FORMATS: list[FormatName] = ["openai", "claude", "gemini"]
PAIRS = list(itertools.product(FORMATS, FORMATS))


def translate(source: FormatName, target: FormatName, chunks: list[bytes]) -> bytes:
    translator = StreamTranslator(source, target, model="test-model")
    return b"".join(translator.feed(c) for c in chunks) + translator.close()


def validate(target: FormatName, data: bytes, *, usage_chunk: bool | None = None) -> None:
    """Every payload valid for the SDK; for OpenAI, ``[DONE]`` once and last, with at most one
    usage chunk right before it (``usage_chunk`` True/False: it must / must not be there)."""
    events = payloads(data)
    assert events, "no events"
    for name, payload in events:
        if target == "openai":
            if payload == "[DONE]":
                continue
            assert isinstance(payload, dict)
            if "error" in payload:
                continue
            sdk_validators.openai_stream_chunk(payload)
        elif target == "claude":
            assert isinstance(payload, dict) and name == payload["type"]
            if name not in ("ping", "error"):
                sdk_validators.claude_stream_event(payload)
        else:
            assert isinstance(payload, dict)
            if "error" not in payload:
                sdk_validators.gemini_stream_chunk(payload)
    if target == "openai":
        done = [p for _, p in events if p == "[DONE]"]
        errored = any(isinstance(p, dict) and "error" in p for _, p in events)
        assert len(done) == (0 if errored else 1)
        if done:
            assert events[-1][1] == "[DONE]"
            usage_chunks = [
                i for i, (_, p) in enumerate(events) if isinstance(p, dict) and p.get("usage")
            ]
            assert usage_chunks in ([len(events) - 2], [])
            if usage_chunk is not None:
                assert bool(usage_chunks) == usage_chunk


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_stream_pair(source: FormatName, target: FormatName, scenario: str) -> None:
    expected = decode_stream(source, encode_stream(source, SCENARIOS[scenario]()))
    data = encode_stream(source, SCENARIOS[scenario]())
    out = translate(source, target, [data])
    # No request given: the usage chunk is sent whenever the stream ends with usage.
    validate(target, out, usage_chunk=None if scenario in FAILING else True)
    got = decode_stream(target, out)

    if scenario in FAILING:
        error = got.error_value()
        assert error is not None, "a failed stream must not end cleanly"
        if scenario == "truncated":
            assert isinstance(error, StreamInterruptedError | APIStatusError)
        else:
            assert isinstance(error, APIStatusError) and error.kind == "overloaded"
        return

    want, have = expected.result(), got.result()
    assert have.text == want.text
    assert [(c.name, c.arguments) for c in have.tool_calls] == [
        (c.name, c.arguments) for c in want.tool_calls
    ]
    assert have.finish_reason is not None and want.finish_reason is not None
    assert have.finish_reason.reason == want.finish_reason.reason
    assert have.usage is not None and want.usage is not None
    assert (have.usage.input_tokens, have.usage.output_tokens) == (
        want.usage.input_tokens,
        want.usage.output_tokens,
    )
    assert have.usage.output_tokens > 0


@pytest.mark.parametrize(
    "scenario", ["text_then_tool_call", "parallel_interleaved", "thinking_then_text"]
)
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_chunking_invariance(source: FormatName, target: FormatName, scenario: str) -> None:
    data = encode_stream(source, SCENARIOS[scenario]())
    whole = translate(source, target, [data])
    assert translate(source, target, [data[i : i + 1] for i in range(len(data))]) == whole
    for seed in range(3):
        assert translate(source, target, random_splits(data, seed)) == whole


def test_signatures_replay_only_to_their_issuer() -> None:
    claude = encode_stream("claude", SCENARIOS["thinking_then_text"]())
    back = decode_stream("claude", translate("claude", "claude", [claude])).result()
    reasoning = [p for p in back.parts if type(p).__name__ == "ReasoningPart"]
    assert reasoning and reasoning[0].signature is not None
    assert reasoning[0].signature.value == "c2lnbmF0dXJlLWNsYXVkZQ=="

    gemini = encode_stream("gemini", SCENARIOS["gemini_signed_call"]())
    call = decode_stream("gemini", translate("gemini", "gemini", [gemini])).result().tool_calls[0]
    assert call.signature is not None and call.signature.value == "Z2VtaW5pLXNpZ25hdHVyZQ=="

    translator = StreamTranslator("gemini", "claude")
    translator.feed(gemini)
    translator.close()
    assert any(loss.kind == "signature_not_replayable" for loss in translator.losses)


def test_openai_caller_gets_the_gemini_signature_as_an_extension() -> None:
    gemini = encode_stream("gemini", SCENARIOS["gemini_signed_call"]())
    out = translate("gemini", "openai", [gemini])
    calls = [
        call
        for _, p in payloads(out)
        if isinstance(p, dict) and p.get("choices")
        for call in p["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert calls[0]["extra_content"] == {
        "google": {"thought_signature": "Z2VtaW5pLXNpZ25hdHVyZQ=="}
    }


def test_interleaved_openai_fragments_become_ordered_claude_blocks() -> None:
    source = encode_stream("openai", SCENARIOS["parallel_interleaved"]())
    out = payloads(translate("openai", "claude", [source]))
    opened: list[int] = []
    open_now: int | None = None
    for name, payload in out:
        assert isinstance(payload, dict)
        if name == "content_block_start":
            assert open_now is None, "a block opened while another was open"
            open_now = payload["index"]
            opened.append(open_now)
        elif name == "content_block_delta":
            assert payload["index"] == open_now
        elif name == "content_block_stop":
            assert payload["index"] == open_now
            open_now = None
    assert opened == [0, 1]
    calls = decode_stream("claude", translate("openai", "claude", [source])).result().tool_calls
    assert [(c.id, c.arguments) for c in calls] == [
        ("call_a", {"city": "Paris"}),
        ("call_b", {"city": "Rome"}),
    ]


def test_usage_request_option_controls_the_openai_usage_chunk() -> None:
    claude = encode_stream("claude", SCENARIOS["text_only"]())
    request = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": False},
    }
    translator = StreamTranslator("claude", "openai", request=request)
    out = translator.feed(claude) + translator.close()
    assert not any(isinstance(p, dict) and p.get("usage") for _, p in payloads(out))


def test_tool_call_ids_in_a_gemini_stream_are_synthesized_deterministically() -> None:
    data = (
        b'data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":'
        b'{"name":"f","args":{"a":1}}}]},"finishReason":"STOP","index":0}],'
        b'"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5},'
        b'"responseId":"r1","modelVersion":"gemini-2.5-flash"}\r\n\r\n'
    )
    first = decode_stream("gemini", data).result().tool_calls
    assert isinstance(first[0], ToolCallPart)
    assert first[0].id == decode_stream("gemini", data).result().tool_calls[0].id
    assert first[0].id.startswith("ngc_")
    assert decode_stream("gemini", data).result().finish_reason.reason == "tool_calls"  # type: ignore[union-attr]
