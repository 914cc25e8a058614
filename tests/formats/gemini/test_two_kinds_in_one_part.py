"""A Gemini part is one kind of data (a oneof); one that holds two (text and a call) is decoded
as its first, and the other is a recorded loss instead of vanishing.

Found by the review of the day's diff."""

from __future__ import annotations

import pytest

from nexgate import translate_request
from nexgate.errors import InvalidInputError


@pytest.mark.parametrize(
    "part",
    [
        {"text": "a", "functionCall": {"name": "f", "args": {"x": 1}}},
        {"text": "a", "inlineData": {"mimeType": "image/png", "data": "AAAA"}},
    ],
)
def test_second_kind_is_not_dropped_silently(part: dict) -> None:
    body = {"contents": [{"role": "model", "parts": [part]}]}
    try:
        out = translate_request(body, source="gemini", target="gemini")
    except InvalidInputError:
        return
    sent = out["contents"][0]["parts"]
    kept = sum(len(p) for p in sent) >= 2 or len(sent) == 2
    assert kept or out.losses, (sent, out.losses)
