"""Turns a target cannot take as they are. A conversation with nothing to say (only empty
texts, only a system prompt) gets what each target accepts, or a clear error, never an empty
list of messages; text after a tool call goes before it for OpenAI, as a recorded emulation."""

from __future__ import annotations

import pytest

import nexgate

EMPTY_USER = {"model": "m", "messages": [{"role": "user", "content": ""}]}
SYSTEM_ONLY = {"model": "m", "messages": [{"role": "system", "content": "Write a haiku."}]}


def test_an_empty_turn_survives_an_openai_identity() -> None:
    out = nexgate.translate_request(EMPTY_USER, source="openai", target="openai")
    assert out["messages"] == [{"role": "user", "content": ""}] and not out.losses


def test_a_gemini_conversation_with_nothing_to_say_reaches_openai_as_an_empty_turn() -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": ""}]}]}
    out = nexgate.translate_request(body, source="gemini", target="openai", model="m")
    assert out["messages"] == [{"role": "user", "content": ""}]
    assert [loss.kind for loss in out.losses] == ["empty_turn_sent"]


@pytest.mark.parametrize("body", [EMPTY_USER, SYSTEM_ONLY], ids=["empty", "system_only"])
def test_claude_gets_no_empty_conversation_but_a_clear_error(body: dict[str, object]) -> None:
    with pytest.raises(nexgate.InvalidInputError, match="at least one turn") as caught:
        nexgate.translate_request(body, source="openai", target="claude")
    assert caught.value.path == "$.messages"


def test_text_after_a_call_goes_before_it_for_openai_and_says_so() -> None:
    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "before"},
                    {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
                    {"type": "text", "text": "after"},
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]},
        ],
    }
    out = nexgate.translate_request(body, source="claude", target="openai")
    assistant = out["messages"][1]
    texts = [block["text"] for block in assistant["content"]]
    assert texts == ["before", "after"] and assistant["tool_calls"][0]["id"] == "t1"
    assert [(loss.kind, loss.path) for loss in out.losses] == [
        ("content_reordered", "$.messages[1].parts")
    ]
