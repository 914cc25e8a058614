"""Gemini generateContent responses: fixtures, identity, finish and usage, blocked prompts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import msgspec
import pytest
from google.genai import types as genai_types

import nexgate
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._ids import is_synthetic_call_id
from nexgate.schema import (
    Choice,
    FinishReason,
    ReasoningPart,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    Usage,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "gemini" / "response"
GEMINI = get_format("gemini")


def load(name: str) -> Any:
    return msgspec.json.decode((FIXTURES / name).read_bytes())


def decode(body: dict[str, Any]) -> Response:
    ctx = TranslationContext(source="gemini", target="gemini", model="gemini-2.5-flash")
    return GEMINI.decode_response(copy.deepcopy(body), ctx)


def encode(response: Response, source: str = "openai") -> dict[str, Any]:
    ctx = TranslationContext(source=source, target="gemini")  # type: ignore[arg-type]
    out = GEMINI.encode_response(response, ctx)
    genai_types.GenerateContentResponse.model_validate(out)
    return out


CANONICAL: dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "parts": [
                    {"text": "plan", "thought": True},
                    {"functionCall": {"name": "now", "args": {}}, "thoughtSignature": "c2ln"},
                    {"functionCall": {"id": "call_9", "name": "now", "args": {"tz": "UTC"}}},
                    {"text": "", "thoughtSignature": "c2ln"},
                ],
                "role": "model",
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 38,
        "candidatesTokenCount": 8,
        "totalTokenCount": 547,
        "thoughtsTokenCount": 501,
        "cachedContentTokenCount": 10,
    },
    "modelVersion": "gemini-2.5-pro",
    "responseId": "38CHaLjMG6TujrEPtvTiuQk",
}


def test_recorded_function_call_with_signature() -> None:
    response = decode(load("thinking_function_call_signature.json"))
    reasoning, call = response.parts
    assert isinstance(reasoning, ReasoningPart) and reasoning.signature is None
    assert isinstance(call, ToolCallPart) and call.name == "now" and call.arguments == {}
    assert call.signature is not None and call.signature.format == "gemini"
    assert is_synthetic_call_id(call.id)
    assert response.finish_reason == FinishReason(reason="tool_calls", raw="STOP")
    assert response.usage == Usage(input_tokens=38, output_tokens=509, reasoning_tokens=501)
    assert response.id == "38CHaLjMG6TujrEPtvTiuQk" and response.model == "gemini-2.5-pro"
    openai = nexgate.translate_response(
        load("thinking_function_call_signature.json"), source="gemini", target="openai"
    )
    assert openai["choices"][0]["finish_reason"] == "tool_calls"
    assert openai["usage"]["completion_tokens"] == 509


@pytest.mark.parametrize(
    "name",
    ["text_basic.json", "thinking_thought_summary.json", "thinking_function_call_signature.json"],
)
def test_recorded_responses_reencode_validly(name: str) -> None:
    body = load(name)
    out = nexgate.translate_response(body, source="gemini", target="gemini")
    genai_types.GenerateContentResponse.model_validate(out)
    assert out["candidates"][0]["content"]["parts"] == body["candidates"][0]["content"]["parts"]
    assert out["usageMetadata"]["totalTokenCount"] == body["usageMetadata"]["totalTokenCount"]


def test_identity_is_exact() -> None:
    out = nexgate.translate_response(copy.deepcopy(CANONICAL), source="gemini", target="gemini")
    assert out == CANONICAL
    assert out.losses == ()
    genai_types.GenerateContentResponse.model_validate(out)


def test_snake_case_response_is_accepted() -> None:
    body = {
        "candidates": [
            {
                "content": {"parts": [{"function_call": {"name": "f", "args": {"a_b": 1}}}]},
                "finish_reason": "STOP",
            }
        ],
        "usage_metadata": {"prompt_token_count": 3, "candidates_token_count": 2},
        "response_id": "r1",
    }
    response = decode(body)
    assert response.tool_calls[0].arguments == {"a_b": 1}
    assert response.usage == Usage(input_tokens=3, output_tokens=2)
    assert response.id == "r1"


def test_missing_response_id_is_derived_from_content() -> None:
    body = {"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}]}
    first, second = decode(body), decode(body)
    assert first.id == second.id and first.id.startswith("gen-")
    other = decode(
        {"candidates": [{"content": {"parts": [{"text": "ho"}]}, "finishReason": "STOP"}]}
    )
    assert other.id != first.id


FINISH_TABLE = [
    ("STOP", False, "stop"),
    ("STOP", True, "tool_calls"),
    ("MAX_TOKENS", False, "length"),
    ("SAFETY", False, "content_filter"),
    ("RECITATION", False, "content_filter"),
    ("BLOCKLIST", False, "content_filter"),
    ("PROHIBITED_CONTENT", False, "content_filter"),
    ("SPII", False, "content_filter"),
    ("IMAGE_SAFETY", False, "content_filter"),
    ("MALFORMED_FUNCTION_CALL", False, "error"),
    ("MISSING_THOUGHT_SIGNATURE", False, "error"),
    ("OTHER", False, "other"),
    ("SOMETHING_NEW", False, "other"),
]


@pytest.mark.parametrize(("raw", "calls", "reason"), FINISH_TABLE)
def test_finish_decoding(raw: str, calls: bool, reason: str) -> None:
    part = {"functionCall": {"name": "f"}} if calls else {"text": "x"}
    response = decode({"candidates": [{"content": {"parts": [part]}, "finishReason": raw}]})
    assert response.finish_reason == FinishReason(reason=reason, raw=raw)  # type: ignore[arg-type]
    # Gemini -> Gemini keeps the upstream value, even one newer than the SDK's enum.
    ctx = TranslationContext(source="gemini", target="gemini")
    assert GEMINI.encode_response(response, ctx)["candidates"][0]["finishReason"] == raw


@pytest.mark.parametrize(
    ("finish", "expected"),
    [
        (FinishReason(reason="stop", raw="stop"), "STOP"),
        (FinishReason(reason="tool_calls", raw="tool_use"), "STOP"),
        (FinishReason(reason="length", raw="max_tokens"), "MAX_TOKENS"),
        (FinishReason(reason="content_filter", raw="refusal"), "SAFETY"),
        (FinishReason(reason="pause", raw="pause_turn"), "OTHER"),
        (FinishReason(reason="error"), "OTHER"),
        (FinishReason(reason="stop", raw="RECITATION"), "RECITATION"),
    ],
)
def test_finish_encoding(finish: FinishReason, expected: str) -> None:
    response = Response(
        id="r", model="m", choices=[Choice(parts=[TextPart(text="x")], finish=finish)]
    )
    assert encode(response)["candidates"][0]["finishReason"] == expected


@pytest.mark.parametrize(
    ("metadata", "usage"),
    [
        (
            {"promptTokenCount": 10, "candidatesTokenCount": 5},
            Usage(input_tokens=10, output_tokens=5),
        ),
        (
            {"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 20},
            Usage(input_tokens=10, output_tokens=25, reasoning_tokens=20),
        ),
        (
            {"promptTokenCount": 100, "cachedContentTokenCount": 60, "candidatesTokenCount": 1},
            Usage(input_tokens=100, output_tokens=1, cache_read_tokens=60),
        ),
        (
            {"promptTokenCount": 10, "toolUsePromptTokenCount": 4, "candidatesTokenCount": 1},
            Usage(input_tokens=14, output_tokens=1),
        ),
        ({"promptTokenCount": 7}, Usage(input_tokens=7)),
    ],
)
def test_usage_decoding(metadata: dict[str, Any], usage: Usage) -> None:
    body = {"candidates": [{"content": {"parts": [{"text": "x"}]}}], "usageMetadata": metadata}
    assert decode(body).usage == usage


def test_usage_encoding_splits_thoughts_from_candidates() -> None:
    usage = Usage(input_tokens=120, output_tokens=50, reasoning_tokens=30, cache_read_tokens=100)
    response = Response(
        id="r", model="m", choices=[Choice(parts=[TextPart(text="x")])], usage=usage
    )
    assert encode(response)["usageMetadata"] == {
        "promptTokenCount": 120,
        "candidatesTokenCount": 20,
        "totalTokenCount": 170,
        "thoughtsTokenCount": 30,
        "cachedContentTokenCount": 100,
    }


BLOCKED = {
    "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
    "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "blk",
}


def test_blocked_prompt_is_never_an_empty_success() -> None:
    response = decode(BLOCKED)
    assert len(response.choices) == 1
    assert response.choices[0].parts == []
    assert response.finish_reason == FinishReason(reason="content_filter", raw="PROHIBITED_CONTENT")
    openai = nexgate.translate_response(BLOCKED, source="gemini", target="openai")
    assert openai["choices"][0]["finish_reason"] == "content_filter"
    claude = nexgate.translate_response(BLOCKED, source="gemini", target="claude")
    assert claude["stop_reason"] == "refusal"
    same = nexgate.translate_response(copy.deepcopy(BLOCKED), source="gemini", target="gemini")
    assert same == BLOCKED


def test_openai_response_encodes_as_gemini() -> None:
    openai = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Calling.",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"a":1}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 30,
            "total_tokens": 40,
            "completion_tokens_details": {"reasoning_tokens": 12},
        },
    }
    out = nexgate.translate_response(openai, source="openai", target="gemini")
    genai_types.GenerateContentResponse.model_validate(out)
    candidate = out["candidates"][0]
    assert candidate["content"] == {
        "parts": [
            {"text": "Calling."},
            {"functionCall": {"name": "f", "args": {"a": 1}, "id": "call_1"}},
        ],
        "role": "model",
    }
    assert candidate["finishReason"] == "STOP"
    assert out["usageMetadata"]["candidatesTokenCount"] == 18
    assert out["usageMetadata"]["thoughtsTokenCount"] == 12
    assert out["responseId"] == "chatcmpl-1"


def test_foreign_reasoning_shows_in_a_response_without_its_signature() -> None:
    response = Response(
        id="r",
        model="claude-x",
        choices=[
            Choice(
                parts=[
                    ReasoningPart(text="thinking", signature=Signature(format="claude", value="s")),
                    TextPart(text="answer"),
                ],
                finish=FinishReason(reason="stop", raw="end_turn"),
            )
        ],
    )
    out = encode(response, "claude")
    assert out["candidates"][0]["content"]["parts"] == [
        {"text": "thinking", "thought": True},
        {"text": "answer"},
    ]


def test_bad_response_names_the_field() -> None:
    with pytest.raises(nexgate.InvalidInputError) as caught:
        nexgate.translate_response(
            {"candidates": [{"content": {"parts": [{"text": 3}]}}]},
            source="gemini",
            target="openai",
        )
    assert caught.value.path == "$.candidates[0].content.parts[0].text"
    with pytest.raises(nexgate.InvalidInputError) as caught:
        nexgate.translate_response(
            {"usageMetadata": {"promptTokenCount": "x"}}, source="gemini", target="openai"
        )
    assert caught.value.path == "$.usageMetadata.promptTokenCount"
