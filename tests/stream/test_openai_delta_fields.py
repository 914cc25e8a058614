"""OpenAI stream deltas beyond content and tool calls: never dropped silently.

``annotations`` (a search model's citations), ``audio`` and the legacy ``function_call``
were ignored by the decoder: no loss, and a ``function_call`` stream to Claude ended in
``tool_use`` with no tool_use block. (To OpenAI itself annotations and audio go through:
see ``test_raw_stream_openai``.)
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import nexgate

CITATIONS = [
    {
        "type": "url_citation",
        "url_citation": {
            "url": "https://example.com",
            "title": "Ex",
            "start_index": 0,
            "end_index": 2,
        },
    }
]


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-search-preview",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + msgspec.json.encode(body) + b"\n\n"


def _with(extra: dict[str, Any]) -> bytes:
    return (
        _chunk({"role": "assistant", "content": "Hi"})
        + _chunk(extra)
        + _chunk({}, "stop")
        + b"data: [DONE]\n\n"
    )


@pytest.mark.parametrize("target", ["claude", "gemini"])
@pytest.mark.parametrize(
    ("field", "value"), [("annotations", CITATIONS), ("audio", {"id": "a1", "transcript": "Hi"})]
)
def test_fields_other_formats_cannot_carry_are_losses(target: str, field: str, value: Any) -> None:
    translator = nexgate.StreamTranslator("openai", target)
    out = translator.feed(_with({field: value})) + translator.close()
    assert b"Hi" in out
    paths = [loss.path for loss in translator.losses if loss.kind == "response_field_dropped"]
    assert paths == [f"$.choices[0].delta.{field}"]
    with pytest.raises(nexgate.TranslationError):
        strict = nexgate.StreamTranslator("openai", target, strict=True)
        strict.feed(_with({field: value}))


def _function_call_stream() -> bytes:
    return (
        _chunk({"role": "assistant", "content": None, "function_call": {"name": "get_weather"}})
        + _chunk({"function_call": {"arguments": '{"city":'}})
        + _chunk({"function_call": {"arguments": '"Paris"}'}})
        + _chunk({}, "function_call")
        + b"data: [DONE]\n\n"
    )


def test_a_legacy_function_call_becomes_a_tool_call() -> None:
    translator = nexgate.StreamTranslator("openai", "claude")
    out = translator.feed(_function_call_stream()) + translator.close()
    events = [
        msgspec.json.decode(line[6:]) for line in out.split(b"\n") if line.startswith(b"data: ")
    ]
    starts = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert [(b["type"], b["name"]) for b in starts] == [("tool_use", "get_weather")]
    assert starts[0]["id"]
    arguments = "".join(
        e["delta"]["partial_json"]
        for e in events
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "input_json_delta"
    )
    assert msgspec.json.decode(arguments) == {"city": "Paris"}
    (end,) = [e for e in events if e["type"] == "message_delta"]
    assert end["delta"]["stop_reason"] == "tool_use"
    assert [loss.kind for loss in translator.losses] == ["function_call_as_tool_call"]
