"""Stream translation speed: µs per event and MB/s for each pair, next to the floor.

The floor is a benchmark-local loop that splits the same SSE bytes into events on blank
lines, decodes each payload with msgspec and encodes it again (no nexgate code). Each stream
has over 2,000 events including tool calls; numbers are medians of interleaved repeats.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's nexgate
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, table

from nexgate import StreamTranslator
from nexgate.events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from nexgate.formats import TranslationContext, get_format
from nexgate.schema import FinishReason, TextPart, ToolCallPart, Usage
from nexgate.stream_translate import StreamDecoding

FORMATS = ("openai", "claude", "gemini")
CHUNK = 4096  # bytes per network read


def _events() -> list[StreamEvent]:
    usage = Usage(input_tokens=900, output_tokens=2100)
    events: list[StreamEvent] = [MessageStart(id="msg_bench", model="bench-model")]
    events.append(PartStart(index=0, part=TextPart(text="")))
    events += [TextDelta(index=0, text=f" word{i}") for i in range(2000)]
    events.append(PartEnd(index=0))
    for call in range(1, 5):
        events.append(PartStart(index=call, part=ToolCallPart(id=f"call_{call}", name="lookup")))
        args = msgspec.json.encode({"query": "x" * 200, "page": call}).decode()
        events += [ToolArgsDelta(index=call, json=args[i : i + 4]) for i in range(0, len(args), 4)]
        events.append(PartEnd(index=call))
    events += [
        UsageUpdate(usage=usage),
        MessageEnd(finish=FinishReason(reason="tool_calls"), usage=usage),
    ]
    return events


def _source(fmt: str) -> bytes:
    encoder = get_format(fmt).stream_encoder(TranslationContext(source=fmt, target=fmt))  # type: ignore[arg-type]
    return b"".join(encoder.encode(e) for e in _events()) + encoder.close()


def _floor(data: bytes) -> None:
    """Split on blank lines, decode each payload, encode it again."""
    text = data.replace(b"\r\n", b"\n")
    for block in text.split(b"\n\n"):
        for line in block.split(b"\n"):
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                msgspec.json.encode(msgspec.json.decode(line[6:]))


def _translate(source: str, target: str, data: bytes) -> None:
    translator = StreamTranslator(source, target)
    for i in range(0, len(data), CHUNK):
        translator.feed(data[i : i + CHUNK])
    translator.close()


def _decode_only(source: str, data: bytes) -> list[StreamEvent]:
    decoding = StreamDecoding(TranslationContext(source=source, target=source))  # type: ignore[arg-type]
    events: list[StreamEvent] = []
    for i in range(0, len(data), CHUNK):
        events += decoding.feed(data[i : i + CHUNK])
    return events + decoding.close()


def _encode_only(target: str, events: list[StreamEvent]) -> None:
    encoder = get_format(target).stream_encoder(TranslationContext(source=target, target=target))  # type: ignore[arg-type]
    for event in events:
        encoder.encode(event)
    encoder.close()


def breakdown() -> str:
    """Where the time goes: each format's decoder (bytes -> events) and encoder, alone."""
    rows = []
    for fmt in FORMATS:
        data = _source(fmt)
        events = _decode_only(fmt, data)
        medians = interleaved_medians(
            {
                "decode": partial(_decode_only, fmt, data),
                "encode": partial(_encode_only, fmt, events),
                "floor": partial(_floor, data),
            },
            repeats=5,
            target_s=0.2,
        )
        count = data.count(b"data:")
        rows.append([fmt, *(f"{medians[k] / count:.2f}" for k in ("decode", "encode", "floor"))])
    return table(["format", "decode µs/event", "encode µs/event", "floor µs/event"], rows)


def main() -> None:
    rows = []
    for source in FORMATS:
        data = _source(source)
        events = data.count(b"data:")
        for target in FORMATS:
            try:
                _translate(source, target, data)
            except Exception as exc:  # a pair that does not work yet is reported, not timed
                rows.append(
                    [f"{source} -> {target}", str(events), "n/a", "", "", type(exc).__name__]
                )
                continue
            medians = interleaved_medians(
                {
                    "nexgate": partial(_translate, source, target, data),
                    "floor": partial(_floor, data),
                },
                repeats=5,
                target_s=0.3,
            )
            ours, floor = medians["nexgate"], medians["floor"]
            rows.append(
                [
                    f"{source} -> {target}",
                    str(events),
                    f"{ours / events:.2f}",
                    f"{floor / events:.2f}",
                    f"{len(data) / ours:.1f}",
                    f"{ours / floor:.2f}x",
                ]
            )
    print(
        table(
            ["pair", "events", "nexgate µs/event", "floor µs/event", "nexgate MB/s", "vs floor"],
            rows,
        )
    )
    print()
    print(breakdown())


if __name__ == "__main__":
    main()
