"""Stream scenarios as internal events, and helpers to run them through every format."""

from __future__ import annotations

import random
from collections.abc import Callable

import msgspec

from nexgate.accumulate import Accumulator
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
from nexgate.formats import TranslationContext, get_format
from nexgate.schema import (
    FinishReason,
    FormatName,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

USAGE = Usage(input_tokens=120, output_tokens=48, cache_read_tokens=20, reasoning_tokens=0)
START = MessageStart(
    id="msg_stream_1", model="test-model", usage=Usage(input_tokens=120, cache_read_tokens=20)
)


def _end(reason: str = "stop", usage: Usage = USAGE) -> list[StreamEvent]:
    return [UsageUpdate(usage=usage), MessageEnd(finish=FinishReason(reason=reason), usage=usage)]  # type: ignore[arg-type]


def text_only() -> list[StreamEvent]:
    return [
        START,
        PartStart(index=0, part=TextPart(text="")),
        *[TextDelta(index=0, text=w) for w in ("Hello", ", ", "world", "!")],
        PartEnd(index=0),
        *_end(),
    ]


def text_then_tool_call() -> list[StreamEvent]:
    args = '{"city": "Paris", "unit": "c", "details": {"hourly": true}}'
    pieces = [args[i : i + 3] for i in range(0, len(args), 3)]
    return [
        START,
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="Let me check."),
        PartEnd(index=0),
        PartStart(index=1, part=ToolCallPart(id="call_w1", name="get_weather")),
        *[ToolArgsDelta(index=1, json=p) for p in pieces],
        PartEnd(index=1),
        *_end("tool_calls"),
    ]


def parallel_interleaved() -> list[StreamEvent]:
    a, b = '{"city": "Paris"}', '{"city": "Rome"}'
    events: list[StreamEvent] = [
        START,
        PartStart(index=0, part=ToolCallPart(id="call_a", name="get_weather")),
        PartStart(index=1, part=ToolCallPart(id="call_b", name="get_weather")),
    ]
    for i in range(0, max(len(a), len(b)), 4):
        events += [ToolArgsDelta(index=0, json=a[i : i + 4])] if a[i : i + 4] else []
        events += [ToolArgsDelta(index=1, json=b[i : i + 4])] if b[i : i + 4] else []
    return [*events, PartEnd(index=0), PartEnd(index=1), *_end("tool_calls")]


def no_argument_call() -> list[StreamEvent]:
    return [
        START,
        PartStart(index=0, part=ToolCallPart(id="call_t", name="get_time")),
        PartEnd(index=0),
        *_end("tool_calls"),
    ]


def thinking_then_text() -> list[StreamEvent]:
    usage = Usage(input_tokens=50, output_tokens=90, reasoning_tokens=60)
    return [
        START,
        PartStart(index=0, part=ReasoningPart()),
        ReasoningDelta(index=0, text="Considering the question. "),
        ReasoningDelta(index=0, text="The answer is 4."),
        SignatureDelta(
            index=0, signature=Signature(format="claude", value="c2lnbmF0dXJlLWNsYXVkZQ==")
        ),
        PartEnd(index=0),
        PartStart(index=1, part=TextPart(text="")),
        TextDelta(index=1, text="2 + 2 = 4."),
        PartEnd(index=1),
        *_end("stop", usage),
    ]


def gemini_signed_call() -> list[StreamEvent]:
    signature = Signature(format="gemini", value="Z2VtaW5pLXNpZ25hdHVyZQ==")
    return [
        START,
        PartStart(index=0, part=ToolCallPart(id="call_g", name="get_weather", signature=signature)),
        ToolArgsDelta(index=0, json='{"city": "Oslo"}'),
        PartEnd(index=0),
        *_end("tool_calls"),
    ]


def mid_stream_error() -> list[StreamEvent]:
    return [
        START,
        PartStart(index=0, part=TextPart(text="")),
        TextDelta(index=0, text="Partial"),
        StreamError(status=529, kind="overloaded", message="Overloaded"),
    ]


def truncated() -> list[StreamEvent]:
    return [START, PartStart(index=0, part=TextPart(text="")), TextDelta(index=0, text="Cut off")]


SCENARIOS: dict[str, Callable[[], list[StreamEvent]]] = {
    "text_only": text_only,
    "text_then_tool_call": text_then_tool_call,
    "parallel_interleaved": parallel_interleaved,
    "no_argument_call": no_argument_call,
    "thinking_then_text": thinking_then_text,
    "gemini_signed_call": gemini_signed_call,
    "mid_stream_error": mid_stream_error,
    "truncated": truncated,
}
FAILING = {"mid_stream_error", "truncated"}


def encode_stream(fmt: FormatName, events: list[StreamEvent]) -> bytes:
    """The scenario as ``fmt`` would stream it (its own encoder, then close)."""
    encoder = get_format(fmt).stream_encoder(
        TranslationContext(source=fmt, target=fmt, model="test-model")
    )
    return b"".join(encoder.encode(e) for e in events) + encoder.close()


def decode_stream(fmt: FormatName, data: bytes) -> Accumulator:
    decoding = StreamDecoding(TranslationContext(source=fmt, target=fmt, model="test-model"))
    accumulator = Accumulator(model="test-model")
    for event in decoding.feed(data) + decoding.close():
        accumulator.feed(event)
    return accumulator


def payloads(data: bytes) -> list[tuple[str | None, object]]:
    """(event name, decoded JSON) of each SSE event; the OpenAI ``[DONE]`` as the string."""
    parser = SSEParser()
    out: list[tuple[str | None, object]] = []
    for event in parser.feed(data) + parser.close():
        value: object = (
            event.data.decode() if event.data == b"[DONE]" else msgspec.json.decode(event.data)
        )
        out.append((event.event, value))
    return out


def random_splits(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, 40)))
    return [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
