"""A tool's fields nexgate does not carry are recorded losses, never silent drops.

Claude's ``input_examples`` and ``defer_loading`` (in the SDK's ``ToolParam``) and Gemini's
``response``, ``responseJsonSchema`` and ``behavior`` vanished, even to the same format,
with no loss and no refusal under ``strict=True``.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate

CLAUDE = {
    "model": "claude-x",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [
        {
            "name": "f",
            "input_schema": {"type": "object"},
            "input_examples": [{"q": "x"}],
            "defer_loading": True,
        }
    ],
}
GEMINI = {
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "tools": [
        {
            "functionDeclarations": [
                {
                    "name": "f",
                    "parameters": {"type": "OBJECT"},
                    "response": {"type": "STRING"},
                    "behavior": "NON_BLOCKING",
                }
            ]
        }
    ],
}
CASES = [
    ("claude", CLAUDE, {"$.tools[0].input_examples", "$.tools[0].defer_loading"}),
    (
        "gemini",
        GEMINI,
        {
            "$.tools[0].functionDeclarations[0].response",
            "$.tools[0].functionDeclarations[0].behavior",
        },
    ),
]


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize(("source", "body", "paths"), CASES)
def test_uncarried_tool_fields_are_losses(
    source: str, body: dict[str, Any], paths: set[str], target: str, as_bytes: bool
) -> None:
    data: Any = msgspec.json.encode(body) if as_bytes else body
    out = nexgate.translate_request(data, source=source, target=target, model="m")
    lost = {loss.path for loss in out.losses if loss.kind == "tool_field_dropped"}
    assert lost == paths
    with pytest.raises(nexgate.TranslationError, match="tool_field_dropped"):
        nexgate.translate_request(data, source=source, target=target, model="m", strict=True)
