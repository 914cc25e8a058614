"""An answer's custom tool call keeps its place among the function calls (it was moved after
them).

Found by the review of the latest changes."""

from __future__ import annotations

from nexgate.translate import translate_response

CUSTOM = {"id": "call_c", "type": "custom", "custom": {"name": "grep", "input": "TODO"}}
FUNC = {"id": "call_f", "type": "function", "function": {"name": "f", "arguments": "{}"}}
WHOLE = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-5",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "logprobs": None,
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [CUSTOM, FUNC],
            },
        }
    ],
}


def test_identity_keeps_call_order() -> None:
    out = dict(translate_response(WHOLE, source="openai", target="openai"))
    assert out["choices"][0]["message"]["tool_calls"] == [CUSTOM, FUNC]
