"""A custom tool's call (``type: "custom"``, free-form input) is kept for OpenAI, among the
turn's other calls and in their order, and is a recorded loss elsewhere.

A request replaying one was refused ("missing required field `function`"), so a conversation
with a custom tool could not go through nexgate at all, not even to OpenAI; an answer holding
one was taken for a malformed response.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate
from tests.sdk_validators import claude_request, openai_request

CUSTOM_CALL = {"id": "c2", "type": "custom", "custom": {"name": "grep", "input": "TODO"}}
FUNCTION_CALL = {
    "id": "c1",
    "type": "function",
    "function": {"name": "f", "arguments": '{"a":1}'},
}

REQUEST: dict[str, Any] = {
    "model": "gpt-5",
    "messages": [
        {"role": "user", "content": "look"},
        {"role": "assistant", "tool_calls": [FUNCTION_CALL, CUSTOM_CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "1"},
        {"role": "tool", "tool_call_id": "c2", "content": "none"},
    ],
    "tools": [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
        {"type": "custom", "custom": {"name": "grep"}},
    ],
}

RESPONSE: dict[str, Any] = {
    "id": "r",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-5",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [CUSTOM_CALL],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
}


@pytest.mark.parametrize("as_bytes", [False, True])
def test_openai_keeps_the_call_in_its_place(as_bytes: bool) -> None:
    data: Any = msgspec.json.encode(REQUEST) if as_bytes else REQUEST
    out = nexgate.translate_request(data, source="openai", target="openai", strict=True)
    openai_request(out)
    assert out["messages"] == REQUEST["messages"]
    assert out["tools"] == REQUEST["tools"]


@pytest.mark.parametrize("as_bytes", [False, True])
def test_an_answer_with_a_custom_call_comes_back_whole(as_bytes: bool) -> None:
    data: Any = msgspec.json.encode(RESPONSE) if as_bytes else RESPONSE
    out = nexgate.translate_response(data, source="openai", target="openai", strict=True)
    assert out["choices"][0]["message"]["tool_calls"] == [CUSTOM_CALL]
    assert out["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("target", ["claude", "gemini"])
def test_other_formats_record_the_loss_of_the_call_and_its_result(target: str) -> None:
    out = nexgate.translate_request(REQUEST, source="openai", target=target)
    lost = {(loss.kind, loss.path) for loss in out.losses}
    assert ("unsupported_part", "$.messages[1].parts[1]") in lost  # the call
    assert ("unsupported_part", "$.messages[2].parts[1]") in lost  # its result
    if target == "claude":
        claude_request(out)  # no result left without its call, which Claude refuses
        results = [
            b
            for m in out["messages"]
            if isinstance(m["content"], list)
            for b in m["content"]
            if b["type"] == "tool_result"
        ]
        assert [r["tool_use_id"] for r in results] == ["c1"]


def test_a_function_call_without_function_is_still_refused() -> None:
    body = {
        "model": "gpt-5",
        "messages": [
            {"role": "user", "content": "look"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function"}]},
        ],
    }
    with pytest.raises(nexgate.InvalidInputError) as caught:
        nexgate.translate_request(body, source="openai", target="openai")
    assert caught.value.path == "$.messages[1].tool_calls[0]"
