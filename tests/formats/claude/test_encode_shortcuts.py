"""The Claude encoders' shortcuts for the usual shapes give what their general code gives.

A message of one plain text is built inline, turns are reordered only when one holds several
blocks, and a tool id that is an ASCII identifier skips the regex of ``claude_safe_id``.
"""

from __future__ import annotations

from typing import Any

import pytest
from formats.claude.test_fast_paths import PARTS, _general
from hypothesis import given
from hypothesis import strategies as st

import nexgate
from nexgate.formats import TranslationContext
from nexgate.formats._ids import claude_safe_id
from nexgate.formats.claude import blocks, request_encode, response
from nexgate.schema import (
    CacheControl,
    Message,
    Part,
    ReasoningPart,
    Request,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)


@pytest.mark.parametrize("part", PARTS, ids=repr)
def test_a_message_of_one_part_matches_the_general_path(part: Part) -> None:
    def encode(only: Part) -> tuple[Any, list[Any]]:
        messages = [Message(role="user", parts=[only]), Message(role="assistant", parts=[only])]
        ctx = TranslationContext(source="openai", target="claude")
        try:
            return request_encode.encode_request(Request(messages=messages), ctx), ctx.losses
        except nexgate.InvalidInputError as exc:  # nothing to send (an empty text): both refuse
            return str(exc), ctx.losses

    assert encode(part) == encode(_general(part))


THOUGHT = ReasoningPart(text="t", signature=Signature(format="claude", value="s"))
CALL = ToolCallPart(id="c", name="f")
RESULT = ToolResultPart(call_id="c", content=[TextPart(text="r")])

CONVERSATIONS: dict[str, list[Message]] = {
    "alternating_single_blocks": [
        Message(role="user", parts=[TextPart(text="a")]),
        Message(role="assistant", parts=[CALL]),
        Message(role="user", parts=[RESULT]),
    ],
    "merged_turn_with_a_late_result": [
        Message(role="user", parts=[TextPart(text="a")]),
        Message(role="user", parts=[RESULT]),
    ],
    "one_turn_with_late_thinking": [
        Message(role="user", parts=[TextPart(text="a")]),
        Message(role="assistant", parts=[TextPart(text="b"), THOUGHT, CALL]),
    ],
    "late_thinking_after_a_single_block_turn": [
        Message(role="assistant", parts=[TextPart(text="b")]),
        Message(role="user", parts=[TextPart(text="a")]),
        Message(role="assistant", parts=[TextPart(text="b")]),
        Message(role="assistant", parts=[THOUGHT]),
    ],
}


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_turns_are_reordered_whenever_they_need_it(name: str) -> None:
    ctx = TranslationContext(source="openai", target="claude")
    turns = request_encode.encode_messages(CONVERSATIONS[name], ctx)
    for turn in turns:  # reordering every turn again (the general rule) changes nothing
        lead = request_encode._LEADING[turn["role"]]
        assert request_encode._leading_first(turn["content"], lead) == turn["content"]
    assert turns


def test_a_merged_turn_puts_its_tool_result_first() -> None:
    ctx = TranslationContext(source="openai", target="claude")
    turns = request_encode.encode_messages(CONVERSATIONS["merged_turn_with_a_late_result"], ctx)
    assert [b["type"] for b in turns[0]["content"]] == ["tool_result", "text"]


IDS = ["call_1", "toolu_01AbC", "_x", "1abc", "a-b", "call 1", "", "é", "ab\n", "x.y", "ǅ"]


@pytest.mark.parametrize("call_id", IDS)
def test_safe_id_matches_claude_safe_id(call_id: str) -> None:
    assert blocks.safe_id(call_id) == claude_safe_id(call_id)


@given(st.text())
def test_safe_id_matches_claude_safe_id_for_any_text(call_id: str) -> None:
    assert blocks.safe_id(call_id) == claude_safe_id(call_id)


@pytest.mark.parametrize(
    "usage",
    [
        Usage(),
        Usage(input_tokens=10, cache_read_tokens=3),
        Usage(input_tokens=1, cache_write_tokens=5),
    ],
    ids=repr,
)
def test_usage_input_tokens_never_go_below_zero(usage: Usage) -> None:
    fresh = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
    assert response.encode_usage(usage)["input_tokens"] == max(0, fresh)


SYSTEMS = [
    TextPart(text="S"),
    TextPart(text=""),
    TextPart(text="S", cache_control=CacheControl()),
    TextPart(text="S", signature=Signature(format="gemini", value="g")),
]


@pytest.mark.parametrize("part", SYSTEMS, ids=repr)
def test_a_system_prompt_of_one_text_matches_the_general_path(part: TextPart) -> None:
    # An empty second text is filtered out by the general path, which this one takes.
    ctx = TranslationContext(source="openai", target="claude")
    general = request_encode._encode_system([part, TextPart(text="")], ctx)
    assert request_encode._encode_system([part], ctx) == general
