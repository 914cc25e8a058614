"""An OpenAI stream keeps its ``annotations`` and ``audio`` deltas on its way to OpenAI.

The stream decoder used to drop both (a loss even openai -> openai), although a whole
response keeps them on the message. Now they travel as raw deltas: an OpenAI encoder writes
them back, the others record the loss (see ``test_openai_delta_fields``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from stream.test_openai_compatible_shapes import (
    CLAUDE_START,
    DONE,
    chunk,
    claude_sse,
    sdk_completion,
)

import nexgate.events
from nexgate import StreamTranslator
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

CITATION = {
    "type": "url_citation",
    "url_citation": {
        "url": "https://en.wikipedia.org/wiki/Paris",
        "title": "Paris - Wikipedia",
        "start_index": 25,
        "end_index": 30,
    },
}
TEXT = "The capital of France is Paris."
USAGE = {"prompt_tokens": 9, "completion_tokens": 8, "total_tokens": 17}

#: A search model's answer: its text, then its citations in a chunk of their own.
SEARCH = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": TEXT[:15]}),
    chunk({"content": TEXT[15:]}),
    chunk({"annotations": [CITATION]}),
    chunk({}, "stop"),
    chunk({}, None, usage=USAGE).replace(b'"choices": [{"index": 0, "delta": {}, '
                                         b'"finish_reason": null}]', b'"choices": []'),
    DONE,
]  # fmt: skip
SEARCH_MESSAGE = {"role": "assistant", "content": TEXT, "refusal": None, "annotations": [CITATION]}

#: An audio answer: no text at all, the transcript and the audio data in pieces.
AUDIO = [
    chunk({"role": "assistant", "content": None, "refusal": None}),
    chunk({"audio": {"id": "audio_1", "transcript": "Hel"}}),
    chunk({"audio": {"transcript": "lo!"}}),
    chunk({"audio": {"data": "UklGRiQAAABX"}}),
    chunk({"audio": {"data": "QVZFZm10IBAA"}}),
    chunk({"audio": {"expires_at": 1729000000}}),
    chunk({}, "stop"),
    DONE,
]
AUDIO_MESSAGE = {
    "role": "assistant",
    "content": None,
    "refusal": None,
    "audio": {
        "id": "audio_1",
        "transcript": "Hello!",
        "data": "UklGRiQAAABXQVZFZm10IBAA",
        "expires_at": 1729000000,
    },
}
STREAMS = {"search": (SEARCH, SEARCH_MESSAGE), "audio": (AUDIO, AUDIO_MESSAGE)}


def _translate(target: str, data: bytes) -> tuple[bytes, StreamTranslator]:
    translator = StreamTranslator("openai", target)
    out = b"".join(translator.feed(data[i : i + 50]) for i in range(0, len(data), 50))
    return out + translator.close(), translator


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_openai_to_openai_keeps_annotations_and_audio(name: str) -> None:
    data = b"".join(STREAMS[name][0])
    out, translator = _translate("openai", data)
    assert translator.losses == []
    # Every chunk is a valid ChatCompletionChunk (sdk_completion validates each), and the
    # openai SDK builds the same message from the output as from the input (but for a null
    # content, which the encoder's first chunk has always sent as "").
    got, sent = sdk_completion(out).choices[0].message, sdk_completion(data).choices[0].message
    assert (got.annotations, got.audio) == (sent.annotations, sent.audio)
    assert (got.annotations or got.audio) is not None
    assert (got.content or None, got.tool_calls) == (sent.content or None, sent.tool_calls)
    frames = [frame.data for frame in SSEParser().feed(out)]
    assert frames[-1] == b"[DONE]" and frames.count(b"[DONE]") == 1


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_accumulated_stream_equals_the_unary_decode(name: str) -> None:
    events, message = STREAMS[name]
    decoding = StreamDecoding(TranslationContext(source="openai", target="openai"))
    decoded = decoding.feed(b"".join(events)) + decoding.close()
    # Audio without text belongs to the message; annotations to the text they cite.
    assert [e.index for e in decoded if isinstance(e, nexgate.events.RawDelta)] == (
        [0] if name == "search" else [None] * 5
    )
    streamed = accumulate(decoded)
    whole_body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": copy.deepcopy(message), "finish_reason": "stop"}],
    }
    if name == "search":
        whole_body["usage"] = USAGE
    ctx = TranslationContext(source="openai", target="openai")
    whole = get_format("openai").decode_response(whole_body, ctx)
    assert streamed == whole
    # Encoded whole for OpenAI, the accumulated answer carries them on its message again.
    encoded = get_format("openai").encode_response(streamed, ctx)
    assert encoded["choices"][0]["message"] == message


def test_a_raw_part_takes_no_tool_call_index() -> None:
    """Claude -> OpenAI: the server tool blocks before a tool call are lost, and the call is
    still the first of the message's tool calls."""
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "Searching."}]),
        (
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            [{"type": "input_json_delta", "partial_json": '{"query":"weather Paris"}'}],
        ),
        ({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}, []),
        (
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
            [{"type": "input_json_delta", "partial_json": '{"city":"Paris"}'}],
        ),
    ]
    events: list[dict[str, Any]] = [CLAUDE_START]
    for index, (block, deltas) in enumerate(blocks):
        events.append({"type": "content_block_start", "index": index, "content_block": block})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    events += [
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
        {"type": "message_stop"},
    ]
    translator = StreamTranslator("claude", "openai")
    out = translator.feed(claude_sse(events)) + translator.close()
    assert [(loss.kind, loss.path) for loss in translator.losses] == [
        ("unsupported_part", "$.choices[0].parts[1]"),
        ("unsupported_part", "$.choices[0].parts[2]"),
    ]
    assert b'"tool_calls":[{"index":0,' in out and b'"index":1' not in out.split(b"tool_calls")[1]
    message = sdk_completion(out).choices[0].message
    assert message.content == "Searching."
    assert message.tool_calls is not None
    assert [(c.function.name, c.function.arguments) for c in message.tool_calls] == [  # type: ignore[union-attr]
        ("get_weather", '{"city":"Paris"}')
    ]
