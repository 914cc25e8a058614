"""vLLM's choice-level ``stop_reason`` is a recorded loss on both stream decode paths; on the
lenient one (a chunk with another field beside it) it vanished.

Found by the review of the latest changes."""

from __future__ import annotations

import json

import nexgate

BASE = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def _stream(last_choice: dict) -> bytes:
    first = {**BASE, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]}
    last = {**BASE, "choices": [last_choice]}
    return (
        b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in (first, last))
        + b"data: [DONE]\n\n"
    )


def _lost(raw: bytes) -> list[str]:
    t = nexgate.StreamTranslator("openai", "claude")
    t.feed(raw)
    t.close()
    return [loss.path for loss in t.losses]


def test_strict_path_records_it() -> None:  # passes: the control
    choice = {"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": "</answer>"}
    assert "$.choices[0].stop_reason" in _lost(_stream(choice))


def test_lenient_path_records_it_too() -> None:
    choice = {
        "index": 0,
        "delta": {},
        "finish_reason": "stop",
        "stop_reason": "</answer>",
        "token_ids": None,
    }
    assert "$.choices[0].stop_reason" in _lost(_stream(choice))
