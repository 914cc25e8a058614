"""``prompt_cache_breakpoint`` on OpenAI ``file`` and ``input_audio`` parts (the SDK's types
take it there too) is carried like the one on text and image parts: kept openai -> openai, and
a Claude document's ``cache_control`` reaches an OpenAI file part.

Found by the review of the day's diff."""

from __future__ import annotations

import sys

sys.path.insert(0, "/work/main/tests")

import sdk_validators

from nexgate import translate_request

BP = {"mode": "explicit", "ttl": "12h"}
BODY = {
    "model": "m",
    "messages": [
        {
            "role": "user",
            "content": [
                {
                    "type": "file",
                    "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,AAAA"},
                    "prompt_cache_breakpoint": BP,
                },
                {
                    "type": "input_audio",
                    "input_audio": {"data": "AAAA", "format": "wav"},
                    "prompt_cache_breakpoint": BP,
                },
            ],
        }
    ],
}


def test_the_sdk_accepts_the_body() -> None:
    sdk_validators.openai_request(BODY)


def test_identity_keeps_the_breakpoints() -> None:
    out = translate_request(BODY, source="openai", target="openai")
    parts = out["messages"][0]["content"]
    assert [p.get("prompt_cache_breakpoint") for p in parts] == [BP, BP], out.losses
