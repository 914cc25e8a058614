"""A Gemini answer that stopped on an error (MALFORMED_FUNCTION_CALL...) reaches OpenAI and
Claude callers, which have no such reason, as a plain stop: a loss says so, streamed or not."""

from __future__ import annotations

import json

import pytest

import nexgate

RESPONSE = {
    "candidates": [
        {
            "content": {"role": "model", "parts": [{"text": "Let me call"}]},
            "index": 0,
            "finishReason": "MALFORMED_FUNCTION_CALL",
        }
    ],
    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "r1",
}
PATHS = {"openai": "$.choices[0].finish_reason", "claude": "$.stop_reason"}


def _mapped(losses: tuple[nexgate.Loss, ...] | list[nexgate.Loss]) -> list[tuple[str, str]]:
    return [(loss.path, loss.detail) for loss in losses if loss.kind == "finish_reason_mapped"]


@pytest.mark.parametrize("target", ["openai", "claude"])
def test_an_error_finish_is_a_loss(target: str) -> None:
    out = nexgate.translate_response(RESPONSE, source="gemini", target=target)
    [(path, detail)] = _mapped(out.losses)
    assert path == PATHS[target] and "MALFORMED_FUNCTION_CALL" in detail
    with pytest.raises(nexgate.TranslationError):
        nexgate.translate_response(RESPONSE, source="gemini", target=target, strict=True)


@pytest.mark.parametrize("target", ["openai", "claude"])
def test_an_error_finish_is_a_loss_in_a_stream(target: str) -> None:
    translator = nexgate.StreamTranslator("gemini", target)
    translator.feed(b"data: " + json.dumps(RESPONSE).encode() + b"\n\n")
    translator.close()
    assert [path for path, _ in _mapped(translator.losses)] == [PATHS[target]]


def test_a_gemini_caller_keeps_its_own_reason() -> None:
    out = nexgate.translate_response(RESPONSE, source="gemini", target="gemini")
    assert out["candidates"][0]["finishReason"] == "MALFORMED_FUNCTION_CALL" and not out.losses
