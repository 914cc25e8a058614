"""Fields of Gemini stream chunks beyond the events (safety ratings, log probabilities, usage
details with other modalities than text, a blocked prompt's feedback...): a Gemini target gets
them back on the last chunk; another format records each as a loss, once per stream, whatever
the chunking. A candidate field whose value changes between chunks keeps the last value and
records the earlier one as lost."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from google.genai import types

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


@pytest.mark.parametrize("target", ["openai", "claude"])
@pytest.mark.parametrize("step", [7, 10_000])
def test_each_field_is_a_loss_once_per_stream(target: str, step: int) -> None:
    assert _losses(target, _sse(RICH), step) == EXPECTED


def _translate(data: bytes, step: int = 10_000) -> tuple[list[dict[str, Any]], list[str]]:
    translator = nexgate.StreamTranslator("gemini", "gemini", strict=True)
    out = b"".join(translator.feed(data[i : i + step]) for i in range(0, len(data), step))
    out += translator.close()
    chunks = [json.loads(line[6:]) for line in out.split(b"\n") if line.startswith(b"data: ")]
    for chunk in chunks:
        types.GenerateContentResponse.model_validate(chunk)
    return chunks, [loss.path for loss in translator.losses]


@pytest.mark.parametrize("step", [7, 10_000])
def test_a_gemini_target_gets_them_back_on_the_last_chunk(step: int) -> None:
    chunks, lost = _translate(_sse(RICH), step)
    assert lost == []
    last = chunks[-1]
    candidate = last["candidates"][0]
    assert candidate["finishReason"] == "STOP"
    assert candidate["safetyRatings"] == RATINGS and candidate["avgLogprobs"] == -0.3
    assert (
        last["usageMetadata"]["promptTokensDetails"]
        == RICH[2]["usageMetadata"]["promptTokensDetails"]
    )


def test_create_time_rides_on_every_chunk() -> None:
    timed = [{**chunk, "createTime": "2026-11-28T22:00:00Z"} for chunk in RICH]
    chunks, lost = _translate(_sse(timed))
    assert lost == []
    assert {chunk.get("createTime") for chunk in chunks} == {"2026-11-28T22:00:00Z"}


def test_a_field_that_changes_keeps_the_last_value_and_loses_the_first() -> None:
    first = {"citations": [{"startIndex": 0, "endIndex": 3, "uri": "https://a.example"}]}
    second = {"citations": [{"startIndex": 3, "endIndex": 5, "uri": "https://b.example"}]}
    data = _sse(
        [
            _chunk("Hel", citationMetadata=first),
            _chunk("lo", citationMetadata=second, finishReason="STOP"),
        ]
    )
    translator = nexgate.StreamTranslator("gemini", "gemini")
    out = translator.feed(data) + translator.close()
    assert b"https://b.example" in out and b"https://a.example" not in out
    assert [loss.path for loss in translator.losses] == ["$.candidates[0].citationMetadata"]


def test_tool_use_prompt_tokens_come_back_apart() -> None:
    usage = {
        "promptTokenCount": 9,
        "toolUsePromptTokenCount": 4,
        "candidatesTokenCount": 2,
        "totalTokenCount": 15,
    }
    chunks, lost = _translate(_sse([{**_chunk("Hi", finishReason="STOP"), "usageMetadata": usage}]))
    assert lost == []
    assert chunks[-1]["usageMetadata"]["promptTokenCount"] == 9
    assert chunks[-1]["usageMetadata"]["toolUsePromptTokenCount"] == 4


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


BLOCKED = {
    "promptFeedback": {"blockReason": "PROHIBITED_CONTENT", "safetyRatings": RATINGS},
    "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "r2",
}


@pytest.mark.parametrize("target", ["openai", "claude"])
def test_a_blocked_prompt_ends_filtered_and_its_feedback_is_a_loss(target: str) -> None:
    translator = nexgate.StreamTranslator("gemini", target)
    out = translator.feed(_sse([BLOCKED])) + translator.close()
    assert out and [loss.path for loss in translator.losses] == ["$.promptFeedback"]


def test_a_blocked_prompt_comes_back_to_gemini_as_it_came() -> None:
    chunks, lost = _translate(_sse([BLOCKED]))
    assert lost == [] and len(chunks) == 1
    assert "candidates" not in chunks[0]
    assert chunks[0]["promptFeedback"] == BLOCKED["promptFeedback"]


NEW_FIELDS = {
    **_chunk("hi", finishReason="STOP", newCandidateField={"score": 0.5}),
    "usageMetadata": {
        "promptTokenCount": 3,
        "candidatesTokenCount": 2,
        "totalTokenCount": 5,
        "newUsageField": 7,
    },
    "modelStatus": {"modelStage": "DEPRECATED", "retirementTime": "2026-01-01T00:00:00Z"},
}


def test_fields_no_mirror_knows_come_back_to_gemini() -> None:
    """A new field (or another server's) at any level is kept as a whole answer keeps it."""
    translator = nexgate.StreamTranslator("gemini", "gemini", strict=True)
    out = translator.feed(_sse([NEW_FIELDS])) + translator.close()
    last = json.loads(out.split(b"data: ")[-1])  # (the SDK's types refuse unknown fields)
    assert last["modelStatus"] == NEW_FIELDS["modelStatus"]
    assert last["usageMetadata"]["newUsageField"] == 7
    assert last["candidates"][0]["newCandidateField"] == {"score": 0.5}


@pytest.mark.parametrize("target", ["openai", "claude"])
def test_fields_no_mirror_knows_are_losses_elsewhere(target: str) -> None:
    whole = nexgate.translate_response(NEW_FIELDS, source="gemini", target=target)
    expected = sorted(loss.path for loss in whole.losses)
    assert expected == [
        "$.candidates[0].newCandidateField",
        "$.modelStatus",
        "$.usageMetadata.newUsageField",
    ]
    translator = nexgate.StreamTranslator("gemini", target)
    assert b"hi" in translator.feed(_sse([NEW_FIELDS])) + translator.close()
    assert sorted(loss.path for loss in translator.losses) == expected
