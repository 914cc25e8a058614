"""A Gemini code-execution stream keeps its ``executableCode`` / ``codeExecutionResult`` parts.

The stream decoder used to drop parts of kinds it does not model (a loss even gemini ->
gemini), although a whole response keeps them as raw parts. Now they travel as raw parts: a
Gemini encoder writes them back, the others record the loss.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from google.genai import types as genai_types
from stream.test_openai_compatible_shapes import sdk_completion
from stream.test_raw_stream_claude import _sdk_message

from nexgate import StreamTranslator
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

CODE = {"executableCode": {"language": "PYTHON", "code": "print(sum(range(1, 101)))\n"}}
RESULT = {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "5050\n"}}
USAGE = {"promptTokenCount": 12, "candidatesTokenCount": 40, "totalTokenCount": 52}


def _chunk(parts: list[dict[str, Any]], **candidate: Any) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "index": 0, **candidate}],
        "modelVersion": "gemini-2.5-flash",
        "responseId": "resp-1",
    }


#: Shaped like a recorded answer with the ``codeExecution`` tool: text, the code the model ran
#: (its own chunk), the result, the answer.
CHUNKS: list[dict[str, Any]] = [
    _chunk([{"text": "Let me compute "}]),
    _chunk([{"text": "that."}]),
    _chunk([CODE]),
    _chunk([RESULT]),
    {**_chunk([{"text": "The sum is 5050."}], finishReason="STOP"), "usageMetadata": USAGE},
]

#: The same answer as one response.
WHOLE: dict[str, Any] = {
    **_chunk(
        [{"text": "Let me compute that."}, CODE, RESULT, {"text": "The sum is 5050."}],
        finishReason="STOP",
    ),
    "usageMetadata": USAGE,
}


def _sse(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\r\n\r\n" for c in chunks)


def _translate(target: str) -> tuple[bytes, StreamTranslator]:
    translator = StreamTranslator("gemini", target)
    data = _sse(copy.deepcopy(CHUNKS))
    out = b"".join(translator.feed(data[i : i + 61]) for i in range(0, len(data), 61))
    return out + translator.close(), translator


def _parts(data: bytes) -> list[dict[str, Any]]:
    """The parts of a Gemini stream, each chunk validated by google-genai, adjacent texts
    joined (how a client shows them)."""
    parts: list[dict[str, Any]] = []
    for frame in SSEParser().feed(data):
        genai_types.GenerateContentResponse.model_validate_json(frame.data)
        for part in json.loads(frame.data)["candidates"][0].get("content", {}).get("parts", []):
            if parts and set(part) == {"text"} and set(parts[-1]) == {"text"}:
                parts[-1] = {"text": parts[-1]["text"] + part["text"]}
            else:
                parts.append(part)
    return parts


def test_gemini_to_gemini_keeps_code_execution_parts() -> None:
    out, translator = _translate("gemini")
    assert translator.losses == []
    assert _parts(out) == WHOLE["candidates"][0]["content"]["parts"]


def test_accumulated_stream_equals_the_unary_decode() -> None:
    decoding = StreamDecoding(TranslationContext(source="gemini", target="gemini"))
    streamed = accumulate(decoding.feed(_sse(copy.deepcopy(CHUNKS))) + decoding.close())
    ctx = TranslationContext(source="gemini", target="gemini")
    whole = get_format("gemini").decode_response(copy.deepcopy(WHOLE), ctx)
    assert streamed == whole
    assert [type(p).__name__ for p in streamed.parts] == [
        "TextPart",
        "RawPart",
        "RawPart",
        "TextPart",
    ]


@pytest.mark.parametrize("target", ["openai", "claude"])
def test_other_formats_record_the_losses_and_stay_valid(target: str) -> None:
    out, translator = _translate(target)
    assert [(loss.kind, loss.path) for loss in translator.losses] == [
        ("unsupported_part", "$.choices[0].parts[1]"),
        ("unsupported_part", "$.choices[0].parts[2]"),
    ]
    text = "Let me compute that.The sum is 5050."
    if target == "openai":
        assert sdk_completion(out).choices[0].message.content == text
    else:
        message, _ = _sdk_message(out)
        assert [block.type for block in message.content] == ["text", "text"]
        assert "".join(block.text for block in message.content) == text  # type: ignore[union-attr]


IMAGE = {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}


def test_a_streamed_image_accumulates_as_the_unary_decode_gives_it() -> None:
    """An image model's answer streams its image as a part events cannot type (raw); the
    accumulated answer has the image part a whole answer has, not the raw part."""
    chunks = [
        _chunk([{"text": "Here it is:"}]),
        {**_chunk([IMAGE], finishReason="STOP"), "usageMetadata": USAGE},
    ]
    whole_body = {
        **_chunk([{"text": "Here it is:"}, IMAGE], finishReason="STOP"),
        "usageMetadata": USAGE,
    }
    decoding = StreamDecoding(TranslationContext(source="gemini", target="gemini"))
    streamed = accumulate(decoding.feed(_sse(chunks)) + decoding.close())
    ctx = TranslationContext(source="gemini", target="gemini")
    whole = get_format("gemini").decode_response(whole_body, ctx)
    assert streamed == whole
    assert [type(p).__name__ for p in streamed.parts] == ["TextPart", "ImagePart"]
    # And a Gemini stream still carries the image through as it came.
    translator = StreamTranslator("gemini", "gemini")
    out = translator.feed(_sse(copy.deepcopy(chunks))) + translator.close()
    assert IMAGE in _parts(out)
