"""A streamed custom tool call keeps its ``extra_content`` and the other keys of ``custom``, as
a whole answer does (they vanished without a loss).

Found by the last review of the session."""

from __future__ import annotations

from stream.test_openai_custom_tool_stream import openai_sse

from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.stream_translate import StreamDecoding

EXTRA = {"google": {"thought_signature": "c2ln"}}


def _stream(call: dict):
    ctx = TranslationContext(source="openai", target="openai")
    decoding = StreamDecoding(ctx)
    raw = openai_sse(
        [({"role": "assistant", "tool_calls": [{"index": 0, **call}]}, None), ({}, "tool_calls")]
    )
    return accumulate(decoding.feed(raw) + decoding.close()), ctx


def _whole(call: dict):
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-5",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
            }
        ],
    }
    return get_format("openai").decode_response(
        body, TranslationContext(source="openai", target="openai")
    )


def test_extra_content_streamed_equals_whole() -> None:
    call = {
        "id": "c1",
        "type": "custom",
        "custom": {"name": "g", "input": "abc"},
        "extra_content": EXTRA,
    }
    streamed, ctx = _stream(call)
    whole = _whole(call)
    assert streamed.parts == whole.parts or ctx.losses


def test_unknown_key_inside_custom_is_kept_or_lost() -> None:
    call = {"id": "c1", "type": "custom", "custom": {"name": "g", "input": "abc", "x_meta": 1}}
    streamed, ctx = _stream(call)
    assert "x_meta" in repr(streamed.parts) or any("x_meta" in loss.path for loss in ctx.losses), (
        streamed.parts,
        ctx.losses,
    )
