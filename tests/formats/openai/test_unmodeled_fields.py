"""Fields inside OpenAI messages, content parts, tool calls and tools that nexgate does not
model are recorded losses, whichever decode path the body takes.

The wire mirrors skipped them: a tool's ``cache_control`` (a LiteLLM convention), a part's
unknown field or a legacy ``function_call`` beside a turn vanished without a word, even
openai -> openai, and ``strict=True`` let them through.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate
from nexgate import TranslationError

BODY: dict[str, Any] = {
    "model": "gpt-5",
    "messages": [
        {
            "role": "user",
            "x_trace": "t-1",
            "content": [
                {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "x_q": 1}},
            ],
        },
        {
            "role": "assistant",
            "function_call": {"name": "f", "arguments": "{}"},
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": "{}", "x_note": "n"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
    ],
    "tools": [
        {
            "type": "function",
            "cache_control": {"type": "ephemeral"},
            "function": {"name": "f", "parameters": {"type": "object"}, "x_flag": True},
        }
    ],
}

EXPECTED = {
    ("message_field_dropped", "$.messages[0].x_trace"),
    ("part_field_dropped", "$.messages[0].content[0].cache_control"),
    ("part_field_dropped", "$.messages[0].content[1].image_url.x_q"),
    ("message_field_dropped", "$.messages[1].function_call"),
    ("part_field_dropped", "$.messages[1].tool_calls[0].function.x_note"),
    ("tool_field_dropped", "$.tools[0].cache_control"),
    ("tool_field_dropped", "$.tools[0].function.x_flag"),
}


def _losses(out: Any) -> set[tuple[str, str]]:
    return {(loss.kind, loss.path) for loss in out.losses if loss.kind.endswith("_dropped")}


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_each_unmodeled_field_is_a_loss(target: str, as_bytes: bool) -> None:
    data: Any = msgspec.json.encode(BODY) if as_bytes else BODY
    out = nexgate.translate_request(data, source="openai", target=target)
    assert _losses(out) >= EXPECTED


def test_strict_refuses_them() -> None:
    with pytest.raises(TranslationError):
        nexgate.translate_request(BODY, source="openai", target="openai", strict=True)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_replayed_sdk_message_dump_loses_nothing(as_bytes: bool) -> None:
    """An SDK's dump of a response message, appended to the conversation as it is, holds
    nulls and empty lists beside the content, and a streamed call keeps its ``index``."""
    body = {
        "model": "gpt-5",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "annotations": [],
                "audio": None,
                "function_call": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "index": 1,
                        "function": {"name": "f", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        ],
    }
    data: Any = msgspec.json.encode(body) if as_bytes else body
    out = nexgate.translate_request(data, source="openai", target="openai", strict=True)
    assert out.losses == ()
    assert out["messages"][1]["tool_calls"][0]["function"] == {"name": "f", "arguments": "{}"}


def test_tools_of_other_types_and_file_ids_are_kept_whole() -> None:
    body = {
        "model": "gpt-5",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "file", "file": {"file_id": "file-1", "x_extra": 1}}],
            }
        ],
        "tools": [{"type": "custom", "custom": {"name": "g"}, "x_more": 1}],
    }
    out = nexgate.translate_request(body, source="openai", target="openai", strict=True)
    assert out["messages"] == body["messages"]
    assert out["tools"] == body["tools"]
