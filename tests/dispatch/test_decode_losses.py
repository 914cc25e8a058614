"""What decoding the caller's body loses is a loss of the call when the body is translated.

The dispatcher decoded the caller's body with a context of its own and dropped its losses:
a Gemini part's ``mediaResolution`` or ``videoMetadata`` sent to Claude vanished with no
``on_loss`` call, and ``strict=True`` let the call go.
"""

from __future__ import annotations

from typing import Any

import pytest
from dispatch.conftest import make_client

import nexgate
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)
CLIP = {"startOffset": "10s", "endOffset": "20s"}


def _gemini_body() -> dict[str, Any]:
    image = {"inlineData": {"mimeType": "image/png", "data": PNG}, "videoMetadata": CLIP}
    return {"contents": [{"role": "user", "parts": [{"text": "what is this?"}, image]}]}


def test_translate_request_records_a_part_sibling() -> None:
    out = nexgate.translate_request(_gemini_body(), source="gemini", target="claude", model="m")
    paths = [loss.path for loss in out.losses if loss.kind == "part_field_dropped"]
    assert paths == ["$.contents[0].parts[1].videoMetadata"]


@pytest.mark.parametrize("upstream", ["claude", "openai"])
async def test_send_reports_what_decoding_lost(mock: MockUpstream, upstream: str) -> None:
    losses: list[nexgate.Loss] = []
    async with make_client(mock, upstream) as client:
        await client.send(_gemini_body(), format="gemini", model="m", on_loss=losses.append)
    assert "$.contents[0].parts[1].videoMetadata" in {loss.path for loss in losses}


async def test_send_stream_reports_what_decoding_lost(mock: MockUpstream) -> None:
    losses: list[nexgate.Loss] = []
    async with (
        make_client(mock, "claude") as client,
        client.send_stream(
            _gemini_body(), format="gemini", model="m", on_loss=losses.append
        ) as chunks,
    ):
        async for _ in chunks:
            pass
    assert "$.contents[0].parts[1].videoMetadata" in {loss.path for loss in losses}


async def test_strict_refuses_before_sending(mock: MockUpstream) -> None:
    async with make_client(mock, "claude", strict=True) as client:
        with pytest.raises(nexgate.TranslationError, match="part_field_dropped"):
            await client.send(_gemini_body(), format="gemini", model="m")
    assert mock.stats.requests == 0


async def test_the_body_as_written_loses_nothing(mock: MockUpstream) -> None:
    """Same format: the body goes upstream untouched, so nothing is reported lost."""
    losses: list[nexgate.Loss] = []
    async with make_client(mock, "gemini", strict=True) as client:
        await client.send(_gemini_body(), format="gemini", model="m", on_loss=losses.append)
    assert losses == []
    assert mock.stats.requests == 1
