"""Claude responses: recorded fixtures, usage arithmetic, stop reasons and losses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import anthropic.types
import pytest

import nexgate
from nexgate.formats import TranslationContext, get_format
from nexgate.schema import (
    Choice,
    FinishReason,
    FinishReasonName,
    ImagePart,
    ReasoningPart,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "claude" / "response"
CLAUDE = get_format("claude")


def load(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return result


def decode(obj: dict[str, Any], target: str = "claude") -> Response:
    ctx = TranslationContext(source="claude", target=target)  # type: ignore[arg-type]
    return CLAUDE.decode_response(obj, ctx)


def encode(response: Response, strict: bool = False) -> tuple[dict[str, Any], TranslationContext]:
    ctx = TranslationContext(source="openai", target="claude", strict=strict)
    out = CLAUDE.encode_response(response, ctx)
    anthropic.types.Message.model_validate(out)
    return out, ctx


@pytest.mark.parametrize(
    "name", ["text.json", "text_and_tool_use_no_args.json", "thinking_signature.json"]
)
def test_recorded_responses_round_trip_exactly(name: str) -> None:
    original = load(name)
    out = nexgate.translate_response(copy.deepcopy(original), source="claude", target="claude")
    anthropic.types.Message.model_validate(dict(out))
    assert dict(out) == original
    assert not out.losses


def test_recorded_thinking_response_decodes_with_signature_and_order() -> None:
    response = decode(load("thinking_signature.json"))
    first = response.parts[0]
    assert isinstance(first, ReasoningPart) and first.signature is not None
    assert first.signature.format == "claude" and first.signature.value.startswith("CAIS")
    assert response.finish_reason == FinishReason(reason="stop", raw="end_turn")


def test_tool_use_response_is_a_tool_call_finish() -> None:
    response = decode(load("text_and_tool_use_no_args.json"))
    assert response.tool_calls == [
        ToolCallPart(id="toolu_01LRmxn9vGM1d2DZSDBowdZ1", name="updateIssueList", arguments={})
    ]
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="tool_use")


def test_usage_totals_include_cache_and_encode_back() -> None:
    obj = load("text.json")
    for key in ("cache_creation", "service_tier", "inference_geo"):
        del obj["usage"][key]
    obj["usage"].update(
        input_tokens=10,
        cache_creation_input_tokens=200,
        cache_read_input_tokens=3000,
        output_tokens=50,
        output_tokens_details={"thinking_tokens": 20},
    )
    response = decode(obj)
    assert response.usage == Usage(
        input_tokens=3210,
        output_tokens=50,
        cache_read_tokens=3000,
        cache_write_tokens=200,
        reasoning_tokens=20,
    )
    out, _ = encode(response)
    assert out["usage"] == {
        "input_tokens": 10,
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 3000,
        "output_tokens": 50,
        "output_tokens_details": {"thinking_tokens": 20},
    }


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("pause_turn", "pause"),
        ("refusal", "content_filter"),
        ("model_context_window_exceeded", "length"),
        ("something_new", "other"),
    ],
)
def test_stop_reasons_decode(raw: str, reason: FinishReasonName) -> None:
    obj = load("text.json")
    obj["stop_reason"] = raw
    response = decode(obj)
    assert response.finish_reason == FinishReason(reason=reason, raw=raw)
    # An unknown reason is not in the SDK's StopReason literal: it goes back as end_turn.
    known = raw if reason != "other" else "end_turn"
    out = nexgate.translate_response(obj, source="claude", target="claude")
    assert out["stop_reason"] == known


@pytest.mark.parametrize(
    ("finish", "stop_sequence", "calls", "expected"),
    [
        (FinishReason(reason="stop", raw="stop"), None, False, "end_turn"),
        (FinishReason(reason="stop", raw="STOP"), "###", False, "stop_sequence"),
        (FinishReason(reason="length", raw="length"), None, False, "max_tokens"),
        (FinishReason(reason="tool_calls", raw="tool_calls"), None, True, "tool_use"),
        (FinishReason(reason="stop", raw="STOP"), None, True, "tool_use"),
        (FinishReason(reason="content_filter", raw="SAFETY"), None, False, "refusal"),
        (FinishReason(reason="pause"), None, False, "pause_turn"),
        (None, None, False, "end_turn"),
    ],
)
def test_stop_reasons_encode(
    finish: FinishReason | None, stop_sequence: str | None, calls: bool, expected: str
) -> None:
    parts: list[Any] = [TextPart(text="hi")]
    if calls:
        parts.append(ToolCallPart(id="call_1", name="f", arguments={"a": 1}))
    response = Response(
        id="r1",
        model="m",
        choices=[Choice(parts=parts, finish=finish, stop_sequence=stop_sequence)],
    )
    out, _ = encode(response)
    assert out["stop_reason"] == expected
    assert out["stop_sequence"] == stop_sequence


def test_extra_choices_are_dropped_with_a_loss() -> None:
    response = Response(
        id="r",
        model="m",
        choices=[Choice(parts=[TextPart(text="a")]), Choice(parts=[TextPart(text="b")], index=1)],
    )
    out, ctx = encode(response)
    assert out["content"] == [{"type": "text", "text": "a"}]
    assert [loss.kind for loss in ctx.losses] == ["extra_choices_dropped"]
    with pytest.raises(nexgate.TranslationError):
        encode(response, strict=True)[1].finish()


def test_foreign_reasoning_keeps_its_text_without_a_signature() -> None:
    # Choice documented in response.py: the thinking text stays (a valid Message), with an
    # empty signature; the foreign signature cannot travel and that is a recorded loss.
    response = Response(
        id="r",
        model="m",
        choices=[
            Choice(
                parts=[
                    ReasoningPart(text="hmm", signature=Signature(format="gemini", value="g")),
                    ReasoningPart(text="plain"),
                    ReasoningPart(text="", signature=Signature(format="openai", value="enc")),
                    TextPart(text="answer"),
                    ImagePart(media_type="image/png", data="AAA"),
                    ToolCallPart(id="call.1", name="f", arguments={}, raw_arguments="oops"),
                ]
            )
        ],
    )
    out, ctx = encode(response)
    assert out["content"] == [
        {"type": "thinking", "thinking": "hmm", "signature": ""},
        {"type": "thinking", "thinking": "plain", "signature": ""},
        {"type": "text", "text": "answer"},
        {"type": "tool_use", "id": out["content"][3]["id"], "name": "f", "input": {}},
    ]
    assert out["content"][3]["id"].startswith("call_1")
    assert [(loss.kind, loss.path) for loss in ctx.losses] == [
        ("signature_not_replayable", "$.choices[0].parts[0]"),
        ("signature_not_replayable", "$.choices[0].parts[2]"),
        ("unsupported_part", "$.choices[0].parts[4]"),
        ("tool_arguments_invalid", "$.choices[0].parts[5].arguments"),
    ]


def test_openai_response_becomes_a_valid_claude_message() -> None:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-x",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Checking.",
                    "tool_calls": [
                        {
                            "id": "call_abc",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"x":1}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": 7,
            "total_tokens": 107,
            "prompt_tokens_details": {"cached_tokens": 60},
        },
    }
    out = nexgate.translate_response(body, source="openai", target="claude")
    anthropic.types.Message.model_validate(dict(out))
    assert out["stop_reason"] == "tool_use"
    assert out["content"][1]["input"] == {"x": 1}
    assert out["usage"]["input_tokens"] == 40
    assert out["usage"]["cache_read_input_tokens"] == 60


def test_unmodeled_response_fields_pass_claude_to_claude_only() -> None:
    obj = load("text.json")
    obj["stop_reason"] = "refusal"
    obj["stop_details"] = {"type": "refusal", "category": "cyber", "explanation": None}
    out = nexgate.translate_response(obj, source="claude", target="claude")
    assert out["stop_details"] == obj["stop_details"]
    assert out["usage"]["service_tier"] == "standard"
    openai = nexgate.translate_response(obj, source="claude", target="openai")
    assert "stop_details" not in openai
    assert openai["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        ({"content": "text"}, "$.content"),
        ({"content": [{"type": "text"}]}, "$.content[0]"),
        ({"content": [], "usage": {"input_tokens": "many"}}, "$.usage.input_tokens"),
        (
            {"content": [{"type": "tool_use", "id": "t", "name": "f", "input": 3}]},
            "$.content[0].input",
        ),
    ],
)
def test_bad_response_bodies_name_the_field(obj: dict[str, Any], path: str) -> None:
    with pytest.raises(nexgate.InvalidInputError) as info:
        nexgate.translate_response(obj, source="claude", target="openai")
    assert info.value.path == path
