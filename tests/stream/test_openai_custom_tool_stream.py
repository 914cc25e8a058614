"""A custom tool's call streamed in OpenAI format (``type: "custom"``, its input in pieces)
comes back whole to an OpenAI caller and accumulates as a whole answer decodes it; another
format records it as lost.

The decoder read it as a function call with no name and ``{}`` arguments, a call to nothing.
(The openai SDK's chunk types model function calls only; the fragments' shape follows the
whole answer's ``custom: {name, input}``.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import nexgate
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

_CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5"}
CALL = {"id": "call_1", "type": "custom", "custom": {"name": "grep", "input": "TODO"}}


def openai_sse(deltas: list[tuple[dict[str, Any], str | None]]) -> bytes:
    """An OpenAI stream of one choice: each (delta, finish_reason) a chunk, then [DONE]."""
    chunks = [
        {**_CHUNK, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        for delta, finish in deltas
    ]
    body = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    return body + b"data: [DONE]\n\n"


STREAM = openai_sse(
    [
        ({"role": "assistant", "content": "Looking."}, None),
        (
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "custom",
                        "custom": {"name": "grep", "input": "TO"},
                    }
                ]
            },
            None,
        ),
        ({"tool_calls": [{"index": 0, "custom": {"input": "DO"}}]}, None),
        ({}, "tool_calls"),
    ]
)


def test_openai_gets_the_call_back_whole() -> None:
    # The openai SDK's chunk type models function calls only, so the chunks are read as JSON.
    translator = nexgate.StreamTranslator("openai", "openai", strict=True)
    out = translator.feed(STREAM) + translator.close()
    deltas = [
        json.loads(event.data)["choices"][0]["delta"]
        for event in SSEParser().feed(out)
        if event.data != b"[DONE]" and json.loads(event.data)["choices"]
    ]
    calls = [call for delta in deltas for call in delta.get("tool_calls", [])]
    assert calls == [{"index": 0, **CALL}]
    assert "".join(delta.get("content", "") for delta in deltas) == "Looking."


def test_the_accumulated_answer_equals_the_whole_one() -> None:
    decoding = StreamDecoding(TranslationContext(source="openai", target="openai"))
    streamed = accumulate(decoding.feed(STREAM) + decoding.close())
    whole = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-5",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Looking.", "tool_calls": [CALL]},
                "finish_reason": "tool_calls",
            }
        ],
    }
    ctx = TranslationContext(source="openai", target="openai")
    decoded = get_format("openai").decode_response(whole, ctx)
    assert streamed.parts == decoded.parts


@pytest.mark.parametrize("target", ["claude", "gemini"])
def test_another_format_records_the_loss(target: str) -> None:
    translator = nexgate.StreamTranslator("openai", target)
    out = translator.feed(STREAM) + translator.close()
    assert b"grep" not in out  # no call to a tool the caller never declared
    assert "unsupported_part" in {loss.kind for loss in translator.losses}
