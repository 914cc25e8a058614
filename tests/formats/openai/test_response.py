"""OpenAI responses: recorded fixtures, identity, usage arithmetic, finish reasons, extensions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import openai.types.chat
import pytest

import nexgate
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
from nexgate.schema import (
    Choice,
    FinishReason,
    ImagePart,
    ReasoningPart,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)

OPENAI = get_format("openai")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "openai" / "response"


def load(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return result


def decode(body: dict[str, Any]) -> Response:
    return OPENAI.decode_response(body, TranslationContext(source="openai", target="openai"))


def encode(response: Response, source: str = "claude") -> tuple[dict[str, Any], TranslationContext]:
    ctx = TranslationContext(source=source, target="openai")  # type: ignore[arg-type]
    out = OPENAI.encode_response(response, ctx)
    openai.types.chat.ChatCompletion.model_validate(out)
    return out, ctx


def completion(message: dict[str, Any], finish: str = "stop", **fields: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4.1",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        **fields,
    }


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.json")))
def test_recorded_fixtures_are_an_identity(name: str) -> None:
    source = load(name)
    out = nexgate.translate_response(copy.deepcopy(source), source="openai", target="openai")
    assert dict(out) == source
    openai.types.chat.ChatCompletion.model_validate(dict(out))


def test_recorded_text_fixture_semantics() -> None:
    response = decode(load("text.json"))
    assert response.id == "chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU"
    assert response.created == 1770933883 and response.model == "gpt-4.1-nano-2025-04-14"
    assert response.text.startswith("**Holiday Name:** Galaxy Day")
    assert response.finish_reason == FinishReason(reason="stop", raw="stop")
    assert response.usage == Usage(input_tokens=16, output_tokens=363)
    assert response.extras["openai"]["system_fingerprint"] == "fp_de604bd877"
    assert response.extras["openai"]["service_tier"] == "default"


def test_recorded_tool_calls_semantics() -> None:
    response = decode(load("tool_calls_parallel_two.json"))
    calls = response.tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_jYdIdRZHxZTn5bWCq5jlMrJi", "delete_file", {"path": ".env"}),
        ("call_TmlTVWQbzrXCZ4jNsCVNbNqu", "create_file", {"path": "test.txt"}),
    ]
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="tool_calls")
    claude = nexgate.translate_response(
        load("tool_calls_parallel_two.json"), source="openai", target="claude"
    )
    assert claude["stop_reason"] == "tool_use"
    assert claude["usage"]["input_tokens"] == 71 and claude["usage"]["output_tokens"] == 46


CANONICAL = {
    "refusal": completion({"role": "assistant", "content": None, "refusal": "I can't help."}),
    "n_two": {
        **completion({"role": "assistant", "content": "a", "refusal": None}),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "a", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            },
            {
                "index": 1,
                "message": {"role": "assistant", "content": "b", "refusal": None},
                "logprobs": {"content": []},
                "finish_reason": "length",
            },
        ],
    },
    "extensions": completion(
        {
            "role": "assistant",
            "content": "4",
            "refusal": None,
            "reasoning_content": "add them",
            "thinking_blocks": [
                {"type": "thinking", "thinking": "add them", "signature": "sig"},
                {"type": "redacted_thinking", "data": "opaque"},
            ],
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": "not json"},
                    "extra_content": {"google": {"thought_signature": "gsig"}},
                }
            ],
        },
        finish="tool_calls",
    ),
    "usage_details": completion(
        {"role": "assistant", "content": "x", "refusal": None},
        usage={
            "prompt_tokens": 100,
            "completion_tokens": 50,
            "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 40, "cache_write_tokens": 10},
            "completion_tokens_details": {"reasoning_tokens": 20},
        },
    ),
    "content_filter": completion(
        {"role": "assistant", "content": "", "refusal": None}, "content_filter"
    ),
}


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_identity_round_trip(name: str) -> None:
    source = CANONICAL[name]
    out = nexgate.translate_response(copy.deepcopy(source), source="openai", target="openai")
    assert dict(out) == source  # content "" included (a filtered answer's), not made null
    assert out.losses == ()
    openai.types.chat.ChatCompletion.model_validate(dict(out))


def test_usage_arithmetic() -> None:
    usage = decode(CANONICAL["usage_details"]).usage
    assert usage == Usage(
        input_tokens=100,
        output_tokens=50,
        cache_read_tokens=40,
        cache_write_tokens=10,
        reasoning_tokens=20,
    )
    claude = nexgate.translate_response(
        CANONICAL["usage_details"], source="openai", target="claude"
    )
    # Claude's input_tokens excludes cache reads and writes
    assert claude["usage"]["input_tokens"] == 50
    assert claude["usage"]["cache_read_input_tokens"] == 40
    out, _ = encode(
        Response(
            id="r",
            model="m",
            choices=[Choice()],
            usage=Usage(input_tokens=7, output_tokens=3, reasoning_tokens=2),
        )
    )
    assert out["usage"] == {
        "prompt_tokens": 7,
        "completion_tokens": 3,
        "total_tokens": 10,
        "completion_tokens_details": {"reasoning_tokens": 2},
    }


def test_extensions_decode_to_signed_parts() -> None:
    parts = decode(CANONICAL["extensions"]).parts
    assert parts[0] == ReasoningPart(
        text="add them", signature=Signature(format="claude", value="sig")
    )
    assert isinstance(parts[1], ReasoningPart) and parts[1].redacted_data == "opaque"
    assert parts[2] == TextPart(text="4")
    call = parts[3]
    assert isinstance(call, ToolCallPart)
    assert call.arguments == {} and call.raw_arguments == "not json"
    assert call.signature == Signature(format="gemini", value="gsig")


def test_claude_thinking_response_carries_extensions() -> None:
    claude = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "s1"},
            {"type": "text", "text": "Hi"},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 3},
    }
    out = nexgate.translate_response(claude, source="claude", target="openai")
    openai.types.chat.ChatCompletion.model_validate(dict(out))
    message = out["choices"][0]["message"]
    assert message["reasoning_content"] == "hmm"
    assert message["thinking_blocks"] == [
        {"type": "thinking", "thinking": "hmm", "signature": "s1"}
    ]
    assert message["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"a":1}'}
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["usage"]["prompt_tokens"] == 13  # Claude's input excludes the cache read
    assert out["usage"]["prompt_tokens_details"] == {"cached_tokens": 3}
    assert out["created"] == 0


FINISH_TABLE = [
    (FinishReason(reason="stop", raw="end_turn"), False, "stop"),
    (FinishReason(reason="length", raw="max_tokens"), False, "length"),
    (FinishReason(reason="tool_calls", raw="tool_use"), True, "tool_calls"),
    (FinishReason(reason="stop", raw="STOP"), True, "tool_calls"),
    (FinishReason(reason="content_filter", raw="SAFETY"), False, "content_filter"),
    (FinishReason(reason="pause", raw="pause_turn"), False, "stop"),
    (FinishReason(reason="other", raw="MALFORMED_FUNCTION_CALL"), False, "stop"),
    (FinishReason(reason="tool_calls", raw="function_call"), True, "function_call"),
    (None, False, "stop"),
]


@pytest.mark.parametrize(("finish", "with_call", "expected"), FINISH_TABLE)
def test_finish_reason_encoding(
    finish: FinishReason | None, with_call: bool, expected: str
) -> None:
    parts: list[Any] = [TextPart(text="x")]
    if with_call:
        parts.append(ToolCallPart(id="c", name="f"))
    out, _ = encode(Response(id="r", model="m", choices=[Choice(parts=parts, finish=finish)]))
    assert out["choices"][0]["finish_reason"] == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_calls"),
        ("function_call", "tool_calls"),
        ("content_filter", "content_filter"),
        ("weird", "other"),
    ],
)
def test_finish_reason_decoding(raw: str, reason: str) -> None:
    response = decode(completion({"role": "assistant", "content": "x"}, raw))
    assert response.finish_reason == FinishReason(reason=reason, raw=raw)  # type: ignore[arg-type]


def test_stop_with_tool_calls_means_tool_calls() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    response = decode(completion(message, "stop"))
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="stop")


def test_unsupported_parts_and_foreign_signatures_are_losses() -> None:
    response = Response(
        id="r",
        model="m",
        choices=[
            Choice(
                parts=[
                    TextPart(text="a", signature=Signature(format="gemini", value="t")),
                    ImagePart(media_type="image/png", data="AAAA"),
                ],
                finish=FinishReason(reason="stop", raw="STOP"),
            )
        ],
    )
    out, ctx = encode(response, source="gemini")
    assert [loss.kind for loss in ctx.losses] == ["signature_not_replayable", "unsupported_part"]
    assert out["choices"][0]["message"]["content"] == "a"


def test_missing_id_is_derived_and_deterministic() -> None:
    response = Response(id="", model="m", choices=[Choice(parts=[TextPart(text="x")])])
    first, _ = encode(response)
    second, _ = encode(Response(id="", model="m", choices=[Choice(parts=[TextPart(text="x")])]))
    other, _ = encode(Response(id="", model="m", choices=[Choice(parts=[TextPart(text="y")])]))
    assert first["id"].startswith("chatcmpl-") and first["id"] == second["id"] != other["id"]
    assert dump_json(first) == dump_json(second)


BAD_RESPONSES: list[tuple[Any, str]] = [
    ({"choices": "x"}, "$.choices"),
    ({"choices": [{"index": 0}]}, "$.choices[0]"),
    ({"choices": [{"message": {"content": 5}}]}, "$.choices[0].message.content"),
    (
        {"choices": [{"message": {"tool_calls": [{"function": {"name": "f"}}]}}]},
        "$.choices[0].message.tool_calls[0]",
    ),
    ({"choices": [], "usage": {"prompt_tokens": -1}}, "$.usage.prompt_tokens"),
    ({"choices": [], "created": "yesterday"}, "$.created"),
    (b"{not json", "$"),
]


@pytest.mark.parametrize(("body", "path"), BAD_RESPONSES)
def test_bad_responses_name_the_path(body: Any, path: str) -> None:
    with pytest.raises(nexgate.InvalidInputError) as info:
        nexgate.translate_response(body, source="openai", target="openai")
    assert info.value.path == path
