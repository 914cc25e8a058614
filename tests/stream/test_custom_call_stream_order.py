"""A streamed custom tool call keeps its place among the function calls: the accumulated answer
equals the whole one, and an OpenAI stream keeps the call indexes (the stream moved it after
the function calls).

Found by the review of the latest changes."""

from __future__ import annotations

import json

from stream.test_openai_custom_tool_stream import openai_sse

import nexgate
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

CUSTOM = {"id": "call_c", "type": "custom", "custom": {"name": "grep", "input": "TODO"}}
FUNC = {"id": "call_f", "type": "function", "function": {"name": "f", "arguments": "{}"}}


STREAM = openai_sse(
    [
        ({"role": "assistant", "tool_calls": [{"index": 0, **CUSTOM}]}, None),
        ({"tool_calls": [{"index": 1, **FUNC}]}, None),
        ({}, "tool_calls"),
    ]
)
WHOLE = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-5",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": None, "tool_calls": [CUSTOM, FUNC]},
        }
    ],
}


def test_accumulated_order_equals_whole() -> None:
    decoding = StreamDecoding(TranslationContext(source="openai", target="openai"))
    streamed = accumulate(decoding.feed(STREAM) + decoding.close())
    whole = get_format("openai").decode_response(
        WHOLE, TranslationContext(source="openai", target="openai")
    )
    assert streamed.parts == whole.parts


def test_identity_stream_keeps_call_indexes() -> None:
    t = nexgate.StreamTranslator("openai", "openai", strict=True)
    out = t.feed(STREAM) + t.close()
    firsts = {}
    for ev in SSEParser().feed(out):
        if ev.data == b"[DONE]":
            continue
        for ch in json.loads(ev.data)["choices"]:
            for call in ch["delta"].get("tool_calls", []):
                if "id" in call:
                    firsts[call["id"]] = call["index"]
    assert firsts == {"call_c": 0, "call_f": 1}
