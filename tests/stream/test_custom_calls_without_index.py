"""Custom tool calls streamed without ``index`` stay apart, routed by id as function calls are
(two merged into one: the second id lost, the inputs joined).

Found by the review of the latest changes."""

from __future__ import annotations

import json

from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext
from nexgate.stream_translate import StreamDecoding

_CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def test_two_custom_calls_without_index_stay_two() -> None:
    deltas = [
        (
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "custom", "custom": {"name": "a", "input": "x"}}
                ],
            },
            None,
        ),
        (
            {"tool_calls": [{"id": "c2", "type": "custom", "custom": {"name": "b", "input": "y"}}]},
            None,
        ),
        ({}, "tool_calls"),
    ]
    raw = (
        b"".join(
            b"data: "
            + json.dumps(
                {**_CHUNK, "choices": [{"index": 0, "delta": d, "finish_reason": f}]}
            ).encode()
            + b"\n\n"
            for d, f in deltas
        )
        + b"data: [DONE]\n\n"
    )
    decoding = StreamDecoding(TranslationContext(source="openai", target="openai"))
    parts = accumulate(decoding.feed(raw) + decoding.close()).parts
    ids = [p.data["_custom_call"]["id"] for p in parts]
    assert ids == ["c1", "c2"], parts
