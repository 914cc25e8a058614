"""Claude thinking streamed to an OpenAI-format caller, and the turn sent back to Claude.

nexgate's own OpenAI stream encoder stamps every ``thinking_blocks`` entry with an ``index``
(so list deltas can be merged, as tool calls are). A caller that rebuilds the assistant turn
from those chunks keeps it and sends it back; the OpenAI request decoder then reports the
``index`` of every block but the first as a dropped field, so ``strict=True`` refused to
replay nexgate's own output, and non-strict calls logged a false "dropped" loss.
"""

from __future__ import annotations

import json
from typing import Any

import nexgate

EVENTS = [
    (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-x",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 1},
            },
        },
    ),
    (
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "first"},
        },
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "SIG1"},
        },
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "redacted_thinking", "data": "REDACTED"},
        },
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    (
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        },
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '{"a": 1}'},
        },
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 2}),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 30},
        },
    ),
    ("message_stop", {"type": "message_stop"}),
]
RAW = "".join(f"event: {n}\ndata: {json.dumps(d)}\n\n" for n, d in EVENTS).encode()


def _assistant_turn_from_openai_stream() -> dict[str, Any]:
    t = nexgate.StreamTranslator("claude", "openai")
    out = t.feed(RAW) + t.close()
    blocks: list[Any] = []
    calls: dict[int, Any] = {}
    for line in out.decode().splitlines():
        if not line.startswith("data: {"):
            continue
        chunk = json.loads(line[6:])
        for choice in chunk.get("choices", []):
            delta = choice["delta"]
            blocks += delta.get("thinking_blocks") or []
            for tc in delta.get("tool_calls") or []:
                c = calls.setdefault(
                    tc["index"],
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                c["id"] = tc.get("id") or c["id"]
                c["function"]["name"] += (tc.get("function") or {}).get("name") or ""
                c["function"]["arguments"] += (tc.get("function") or {}).get("arguments") or ""
    return {
        "role": "assistant",
        "content": None,
        "thinking_blocks": blocks,
        "tool_calls": [calls[i] for i in sorted(calls)],
    }


def test_replaying_streamed_thinking_blocks_to_claude_loses_nothing() -> None:
    turn = _assistant_turn_from_openai_stream()
    assert [b["type"] for b in turn["thinking_blocks"]] == ["thinking", "redacted_thinking"]
    body = {
        "model": "claude-x",
        "max_tokens": 8000,
        "messages": [
            {"role": "user", "content": "go"},
            turn,
            {"role": "tool", "tool_call_id": "toolu_1", "content": "r"},
        ],
    }
    out = nexgate.translate_request(body, source="openai", target="claude")
    dropped = [(loss.kind, loss.path) for loss in out.losses if loss.severity == "dropped"]
    assert dropped == []
    # strict mode must accept nexgate's own output sent back to its issuer
    nexgate.translate_request(body, source="openai", target="claude", strict=True)
