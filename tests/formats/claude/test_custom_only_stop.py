"""An OpenAI answer whose only call is a custom tool's (lost for Claude) reaches a Claude caller
as ``end_turn``, not as a ``tool_use`` stop with no tool_use block, which leaves a tool loop
nothing to run and which Claude refuses when the turn is sent back.

Found by the review of the latest changes."""

from __future__ import annotations

import json

from stream.test_openai_custom_tool_stream import openai_sse

import nexgate
from nexgate.sse import SSEParser
from nexgate.translate import translate_response

CUSTOM = {"id": "call_c", "type": "custom", "custom": {"name": "grep", "input": "TODO"}}
WHOLE = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-5",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": None, "tool_calls": [CUSTOM]},
        }
    ],
}


def test_whole_response() -> None:
    body = dict(translate_response(WHOLE, source="openai", target="claude"))
    has_tool_use = any(b["type"] == "tool_use" for b in body["content"])
    assert body["stop_reason"] != "tool_use" or has_tool_use, body


def test_stream() -> None:
    raw = openai_sse(
        [({"role": "assistant", "tool_calls": [{"index": 0, **CUSTOM}]}, None), ({}, "tool_calls")]
    )
    t = nexgate.StreamTranslator("openai", "claude")
    events = [json.loads(e.data) for e in SSEParser().feed(t.feed(raw) + t.close())]
    starts = [e for e in events if e["type"] == "content_block_start"]
    stop = [e["delta"]["stop_reason"] for e in events if e["type"] == "message_delta"]
    assert stop != ["tool_use"] or any(s["content_block"]["type"] == "tool_use" for s in starts), (
        stop
    )
