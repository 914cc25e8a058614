"""The OpenAI stream decoder and encoder, on real recorded streams and hand-made edge cases."""

from __future__ import annotations

import random
from pathlib import Path

import msgspec
import openai
import pytest
from stream.scenarios import SCENARIOS, decode_stream, encode_stream, payloads, random_splits

from nexgate.accumulate import Accumulator, accumulate
from nexgate.errors import (
    InvalidInputError,
    OverloadedError,
    RateLimitError,
    StreamInterruptedError,
    TranslationError,
)
from nexgate.events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from nexgate.formats import TranslationContext
from nexgate.formats.openai.stream import StreamDecoder, StreamEncoder
from nexgate.schema import FinishReason, ReasoningPart, Signature, TextPart, ToolCallPart, Usage
from nexgate.sse import SSEEvent, SSEParser
from nexgate.stream_translate import StreamDecoding, StreamTranslator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "openai" / "stream"


def _fixture(name: str) -> bytes:
    path = FIXTURES / name
    if path.suffix == ".sse":
        return path.read_bytes()
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    return b"".join(b"data: " + line + b"\n\n" for line in lines) + b"data: [DONE]\n\n"


def _chunks_of(data: bytes) -> list[dict[str, object]]:
    return [p for _, p in payloads(data) if isinstance(p, dict)]


def _decode(data: bytes, ctx: TranslationContext | None = None) -> list[StreamEvent]:
    decoding = StreamDecoding(ctx or TranslationContext(source="openai", target="openai"))
    return decoding.feed(data) + decoding.close()


def _translate(data: bytes, target: str = "openai", **options: object) -> bytes:
    translator = StreamTranslator("openai", target, **options)  # type: ignore[arg-type]
    return translator.feed(data) + translator.close()


def _expected_text(data: bytes, field: str = "content", choice: int = 0) -> str:
    """The text of one choice, read straight from the recorded JSON (not via nexgate)."""
    out = ""
    for chunk in _chunks_of(data):
        for c in chunk.get("choices") or []:  # type: ignore[attr-defined]
            if c["index"] == choice:
                out += c["delta"].get(field) or ""
    return out


def test_parallel_tool_calls_become_two_parts_in_order() -> None:
    events = _decode(_fixture("tool_calls_parallel_two.sse"))
    starts = [e for e in events if isinstance(e, PartStart)]
    assert [e.index for e in starts] == [0, 1]
    assert all(isinstance(e.part, ToolCallPart) and e.part.id.startswith("call_") for e in starts)
    response = accumulate(events)
    calls = response.tool_calls
    assert [(c.name, c.arguments) for c in calls] == [
        ("GetWeatherArgs", {"city": "Edinburgh", "country": "GB", "units": "c"}),
        ("get_stock_price", {"ticker": "AAPL", "exchange": "NASDAQ"}),
    ]
    assert response.finish_reason is not None and response.finish_reason.reason == "tool_calls"
    assert response.usage == Usage(input_tokens=149, output_tokens=60)


