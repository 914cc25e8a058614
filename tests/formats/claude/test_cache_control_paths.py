"""Claude's typed decode of JSON text and its general decode of the parsed body agree on an
unknown field inside ``cache_control``: the typed one used to accept it silently, while the
general one recorded its loss.

Found by the review of the day's diff."""

from __future__ import annotations

import pytest

from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json, load_object

CC = {"type": "ephemeral", "foo": 1}

BODIES = {
    "message_text": {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": CC}]}
        ],
    },
    "system_text": {
        "model": "m",
        "max_tokens": 5,
        "system": [{"type": "text", "text": "s", "cache_control": CC}],
        "messages": [{"role": "user", "content": "x"}],
    },
    "tool_result_text": {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "a",
                        "content": [{"type": "text", "text": "r", "cache_control": CC}],
                    }
                ],
            }
        ],
    },
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_bytes_and_dict_decode_record_same_losses(name: str) -> None:
    fmt = get_format("claude")
    data = dump_json(BODIES[name])
    general = TranslationContext(source="claude", target="claude")
    shortcut = TranslationContext(source="claude", target="claude")
    a = fmt.decode_request(load_object(data, "request body"), general)
    assert fmt.decode_request_json is not None
    b = fmt.decode_request_json(data, shortcut)
    assert a == b
    assert [(x.kind, x.path) for x in shortcut.losses] == [(x.kind, x.path) for x in general.losses]
