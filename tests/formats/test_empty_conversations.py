"""A conversation with nothing to say (only empty texts, only a system prompt): each target
gets what it accepts, or a clear error, never an empty list of messages."""

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
