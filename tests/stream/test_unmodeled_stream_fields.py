"""Fields inside a streamed block, part, delta, choice or tool call that stream events cannot
carry are recorded losses, once per stream, whatever the target.

The decoders read only what they model: a Gemini text part's ``partMetadata``, an unknown field
of a Claude block or delta, or of an OpenAI delta, choice or call fragment vanished without a
word, even to the same format, and ``strict=True`` let them through.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import nexgate
from nexgate import TranslationError


def _sse(events: list[dict[str, Any]], *, named: bool = False) -> bytes:
    out = b""
    for event in events:
        if named:
            out += b"event: " + event["type"].encode() + b"\n"
        out += b"data: " + json.dumps(event).encode() + b"\n\n"
    return out


GEMINI = _sse(
    [
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "hi", "partMetadata": {"a": 1}}]}}
            ]
        },
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [{"text": " there", "partMetadata": {"a": 2}}],
                    }
                }
            ]
        },
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [{"functionCall": {"name": "f", "args": {}, "xC": 1}}],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 1,
                "candidatesTokenCount": 1,
                "totalTokenCount": 2,
            },
        },
    ]
)

_CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
OPENAI = (
    _sse(
        [
            {
                **_CHUNK,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "hi", "xD": 1},
                        "finish_reason": None,
                    }
                ],
            },
            {
                **_CHUNK,
                "choices": [
                    {"index": 0, "delta": {"content": " there", "xD": 2}, "finish_reason": None}
                ],
            },
            {
                **_CHUNK,
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "c1",
                                    "type": "function",
                                    "function": {"name": "f", "arguments": "{}", "xQ": 1},
                                    "xC": 1,
                                }
                            ]
                        },
                        "finish_reason": "tool_calls",
                        "xChoice": "n",
                    }
                ],
            },
        ]
    )
    + b"data: [DONE]\n\n"
)

CLAUDE = _sse(
    [
        {
            "type": "message_start",
            "message": {
                "id": "m",
                "type": "message",
                "role": "assistant",
                "model": "m",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": "", "xB": 1},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "hi", "xD": 1},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "!", "xD": 2},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "t", "name": "f", "input": {}, "xT": 1},
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ],
    named=True,
)

CASES = {
    "gemini": (
        GEMINI,
        [
            "$.candidates[0].content.parts[].partMetadata",
            "$.candidates[0].content.parts[].functionCall.xC",
        ],
    ),
    "openai": (
        OPENAI,
        [
            "$.choices[0].delta.xD",
            "$.choices[0].xChoice",
            "$.choices[0].delta.tool_calls[].xC",
            "$.choices[0].delta.tool_calls[].function.xQ",
        ],
    ),
    "claude": (CLAUDE, ["$.content[0].xB", "$.content[0].delta.xD", "$.content[1].xT"]),
}


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("source", list(CASES))
def test_each_field_is_one_loss_per_stream(source: str, target: str) -> None:
    data, paths = CASES[source]
    translator = nexgate.StreamTranslator(source, target)
    # Fed in small pieces: the losses must not depend on the chunking.
    for i in range(0, len(data), 11):
        translator.feed(data[i : i + 11])
    translator.close()
    lost = [loss.path for loss in translator.losses if loss.kind == "part_field_dropped"]
    assert lost == paths


@pytest.mark.parametrize("source", list(CASES))
def test_strict_refuses_them(source: str) -> None:
    translator = nexgate.StreamTranslator(source, source, strict=True)
    with pytest.raises(TranslationError):
        translator.feed(CASES[source][0])
        translator.close()


def test_a_null_vllm_stop_reason_loses_nothing() -> None:
    chunks = [
        {
            **_CHUNK,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": "hi"},
                    "finish_reason": None,
                    "stop_reason": None,
                }
            ],
        },
        {
            **_CHUNK,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": None}],
        },
    ]
    translator = nexgate.StreamTranslator("openai", "openai", strict=True)
    out = translator.feed(_sse(chunks) + b"data: [DONE]\n\n") + translator.close()
    assert b'"content":"hi"' in out
    assert translator.losses == []
