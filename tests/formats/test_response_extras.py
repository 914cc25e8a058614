"""Response fields nexgate does not model: an identity keeps them, and another format records
each one it cannot carry as a loss (empty values carry nothing and lose nothing)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import sdk_validators  # type: ignore[import-not-found]

import nexgate
from nexgate.formats._json import dump_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

#: A Gemini 2.5 answer with the fields real ones carry beside the modeled ones.
GEMINI: dict[str, Any] = {
    "candidates": [
        {
            "content": {"parts": [{"text": "Paris."}], "role": "model"},
            "finishReason": "STOP",
            "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}
            ],
            "citationMetadata": {"citationSources": [{"startIndex": 0, "endIndex": 6}]},
            "avgLogprobs": -0.25,
            "finishMessage": "Model generated a complete answer.",
            "index": 0,
        }
    ],
    "promptFeedback": {"safetyRatings": []},
    "usageMetadata": {
        "promptTokenCount": 7,
        "candidatesTokenCount": 2,
        "totalTokenCount": 9,
        # (Real answers also carry `serviceTier`, which google-genai's types do not know yet.)
        "promptTokensDetails": [
            {"modality": "TEXT", "tokenCount": 4},
            {"modality": "IMAGE", "tokenCount": 3},
        ],
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 2}],
        "trafficType": "ON_DEMAND",
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "resp-1",
    "createTime": "2026-11-28T12:00:00Z",
}

OPENAI: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "system_fingerprint": "fp_1",
    "service_tier": None,
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris.", "annotations": []},
            "logprobs": {"content": [{"token": "Paris", "logprob": -0.1, "top_logprobs": []}]},
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 7,
        "completion_tokens": 6,
        "total_tokens": 13,
        "completion_tokens_details": {"reasoning_tokens": 4, "accepted_prediction_tokens": 0},
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 3},
    },
}

CLAUDE: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "Paris."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "container": {"id": "container_1", "expires_at": "2026-11-28T13:00:00Z"},
    "usage": {"input_tokens": 7, "output_tokens": 2, "service_tier": "standard"},
}

DROPPED = {
    "gemini": [
        "$.candidates[0].safetyRatings",
        "$.candidates[0].citationMetadata",
        "$.candidates[0].avgLogprobs",
        "$.candidates[0].finishMessage",
        "$.usageMetadata.promptTokensDetails",  # not candidatesTokensDetails: text alone
        "$.usageMetadata.trafficType",
        "$.createTime",
    ],  # promptFeedback holds only an empty list: nothing to lose
    "openai": [
        "$.system_fingerprint",
        "$.choices[0].logprobs",
        "$.usage.prompt_tokens_details.audio_tokens",
    ],  # service_tier null, annotations [], the zero counts and the modeled reasoning count
    "claude": ["$.container", "$.usage.service_tier"],
}
BODIES = {"gemini": GEMINI, "openai": OPENAI, "claude": CLAUDE}


@pytest.mark.parametrize("as_bytes", [False, True], ids=["dict", "bytes"])
def test_a_gemini_identity_keeps_every_field(as_bytes: bool) -> None:
    body: Any = dump_json(GEMINI) if as_bytes else copy.deepcopy(GEMINI)
    out = nexgate.translate_response(body, source="gemini", target="gemini")
    assert json.loads(dump_json(out)) == GEMINI
    assert out.losses == ()
    sdk_validators.response("gemini", dict(out))


def test_a_blocked_gemini_prompt_keeps_its_feedback_and_extras() -> None:
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [{"category": "X"}]},
        "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 3},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "resp-2",
    }
    out = nexgate.translate_response(blocked, source="gemini", target="gemini")
    assert out["promptFeedback"] == blocked["promptFeedback"] and "candidates" not in out


@pytest.mark.parametrize("source", ["gemini", "openai", "claude"])
@pytest.mark.parametrize("target", ["gemini", "openai", "claude"])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["dict", "bytes"])
def test_each_field_another_format_cannot_carry_is_a_loss(
    source: str, target: str, as_bytes: bool
) -> None:
    body: Any = dump_json(BODIES[source]) if as_bytes else copy.deepcopy(BODIES[source])
    out = nexgate.translate_response(body, source=source, target=target)
    dropped = [loss.path for loss in out.losses if loss.kind == "response_field_dropped"]
    assert sorted(dropped) == sorted([] if source == target else DROPPED[source])
    if source != target:
        with pytest.raises(nexgate.TranslationError):
            nexgate.translate_response(body, source=source, target=target, strict=True)


def test_a_recorded_gemini_answer_lists_what_an_openai_caller_loses() -> None:
    body = (FIXTURES / "gemini" / "response" / "text_basic.json").read_bytes()
    out = nexgate.translate_response(body, source="gemini", target="openai")
    paths = {loss.path for loss in out.losses}
    assert {"$.candidates[0].safetyRatings", "$.candidates[0].avgLogprobs"} <= paths
    assert "$.usageMetadata.promptTokensDetails" not in paths  # [{"modality": "TEXT", ...}]


@pytest.mark.parametrize("as_bytes", [False, True], ids=["dict", "bytes"])
def test_a_candidate_field_no_path_knows_is_kept_too(as_bytes: bool) -> None:
    answer = copy.deepcopy(GEMINI)
    answer["candidates"][0]["groundingAttributions"] = [{"segment": {"text": "Paris"}}]
    body: Any = dump_json(answer) if as_bytes else answer
    out = nexgate.translate_response(body, source="gemini", target="gemini")
    assert out["candidates"][0]["groundingAttributions"] == [{"segment": {"text": "Paris"}}]


def test_the_typed_path_checks_every_extra_it_models() -> None:
    from nexgate.formats.gemini import json_wire

    for name, json_name in json_wire.CANDIDATE_EXTRAS:
        candidate = json_wire.Candidate(**{name: 1})
        assert not json_wire.bare_candidate(candidate), json_name
    for name, json_name in json_wire.USAGE_EXTRAS:
        assert not json_wire.bare_usage(json_wire.UsageMetadata(**{name: 1})), json_name
    assert json_wire.bare_candidate(json_wire.Candidate())
    assert json_wire.bare_usage(json_wire.UsageMetadata())


@pytest.mark.parametrize("as_bytes", [False, True], ids=["dict", "bytes"])
def test_tool_use_prompt_tokens_stay_apart_for_gemini_and_count_elsewhere(as_bytes: bool) -> None:
    usage = {
        "promptTokenCount": 100,
        "candidatesTokenCount": 10,
        "toolUsePromptTokenCount": 5,
        "thoughtsTokenCount": 30,
        "totalTokenCount": 145,
    }
    answer = {**copy.deepcopy(GEMINI), "usageMetadata": usage}
    answer.pop("createTime")
    body: Any = dump_json(answer) if as_bytes else answer
    same = nexgate.translate_response(body, source="gemini", target="gemini")
    assert same["usageMetadata"] == usage
    other = nexgate.translate_response(body, source="gemini", target="openai")
    assert other["usage"]["prompt_tokens"] == 105 and other["usage"]["total_tokens"] == 145
    assert "$.usageMetadata.toolUsePromptTokenCount" not in {loss.path for loss in other.losses}


def test_a_gemini_identity_keeps_empty_candidates_beside_prompt_feedback() -> None:
    answer = {
        "candidates": [{"finishReason": "SAFETY", "index": 0, "safetyRatings": RATINGS_FLAGGED}],
        "promptFeedback": {"safetyRatings": RATINGS_FLAGGED},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "r3",
    }
    out = nexgate.translate_response(copy.deepcopy(answer), source="gemini", target="gemini")
    assert out["candidates"][0]["finishReason"] == "SAFETY"
    assert out["promptFeedback"] == answer["promptFeedback"]


RATINGS_FLAGGED = [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH"}]


def test_openai_cache_write_counts_are_carried_not_lost() -> None:
    answer = copy.deepcopy(OPENAI)
    answer["usage"]["prompt_tokens_details"] = {"cached_tokens": 2, "cache_write_tokens": 3}
    out = nexgate.translate_response(answer, source="openai", target="claude")
    assert not [loss for loss in out.losses if "prompt_tokens_details" in loss.path]
