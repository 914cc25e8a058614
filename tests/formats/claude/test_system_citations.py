"""Citations on a Claude system text block are a recorded loss, as on a message's text block
(they used to vanish: only a message's were reported).

Found by the review of the day's diff."""

from __future__ import annotations

import pydantic
from anthropic.types import MessageCreateParams

from nexgate import translate_request

CITATION = {
    "type": "char_location",
    "cited_text": "x",
    "document_index": 0,
    "document_title": None,
    "start_char_index": 0,
    "end_char_index": 1,
}
BODY = {
    "model": "m",
    "max_tokens": 5,
    "system": [{"type": "text", "text": "s", "citations": [CITATION]}],
    "messages": [{"role": "user", "content": "x"}],
}


def test_body_is_valid_for_the_sdk() -> None:
    pydantic.TypeAdapter(MessageCreateParams).validate_python(BODY)


def test_system_citations_are_kept_or_recorded() -> None:
    out = translate_request(BODY, source="claude", target="claude")
    kept = isinstance(out.get("system"), list) and "citations" in out["system"][0]
    assert kept or any("system" in loss.path for loss in out.losses), (out, out.losses)
