"""A Gemini ``text`` that is not a string is refused with its path, even a falsy one beside a
call (``[]``, ``0``, ``false``, ``{}`` were taken for an empty text).

Found by the last review of the session."""

from __future__ import annotations

import pytest

from nexgate.errors import InvalidInputError
from nexgate.translate import decode_response


@pytest.mark.parametrize("text", [[], 0, False, {}])
def test_non_string_text_beside_a_call_is_refused(text) -> None:
    part = {"text": text, "functionCall": {"name": "f", "args": {}}}
    body = {
        "candidates": [
            {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
        ]
    }
    with pytest.raises(InvalidInputError):
        decode_response(body, format="gemini")
