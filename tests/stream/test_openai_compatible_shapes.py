"""OpenAI-compatible streams as other servers send them (Ollama, sglang, Azure, Gemini's
OpenAI endpoint), and translated streams as the openai SDK's own accumulator reads them."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from nexgate import StreamTranslator, translate_request, translate_response
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamDecoding

DONE = b"data: [DONE]\n\n"


def chunk(delta: dict[str, Any], finish: str | None = None, **fields: Any) -> bytes:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **fields,
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def claude_sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


CLAUDE_START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    },
}


def claude_blocks(
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]], stop_reason: str
) -> bytes:
    """A Claude stream of ``blocks`` (each its skeleton and its deltas), then the stop."""
    events: list[dict[str, Any]] = [CLAUDE_START]
    for index, (block, deltas) in enumerate(blocks):
        events.append({"type": "content_block_start", "index": index, "content_block": block})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    events.append({"type": "message_delta", "delta": {"stop_reason": stop_reason}, "usage": {}})
    events.append({"type": "message_stop"})
    return claude_sse(events)


def translated(source: str, target: str, data: bytes) -> bytes:
    translator = StreamTranslator(source, target)
    return translator.feed(data) + translator.close()


def sdk_completion(data: bytes) -> ChatCompletion:
    """What ``client.chat.completions.stream()`` would build from these bytes."""
    state = ChatCompletionStreamState()
    for event in SSEParser().feed(data):
        if event.data == b"[DONE]":
            break
        state.handle_chunk(ChatCompletionChunk.model_validate_json(event.data))
    return state.get_final_completion()


def test_an_empty_finish_reason_on_every_chunk_is_not_an_ending() -> None:
    # Ollama and sglang send finish_reason "" until the last chunk.
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
    stream = (
        chunk({"role": "assistant", "tool_calls": [{**call, "function": {"name": "f"}}]}, "")
        + chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}, "")
        + chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}, "")
        + chunk({}, "tool_calls")
        + DONE
    )
    out = translated("openai", "claude", stream)
    assert out.count(b"event: content_block_start") == 1
    assert b'"partial_json":"{\\"a\\":"' in out and b'"partial_json":"1}"' in out
    text = chunk({"content": "Hel"}, "") + chunk({"content": "lo"}, "") + chunk({}, "stop") + DONE
    assert translated("openai", "claude", text).count(b"event: content_block_start") == 1


def test_parallel_calls_without_an_index_stay_apart() -> None:
    # Gemini's OpenAI-compatible endpoint gives its tool-call fragments no index.
    def call(id_: str, name: str, arguments: str) -> dict[str, Any]:
        return {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}

    stream = (
        chunk({"role": "assistant", "tool_calls": [call("fc-1", "weather", '{"city":')]})
        + chunk({"tool_calls": [{"function": {"arguments": '"Paris"}'}}]})  # continues fc-1
        + chunk({"tool_calls": [call("fc-2", "time", '{"tz":"UTC"}')]})
        + chunk({}, "stop")
        + DONE
    )
    decoding = StreamDecoding(TranslationContext(source="openai", target="openai"))
    response = accumulate(decoding.feed(stream) + decoding.close())
    assert [(c.id, c.name, c.arguments) for c in response.tool_calls] == [
        ("fc-1", "weather", {"city": "Paris"}),
        ("fc-2", "time", {"tz": "UTC"}),
    ]
    assert translated("openai", "claude", stream).count(b'"type":"tool_use"') == 2


def test_the_message_starts_after_azures_prompt_filter_chunk() -> None:
    azure_first = (
        b'data: {"choices":[],"created":0,"id":"","model":"","object":"",'
        b'"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}\n\n'
    )
    stream = azure_first + chunk({"role": "assistant", "content": "Hi"}) + chunk({}, "stop") + DONE
    start = json.loads(SSEParser().feed(translated("openai", "claude", stream))[0].data)
    assert (start["message"]["id"], start["message"]["model"]) == ("chatcmpl-1", "m")


def test_text_after_reasoning_goes_out_as_it_arrives() -> None:
    translator = StreamTranslator("openai", "claude")
    translator.feed(chunk({"role": "assistant", "content": ""}))
    translator.feed(chunk({"reasoning_content": "thinking..."}))
    live = translator.feed(chunk({"content": "Hello"}))
    assert b'"text":"Hello"' in live


def test_a_call_without_arguments_accumulates_to_an_empty_object() -> None:
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "get_time", "input": {}}
    stream = claude_blocks(
        [(tool_use, [{"type": "input_json_delta", "partial_json": ""}])], "tool_use"
    )
    message = sdk_completion(translated("claude", "openai", stream)).choices[0].message
    assert message.tool_calls is not None
    streamed = message.tool_calls[0].function.arguments
    whole = {
        **CLAUDE_START["message"],
        "content": [tool_use],
        "stop_reason": "tool_use",
    }
    arguments = translate_response(whole, source="claude", target="openai")["choices"][0]
    assert streamed == arguments["message"]["tool_calls"][0]["function"]["arguments"] == "{}"


def test_the_sdk_accumulator_reads_several_thinking_blocks() -> None:
    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    stream = claude_blocks(
        [
            (
                thinking,
                [
                    {"type": "thinking_delta", "thinking": "step one"},
                    {"type": "signature_delta", "signature": "SIG1"},
                ],
            ),
            ({"type": "redacted_thinking", "data": "REDACTED"}, []),
            ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "Answer"}]),
        ],
        "end_turn",
    )
    assert sdk_completion(translated("claude", "openai", stream)).choices[0].message.content == (
        "Answer"
    )


def test_streamed_claude_thinking_goes_back_to_claude_unchanged() -> None:
    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    tool_use = {"type": "tool_use", "id": "toolu_a", "name": "wa", "input": {}}

    stream = claude_blocks(
        [
            (
                thinking,
                [
                    {"type": "thinking_delta", "thinking": "hmm "},
                    {"type": "thinking_delta", "thinking": "ok"},
                    {"type": "signature_delta", "signature": "SIG=="},
                ],
            ),
            (tool_use, [{"type": "input_json_delta", "partial_json": "{}"}]),
        ],
        "tool_use",
    )
    message = sdk_completion(translated("claude", "openai", stream)).choices[0].message
    replayed = message.model_dump(exclude_none=True, exclude={"parsed"})
    for call in replayed.get("tool_calls", []):
        call["function"].pop("parsed_arguments", None)
    body = {
        "model": "claude-x",
        "messages": [
            {"role": "user", "content": "hi"},
            replayed,
            {"role": "tool", "tool_call_id": "toolu_a", "content": "ok"},
        ],
    }
    claude = translate_request(body, source="openai", target="claude")
    # Claude refuses a signed thinking block whose text changed.
    assert claude["messages"][1]["content"][0] == {
        "type": "thinking",
        "thinking": "hmm ok",
        "signature": "SIG==",
    }


@pytest.mark.parametrize("arguments", [["hello ", "world"], ["[1, ", "2]"]])
def test_arguments_that_are_not_an_object_reach_claude_as_an_empty_one(
    arguments: list[str],
) -> None:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
    stream = (
        chunk({"role": "assistant", "tool_calls": [call]})
        + b"".join(
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": a}}]}) for a in arguments
        )
        + chunk({}, "tool_calls")
        + DONE
    )
    translator = StreamTranslator("openai", "claude")
    out = translator.feed(stream) + translator.close()
    adapter = pydantic.TypeAdapter(RawMessageStreamEvent)
    snapshot = None
    buffers: dict[str, Any] = {}
    for event in SSEParser().feed(out):
        snapshot = accumulate_event(
            event=adapter.validate_json(event.data), current_snapshot=snapshot, json_bufs=buffers
        )
    assert snapshot is not None
    assert snapshot.content[0].input == {}  # type: ignore[union-attr]
    assert [loss.kind for loss in translator.losses] == ["tool_arguments_invalid"]
