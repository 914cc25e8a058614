"""Fields of Gemini stream chunks that stream events have no place for (safety ratings, log
probabilities, usage details with other modalities than text...): each is a loss, reported once
per stream, whatever the target and the chunking."""

from __future__ import annotations

import re
from typing import Any

import pytest

import nexgate
from nexgate.formats._json import dump_json

RATINGS = [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]


def _sse(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + dump_json(chunk) + b"\r\n\r\n" for chunk in chunks)


def _chunk(text: str, **candidate: Any) -> dict[str, Any]:
    body = {"content": {"role": "model", "parts": [{"text": text}]}, **candidate}
    return {"candidates": [body], "modelVersion": "gemini-2.5-flash", "responseId": "r1"}


RICH = [
    _chunk("Hel", safetyRatings=RATINGS),
    _chunk("lo", safetyRatings=RATINGS),
    {
        **_chunk("!", safetyRatings=RATINGS, finishReason="STOP", avgLogprobs=-0.3),
        "usageMetadata": {
            "promptTokenCount": 9,
            "candidatesTokenCount": 3,
            "totalTokenCount": 12,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": 5},
                {"modality": "IMAGE", "tokenCount": 4},
            ],
            "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 3}],
        },
    },
]
EXPECTED = [
    "$.candidates[0].safetyRatings",
    "$.candidates[0].avgLogprobs",
    "$.usageMetadata.promptTokensDetails",
]


def _losses(target: str, data: bytes, step: int) -> list[str]:
    translator = nexgate.StreamTranslator("gemini", target)
    out = b"".join(translator.feed(data[i : i + step]) for i in range(0, len(data), step))
    out += translator.close()
    assert b"Hel" in out and b"lo" in out
    return [loss.path for loss in translator.losses if loss.kind == "response_field_dropped"]


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("step", [7, 10_000])
def test_each_field_is_a_loss_once_per_stream(target: str, step: int) -> None:
    assert _losses(target, _sse(RICH), step) == EXPECTED


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
def test_a_plain_stream_loses_nothing(target: str) -> None:
    plain = [
        _chunk("Hel"),
        {
            **_chunk("lo", finishReason="STOP"),
            "usageMetadata": {
                "promptTokenCount": 9,
                "candidatesTokenCount": 2,
                "totalTokenCount": 11,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
            },
        },
    ]
    assert _losses(target, _sse(plain), 10_000) == []


def _snake(value: Any) -> Any:
    """The Python SDK's spelling of a chunk (values such as modalities unchanged)."""
    if isinstance(value, dict):
        return {re.sub("([A-Z])", r"_\1", k).lower(): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(item) for item in value]
    return value


def test_snake_case_chunks_report_the_same() -> None:
    assert _losses("openai", _sse([_snake(chunk) for chunk in RICH]), 10_000) == EXPECTED


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
def test_a_blocked_prompt_ends_filtered_and_its_feedback_is_a_loss(target: str) -> None:
    blocked = {
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "r2",
    }
    translator = nexgate.StreamTranslator("gemini", target)
    out = translator.feed(_sse([blocked])) + translator.close()
    assert out and [loss.path for loss in translator.losses] == ["$.promptFeedback"]
