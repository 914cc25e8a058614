"""Common media-type spellings reach the formats that take only the registered names, and
media OpenAI's file parts cannot carry are recorded losses."""

from __future__ import annotations

from typing import Any

import pytest
import sdk_validators  # type: ignore[import-not-found]

import nexgate


def _gemini(mime: str, data: str = "SUQzBAAAAAAA") -> dict[str, Any]:
    parts = [{"text": "listen"}, {"inlineData": {"mimeType": mime, "data": data}}]
    return {"contents": [{"role": "user", "parts": parts}]}


@pytest.mark.parametrize(
    ("mime", "audio_format"), [("audio/mp3", "mp3"), ("audio/x-wav", "wav"), ("audio/wav", "wav")]
)
def test_gemini_audio_spellings_become_openai_input_audio(mime: str, audio_format: str) -> None:
    out = nexgate.translate_request(_gemini(mime), source="gemini", target="openai", model="m")
    sdk_validators.openai_request(out)
    part = out["messages"][0]["content"][1]
    assert part == {
        "type": "input_audio",
        "input_audio": {"data": "SUQzBAAAAAAA", "format": audio_format},
    }


def test_an_image_jpg_data_url_reaches_claude_as_jpeg() -> None:
    url = "data:image/jpg;base64,/9j/4AAQSkZJRgABAQ"
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
        ],
    }
    out = nexgate.translate_request(body, source="openai", target="claude")
    sdk_validators.claude_request(out)
    (block,) = out["messages"][0]["content"]
    assert block["source"] == {
        "type": "base64",
        "media_type": "image/jpeg",
        "data": "/9j/4AAQSkZJRgABAQ",
    }
    assert [loss.kind for loss in out.losses] == ["max_tokens_defaulted"]


@pytest.mark.parametrize("mime", ["video/mp4", "audio/ogg"])
def test_media_a_file_part_cannot_carry_is_a_loss_for_openai(mime: str) -> None:
    out = nexgate.translate_request(_gemini(mime), source="gemini", target="openai", model="m")
    assert out["messages"][0]["content"] == "listen"
    assert [(loss.kind, loss.path) for loss in out.losses] == [
        ("unsupported_media_type", "$.messages[0].parts[1]")
    ]