def test_interleaved_fragments_are_routed_by_index() -> None:
    def chunk(calls: list[dict[str, object]]) -> bytes:
        body = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": calls}}]}
        return b"data: " + msgspec.json.encode(body) + b"\n\n"

    data = (
        chunk([{"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"x"'}}])
        + chunk([{"index": 1, "id": "b", "function": {"name": "g", "arguments": ""}}])
        + chunk([{"index": 1, "function": {"arguments": '{"y": 2}'}}])
        + chunk([{"index": 0, "function": {"arguments": ": 1}"}}])
        + b'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n'
        + b"data: [DONE]\n\n"
    )
    events = _decode(data)
    assert [(e.index, e.json) for e in events if isinstance(e, ToolArgsDelta)] == [
        (0, '{"x"'),
        (1, '{"y": 2}'),
        (0, ": 1}"),
    ]
    calls = accumulate(events).tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("a", "f", {"x": 1}),
        ("b", "g", {"y": 2}),
    ]


def test_include_usage_stream_ends_with_usage_on_message_end() -> None:
    data = _fixture("text_include_usage.sse")
    events = _decode(data)
    assert isinstance(events[0], MessageStart) and events[0].id.startswith("chatcmpl-")
    assert events[0].created == 1727346168 and events[0].model == "gpt-4o-2024-08-06"
    end = events[-1]
    assert isinstance(end, MessageEnd) and end.finish.raw == "stop"
    assert end.usage == Usage(input_tokens=14, output_tokens=30)
    assert isinstance(events[-2], UsageUpdate) and isinstance(events[-3], PartEnd)
    assert accumulate(events).text == _expected_text(data)


def test_n3_stream_keeps_choice_zero_and_records_one_loss() -> None:
    data = _fixture("multiple_choices_n3.sse")
    ctx = TranslationContext(source="openai", target="openai")
    response = accumulate(_decode(data, ctx))
    assert response.text == _expected_text(data, choice=0)
    assert response.text != _expected_text(data, choice=1) or response.text
    kinds = [loss.kind for loss in ctx.losses]
    assert kinds.count("extra_choices_dropped") == 1
    assert kinds == ["extra_choices_dropped"]  # the fingerprint is kept (MessageStart.extras)
    with pytest.raises(TranslationError):
        _translate(data, strict=True)


def test_refusal_streams_as_text() -> None:
    data = _fixture("refusal_include_usage.sse")
    assert accumulate(_decode(data)).text == _expected_text(data, "refusal")
    assert "sorry" in accumulate(_decode(data)).text


def test_length_finish_and_obfuscated_chunks() -> None:
    length = accumulate(_decode(_fixture("finish_length_max_tokens.sse")))
    assert length.finish_reason is not None and length.finish_reason.reason == "length"
    data = _fixture("text_obfuscation.chunks.txt")
    response = accumulate(_decode(data))
    assert response.text == _expected_text(data)
    assert response.usage == Usage(input_tokens=16, output_tokens=300)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_openai_to_openai_output_is_valid_and_faithful(name: str) -> None:
    data = _fixture(name)
    out = _translate(data)
    chunks = _chunks_of(out)
    for chunk in chunks:
        openai.types.chat.ChatCompletionChunk.model_validate(chunk)
    events = payloads(out)
    assert [p for _, p in events].count("[DONE]") == 1 and events[-1][1] == "[DONE]"
    usage_at = [i for i, (_, p) in enumerate(events) if isinstance(p, dict) and p.get("usage")]
    assert usage_at == [len(events) - 2]
    first = chunks[0]["choices"][0]["delta"]  # type: ignore[index]
    assert first == {"role": "assistant", "content": ""}
    original, again = accumulate(_decode(data)), accumulate(_decode(out))
    assert again.text == original.text
    assert [(c.id, c.name, c.arguments) for c in again.tool_calls] == [
        (c.id, c.name, c.arguments) for c in original.tool_calls
    ]
    assert again.usage == original.usage and again.finish_reason == original.finish_reason
    assert (again.id, again.model, again.created) == (original.id, original.model, original.created)


@pytest.mark.parametrize("name", ["tool_calls_parallel_two.sse", "text_include_usage.sse"])
@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
def test_recorded_stream_output_is_independent_of_chunking(name: str, target: str) -> None:
    data = _fixture(name)
    whole = _translate(data, target)
    assert _translate_chunks([data[i : i + 1] for i in range(len(data))], target) == whole
    for seed in range(5):
        assert _translate_chunks(random_splits(data, seed), target) == whole
    crlf = data.replace(b"\n", b"\r\n")
    assert _translate_chunks(random_splits(crlf, 9), target) == whole


def _translate_chunks(chunks: list[bytes], target: str) -> bytes:
    translator = StreamTranslator("openai", target)
    return b"".join(translator.feed(c) for c in chunks) + translator.close()


@pytest.mark.parametrize("cut_before", [b"data: [DONE]", b'data: {"id":"chatcmpl-ABfw031mOJ'])
def test_truncated_stream_ends_with_an_error_chunk(cut_before: bytes) -> None:
    data = _fixture("text_include_usage.sse")
    cut = data.rindex(cut_before)
    out = _translate(data[:cut])
    last = _chunks_of(out)[-1]
    assert last == {
        "error": {
            "message": "the upstream stream ended before its terminal event",
            "type": "server_error",
            "param": None,
            "code": "stream_interrupted",
        }
    }
    assert b"[DONE]" not in out
    with pytest.raises(StreamInterruptedError):
        accumulate(_decode(data[:cut]))


def test_a_stream_cut_inside_a_json_line_is_interrupted_not_malformed() -> None:
    data = _fixture("text_include_usage.sse")
    cut = data.rindex(b"data: [DONE]") - 40
    out = _translate(data[:cut])
    assert _chunks_of(out)[-1]["error"]["code"] == "stream_interrupted"  # type: ignore[index]


OVERLOADED = (
    b'data: {"id":"c1","model":"m","created":5,"choices":[{"index":0,"delta":{"content":"Hi"}}]}'
    b'\n\ndata: {"error":{"message":"The server is overloaded.","type":"server_error",'
    b'"code":"server_is_overloaded"}}\n\n'
)


@pytest.mark.parametrize(
    ("error_type", "code", "kind", "status"),
    [
        ("invalid_request_error", None, "bad_request", 400),
        ("invalid_request_error", "context_length_exceeded", "context_length", 400),
        ("server_error", None, "server", 500),
        ("rate_limit_error", None, "rate_limit", 429),
        ("authentication_error", None, "authentication", 401),
    ],
)
def test_an_error_chunk_reads_its_kind_from_type_and_code(
    error_type: str, code: str | None, kind: str, status: int
) -> None:
    error = {"message": "no", "type": error_type, "code": code}
    events = _decode(b"data: " + msgspec.json.encode({"error": error}) + b"\n\n")
    assert isinstance(events[0], StreamError)
    assert (events[0].kind, events[0].status) == (kind, status)


def test_mid_stream_error_event() -> None:
    events = _decode(OVERLOADED)
    error = events[-1]
    assert isinstance(error, StreamError)
    assert (error.status, error.kind, error.message) == (
        503,
        "overloaded",
        "The server is overloaded.",
    )
    with pytest.raises(OverloadedError, match=r"The server is overloaded\."):
        accumulate(events)
    out = _translate(OVERLOADED)
    assert b"[DONE]" not in out
    assert _chunks_of(out)[-1]["error"] == {
        "message": "The server is overloaded.",
        "type": "server_error",
        "param": None,
        "code": "server_is_overloaded",
    }
    claude = payloads(_translate(OVERLOADED, "claude"))
    assert claude[-1] == (
        "error",
        {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "The server is overloaded."},
        },
    )


def test_malformed_chunk_names_the_field() -> None:
    data = b'data: {"id":"x","choices":[{"index":0,"delta":{"tool_calls":"no"}}]}\n\n'
    with pytest.raises(InvalidInputError) as info:
        _decode(data)
    assert "tool_calls" in info.value.path


def _encode(events: list[StreamEvent], request: dict[str, object] | None = None) -> bytes:
    ctx = TranslationContext(source="claude", target="openai")
    if request is not None:
        from nexgate.translate import decode_request

        ctx.request = decode_request(request, format="openai")
    encoder = StreamEncoder(ctx)
    return b"".join(encoder.encode(e) for e in events) + encoder.close()


def _request(include_usage: bool | None) -> dict[str, object]:
    body: dict[str, object] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    if include_usage is not None:
        body["stream"] = True
        body["stream_options"] = {"include_usage": include_usage}
    return body


@pytest.mark.parametrize(
    ("request_body", "sent"),
    [(None, True), (_request(True), True), (_request(False), False), (_request(None), False)],
)
def test_usage_chunk_follows_the_request(
    request_body: dict[str, object] | None, sent: bool
) -> None:
    out = _encode(SCENARIOS["text_only"](), request_body)
    usage = [p["usage"] for p in _chunks_of(out) if p.get("usage")]
    assert usage == (
        [
            {
                "prompt_tokens": 120,
                "completion_tokens": 48,
                "total_tokens": 168,
                "prompt_tokens_details": {"cached_tokens": 20},
            }
        ]
        if sent
        else []
    )
    assert out.endswith(b"data: [DONE]\n\n") and out.count(b"[DONE]") == 1


def test_gemini_whole_call_is_an_id_chunk_then_an_arguments_chunk() -> None:
    signature = Signature(format="gemini", value="c2ln")
    events: list[StreamEvent] = [
        MessageStart(id="r1", model="gemini-2.5-flash", created=None),
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="Checking."),
        PartEnd(index=0),
        PartStart(index=1, part=ToolCallPart(id="c1", name="f", signature=signature)),
        ToolArgsDelta(index=1, json='{"a":1}'),
        PartEnd(index=1),
        PartStart(index=2, part=ToolCallPart(id="c2", name="g")),
        ToolArgsDelta(index=2, json="{}"),
        PartEnd(index=2),
        MessageEnd(finish=FinishReason(reason="stop", raw="STOP"), usage=Usage(input_tokens=3)),
    ]
    chunks = _chunks_of(_encode(events))
    deltas = [c["choices"][0]["delta"] for c in chunks if c.get("choices")]  # type: ignore[index]
    assert deltas[:2] == [{"role": "assistant", "content": ""}, {"content": "Checking."}]
    assert deltas[2:6] == [
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": ""},
                    "extra_content": {"google": {"thought_signature": "c2ln"}},
                }
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"a":1}'}}]},
        {
            "tool_calls": [
                {
                    "index": 1,
                    "id": "c2",
                    "type": "function",
                    "function": {"name": "g", "arguments": ""},
                }
            ]
        },
        {"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]},
    ]
    finish = chunks[-2]["choices"][0]  # type: ignore[index]
    assert finish["delta"] == {} and finish["finish_reason"] == "tool_calls"
    assert {c["created"] for c in chunks} == {0} and {c["id"] for c in chunks} == {"r1"}
    # The signature comes back when an OpenAI stream is decoded again.
    again = accumulate(_decode(_encode(events)))
    assert again.tool_calls[0].signature == signature


