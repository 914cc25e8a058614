"""A ``tool_use`` block's ``caller``: the model's own (``direct``) passes quietly; a call made
by another tool (programmatic tool calling) cannot be carried and is a recorded loss, on
every path: dict and JSON-text bodies, requests, responses and streams."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import nexgate
from nexgate.stream_translate import StreamTranslator

PROGRAMMATIC = {"type": "code_execution_20250825", "tool_id": "srvtoolu_01"}
DIRECT = {"type": "direct"}


def response(caller: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}, "caller": caller},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 7},
    }


def request(caller: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "f",
                        "input": {},
                        "caller": caller,
                    }
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}]},
        ],
    }


def _bodies(body: dict[str, Any]) -> list[Any]:
    """The same body as a dict and as JSON text (which takes the typed shortcut)."""
    return [copy.deepcopy(body), json.dumps(body).encode()]


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize("target", ["claude", "openai", "gemini"])
def test_a_programmatic_caller_in_a_response_is_a_loss(as_bytes: bool, target: str) -> None:
    body = _bodies(response(PROGRAMMATIC))[as_bytes]
    out = nexgate.translate_response(body, source="claude", target=target)
    assert [(loss.kind, loss.path) for loss in out.losses] == [
        ("tool_caller_dropped", "$.content[1].caller")
    ]
    with pytest.raises(nexgate.TranslationError, match="caller"):
        nexgate.translate_response(body, source="claude", target=target, strict=True)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_programmatic_caller_in_a_request_is_a_loss(as_bytes: bool) -> None:
    body = _bodies(request(PROGRAMMATIC))[as_bytes]
    out = nexgate.translate_request(body, source="claude", target="openai")
    assert [(loss.kind, loss.path) for loss in out.losses] == [
        ("tool_caller_dropped", "$.messages[1].content[0].caller")
    ]


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_direct_caller_is_no_loss(as_bytes: bool) -> None:
    out = nexgate.translate_response(
        _bodies(response(DIRECT))[as_bytes], source="claude", target="claude"
    )
    assert out.losses == ()
    assert out["content"][1]["input"] == {"a": 1}
    out = nexgate.translate_request(
        _bodies(request(DIRECT))[as_bytes], source="claude", target="claude"
    )
    assert out.losses == ()


@pytest.mark.parametrize("caller", [PROGRAMMATIC, DIRECT])
def test_a_streamed_tool_call_reports_its_caller(caller: dict[str, Any]) -> None:
    start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {
            "type": "tool_use",
            "id": "toolu_1",
            "name": "f",
            "input": {},
            "caller": caller,
        },
    }
    events = [
        {"type": "message_start", "message": {**response(DIRECT), "content": []}},
        start,
        {"type": "content_block_stop", "index": 0},
        {"type": "message_stop"},
    ]
    sse = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    translator = StreamTranslator("claude", "openai")
    translator.feed(sse)
    translator.close()
    losses = [(loss.kind, loss.path) for loss in translator.losses]
    expected = [("tool_caller_dropped", "$.content[0].caller")] if caller is PROGRAMMATIC else []
    assert losses == expected
