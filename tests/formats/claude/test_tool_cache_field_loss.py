"""An unknown field in a Claude tool's ``cache_control`` is a recorded loss, as on a block's.
The typed decode handed such a tool to the general path, which checked no tool's breakpoint,
so the field vanished.

Found by the review of the latest changes."""

from __future__ import annotations

import json

import pytest

from nexgate.translate import translate_request

CC = {"type": "ephemeral", "ttl": "5m", "scope": "global"}
REQ = {
    "model": "m",
    "max_tokens": 5,
    "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": CC}],
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.mark.parametrize("form", ["dict", "bytes"])
def test_tool_cache_control_field_is_kept_or_recorded(form: str) -> None:
    body = REQ if form == "dict" else json.dumps(REQ).encode()
    t = translate_request(body, source="claude", target="claude")
    kept = dict(t)["tools"][0]["cache_control"].get("scope") == "global"
    recorded = any("scope" in loss.path for loss in t.losses)
    assert kept or recorded, (dict(t)["tools"], t.losses)
