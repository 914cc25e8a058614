"""The Claude stream codecs: real recorded streams decoded, re-encoded and read by the SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anthropic
import msgspec
import pydantic
import pytest
from aiohttp import web
from stream.test_openai_compatible_shapes import CLAUDE_START, claude_sse

from nexgate import StreamTranslator
from nexgate.accumulate import accumulate
from nexgate.events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    RawDelta,
    ReasoningDelta,
    SignatureDelta,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from nexgate.formats import TranslationContext
from nexgate.formats.claude.stream import StreamDecoder, StreamEncoder
from nexgate.schema import (
    FinishReason,
    RawPart,
    ReasoningPart,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)
from nexgate.sse import SSEEvent, SSEParser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "claude" / "stream"
RECORDED = sorted(p.name for p in FIXTURES.iterdir())
EVENT = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)


def _ctx() -> TranslationContext:
    return TranslationContext(source="claude", target="claude")


def load(name: str) -> bytes:
    """``.sse`` files are raw bytes; ``.chunks.txt`` hold one JSON payload a line."""
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".sse"):
        return raw
    out = b""
    for line in raw.splitlines():
        if line.strip():
            kind = msgspec.json.decode(line)["type"]
            out += b"event: " + kind.encode() + b"\ndata: " + line + b"\n\n"
    return out


def sse_events(data: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    return parser.feed(data) + parser.close()


def decode(data: bytes, ctx: TranslationContext | None = None) -> list[StreamEvent]:
    decoder = StreamDecoder(ctx or _ctx())
    events: list[StreamEvent] = []
    for event in sse_events(data):
        events += decoder.feed(event)
    return events + decoder.close()


def encode(events: list[StreamEvent], ctx: TranslationContext | None = None) -> bytes:
    encoder = StreamEncoder(ctx or _ctx())
    return b"".join(encoder.encode(e) for e in events) + encoder.close()


def wire(data: bytes) -> list[tuple[str | None, dict[str, Any]]]:
    return [(e.event, msgspec.json.decode(e.data)) for e in sse_events(data)]


def check_claude_output(data: bytes) -> list[dict[str, Any]]:
    """Every event valid for the SDK, named by its type, blocks opened one at a time 0..n."""
    payloads = []
    open_block: int | None = None
    next_block = 0
    for name, payload in wire(data):
        assert name == payload["type"]
        if name != "error":
            EVENT.validate_python(payload)
        kind = payload["type"]
        if kind == "content_block_start":
            assert open_block is None and payload["index"] == next_block
            open_block = next_block
        elif kind == "content_block_delta":
            assert payload["index"] == open_block
        elif kind == "content_block_stop":
            assert payload["index"] == open_block
            open_block, next_block = None, next_block + 1
        elif kind in ("message_delta", "message_stop"):
            assert open_block is None
        payloads.append(payload)
    return payloads


def wire_signatures(data: bytes) -> list[str]:
    return [
        p["delta"]["signature"]
        for _, p in wire(data)
        if p["type"] == "content_block_delta" and p["delta"]["type"] == "signature_delta"
    ]


def result(events: list[StreamEvent]) -> Response:
    return accumulate(events)


# --------------------------------------------------------------------------- decoding


def test_thinking_with_signature_decodes_in_order() -> None:
    data = load("thinking_signature.chunks.txt")
    events = decode(data)
    assert isinstance(events[0], MessageStart)
    assert isinstance(events[-1], MessageEnd)
    assert isinstance(events[1], UsageUpdate)
    assert events[2] == PartStart(index=0, part=ReasoningPart())
    sig = [e for e in events if isinstance(e, SignatureDelta)]
    assert [s.signature for s in sig] == [
        Signature(format="claude", value=v) for v in wire_signatures(data)
    ]
    # The signature comes after the thinking text and before the block closes.
    positions = {type(e).__name__: i for i, e in enumerate(events) if getattr(e, "index", 0) == 0}
    assert positions["ReasoningDelta"] < positions["SignatureDelta"] < positions["PartEnd"]
    response = result(events)
    thinking, text = response.parts
    assert isinstance(thinking, ReasoningPart) and thinking.text.startswith("The previous")
    assert isinstance(text, TextPart) and text.text
    assert response.finish_reason == FinishReason(reason="stop", raw="end_turn")


def test_text_then_tool_use() -> None:
    response = result(decode(load("text_then_tool_use.sse")))
    assert response.text == "I'll check the current weather in Paris for you."
    (call,) = response.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "toolu_01NRLabsLyVHZPKxbKvkfSMn",
        "get_weather",
        {"location": "Paris"},
    )
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="tool_use")
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (377, 65)


def test_tool_without_arguments_and_pings() -> None:
    events = decode(load("tool_no_args_pings.chunks.txt"))
    assert not any(isinstance(e, ToolArgsDelta) for e in events)  # partial_json "" only
    assert not any(isinstance(e, StreamError) for e in events)
    (call,) = result(events).tool_calls
    assert call.name == "updateIssueList" and call.arguments == {}


def test_redacted_thinking_keeps_its_data() -> None:
    data = load("redacted_thinking.sse")
    blocks = [
        p["content_block"]["data"]
        for _, p in wire(data)
        if p["type"] == "content_block_start" and p["content_block"]["type"] == "redacted_thinking"
    ]
    response = result(decode(data))
    redacted = [p.redacted_data for p in response.parts if isinstance(p, ReasoningPart)]
    assert redacted == blocks and len(blocks) == 2
    again = check_claude_output(encode(decode(data)))
    assert [
        p["content_block"]["data"]
        for p in again
        if p["type"] == "content_block_start" and p["content_block"]["type"] == "redacted_thinking"
    ] == blocks


def test_refusal_without_content_blocks() -> None:
    events = decode(load("refusal_stop_details.sse"))
    end = events[-1]
    assert isinstance(end, MessageEnd)
    assert end.finish == FinishReason(reason="content_filter", raw="refusal")
    assert end.usage is not None and end.usage.input_tokens == 97
    assert not any(isinstance(e, PartStart) for e in events)


def test_message_delta_input_tokens_replace_the_early_count() -> None:
    events = decode(load("message_delta_input_tokens.chunks.txt"))
    start = events[0]
    assert isinstance(start, MessageStart) and start.usage is not None
    assert start.usage.input_tokens == 43
    end = events[-1]
    assert isinstance(end, MessageEnd) and end.usage is not None
    assert (end.usage.input_tokens, end.usage.output_tokens) == (61, 2)


def test_cache_usage_is_reported_at_message_start() -> None:
    events = decode(load("text_cache_usage.chunks.txt"))
    first = next(p for _, p in wire(load("text_cache_usage.chunks.txt")))
    usage = first["message"]["usage"]
    expected = (
        usage["input_tokens"]
        + usage["cache_read_input_tokens"]
        + usage["cache_creation_input_tokens"]
    )
    assert isinstance(events[0], MessageStart) and isinstance(events[1], UsageUpdate)
    assert events[1].usage.input_tokens == expected
    assert events[1].usage.cache_read_tokens == usage["cache_read_input_tokens"]


def test_block_without_stop_is_closed_at_message_stop() -> None:
    events = decode(load("tool_use_max_tokens_padded.sse"))
    starts = [e.index for e in events if isinstance(e, PartStart)]
    ends = [e.index for e in events if isinstance(e, PartEnd)]
    assert sorted(ends) == starts
    end = events[-1]
    assert isinstance(end, MessageEnd) and end.finish.reason == "length"


def _feed(*payloads: tuple[str, dict[str, Any]]) -> tuple[list[StreamEvent], TranslationContext]:
    ctx = _ctx()
    decoder = StreamDecoder(ctx)
    events: list[StreamEvent] = []
    for name, payload in payloads:
        events += decoder.feed(SSEEvent(data=msgspec.json.encode(payload), event=name))
    return events + decoder.close(), ctx


START = (
    "message_start",
    {
        "type": "message_start",
        "message": {"id": "msg_1", "model": "claude-x", "usage": {"input_tokens": 5}},
    },
)
STOP = ("message_stop", {"type": "message_stop"})


def test_unknown_blocks_and_deltas_are_kept_raw_and_unknown_events_skipped() -> None:
    events, ctx = _feed(
        START,
        START,  # a repeated message_start is a no-op
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "server_tool_use", "id": "s"}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "input_json_delta", "partial_json": "{}"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("content_block_start", {"type": "content_block_start", "index": 1,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "citations_delta", "citation": {}}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "text_delta", "text": "hi"}}),
        ("brand_new_event", {"type": "brand_new_event"}),
        ("content_block_stop", {"type": "content_block_stop", "index": 1}),
        STOP,
    )  # fmt: skip
    assert sum(isinstance(e, MessageStart) for e in events) == 1
    # The unknown block is a whole raw part (its input folded in); the citation a raw delta.
    server_call = {"type": "server_tool_use", "id": "s", "input": {}}
    assert [e for e in events if isinstance(e, PartStart | TextDelta | PartEnd | RawDelta)] == [
        PartStart(index=0, part=RawPart(format="claude", data=server_call)),
        PartEnd(index=0),
        PartStart(index=1, part=TextPart(text="")),
        RawDelta(index=1, format="claude", data={"type": "citations_delta", "citation": {}}),
        TextDelta(index=1, text="hi"),
        PartEnd(index=1),
    ]
    assert ctx.losses == []  # the encoders decide what is lost
    assert isinstance(events[-1], MessageEnd)


@pytest.mark.parametrize(
    ("error_type", "status", "kind"),
    [("overloaded_error", 529, "overloaded"), ("rate_limit_error", 429, "rate_limit"),
     ("api_error", 500, "server")],
)  # fmt: skip
def test_error_event_becomes_a_stream_error(error_type: str, status: int, kind: str) -> None:
    error = {"type": "error", "error": {"type": error_type, "message": "busy"}}
    events, _ = _feed(START, ("error", error))
    assert events[-1] == StreamError(status=status, kind=kind, message="busy", code=error_type)
    assert sum(isinstance(e, StreamError) for e in events) == 1  # nothing more at close


def test_truncated_stream_reports_interruption_at_close() -> None:
    data = load("text_then_tool_use.sse")
    cut = data[: data.index(b"event: message_delta")]
    events = decode(cut)
    assert not any(isinstance(e, MessageEnd) for e in events)
    error = events[-1]
    assert isinstance(error, StreamError)
    assert (error.status, error.kind) == (502, "stream_interrupted") and error.message


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "content_block_start", "index": "zero", "content_block": []},
        {"type": "content_block_delta", "index": None, "delta": "text"},
        {"type": "message_start", "message": []},
        {"type": "message_delta", "delta": [], "usage": None},
        {"type": "error", "error": "boom"},
        {"type": 7},
        [1, 2],
    ],
)
def test_malformed_events_never_raise_python_errors(payload: Any) -> None:
    decoder = StreamDecoder(_ctx())
    decoder.feed(SSEEvent(data=msgspec.json.encode(payload)))
    decoder.close()


# --------------------------------------------------------------------------- re-encoding


@pytest.mark.parametrize("name", RECORDED)
def test_claude_to_claude_round_trip(name: str) -> None:
    data = load(name)
    original = decode(data)
    out = encode(original)
    check_claude_output(out)
    again = decode(out)
    first, second = result(original), result(again)
    assert second.text == first.text
    assert [(c.id, c.name, c.arguments) for c in second.tool_calls] == [
        (c.id, c.name, c.arguments) for c in first.tool_calls
    ]
    assert wire_signatures(out) == wire_signatures(data)
    assert [p for p in second.parts if isinstance(p, ReasoningPart)] == [
        p for p in first.parts if isinstance(p, ReasoningPart)
    ]
    assert second.finish_reason == first.finish_reason
    assert second.usage == first.usage
    assert second.id == first.id and second.model == first.model


def _tool_fragments(index: int, text: str) -> list[StreamEvent]:
    return [ToolArgsDelta(index=index, json=text[i : i + 4]) for i in range(0, len(text), 4)]


def test_interleaved_tool_fragments_become_whole_ordered_blocks() -> None:
    a, b, c = '{"city": "Paris"}', '{"q": [1, 2, 3]}', '{"n": {"deep": true}}'
    fa, fb, fc = _tool_fragments(1, a), _tool_fragments(2, b), _tool_fragments(3, c)
    events: list[StreamEvent] = [
        MessageStart(id="msg_x", model="m"),
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="Calling."),
        PartEnd(index=0),
        PartStart(index=1, part=ToolCallPart(id="call_1", name="weather")),
        PartStart(index=2, part=ToolCallPart(id="call.2", name="search")),
    ]
    # Fragments of the three calls interleave; call 3 opens in the middle.
    for i in range(max(len(fa), len(fb), len(fc))):
        events += fa[i : i + 1] + fb[i : i + 1]
        if i == 0:
            events.append(PartStart(index=3, part=ToolCallPart(id="call_3", name="nested")))
        events += fc[i : i + 1]
    events += [PartEnd(index=2), PartEnd(index=3), PartEnd(index=1)]
    events.append(MessageEnd(finish=FinishReason(reason="tool_calls"), usage=Usage()))
    payloads = check_claude_output(encode(events))
    starts = [p["content_block"] for p in payloads if p["type"] == "content_block_start"]
    assert [s["type"] for s in starts] == ["text", "tool_use", "tool_use", "tool_use"]
    assert [s.get("name") for s in starts[1:]] == ["weather", "search", "nested"]
    assert starts[2]["id"].startswith("call_2")  # made safe for Claude
    response = result(decode(encode(events)))
    assert [(c.name, c.arguments) for c in response.tool_calls] == [
        ("weather", {"city": "Paris"}),
        ("search", {"q": [1, 2, 3]}),
        ("nested", {"n": {"deep": True}}),
    ]
    delta = next(p for p in payloads if p["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"


def test_whole_calls_and_argument_free_calls() -> None:
    events: list[StreamEvent] = [
        MessageStart(id="gen-1", model="gemini-2.5-flash"),
        UsageUpdate(usage=Usage(input_tokens=11)),
        PartStart(index=0, part=ToolCallPart(id="ngc_abc_0", name="now")),
        ToolArgsDelta(index=0, json="{}"),
        PartEnd(index=0),
        PartStart(index=1, part=ToolCallPart(id="ngc_abc_1", name="weather")),
        ToolArgsDelta(index=1, json='{"city":"Oslo"}'),
        PartEnd(index=1),
        MessageEnd(finish=FinishReason(reason="tool_calls", raw="STOP")),
    ]
    payloads = check_claude_output(encode(events))
    kinds = [(p["type"], p.get("delta", {}).get("type")) for p in payloads]
    assert kinds == [
        ("message_start", None),
        ("content_block_start", None),
        ("content_block_delta", "input_json_delta"),
        ("content_block_stop", None),
        ("content_block_start", None),
        ("content_block_delta", "input_json_delta"),
        ("content_block_stop", None),
        ("message_delta", None),
        ("message_stop", None),
    ]
    # message_start waited for content, so it carries the input count reported meanwhile.
    assert payloads[0]["message"]["usage"]["input_tokens"] == 11
    response = result(decode(encode(events)))
    assert [c.arguments for c in response.tool_calls] == [{}, {"city": "Oslo"}]
    assert payloads[-2]["delta"]["stop_reason"] == "tool_use"


def test_only_claude_signatures_are_emitted() -> None:
    ctx = _ctx()
    events: list[StreamEvent] = [
        MessageStart(id="m", model="m"),
        PartStart(index=0, part=ReasoningPart()),
        ReasoningDelta(index=0, text="thinking"),
        SignatureDelta(index=0, signature=Signature(format="gemini", value="g-sig")),
        PartEnd(index=0),
        PartStart(index=1, part=ReasoningPart()),
        ReasoningDelta(index=1, text="more"),
        SignatureDelta(index=1, signature=Signature(format="claude", value="c-sig")),
        PartEnd(index=1),
        PartStart(index=2, part=ToolCallPart(id="t", name="f", signature=Signature(
            format="gemini", value="call-sig"))),
        PartEnd(index=2),
        MessageEnd(finish=FinishReason(reason="tool_calls")),
    ]  # fmt: skip
    out = encode(events, ctx)
    check_claude_output(out)
    assert wire_signatures(out) == ["c-sig"]
    assert b"g-sig" not in out and b"call-sig" not in out
    assert [loss.kind for loss in ctx.losses] == ["signature_not_replayable"] * 2


def test_signature_in_the_skeleton_goes_out_before_the_stop() -> None:
    sig = Signature(format="claude", value="early")
    events: list[StreamEvent] = [
        MessageStart(id="m", model="m"),
        PartStart(index=0, part=ReasoningPart(signature=sig)),
        ReasoningDelta(index=0, text="a"),
        ReasoningDelta(index=0, text="b"),
        PartEnd(index=0),
        MessageEnd(finish=FinishReason(reason="stop")),
    ]
    payloads = check_claude_output(encode(events))
    deltas = [p["delta"]["type"] for p in payloads if p["type"] == "content_block_delta"]
    assert deltas == ["thinking_delta", "thinking_delta", "signature_delta"]


def test_mid_stream_error_is_an_error_event() -> None:
    events: list[StreamEvent] = [
        MessageStart(id="m", model="m"),
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="partial"),
        StreamError(status=529, kind="overloaded", message="Overloaded"),
        TextDelta(index=0, text="ignored"),
    ]
    out = encode(events)
    payloads = check_claude_output(out)
    assert payloads[-1] == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert b"ignored" not in out
    assert isinstance(decode(out)[-1], StreamError)


def test_encoder_close_without_end_is_an_error_event() -> None:
    encoder = StreamEncoder(_ctx())
    out = encoder.encode(MessageStart(id="m", model="m"))
    out += encoder.encode(PartStart(index=0, part=TextPart(text="")))
    out += encoder.encode(TextDelta(index=0, text="cut"))
    out += encoder.close()
    name, payload = wire(out)[-1]
    assert name == "error" and payload["error"]["type"] == "api_error"
    assert encoder.close() == b""  # only once


def test_message_delta_usage_and_stop_sequence() -> None:
    usage = Usage(input_tokens=100, output_tokens=20, cache_read_tokens=30, cache_write_tokens=10)
    events: list[StreamEvent] = [
        MessageStart(id="m", model="m", usage=Usage(input_tokens=100, cache_read_tokens=30)),
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="x"),
        PartEnd(index=0),
        MessageEnd(finish=FinishReason(reason="stop"), usage=usage, stop_sequence="END"),
    ]
    payloads = check_claude_output(encode(events))
    start_usage = payloads[0]["message"]["usage"]
    assert (start_usage["input_tokens"], start_usage["cache_read_input_tokens"]) == (70, 30)
    delta = payloads[-2]
    assert delta["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "END"}
    assert delta["usage"]["output_tokens"] == 20 and delta["usage"]["input_tokens"] == 60


# --------------------------------------------------------------------------- SDK peer


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        body = bodies[0]
        for i in range(0, len(body), 61):  # arbitrary chunking on the wire
            await response.write(body[i : i + 61])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/messages", handler)
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
async def test_anthropic_client_reads_the_re_encoded_stream(
    server: tuple[str, list[bytes]],
) -> None:
    url, bodies = server
    data = load("thinking_then_tool_use.sse")
    bodies.append(encode(decode(data)))
    client = anthropic.AsyncAnthropic(base_url=url, api_key="test", max_retries=0)
    async with client.messages.stream(
        model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        message = await stream.get_final_message()
    await client.close()
    expected = result(decode(data))
    thinking = message.content[0]
    assert thinking.type == "thinking" and thinking.signature == wire_signatures(data)[0]
    tool = message.content[-1]
    assert tool.type == "tool_use"
    assert tool.input == expected.tool_calls[0].arguments
    assert message.stop_reason == "tool_use"
    assert expected.usage is not None
    assert message.usage.output_tokens == expected.usage.output_tokens


def test_null_counts_in_message_delta_usage_keep_the_earlier_ones() -> None:
    # The anthropic SDK's own MessageDeltaEvent writes its unset optional counts as null.
    delta = anthropic.types.MessageDeltaEvent.model_validate(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 5},
        }
    )
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-x",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 100},
        },
    }
    lines = [
        msgspec.json.encode(start),
        delta.model_dump_json().encode(),
        b'{"type":"message_stop"}',
    ]
    assert b'"input_tokens":null' in lines[1]
    data = b"".join(
        b"event: " + msgspec.json.decode(line)["type"].encode() + b"\ndata: " + line + b"\n\n"
        for line in lines
    )
    usage = result(decode(data)).usage
    assert usage is not None
    assert (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens) == (110, 100, 5)


def test_deltas_events_have_no_place_for_are_one_loss_per_kind() -> None:
    """A cited answer streams a citations_delta per citation: one loss says so, not one each."""
    citation = {"type": "char_location", "cited_text": "x", "document_index": 0}
    events = [
        CLAUDE_START,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *[
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "citations_delta", "citation": citation},
            }
            for _ in range(3)
        ],
        {"type": "content_block_delta", "index": 0, "delta": {"type": ["odd"]}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 1},
        },
        {"type": "message_stop"},
    ]
    data = claude_sse(events)
    translator = StreamTranslator("claude", "openai")
    out = translator.feed(data) + translator.close()
    assert b"Hi" in out
    # The malformed delta is the decoder's loss, the citations the OpenAI encoder's.
    assert sorted(loss.detail for loss in translator.losses) == [
        "stream delta 'citations_delta' skipped",
        "stream delta ['odd'] skipped",
    ]


def test_a_delta_field_named_like_an_internal_key_is_a_loss_not_a_crash() -> None:
    events = [
        CLAUDE_START,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None, "_usage": 5},
            "usage": {"output_tokens": 2, "server_tool_use": {"web_search_requests": 1}},
        },
        {"type": "message_stop"},
    ]
    data = claude_sse(events)
    translator = StreamTranslator("claude", "claude")
    out = translator.feed(data) + translator.close()
    assert b'"web_search_requests":1' in out
    assert [loss.path for loss in translator.losses] == ["$._usage"]