def test_claude_thinking_signature_round_trips_through_openai_chunks() -> None:
    out = encode_stream("openai", SCENARIOS["thinking_then_text"]())
    reasoning = accumulate(_decode(out)).parts[0]
    assert reasoning.signature == Signature(format="claude", value="c2lnbmF0dXJlLWNsYXVkZQ==")  # type: ignore[union-attr]


def test_close_without_end_emits_the_error_chunk_once() -> None:
    encoder = StreamEncoder(TranslationContext(source="openai", target="openai"))
    encoder.encode(MessageStart(id="x", model="m"))
    tail = encoder.close()
    assert tail.startswith(b'data: {"error":') and encoder.close() == b""


def test_accumulator_keeps_unparseable_arguments_raw() -> None:
    events: list[StreamEvent] = [
        MessageStart(id="x", model="m"),
        PartStart(index=0, part=ToolCallPart(id="c", name="f")),
        ToolArgsDelta(index=0, json="[1, 2"),
        PartEnd(index=0),
        MessageEnd(finish=FinishReason(reason="tool_calls")),
    ]
    call = accumulate(events).tool_calls[0]
    assert call.arguments == {} and call.raw_arguments == "[1, 2"


def test_accumulator_raises_the_upstream_error_with_its_retry_hint() -> None:
    accumulator = Accumulator()
    accumulator.feed(MessageStart(id="x", model="m"))
    accumulator.feed(
        StreamError(status=429, kind="rate_limit", message="slow down", retry_after=2.5)
    )
    with pytest.raises(RateLimitError, match="slow down") as info:
        accumulator.result()
    assert info.value.status == 429 and info.value.retry_after == 2.5


