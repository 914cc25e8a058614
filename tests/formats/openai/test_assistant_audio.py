"""An assistant turn that was an audio answer (``audio: {"id": ...}``) is kept for OpenAI and a
recorded loss elsewhere.

The request mirror had no ``audio`` field: the turn decoded empty and vanished, so the other
formats got two user turns in a row with no loss, and OpenAI itself lost the turn.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate

BODY: dict[str, Any] = {
    "model": "gpt-4o-audio-preview",
    "messages": [
        {"role": "user", "content": "say hi"},
        {"role": "assistant", "audio": {"id": "audio_abc123"}},
        {"role": "user", "content": "again"},
    ],
}


@pytest.mark.parametrize("as_bytes", [False, True])
def test_openai_keeps_the_audio_turn(as_bytes: bool) -> None:
    data: Any = msgspec.json.encode(BODY) if as_bytes else BODY
    out = nexgate.translate_request(data, source="openai", target="openai")
    assert out["messages"] == BODY["messages"]
    assert out.losses == ()


@pytest.mark.parametrize("target", ["claude", "gemini"])
def test_other_formats_record_the_loss(target: str) -> None:
    out = nexgate.translate_request(BODY, source="openai", target=target, model="m")
    assert ("unsupported_part", "$.messages[1].parts[0]") in {
        (loss.kind, loss.path) for loss in out.losses
    }
    with pytest.raises(nexgate.TranslationError):
        nexgate.translate_request(BODY, source="openai", target=target, model="m", strict=True)


def test_the_audio_turn_keeps_its_text_and_calls() -> None:
    turn = {
        "role": "assistant",
        "content": "hi",
        "audio": {"id": "audio_1"},
    }
    body = {**BODY, "messages": [BODY["messages"][0], turn, BODY["messages"][2]]}
    out = nexgate.translate_request(body, source="openai", target="openai")
    assert out["messages"][1] == turn
