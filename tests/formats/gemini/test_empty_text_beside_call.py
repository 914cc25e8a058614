"""A Gemini part holding a call beside an empty ``text`` (a oneof a proxy wrote with the unused
member at its default) decodes as the call. It decoded as an empty text, nothing, and the call
was lost; a Claude target then got a tool_result with no tool_use before it.

Found by the review of the latest changes."""

from __future__ import annotations

import json

import nexgate
from nexgate.translate import translate_request, translate_response

PART = {"functionCall": {"name": "f", "args": {"a": 1}, "id": "c1"}, "text": ""}
BODY = {
    "candidates": [
        {"content": {"role": "model", "parts": [PART]}, "finishReason": "STOP", "index": 0}
    ],
    "modelVersion": "g",
    "responseId": "r",
}


def test_whole_response_keeps_the_call_as_the_stream_does() -> None:
    t = nexgate.StreamTranslator("gemini", "openai")
    streamed = t.feed(b"data: " + json.dumps(BODY).encode() + b"\n\n") + t.close()
    assert b'"name":"f"' in streamed  # the stream keeps it
    whole = dict(translate_response(BODY, source="gemini", target="openai"))
    calls = whole["choices"][0]["message"].get("tool_calls") or []
    assert [c["function"]["name"] for c in calls] == ["f"], whole


def test_request_to_claude_keeps_call_for_its_result() -> None:
    req = {
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}]},
            {"role": "model", "parts": [PART]},
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "f", "id": "c1", "response": {"result": "ok"}}}
                ],
            },
        ]
    }
    body = dict(translate_request(req, source="gemini", target="claude", model="m"))
    uses = {b["id"] for m in body["messages"] for b in m["content"] if b["type"] == "tool_use"}
    results = {
        b["tool_use_id"]
        for m in body["messages"]
        for b in m["content"]
        if b["type"] == "tool_result"
    }
    assert results <= uses, body["messages"]


def test_strict_stream_does_not_report_an_empty_text() -> None:
    # gemini/stream.py:355 reports `text` beside a call whatever its value; "" loses nothing
    # (the project's own rule, _unmodeled.outside), yet strict=True raises.
    t = nexgate.StreamTranslator("gemini", "openai", strict=True)
    t.feed(b"data: " + json.dumps(BODY).encode() + b"\n\n")
    t.close()
    assert not t.losses
