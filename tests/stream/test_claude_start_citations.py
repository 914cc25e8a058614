"""Citations a text block's ``content_block_start`` already holds (as a proxy that sends whole
blocks writes them) are kept, as the ``citations_delta`` Claude usually sends: written back to
Claude, recorded as lost elsewhere. They used to vanish.

Found by the review of the day's diff."""

from __future__ import annotations

import json
import sys

import pytest

sys.path.insert(0, "/work/main/tests")

from nexgate import StreamTranslator
from nexgate.sse import SSEParser

CITATION = {
    "type": "web_search_result_location",
    "cited_text": "Paris is the capital of France.",
    "url": "https://en.wikipedia.org/wiki/Paris",
    "title": "Paris",
    "encrypted_index": "Eo8BCioIAhgBIiQ",
}
START = {
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
}
EVENTS = [
    START,
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "text", "text": "Paris.", "citations": [CITATION]}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 5}},
    {"type": "message_stop"},
]  # fmt: skip


def _sse() -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in EVENTS)


@pytest.mark.parametrize("target", ["claude", "openai"])
def test_start_citations_are_kept_or_recorded(target: str) -> None:
    translator = StreamTranslator("claude", target)
    out = translator.feed(_sse()) + translator.close()
    kept = b"cited_text" in out
    assert kept or translator.losses, [f.data for f in SSEParser().feed(out)]
