"""Text citations of a Claude answer (documents, search results): a Claude target gets them
back on their blocks; another format records each cited block as a lost field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic.types import Message

import nexgate
from nexgate.translate import decode_response

CITATION = {
    "type": "char_location",
    "cited_text": "The grass is green.",
    "document_index": 0,
    "document_title": "Notes",
    "start_char_index": 0,
    "end_char_index": 19,
}
SEARCH = {
    "type": "web_search_result_location",
    "cited_text": "Paris is the capital of France.",
    "url": "https://example.com/paris",
    "title": "Paris",
    "encrypted_index": "Eo8BCioIAhgB",
}


def _answer(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": list(blocks),
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 3},
    }


BODY = _answer(
    {"type": "text", "text": "According to the notes: "},
    {"type": "text", "text": "the grass is green", "citations": [CITATION]},
    {"type": "text", "text": ", and "},
    {"type": "text", "text": "Paris is the capital", "citations": [SEARCH]},
)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_claude_target_gets_the_citations_back_on_their_blocks(as_bytes: bool) -> None:
    body: Any = json.dumps(BODY).encode() if as_bytes else BODY
    out = nexgate.translate_response(body, source="claude", target="claude", strict=True)
    Message.model_validate(out)
    assert out["content"] == BODY["content"]
    assert out.losses == ()


@pytest.mark.parametrize("target", ["openai", "gemini"])
def test_another_format_records_each_cited_block_once(target: str) -> None:
    out = nexgate.translate_response(BODY, source="claude", target=target)
    assert [(loss.kind, loss.path) for loss in out.losses] == [
        ("response_field_dropped", "$.content[1].citations"),
        ("response_field_dropped", "$.content[3].citations"),
    ]
    with pytest.raises(nexgate.TranslationError):
        nexgate.translate_response(BODY, source="claude", target=target, strict=True)


def test_a_decoded_answer_keeps_them_in_its_extras() -> None:
    response = decode_response(BODY, format="claude")
    assert response.text == "According to the notes: the grass is green, and Paris is the capital"
    assert response.extras["claude"]["_citations"] == {"1": [CITATION], "3": [SEARCH]}


def test_citations_in_a_requests_history_are_still_a_recorded_loss() -> None:
    request = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [
            {"role": "user", "content": "What colour is the grass?"},
            {"role": "assistant", "content": [BODY["content"][1]]},
            {"role": "user", "content": "Thanks."},
        ],
    }
    out = nexgate.translate_request(request, source="claude", target="claude")
    assert [loss.kind for loss in out.losses] == ["citations_dropped"]
