"""A Claude web-search stream keeps its server tool blocks and citations on its way to Claude.

The stream decoder used to drop ``server_tool_use`` / ``web_search_tool_result`` blocks and
``citations_delta`` deltas (a loss even claude -> claude), although a whole response keeps
them. Now they travel as a raw part / raw delta: a Claude encoder writes them back, the
others record the loss, and the accumulated response equals the unary decode.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pydantic
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message, RawMessageStreamEvent
from sdk_validators import gemini_stream_chunk
from stream.test_openai_compatible_shapes import CLAUDE_START, claude_sse, sdk_completion

from nexgate import StreamTranslator
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RawMessageStreamEvent)

CITATION = {
    "type": "web_search_result_location",
    "cited_text": "Paris is the capital and largest city of France.",
    "url": "https://en.wikipedia.org/wiki/Paris",
    "title": "Paris - Wikipedia",
    "encrypted_index": "EpMBCioIBhgCIiQ4ODk4YTFkYy0yMTNkLTRhNmYt",
}
SEARCH_RESULT = {
    "type": "web_search_result",
    "url": "https://en.wikipedia.org/wiki/Paris",
    "title": "Paris - Wikipedia",
    "encrypted_content": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5LTQ1NGUtODgxNC1kNjNjNTk4ZjUxYjE",
    "page_age": "2 days ago",
}
SERVER_TOOL_USAGE = {"web_search_requests": 1, "web_fetch_requests": 0}
RESULT_BLOCK = {
    "type": "web_search_tool_result",
    "tool_use_id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB",
    "content": [SEARCH_RESULT],
}


def _block(index: int, block: dict[str, Any], deltas: list[dict[str, Any]]) -> list[Any]:
    return [
        {"type": "content_block_start", "index": index, "content_block": block},
        *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": index},
    ]


def _text(text: str) -> dict[str, Any]:
    return {"type": "text_delta", "text": text}


#: Shaped like a recorded ``web_search_20250305`` answer: the model says it will search,
#: calls the server tool (its input streamed in fragments), gets the results, answers with
#: a cited text block.
WEB_SEARCH_EVENTS: list[dict[str, Any]] = [
    CLAUDE_START,
    *_block(0, {"type": "text", "text": ""}, [_text("I'll search for that.")]),
    *_block(
        1,
        {"type": "server_tool_use", "id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB", "name": "web_search",
         "input": {}},
        [
            {"type": "input_json_delta", "partial_json": ""},
            {"type": "input_json_delta", "partial_json": '{"query": "capi'},
            {"type": "input_json_delta", "partial_json": 'tal of France"}'},
        ],
    ),
    *_block(2, RESULT_BLOCK, []),
    *_block(
        3,
        {"type": "text", "text": "", "citations": []},
        [{"type": "citations_delta", "citation": CITATION}, _text("Paris is the capital "),
         _text("of France.")],
    ),
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 75, "server_tool_use": SERVER_TOOL_USAGE},
    },
    {"type": "message_stop"},
]  # fmt: skip

#: The same answer as one response (what the unary decoder reads).
WEB_SEARCH_MESSAGE: dict[str, Any] = {
    **CLAUDE_START["message"],  # type: ignore[dict-item]
    "content": [
        {"type": "text", "text": "I'll search for that."},
        {
            "type": "server_tool_use",
            "id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB",
            "name": "web_search",
            "input": {"query": "capital of France"},
        },
        RESULT_BLOCK,
        {"type": "text", "text": "Paris is the capital of France.", "citations": [CITATION]},
    ],
    "stop_reason": "end_turn",
    "usage": {
        "input_tokens": 10,
        "output_tokens": 75,
        "server_tool_use": SERVER_TOOL_USAGE,
    },
}


def _translate(target: str, data: bytes) -> tuple[bytes, StreamTranslator]:
    translator = StreamTranslator("claude", target)
    out = b"".join(translator.feed(data[i : i + 97]) for i in range(0, len(data), 97))
    return out + translator.close(), translator


def _sdk_message(data: bytes) -> tuple[Message, list[dict[str, Any]]]:
    """The events of a Claude stream, each validated, and what the anthropic SDK builds."""
    snapshot = None
    buffers: dict[int, bytes] = {}
    events = []
    for frame in SSEParser().feed(data):
        event = _EVENT.validate_json(frame.data)
        events.append(event.to_dict())
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None
    return snapshot, events


def test_claude_to_claude_keeps_server_tool_blocks_and_citations() -> None:
    data = claude_sse(copy.deepcopy(WEB_SEARCH_EVENTS))
    out, translator = _translate("claude", data)
    assert translator.losses == []
    message, events = _sdk_message(out)
    original, _ = _sdk_message(data)
    assert message.to_dict()["content"] == original.to_dict()["content"]
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [(e["index"], e["content_block"]["type"]) for e in starts] == [
        (0, "text"),
        (1, "server_tool_use"),
        (2, "web_search_tool_result"),
        (3, "text"),
    ]
    # The server tool's input streams as Claude streams it: an empty start, then fragments.
    assert starts[1]["content_block"]["input"] == {}
    # Read back by nexgate, the output is the same stream again.
    again, _ = _translate("claude", out)
    assert _sdk_message(again)[0].to_dict() == message.to_dict()


def test_accumulated_stream_equals_the_unary_decode() -> None:
    # The SDK builds WEB_SEARCH_MESSAGE's content from the stream: the two are one answer.
    sdk, _ = _sdk_message(claude_sse(copy.deepcopy(WEB_SEARCH_EVENTS)))
    expected = Message.model_validate(WEB_SEARCH_MESSAGE).to_dict()["content"]
    assert sdk.to_dict()["content"] == expected
    decoding = StreamDecoding(TranslationContext(source="claude", target="claude"))
    data = claude_sse(copy.deepcopy(WEB_SEARCH_EVENTS))
    streamed = accumulate(decoding.feed(data) + decoding.close())
    ctx = TranslationContext(source="claude", target="claude")
    whole = get_format("claude").decode_response(copy.deepcopy(WEB_SEARCH_MESSAGE), ctx)
    assert streamed == whole
    assert streamed.extras["claude"]["_citations"] == {"3": [CITATION]}
    # Encoded whole for Claude, the accumulated answer is the message again.
    body = get_format("claude").encode_response(streamed, ctx)
    assert body["content"] == WEB_SEARCH_MESSAGE["content"]


@pytest.mark.parametrize("target", ["openai", "gemini"])
def test_other_formats_record_the_losses_and_stay_valid(target: str) -> None:
    out, translator = _translate(target, claude_sse(copy.deepcopy(WEB_SEARCH_EVENTS)))
    assert sorted((loss.kind, loss.path) for loss in translator.losses) == [
        ("response_field_dropped", "$.usage.server_tool_use"),  # as ever
        ("unsupported_delta", "$.content[3]"),
        ("unsupported_part", "$.choices[0].parts[1]"),
        ("unsupported_part", "$.choices[0].parts[2]"),
    ]
    if target == "openai":
        completion = sdk_completion(out)
        assert completion.choices[0].message.content == (
            "I'll search for that.Paris is the capital of France."
        )
    else:
        frames = [f.data for f in SSEParser().feed(out)]
        for frame in frames:
            gemini_stream_chunk(json.loads(frame))
        assert b"server_tool_use" not in out and b"citation" not in out


def test_claude_blocks_stay_numbered_around_a_lost_raw_part() -> None:
    """Gemini -> Claude: the code part is lost, and the blocks around it are 0 and 1 (the
    anthropic SDK's accumulator indexes its content by them)."""
    gemini = (
        b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"a"}]}}],'
        b'"modelVersion":"g","responseId":"r"}\n\n'
        b'data: {"candidates":[{"content":{"role":"model","parts":'
        b'[{"executableCode":{"language":"PYTHON","code":"print(1)"}}]}}]}\n\n'
        b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"b"}]},'
        b'"finishReason":"STOP"}]}\n\n'
    )
    translator = StreamTranslator("gemini", "claude")
    out = translator.feed(gemini) + translator.close()
    message, events = _sdk_message(out)
    assert [block.type for block in message.content] == ["text", "text"]
    assert [e["index"] for e in events if e["type"] == "content_block_start"] == [0, 1]
    assert [(loss.kind, loss.path) for loss in translator.losses] == [
        ("unsupported_part", "$.choices[0].parts[1]")
    ]
