"""OpenAI's ``prompt_cache_breakpoint`` on text and image parts is the same thing as Claude's
``cache_control``: a marked end of a reusable prompt prefix.

It used to vanish without a loss, even openai -> openai, and a Claude cache breakpoint reached
OpenAI as a loss although OpenAI can carry it. A prompt-cache marker dropped in translation
shows up only on the bill.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate
from nexgate import InvalidInputError
from tests.sdk_validators import claude_request, openai_request

MARK = {"mode": "explicit"}
IMAGE = "data:image/png;base64,iVBORw0KGgo="

BODY: dict[str, Any] = {
    "model": "gpt-5",
    "messages": [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": "You are terse.", "prompt_cache_breakpoint": MARK}
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "image_url",
                    "image_url": {"url": IMAGE},
                    "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"},
                },
                {"type": "text", "text": "What is this?"},
            ],
        },
    ],
}


@pytest.mark.parametrize("as_bytes", [False, True])
def test_openai_keeps_its_breakpoints(as_bytes: bool) -> None:
    data: Any = msgspec.json.encode(BODY) if as_bytes else BODY
    out = nexgate.translate_request(data, source="openai", target="openai")
    assert out["messages"] == BODY["messages"]
    assert out.losses == ()
    openai_request(out)


def test_breakpoints_reach_claude_as_cache_control() -> None:
    out = nexgate.translate_request(BODY, source="openai", target="claude")
    claude_request(out)
    assert out["system"] == [
        {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}
    ]
    image = out["messages"][0]["content"][0]
    # Claude's longest lifetime is the nearest to OpenAI's 30 minute minimum.
    assert image["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert ("cache_ttl_unsupported", "emulated") in {
        (loss.kind, loss.severity) for loss in out.losses
    }


def test_claude_cache_control_reaches_openai_as_breakpoints() -> None:
    claude = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "system": [
            {
                "type": "text",
                "text": "You are terse.",
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            }
        ],
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}],
            }
        ],
    }
    out = nexgate.translate_request(claude, source="claude", target="openai")
    openai_request(out)
    assert out["messages"] == [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": "You are terse.", "prompt_cache_breakpoint": MARK}
            ],
        },
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hi", "prompt_cache_breakpoint": MARK}],
        },
    ]
    # One hour is no lifetime OpenAI offers: the request's default applies, and it is said.
    assert [(loss.kind, loss.path) for loss in out.losses] == [
        ("cache_ttl_unsupported", "$.system[0].cache_control.ttl")
    ]


def test_round_trip_through_claude_keeps_the_breakpoints() -> None:
    plain = {
        "model": "gpt-5",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hi", "prompt_cache_breakpoint": MARK}],
            }
        ],
    }
    there = nexgate.translate_request(plain, source="openai", target="claude")
    back = nexgate.translate_request(there, source="claude", target="openai")
    assert back["messages"] == plain["messages"]


def test_gemini_records_the_breakpoint_it_cannot_carry() -> None:
    out = nexgate.translate_request(BODY, source="openai", target="gemini")
    assert {loss.kind for loss in out.losses} == {"cache_control_unsupported"}


def test_an_unknown_mode_is_refused_with_its_path() -> None:
    body = {
        "model": "gpt-5",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Hi", "prompt_cache_breakpoint": {"mode": "auto"}}
                ],
            }
        ],
    }
    with pytest.raises(InvalidInputError) as caught:
        nexgate.translate_request(body, source="openai", target="claude")
    assert caught.value.path == "$.messages[0].content[0].prompt_cache_breakpoint.mode"


def test_each_rewritten_lifetime_is_recorded_where_it_is() -> None:
    """Text, tool results and system prompts take Claude's plain encoding paths, which must
    leave a part with a lifetime to rewrite to the path that records it."""
    mark = {"mode": "explicit", "ttl": "12h"}
    body = {
        "model": "gpt-5",
        "messages": [
            {
                "role": "system",
                "content": [{"type": "text", "text": "S", "prompt_cache_breakpoint": mark}],
            },
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hi", "prompt_cache_breakpoint": mark}],
            },
        ],
    }
    out = nexgate.translate_request(body, source="openai", target="claude")
    claude_request(out)
    assert out["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert out["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert [loss.path for loss in out.losses if loss.kind == "cache_ttl_unsupported"] == [
        "$.system[0].cache_control.ttl",
        "$.messages[0].parts[0].cache_control.ttl",
    ]
