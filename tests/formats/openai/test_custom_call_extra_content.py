"""A custom tool call's ``extra_content`` (a Gemini thought signature through an
OpenAI-compatible endpoint) stays with the call, which goes to OpenAI only. It vanished.

Found by the review of the latest changes."""

from __future__ import annotations

from nexgate.translate import translate_request

CALL = {
    "id": "call_c",
    "type": "custom",
    "custom": {"name": "grep", "input": "x"},
    "extra_content": {"google": {"thought_signature": "abc"}},
}
REQ = {
    "model": "m",
    "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [CALL]}],
}


def test_extra_content_is_kept_or_recorded() -> None:
    t = translate_request(REQ, source="openai", target="openai")
    kept = dict(t)["messages"][1]["tool_calls"][0].get("extra_content") == CALL["extra_content"]
    assert kept or t.losses, dict(t)["messages"][1]
