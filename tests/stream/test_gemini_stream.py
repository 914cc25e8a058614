"""The Gemini stream codecs: real recorded streams decoded, re-encoded and read by the SDK."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web
from google import genai
from google.genai import types as genai_types

from nexgate.accumulate import accumulate
from nexgate.errors import NexgateError
from nexgate.events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    ReasoningDelta,
    SignatureDelta,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from nexgate.formats import TranslationContext
from nexgate.formats.gemini.stream import StreamDecoder, StreamEncoder
from nexgate.schema import (
    FinishReason,
    ReasoningPart,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)
from nexgate.sse import SSEEvent, SSEParser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gemini" / "stream"
RECORDED = sorted(p.name for p in FIXTURES.iterdir())


def _ctx() -> TranslationContext:
    return TranslationContext(source="gemini", target="gemini", model="fallback-model")


def load(name: str) -> bytes:
    """``.sse`` files are raw bytes (CRLF framing); ``.chunks.txt`` hold one JSON a line."""
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".sse"):
        return raw
    return b"".join(b"data: " + line + b"\n\n" for line in raw.splitlines() if line.strip())


def chunks(data: bytes) -> list[dict[str, Any]]:
    parser = SSEParser()
    return [msgspec.json.decode(e.data) for e in parser.feed(data) + parser.close()]


def decode(data: bytes, ctx: TranslationContext | None = None) -> list[StreamEvent]:
    decoder = StreamDecoder(ctx or _ctx())
    parser = SSEParser()
    events: list[StreamEvent] = []
    for event in parser.feed(data) + parser.close():
        events += decoder.feed(event)
    return events + decoder.close()


def encode(events: list[StreamEvent], ctx: TranslationContext | None = None) -> bytes:
    encoder = StreamEncoder(ctx or _ctx())
    return b"".join(encoder.encode(e) for e in events) + encoder.close()


def check_gemini_output(data: bytes) -> list[dict[str, Any]]:
    """LF framing; every chunk valid for the SDK, with responseId and modelVersion."""
    assert b"\r" not in data
    out = chunks(data)
    for chunk in out:
        if "error" in chunk:
            continue
        genai_types.GenerateContentResponse.model_validate(chunk)
        assert "responseId" in chunk and "modelVersion" in chunk
        (candidate,) = chunk["candidates"]
        assert candidate["index"] == 0
        if "content" in candidate:
            assert candidate["content"]["role"] == "model"
    return out


def wire_parts(data: bytes) -> list[dict[str, Any]]:
    return [
        part
        for chunk in chunks(data)
        for candidate in chunk.get("candidates", [])[:1]
        for part in candidate.get("content", {}).get("parts", [])
    ]


def wire_signatures(data: bytes) -> list[str]:
    return [p["thoughtSignature"] for p in wire_parts(data) if "thoughtSignature" in p]


def result(events: list[StreamEvent]) -> Response:
    return accumulate(events)


# --------------------------------------------------------------------------- decoding


def test_thought_signature_on_a_function_call() -> None:
    data = load("thinking_function_call_signature.sse")
    assert b"\r\n" in data
    events = decode(data)
    assert isinstance(events[0], MessageStart) and isinstance(events[-1], MessageEnd)
    response = result(events)
    reasoning = [p for p in response.parts if isinstance(p, ReasoningPart)]
    assert len(reasoning) == 1 and reasoning[0].text.startswith("**Calculating the Days**")
    (call,) = response.tool_calls
    assert call.name == "now" and call.arguments == {}
    assert call.signature == Signature(format="gemini", value=wire_signatures(data)[0])
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="STOP")
    last = chunks(data)[-1]["usageMetadata"]
    assert response.usage is not None
    thoughts = last["thoughtsTokenCount"]
    assert response.usage.output_tokens == last["candidatesTokenCount"] + thoughts
    assert response.usage.reasoning_tokens == last["thoughtsTokenCount"]


def test_vertex_streamed_arguments_of_parallel_calls() -> None:
    data = load("vertex_parallel_calls_partial_args.chunks.txt")
    response = result(decode(data))
    calls = response.tool_calls
    assert [(c.name, c.arguments) for c in calls] == [
        ("read_theme", {}),
        ("read_screen", {"id": "A"}),
        ("read_screen", {"id": "B"}),
        ("read_screen", {"id": "C"}),
    ]
    assert len({c.id for c in calls}) == 4
    assert calls[0].signature is not None and calls[1].signature is None
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="STOP")


def test_signature_only_empty_part_stays_a_signed_text_part() -> None:
    data = load("reasoning_gemini3_signature_empty_part.chunks.txt")
    response = result(decode(data))
    (text,) = response.parts
    assert isinstance(text, TextPart) and text.text.startswith("There are **3**")
    assert text.signature == Signature(format="gemini", value=wire_signatures(data)[0])
    again = encode(decode(data))
    assert {"text": "", "thoughtSignature": wire_signatures(data)[0]} in wire_parts(again)


def test_crlf_text_stream() -> None:
    data = load("text_basic_crlf.sse")
    expected = "".join(p.get("text", "") for p in wire_parts(data))
    events = decode(data)
    assert sum(isinstance(e, PartStart) for e in events) == 1  # one continued text part
    response = result(events)
    assert response.text == expected and expected
    assert response.model == chunks(data)[0].get("modelVersion", "fallback-model")


def test_thought_and_text_parts_alternate_with_separate_indexes() -> None:
    events = decode(load("thinking_thought_summary.sse"))
    starts = [e for e in events if isinstance(e, PartStart)]
    assert [type(s.part) for s in starts] == [ReasoningPart, TextPart]
    assert [s.index for s in starts] == [0, 1]


def _feed(*payloads: Any) -> tuple[list[StreamEvent], TranslationContext]:
    ctx = _ctx()
    decoder = StreamDecoder(ctx)
    events: list[StreamEvent] = []
    for payload in payloads:
        events += decoder.feed(SSEEvent(data=msgspec.json.encode(payload)))
    return events + decoder.close(), ctx


def _parts(*parts: dict[str, Any], **candidate: Any) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": list(parts)}, **candidate}]}


def test_nameless_call_continues_the_previous_call() -> None:
    events, _ = _feed(
        _parts({"functionCall": {"name": "lookup", "args": {"a": 1}}}),
        _parts({"functionCall": {"args": {"b": 2}}}),
        _parts({"text": ""}, finishReason="STOP"),
    )
    (call,) = result(events).tool_calls
    assert call.name == "lookup" and call.arguments == {"a": 1, "b": 2}
    assert call.id.startswith("ngc_")


def test_error_chunk_becomes_a_stream_error() -> None:
    error = {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
    events, _ = _feed(_parts({"text": "Hi"}), error)
    assert events[-1] == StreamError(
        status=429, kind="rate_limit", message="slow down", code="RESOURCE_EXHAUSTED"
    )
    assert sum(isinstance(e, StreamError) for e in events) == 1


def test_blocked_prompt_ends_with_content_filter() -> None:
    events, _ = _feed({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {}})
    end = events[-1]
    assert isinstance(end, MessageEnd)
    assert end.finish == FinishReason(reason="content_filter", raw="SAFETY")


def test_truncated_stream_reports_interruption_at_close() -> None:
    events, _ = _feed(_parts({"text": "Hel"}), _parts({"functionCall": {"name": "f"}}))
    assert not any(isinstance(e, MessageEnd) for e in events)
    error = events[-1]
    assert isinstance(error, StreamError)
    assert (error.status, error.kind) == (502, "stream_interrupted")


def test_model_falls_back_to_the_context_model() -> None:
    events, _ = _feed(_parts({"text": "x"}, finishReason="MAX_TOKENS"))
    start = events[0]
    assert isinstance(start, MessageStart) and start.model == "fallback-model"
    end = events[-1]
    assert isinstance(end, MessageEnd) and end.finish == FinishReason(
        reason="length", raw="MAX_TOKENS"
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"candidates": "x"},
        {"candidates": [{"content": {"parts": [{"functionCall": "x"}]}}]},
        {"candidates": [{"content": {"parts": [{"functionCall": {"partialArgs": 3}}]}}]},
        {"error": {"code": "x", "status": 5}},
        [],
        "text",
    ],
)
def test_malformed_chunks_raise_only_nexgate_errors(payload: Any) -> None:
    decoder = StreamDecoder(_ctx())
    with contextlib.suppress(NexgateError):
        decoder.feed(SSEEvent(data=msgspec.json.encode(payload)))
    decoder.close()


# --------------------------------------------------------------------------- re-encoding


@pytest.mark.parametrize("name", RECORDED)
def test_gemini_to_gemini_round_trip(name: str) -> None:
    data = load(name)
    original = decode(data)
    out = encode(original)
    check_gemini_output(out)
    first, second = result(original), result(decode(out))
    assert second.text == first.text
    assert [(c.name, c.arguments, c.signature) for c in second.tool_calls] == [
        (c.name, c.arguments, c.signature) for c in first.tool_calls
    ]
    assert [p for p in second.parts if isinstance(p, ReasoningPart)] == [
        p for p in first.parts if isinstance(p, ReasoningPart)
    ]
    assert sorted(wire_signatures(out)) == sorted(wire_signatures(data))
    assert second.finish_reason == first.finish_reason
    assert second.usage == first.usage
    assert second.id == first.id
    # The ids nexgate synthesized for id-less calls never reach a Gemini client.
    assert not any("id" in p["functionCall"] for p in wire_parts(out) if "functionCall" in p)


def test_tool_arguments_are_buffered_and_sent_whole() -> None:
    ctx = _ctx()
    args = '{"city": "Paris", "days": [1, 2]}'
    events: list[StreamEvent] = [
        MessageStart(id="resp-1", model="gemini-x"),
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="Let me look."),
        PartEnd(index=0),
        PartStart(index=1, part=ToolCallPart(id="call_abc", name="weather")),
        PartStart(index=2, part=ToolCallPart(id="call_def", name="noargs")),
        *[ToolArgsDelta(index=1, json=args[i : i + 5]) for i in range(0, len(args), 5)],
        PartEnd(index=2),
        PartEnd(index=1),
        PartStart(index=3, part=ToolCallPart(id="ngc_0123_0", name="signed", signature=Signature(
            format="gemini", value="Z3NpZw=="))),
        ToolArgsDelta(index=3, json="{}"),
        PartEnd(index=3),
        UsageUpdate(usage=Usage(input_tokens=10, output_tokens=30, reasoning_tokens=12)),
        MessageEnd(finish=FinishReason(reason="tool_calls", raw="tool_use")),
    ]  # fmt: skip
    out = check_gemini_output(encode(events, ctx))
    parts = [c["candidates"][0].get("content", {}).get("parts") for c in out]
    assert parts[:4] == [
        [{"text": "Let me look."}],
        [{"functionCall": {"name": "noargs", "args": {}, "id": "call_def"}}],
        [{"functionCall": {"name": "weather", "args": {"city": "Paris", "days": [1, 2]},
                           "id": "call_abc"}}],
        [{"functionCall": {"name": "signed", "args": {}}, "thoughtSignature": "Z3NpZw=="}],
    ]  # fmt: skip
    last = out[-1]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"] == {
        "promptTokenCount": 10,
        "candidatesTokenCount": 18,
        "totalTokenCount": 40,
        "thoughtsTokenCount": 12,
    }
    assert all(c["responseId"] == "resp-1" and c["modelVersion"] == "gemini-x" for c in out)
    assert not ctx.losses


def test_reasoning_and_foreign_signatures() -> None:
    ctx = _ctx()
    events: list[StreamEvent] = [
        MessageStart(id="msg_1", model="claude-x"),
        PartStart(index=0, part=ReasoningPart()),
        ReasoningDelta(index=0, text="hmm"),
        SignatureDelta(index=0, signature=Signature(format="claude", value="c-sig")),
        PartEnd(index=0),
        PartStart(index=1, part=TextPart(text="")),
        TextDelta(index=1, text="answer"),
        SignatureDelta(index=1, signature=Signature(format="gemini", value="dHNpZw==")),
        PartEnd(index=1),
        MessageEnd(finish=FinishReason(reason="length", raw="max_tokens")),
    ]
    out = encode(events, ctx)
    check_gemini_output(out)
    assert wire_parts(out) == [
        {"text": "hmm", "thought": True},
        {"text": "answer"},
        {"text": "", "thoughtSignature": "dHNpZw=="},
    ]
    assert b"c-sig" not in out
    assert [loss.kind for loss in ctx.losses] == ["signature_not_replayable"]
    assert chunks(out)[-1]["candidates"][0]["finishReason"] == "MAX_TOKENS"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (StreamError(status=529, kind="overloaded", message="busy"), (503, "UNAVAILABLE")),
        (StreamError(status=429, kind="rate_limit", message="slow"), (429, "RESOURCE_EXHAUSTED")),
        (StreamError(status=502, kind="stream_interrupted", message="cut"), (502, "UNAVAILABLE")),
    ],
)
def test_stream_error_is_an_error_chunk(error: StreamError, expected: tuple[int, str]) -> None:
    events: list[StreamEvent] = [
        MessageStart(id="r", model="m"),
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="partial"),
        error,
        TextDelta(index=0, text="ignored"),
    ]
    out = chunks(encode(events))
    assert out[-1] == {"error": {"code": expected[0], "message": error.message,
                                 "status": expected[1]}}  # fmt: skip
    assert len(out) == 2
    decoded = decode(encode(events))[-1]
    assert isinstance(decoded, StreamError) and decoded.status == expected[0]


def test_encoder_close_without_end_sends_the_error_chunk_once() -> None:
    encoder = StreamEncoder(_ctx())
    encoder.encode(MessageStart(id="r", model="m"))
    tail = encoder.close()
    assert chunks(tail) == [{"error": {"code": 502, "message": chunks(tail)[0]["error"][
        "message"], "status": "UNAVAILABLE"}}]  # fmt: skip
    assert encoder.close() == b""


# --------------------------------------------------------------------------- SDK peer


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        body = bodies[0]
        for i in range(0, len(body), 53):
            await response.write(body[i : i + 53])
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
        yield f"http://127.0.0.1:{port}", bodies
    finally:
        await runner.cleanup()


@pytest.mark.anyio
async def test_genai_client_reads_the_re_encoded_stream(
    server: tuple[str, list[bytes]],
) -> None:
    url, bodies = server
    data = load("thinking_function_call_signature.sse")
    bodies.append(encode(decode(data)))
    client = genai.Client(api_key="test", http_options=genai_types.HttpOptions(base_url=url))
    parts: list[genai_types.Part] = []
    finish = None
    stream = await client.aio.models.generate_content_stream(
        model="gemini-2.5-flash", contents="days to new year?"
    )
    async for chunk in stream:
        assert chunk.candidates
        content = chunk.candidates[0].content
        parts += content.parts or [] if content else []
        finish = chunk.candidates[0].finish_reason or finish
    calls = [p for p in parts if p.function_call]
    assert len(calls) == 1 and calls[0].function_call is not None
    assert calls[0].function_call.name == "now" and calls[0].function_call.args == {}
    assert calls[0].thought_signature is not None  # bytes, decoded by the SDK from base64
    assert any(p.thought for p in parts)
    assert finish == genai_types.FinishReason.STOP


def test_candidates_past_the_first_are_a_recorded_loss() -> None:
    def candidate(text: str, index: int) -> dict[str, Any]:
        content = {"role": "model", "parts": [{"text": text}]}
        return {"content": content, "finishReason": "STOP", "index": index}

    body = {"candidates": [candidate("B", 1), candidate("A", 0)]}
    ctx = _ctx()
    events = decode(b"data: " + msgspec.json.encode(body) + b"\n\n", ctx)
    assert result(events).text == "A"
    assert [loss.kind for loss in ctx.losses] == ["extra_candidates_dropped"]
