"""A streamed Gemini part of an image beside an empty ``text`` keeps its image, as the whole
answer does (the stream decoder read the empty text and dropped the image).

Found by the last review of the session."""

from __future__ import annotations

import json

import pytest

from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext
from nexgate.stream_translate import StreamDecoding
from nexgate.translate import decode_response

PARTS = [
    {"text": "", "inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
    {"text": "", "fileData": {"mimeType": "image/png", "fileUri": "gs://b/x.png"}},
]


@pytest.mark.parametrize("part", PARTS)
def test_streamed_equals_whole(part) -> None:
    body = {
        "candidates": [
            {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
        ],
        "modelVersion": "m",
        "responseId": "r",
    }
    decoding = StreamDecoding(TranslationContext(source="gemini", target="openai"))
    raw = b"data: " + json.dumps(body).encode() + b"\r\n\r\n"
    streamed = accumulate(decoding.feed(raw) + decoding.close())
    whole = decode_response(body, format="gemini")
    assert whole.choices[0].parts  # the whole answer keeps the image
    assert streamed.choices[0].parts == whole.choices[0].parts