def test_signature_delta_does_not_mutate_the_part_start_event() -> None:
    skeleton = ToolCallPart(id="c", name="f")
    signature = Signature(format="gemini", value="s")
    from nexgate.events import SignatureDelta

    events: list[StreamEvent] = [
        MessageStart(id="x", model="m"),
        PartStart(index=0, part=skeleton),
        SignatureDelta(index=0, signature=signature),
        MessageEnd(finish=FinishReason(reason="tool_calls")),
    ]
    assert accumulate(events).tool_calls[0].signature == signature
    assert skeleton.signature is None


def test_a_five_mebibyte_delta_passes_through() -> None:
    text = "QUJD" * (5 << 18)
    events = SCENARIOS["text_only"]()
    events[2] = TextDelta(index=0, text=text)
    data = encode_stream("openai", events)
    out = _translate_chunks([data[i : i + 65536] for i in range(0, len(data), 65536)], "claude")
    assert text in decode_stream("claude", out).result().text


def test_decoder_ignores_events_after_done() -> None:
    decoder = StreamDecoder(TranslationContext(source="openai", target="openai"))
    assert decoder.feed(SSEEvent(b"[DONE]"))[-1] == MessageEnd(finish=FinishReason(reason="stop"))
    assert decoder.feed(SSEEvent(b'{"choices":[]}')) == [] and decoder.close() == []


def test_sse_parser_and_pipeline_agree_on_random_chunking() -> None:
    data = _fixture("tool_calls_parallel_two.sse")
    parser = SSEParser()
    assert len(parser.feed(data) + parser.close()) == data.count(b"data: ")
    rng = random.Random(3)
    cuts = sorted(rng.sample(range(1, len(data)), 200))
    decoding = StreamDecoding(TranslationContext(source="openai", target="openai"))
    events: list[StreamEvent] = []
    for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True):
        events += decoding.feed(data[i:j])
    assert events + decoding.close() == _decode(data)


def test_claude_redacted_thinking_survives_an_openai_stream() -> None:
    claude = (FIXTURES.parent.parent / "claude/stream/redacted_thinking.sse").read_bytes()
    original = decode_stream("claude", claude).result()
    redacted = [p for p in original.parts if isinstance(p, ReasoningPart) and p.redacted_data]
    assert redacted
    out = StreamTranslator("claude", "openai")
    data = out.feed(claude) + out.close()
    blocks = [
        block
        for chunk in _chunks_of(data)
        for choice in chunk.get("choices") or []  # type: ignore[attr-defined]
        for block in choice["delta"].get("thinking_blocks", [])
    ]
    # Each entry has its own index: the openai SDK merges list deltas by index.
    assert [block.pop("index") for block in blocks] == list(range(len(blocks)))
    assert {"type": "redacted_thinking", "data": redacted[0].redacted_data} in blocks
    again = accumulate(_decode(data))
    assert [p.redacted_data for p in again.parts if isinstance(p, ReasoningPart)] == [
        p.redacted_data for p in original.parts if isinstance(p, ReasoningPart)
    ]
    assert again.text == original.text
