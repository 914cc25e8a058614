"""A cache breakpoint on a tool result's text reaches OpenAI (a list of text parts in the
``tool`` message) or is a recorded loss (Gemini). It used to vanish without a word.

Found by the review of the day's diff."""

from __future__ import annotations

from typing import Any

from nexgate import translate_request

BP = {"mode": "explicit", "ttl": "30m"}


def _body() -> dict:
    return {
        "model": "m",
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "c1",
                "content": [{"type": "text", "text": "r", "prompt_cache_breakpoint": BP}],
            },
        ],
    }


def test_openai_identity_keeps_tool_message_breakpoint() -> None:
    out = translate_request(_body(), source="openai", target="openai")
    tool = out["messages"][2]
    kept = (
        isinstance(tool["content"], list)
        and tool["content"][0].get("prompt_cache_breakpoint") == BP
    )
    assert kept or out.losses, (tool, out.losses)


#: A Claude tool result whose text carries a breakpoint.
CLAUDE_BODY: dict[str, Any] = {
    "model": "m",
    "max_tokens": 10,
    "messages": [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "c1", "name": "f", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "c1",
                    "content": [
                        {"type": "text", "text": "r", "cache_control": {"type": "ephemeral"}}
                    ],
                }
            ],
        },
    ],
}


def test_claude_tool_result_text_breakpoint_reaches_openai_or_is_lost() -> None:
    out = translate_request(CLAUDE_BODY, source="claude", target="openai")
    tool = out["messages"][2]
    kept = isinstance(tool["content"], list) and "prompt_cache_breakpoint" in tool["content"][0]
    assert kept or any("content[0]" in loss.path for loss in out.losses), (tool, out.losses)


def test_gemini_records_tool_result_content_breakpoint() -> None:
    out = translate_request(CLAUDE_BODY, source="claude", target="gemini")
    assert any("content[0]" in loss.path for loss in out.losses), out.losses
