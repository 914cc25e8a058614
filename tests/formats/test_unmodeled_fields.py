"""Fields inside Claude and Gemini messages and content blocks that nexgate does not model are
recorded losses, on every decode path (OpenAI's: ``openai/test_unmodeled_fields.py``).

The lenient mirrors skipped them: a Claude block's or turn's unknown field, an image source's,
a Gemini content's or ``inlineData``'s, vanished without a word, and ``strict=True`` let them
through.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate
from nexgate import TranslationError

CLAUDE: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 64,
    "system": [{"type": "text", "text": "Be terse.", "x_tag": "s"}],
    "messages": [
        {
            "role": "user",
            "x_trace": "t-1",
            "content": [
                {"type": "text", "text": "hi", "x_note": 1},
                {
                    "type": "image",
                    "source": {"type": "url", "url": "https://x.test/a.png", "x_q": 1},
                },
                {"type": "text", "text": "again", "cache_control": {"type": "ephemeral", "x": 1}},
            ],
        },
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": [{"type": "text", "text": "ok", "x_inner": True}],
                }
            ],
        },
    ],
}

CLAUDE_LOST = {
    ("part_field_dropped", "$.system[0].x_tag"),
    ("message_field_dropped", "$.messages[0].x_trace"),
    ("part_field_dropped", "$.messages[0].content[0].x_note"),
    ("part_field_dropped", "$.messages[0].content[1].source.x_q"),
    ("part_field_dropped", "$.messages[0].content[2].cache_control.x"),
    ("part_field_dropped", "$.messages[2].content[0].content[0].x_inner"),
}

GEMINI: dict[str, Any] = {
    "systemInstruction": {"parts": [{"text": "Be terse."}], "xTag": "s"},
    "contents": [
        {
            "role": "user",
            "xTrace": "t-1",
            "parts": [
                {"text": "hi"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo=", "xQ": 1}},
            ],
        },
        {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}, "xC": 2}}]},
        {
            "role": "user",
            "parts": [{"functionResponse": {"name": "f", "response": {"result": "ok"}}}],
        },
    ],
}

GEMINI_LOST = {
    ("message_field_dropped", "$.systemInstruction.xTag"),
    ("message_field_dropped", "$.contents[0].xTrace"),
    ("part_field_dropped", "$.contents[0].parts[1].inlineData.xQ"),
    ("part_field_dropped", "$.contents[1].parts[0].functionCall.xC"),
}

CASES = {"claude": (CLAUDE, CLAUDE_LOST), "gemini": (GEMINI, GEMINI_LOST)}


def _losses(out: Any) -> set[tuple[str, str]]:
    return {(loss.kind, loss.path) for loss in out.losses if loss.kind.endswith("_dropped")}


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("source", ["claude", "gemini"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_each_unmodeled_field_is_a_loss(source: str, target: str, as_bytes: bool) -> None:
    body, lost = CASES[source]
    data: Any = msgspec.json.encode(body) if as_bytes else body
    out = nexgate.translate_request(data, source=source, target=target, model="m")
    assert lost <= _losses(out)


@pytest.mark.parametrize("source", ["claude", "gemini"])
def test_strict_refuses_them(source: str) -> None:
    with pytest.raises(TranslationError):
        nexgate.translate_request(
            CASES[source][0], source=source, target=source, model="m", strict=True
        )


def test_a_replayed_claude_sdk_dump_loses_nothing() -> None:
    """The Anthropic SDK's dump of a response's blocks, sent back as the assistant turn,
    holds nulls beside the modeled fields."""
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look.", "citations": None},
                    {"type": "tool_use", "id": "t1", "name": "f", "input": {}, "caller": None},
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]},
        ],
    }
    out = nexgate.translate_request(body, source="claude", target="claude", strict=True)
    assert out.losses == ()


def test_blocks_nexgate_does_not_model_are_kept_whole() -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "search_result", "source": "s", "title": "t", "x_any": 1},
                    {"type": "image", "source": {"type": "file", "file_id": "f1", "x_f": 1}},
                ],
            }
        ],
    }
    out = nexgate.translate_request(body, source="claude", target="claude", strict=True)
    assert out["messages"] == body["messages"]


# --------------------------------------------------------------------------- responses

RESPONSES: dict[str, tuple[dict[str, Any], set[tuple[str, str]]]] = {
    "openai": (
        {
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": "hi",
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "f", "arguments": "{}", "xQ": 1},
                                "xC": 1,
                            }
                        ],
                    },
                    "finish_reason": "tool_calls",
                    "stop_reason": "</s>",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
        {
            ("response_field_dropped", "$.choices[0].stop_reason"),
            ("part_field_dropped", "$.choices[0].message.tool_calls[0].xC"),
            ("part_field_dropped", "$.choices[0].message.tool_calls[0].function.xQ"),
        },
    ),
    "claude": (
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "m",
            "content": [
                {"type": "text", "text": "hi", "xNote": 1},
                {"type": "tool_use", "id": "t", "name": "f", "input": {}, "xT": 2},
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        },
        {
            ("part_field_dropped", "$.content[0].xNote"),
            ("part_field_dropped", "$.content[1].xT"),
        },
    ),
    "gemini": (
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "hi", "partMetadata": {"a": 1}},
                            {"functionCall": {"name": "f", "args": {}, "xC": 1}},
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 1,
                "candidatesTokenCount": 1,
                "totalTokenCount": 2,
            },
        },
        {
            ("part_field_dropped", "$.candidates[0].content.parts[0].partMetadata"),
            ("part_field_dropped", "$.candidates[0].content.parts[1].functionCall.xC"),
        },
    ),
}


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("source", list(RESPONSES))
@pytest.mark.parametrize("as_bytes", [False, True])
def test_each_unmodeled_response_field_is_a_loss(
    source: str, target: str, as_bytes: bool
) -> None:
    body, lost = RESPONSES[source]
    data: Any = msgspec.json.encode(body) if as_bytes else body
    out = nexgate.translate_response(data, source=source, target=target, model="m")
    assert lost <= _losses(out)
