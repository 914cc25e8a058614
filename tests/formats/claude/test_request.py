"""Claude requests: identity round trips, encoding rules, losses and bad input."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import sdk_validators

import nexgate
from nexgate.formats import TranslationContext, get_format
from nexgate.schema import (
    CacheControl,
    DocumentPart,
    ImagePart,
    Loss,
    Message,
    RawPart,
    Reasoning,
    ReasoningPart,
    Request,
    ResponseFormat,
    Signature,
    TextPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
)
from nexgate.translate import decode_request

CLAUDE = get_format("claude")
PNG = "iVBORw0KGgo="
SAFE_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": list(messages), **fields}


WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Weather by city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}

# Canonical bodies: what nexgate itself would write, so claude -> claude gives them back exactly.
CANONICAL: dict[str, dict[str, Any]] = {
    "plain": body(user(text("Hello")), system="Be brief."),
    "sampling": body(
        user(text("Hi")),
        temperature=0.5,
        top_p=0.9,
        top_k=40,
        stop_sequences=["END"],
        metadata={"user_id": "u-1"},
        stream=True,
    ),
    "tool_loop_with_cache": body(
        user(text("Weather in Paris?")),
        assistant(
            {"type": "thinking", "thinking": "Use the tool.", "signature": "sig-abc"},
            {"type": "redacted_thinking", "data": "opaque=="},
            text("I'll check."),
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "P"}},
        ),
        user(
            {
                "type": "tool_result",
                "tool_use_id": "toolu_01",
                "content": [
                    text("18C"),
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                    },
                ],
                "is_error": True,
            },
            text("Thanks"),
        ),
        system=[
            {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}},
            text("Second part."),
        ],
        tools=[
            {**WEATHER_TOOL, "strict": True, "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            {"name": "noop", "input_schema": {"type": "object", "properties": {}}},
        ],
        tool_choice={"type": "auto", "disable_parallel_tool_use": True},
    ),
    "media": body(
        user(
            {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}},
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
                "title": "report.pdf",
            },
            {"type": "document", "source": {"type": "url", "url": "https://x.test/b.pdf"}},
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "plain words"},
            },
            text("Summarize"),
        )
    ),
    "thinking_enabled_with_schema": body(
        user(text("Solve")),
        thinking={"type": "enabled", "budget_tokens": 2048},
        output_config={
            "effort": "high",
            "format": {"type": "json_schema", "schema": {"type": "object", "properties": {}}},
        },
        max_tokens=8000,
    ),
    "thinking_adaptive": body(
        user(text("Solve")),
        thinking={"type": "adaptive", "display": "summarized"},
        output_config={"effort": "max"},
    ),
    "thinking_disabled": body(user(text("Solve")), thinking={"type": "disabled"}),
    "effort_alone": body(user(text("Solve")), output_config={"effort": "low"}),
    "forced_tool": body(
        user(text("Go")), tools=[WEATHER_TOOL], tool_choice={"type": "tool", "name": "get_weather"}
    ),
    "tool_choice_any_none": body(
        user(text("Go")), tools=[WEATHER_TOOL], tool_choice={"type": "any"}
    ),
    "tool_choice_none": body(user(text("Go")), tools=[WEATHER_TOOL], tool_choice={"type": "none"}),
    "unmodeled_fields_and_blocks": body(
        user(
            text("Search"),
            {
                "type": "search_result",
                "source": "https://x.test",
                "title": "X",
                "content": [text("x")],
            },
        ),
        assistant(
            {
                "type": "server_tool_use",
                "id": "srvtoolu_1",
                "name": "web_search",
                "input": {"query": "x"},
            },
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
            text("Found it."),
        ),
        user({"type": "image", "source": {"type": "file", "file_id": "file_123"}}, text("More")),
        tools=[WEATHER_TOOL, {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
        service_tier="auto",
        container="container_1",
        mcp_servers=[{"type": "url", "url": "https://mcp.test", "name": "m"}],
        context_management={"edits": []},
        cache_control={"type": "ephemeral"},
        metadata={"user_id": "u-2", "trace": "t"},
    ),
}


def claude_to_claude(obj: dict[str, Any], **kwargs: Any) -> nexgate.Translated:
    return nexgate.translate_request(obj, source="claude", target="claude", **kwargs)


def encode(
    request: Request, source: str = "openai", **kwargs: Any
) -> tuple[dict[str, Any], list[Loss]]:
    ctx = TranslationContext(source=source, target="claude", **kwargs)  # type: ignore[arg-type]
    out = CLAUDE.encode_request(request, ctx)
    return out, ctx.losses


def kinds(losses: list[Loss] | tuple[Loss, ...]) -> set[str]:
    return {loss.kind for loss in losses}


def validated(out: dict[str, Any]) -> dict[str, Any]:
    """The body as the Anthropic SDK's typed params validate it (content included)."""
    result: dict[str, Any] = sdk_validators.claude_request(out)
    return result


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_identity_round_trip_is_exact(name: str) -> None:
    original = CANONICAL[name]
    snapshot = copy.deepcopy(original)
    out = claude_to_claude(original)
    assert dict(out) == snapshot
    assert original == snapshot  # the input was not mutated
    assert not [loss for loss in out.losses if loss.severity == "dropped"]


@pytest.mark.parametrize("name", sorted(set(CANONICAL) - {"unmodeled_fields_and_blocks"}))
def test_canonical_bodies_validate_with_the_sdk(name: str) -> None:
    out = claude_to_claude(CANONICAL[name])
    checked = validated(dict(out))
    assert checked["messages"][-1]["content"] == out["messages"][-1]["content"]


def test_identity_keeps_server_tools_and_unknown_blocks_claude_only() -> None:
    request = decode_request(CANONICAL["unmodeled_fields_and_blocks"], format="claude")
    raw = [p for m in request.messages for p in m.parts if isinstance(p, RawPart)]
    assert [p.data["type"] for p in raw] == [
        "search_result",
        "server_tool_use",
        "web_search_tool_result",
        "image",
    ]
    assert request.extras["claude"]["service_tier"] == "auto"
    assert request.user == "u-2"
    out = nexgate.translate_request(
        CANONICAL["unmodeled_fields_and_blocks"], source="claude", target="openai"
    )
    assert [loss.kind for loss in out.losses].count("unsupported_part") == 4
    assert ("unsupported_parameter", "$.service_tier") in {
        (loss.kind, loss.path) for loss in out.losses
    }


# --------------------------------------------------------------------------- decode


def test_system_string_and_blocks_decode_with_cache_control() -> None:
    request = decode_request(CANONICAL["tool_loop_with_cache"], format="claude")
    assert request.system == [
        TextPart(text="You are terse.", cache_control=CacheControl(type="ephemeral")),
        TextPart(text="Second part."),
    ]
    plain = decode_request(CANONICAL["plain"], format="claude")
    assert plain.system == [TextPart(text="Be brief.")]


def test_thinking_and_redacted_thinking_decode_with_claude_signatures() -> None:
    request = decode_request(CANONICAL["tool_loop_with_cache"], format="claude")
    thinking, redacted = request.messages[1].parts[:2]
    assert thinking == ReasoningPart(
        text="Use the tool.", signature=Signature(format="claude", value="sig-abc")
    )
    assert isinstance(redacted, ReasoningPart)
    assert redacted.redacted_data == "opaque=="
    assert redacted.signature is not None and redacted.signature.format == "claude"


def test_tool_use_and_tool_result_decode() -> None:
    request = decode_request(CANONICAL["tool_loop_with_cache"], format="claude")
    call = request.messages[1].parts[3]
    assert call == ToolCallPart(id="toolu_01", name="get_weather", arguments={"city": "P"})
    result = request.messages[2].parts[0]
    assert isinstance(result, ToolResultPart)
    assert result.call_id == "toolu_01" and result.is_error
    assert result.content == [TextPart(text="18C"), ImagePart(media_type="image/png", data=PNG)]
    assert request.parallel_tool_calls is False
    assert request.tool_choice == ToolChoice(mode="auto")


def test_tool_result_string_content_and_unsupported_inner_block() -> None:
    obj = body(
        user(
            {"type": "tool_result", "tool_use_id": "t1", "content": "done"},
            {
                "type": "tool_result",
                "tool_use_id": "t2",
                "content": [{"type": "search_result", "source": "s", "title": "t", "content": []}],
            },
        )
    )
    out = claude_to_claude(obj)
    assert out["messages"][0]["content"][0]["content"] == [text("done")]
    assert "content" not in out["messages"][0]["content"][1]
    assert ("unsupported_block", "$.messages[0].content[1].content[0]") in {
        (loss.kind, loss.path) for loss in out.losses
    }
    with pytest.raises(nexgate.TranslationError):
        claude_to_claude(obj, strict=True)


def test_citations_are_a_recorded_loss_and_the_text_is_kept() -> None:
    cited = {
        "type": "text",
        "text": "Paris is the capital.",
        "citations": [{"type": "char_location", "cited_text": "Paris", "document_index": 0}],
    }
    obj = body(user(text("Q")), assistant(cited), user(text("More")))
    out = claude_to_claude(obj)
    assert out["messages"][1]["content"] == [text("Paris is the capital.")]
    assert "citations_dropped" in kinds(out.losses)


def test_missing_max_tokens_decodes_and_is_defaulted_on_encode() -> None:
    obj = {"model": "m", "messages": [user(text("Hi"))]}
    request = decode_request(obj, format="claude")
    assert request.max_tokens is None
    out = claude_to_claude(obj, default_max_tokens=777)
    assert out["max_tokens"] == 777
    assert [(loss.kind, loss.severity) for loss in out.losses] == [
        ("max_tokens_defaulted", "emulated")
    ]
    claude_to_claude(obj, strict=True)  # emulated, not dropped: strict does not raise


def test_2026_style_system_message_is_hoisted_with_an_emulation() -> None:
    obj = body(
        user(text("Hi")),
        assistant(text("Hello")),
        {"role": "system", "content": "Now answer in French."},
        user(text("Bye")),
        system="Be brief.",
        thinking={"type": "adaptive"},
    )
    out = claude_to_claude(obj)
    assert out["system"] == [text("Be brief."), text("Now answer in French.")]
    assert [m["role"] for m in out["messages"]] == ["user", "assistant", "user"]
    assert "system_message_hoisted" in kinds(out.losses)
    validated(dict(out))


# --------------------------------------------------------------------------- encode rules


def test_leading_system_messages_hoist_without_loss_and_later_ones_are_emulated() -> None:
    request = Request(
        model="m",
        messages=[
            Message(role="system", parts=[TextPart(text="A")]),
            Message(role="developer", parts=[TextPart(text="B")]),
            Message(role="user", parts=[TextPart(text="Q1")]),
            Message(role="developer", parts=[TextPart(text="C")]),
            Message(role="user", parts=[TextPart(text="Q2")]),
        ],
        max_tokens=100,
    )
    out, losses = encode(request)
    assert out["system"] == [text("A"), text("B"), text("C")]
    # The two user turns around the hoisted message become one turn.
    assert out["messages"] == [{"role": "user", "content": [text("Q1"), text("Q2")]}]
    assert [(loss.kind, loss.path, loss.severity) for loss in losses] == [
        ("system_message_hoisted", "$.messages[3]", "emulated")
    ]
    validated(out)


def test_turns_merge_tool_results_lead_and_ids_are_sanitized_consistently() -> None:
    call_id = "call.1:abc|x"
    request = Request(
        model="m",
        max_tokens=100,
        messages=[
            Message(role="user", parts=[TextPart(text="Weather?")]),
            Message(role="assistant", parts=[TextPart(text="Checking.")]),
            Message(
                role="assistant",
                parts=[ToolCallPart(id=call_id, name="get_weather", arguments={"city": "P"})],
            ),
            Message(role="user", parts=[TextPart(text="Also, thanks")]),
            Message(
                role="user",
                parts=[ToolResultPart(call_id=call_id, content=[TextPart(text="18C")])],
            ),
        ],
    )
    out, _ = encode(request)
    validated(out)
    assert [m["role"] for m in out["messages"]] == ["user", "assistant", "user"]
    assistant_turn, result_turn = out["messages"][1]["content"], out["messages"][2]["content"]
    assert [b["type"] for b in assistant_turn] == ["text", "tool_use"]
    assert [b["type"] for b in result_turn] == ["tool_result", "text"]
    used_id = assistant_turn[1]["id"]
    assert used_id != call_id and SAFE_ID.match(used_id)
    assert result_turn[0]["tool_use_id"] == used_id


def test_thinking_leads_the_assistant_turn_and_foreign_reasoning_is_dropped() -> None:
    request = Request(
        model="m",
        max_tokens=100,
        messages=[
            Message(role="user", parts=[TextPart(text="Q")]),
            Message(
                role="assistant",
                parts=[
                    TextPart(text="Answer."),
                    ReasoningPart(text="mine", signature=Signature(format="claude", value="s1")),
                    ReasoningPart(text="theirs", signature=Signature(format="gemini", value="g")),
                    ReasoningPart(text="unsigned"),
                ],
            ),
            Message(role="user", parts=[TextPart(text="Next")]),
        ],
    )
    out, losses = encode(request)
    validated(out)
    assert out["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "mine", "signature": "s1"},
        text("Answer."),
    ]
    assert [loss.path for loss in losses if loss.kind == "reasoning_dropped"] == [
        "$.messages[1].parts[2]",
        "$.messages[1].parts[3]",
    ]


def test_empty_text_and_emptied_messages_never_reach_claude() -> None:
    request = Request(
        model="m",
        max_tokens=100,
        messages=[
            Message(role="user", parts=[TextPart(text="Q"), TextPart(text="")]),
            Message(
                role="assistant",
                parts=[ReasoningPart(text="x", signature=Signature(format="openai", value="o"))],
            ),
            Message(role="user", parts=[TextPart(text="again")]),
            Message(role="assistant", parts=[TextPart(text="")]),
        ],
    )
    out, _ = encode(request)
    validated(out)
    assert out["messages"] == [{"role": "user", "content": [text("Q"), text("again")]}]


def test_foreign_signatures_arguments_and_blocks_are_losses() -> None:
    gemini_sig = Signature(format="gemini", value="g")
    request = Request(
        model="m",
        max_tokens=100,
        messages=[
            Message(
                role="user", parts=[TextPart(text="Q"), RawPart(format="gemini", data={"x": 1})]
            ),
            Message(
                role="assistant",
                parts=[
                    ToolCallPart(
                        id="c1", name="f", arguments={}, raw_arguments="{bad", signature=gemini_sig
                    ),
                ],
            ),
            Message(
                role="user", parts=[ToolResultPart(call_id="c1", content=[TextPart(text="r")])]
            ),
        ],
    )
    out, losses = encode(request)
    validated(out)
    assert out["messages"][1]["content"] == [
        {"type": "tool_use", "id": "c1", "name": "f", "input": {}}
    ]
    assert {
        ("unsupported_part", "$.messages[0].parts[1]"),
        ("tool_arguments_invalid", "$.messages[1].parts[0].arguments"),
        ("signature_not_replayable", "$.messages[1].parts[0].signature"),
    } <= {(loss.kind, loss.path) for loss in losses}
    ctx = TranslationContext(source="openai", target="claude", strict=True)
    CLAUDE.encode_request(request, ctx)
    with pytest.raises(nexgate.TranslationError) as info:
        ctx.finish()
    assert "tool_arguments_invalid" in {loss.kind for loss in info.value.losses}


def test_media_encoding_and_unsupported_types() -> None:
    request = Request(
        model="m",
        max_tokens=100,
        messages=[
            Message(
                role="user",
                parts=[
                    ImagePart(media_type="image/jpeg", data="AAA"),
                    ImagePart(media_type="image/bmp", data="BBB"),
                    ImagePart(url="https://x.test/i.png", detail="high"),
                    DocumentPart(media_type="application/pdf", data="JVBE", filename="a.pdf"),
                    DocumentPart(media_type="audio/wav", data="UklG"),
                    TextPart(text="Describe"),
                ],
            )
        ],
    )
    out, losses = encode(request)
    validated(out)
    assert out["messages"][0]["content"] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAA"}},
        {"type": "image", "source": {"type": "url", "url": "https://x.test/i.png"}},
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
            "title": "a.pdf",
        },
        text("Describe"),
    ]
    assert [
        (loss.kind, loss.path) for loss in losses if loss.kind != "image_detail_unsupported"
    ] == [
        ("unsupported_media_type", "$.messages[0].parts[1]"),
        ("unsupported_media_type", "$.messages[0].parts[4]"),
    ]


def test_tools_default_schema_choice_mapping_and_parallel() -> None:
    tools = [Tool(name="a", description="A"), Tool(name="b", parameters={"type": "object"})]
    expected = {
        ToolChoice(mode="auto"): {"type": "auto", "disable_parallel_tool_use": True},
        ToolChoice(mode="required"): {"type": "any", "disable_parallel_tool_use": True},
        ToolChoice(mode="tool", name="b"): {
            "type": "tool",
            "name": "b",
            "disable_parallel_tool_use": True,
        },
        ToolChoice(mode="none"): {"type": "none"},
    }
    for choice, wanted in expected.items():
        request = Request(
            model="m",
            max_tokens=10,
            messages=[Message(role="user", parts=[TextPart(text="Q")])],
            tools=tools,
            tool_choice=choice,
            parallel_tool_calls=False,
        )
        out, _ = encode(request)
        validated(out)
        assert out["tool_choice"] == wanted
        assert out["tools"][0] == {
            "name": "a",
            "description": "A",
            "input_schema": {"type": "object", "properties": {}},
        }


def test_allowed_tools_are_emulated_by_sending_only_those() -> None:
    request = Request(
        model="m",
        max_tokens=10,
        messages=[Message(role="user", parts=[TextPart(text="Q")])],
        tools=[Tool(name="a"), Tool(name="b"), Tool(name="c")],
        tool_choice=ToolChoice(mode="required", allowed=("a", "c")),
    )
    out, losses = encode(request)
    assert [t["name"] for t in out["tools"]] == ["a", "c"]
    assert out["tool_choice"] == {"type": "any"}
    assert [(loss.kind, loss.severity) for loss in losses] == [
        ("allowed_tools_filtered", "emulated")
    ]


def test_parameters_from_openai_defaults_clamps_and_losses() -> None:
    source = {
        "model": "gpt-x",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 1.6,
        "seed": 3,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "n": 2,
        "logit_bias": {"1": 2},
        "user": "u-9",
        "stop": ["X"],
    }
    out = nexgate.translate_request(
        source, source="openai", target="claude", default_max_tokens=512
    )
    validated(dict(out))
    assert out["max_tokens"] == 512 and out["temperature"] == 1.0
    assert out["metadata"] == {"user_id": "u-9"} and out["stop_sequences"] == ["X"]
    assert not {"seed", "n", "logit_bias", "presence_penalty"} & set(out)
    by_kind = {(loss.kind, loss.severity) for loss in out.losses}
    assert {
        ("max_tokens_defaulted", "emulated"),
        ("temperature_clamped", "emulated"),
        ("unsupported_parameter", "dropped"),
    } <= by_kind
    paths = {loss.path for loss in out.losses if loss.kind == "unsupported_parameter"}
    assert {
        "$.seed",
        "$.presence_penalty",
        "$.frequency_penalty",
        "$.candidate_count",
        "$.logit_bias",
    } <= paths
    with pytest.raises(nexgate.TranslationError):
        nexgate.translate_request(source, source="openai", target="claude", strict=True)


def _reasoning_request(reasoning: Reasoning, max_tokens: int | None = 4000, **kw: Any) -> Request:
    return Request(
        model="m",
        max_tokens=max_tokens,
        messages=[Message(role="user", parts=[TextPart(text="Q")])],
        reasoning=reasoning,
        **kw,
    )


@pytest.mark.parametrize(
    ("reasoning", "max_tokens", "thinking", "sent_max", "emulated"),
    [
        (
            Reasoning(effort="high"),
            8000,
            {"type": "enabled", "budget_tokens": 4096},
            8000,
            {"reasoning_effort_as_budget"},
        ),
        (
            Reasoning(effort="minimal"),
            8000,
            {"type": "enabled", "budget_tokens": 1024},
            8000,
            {"reasoning_effort_as_budget"},
        ),
        (
            Reasoning(budget_tokens=500),
            8000,
            {"type": "enabled", "budget_tokens": 1024},
            8000,
            {"thinking_budget_raised"},
        ),
        (
            Reasoning(budget_tokens=6000),
            4000,
            {"type": "enabled", "budget_tokens": 6000},
            7024,
            {"max_tokens_raised"},
        ),
        (
            Reasoning(effort="max"),
            None,
            {"type": "enabled", "budget_tokens": 16384},
            17408,
            {"reasoning_effort_as_budget", "max_tokens_defaulted", "max_tokens_raised"},
        ),
        (Reasoning(effort="none"), 8000, None, 8000, set()),
        (Reasoning(mode="adaptive", effort="medium"), 8000, {"type": "adaptive"}, 8000, set()),
        (Reasoning(mode="disabled"), 8000, {"type": "disabled"}, 8000, set()),
    ],
)
def test_reasoning_settings(
    reasoning: Reasoning,
    max_tokens: int | None,
    thinking: dict[str, Any] | None,
    sent_max: int,
    emulated: set[str],
) -> None:
    out, losses = encode(_reasoning_request(reasoning, max_tokens))
    validated(out)
    assert out.get("thinking") == thinking
    assert out["max_tokens"] == sent_max
    assert all(loss.severity == "emulated" for loss in losses)
    assert kinds(losses) == emulated
    if thinking is not None and thinking["type"] == "enabled":
        assert 1024 <= thinking["budget_tokens"] < out["max_tokens"]


def test_adaptive_effort_goes_to_output_config() -> None:
    out, _ = encode(_reasoning_request(Reasoning(mode="adaptive", effort="minimal")))
    assert out["output_config"] == {"effort": "low"}
    out, _ = encode(_reasoning_request(Reasoning(effort="high")))
    assert "output_config" not in out


def test_foreign_thinking_with_a_forced_tool_keeps_the_tool() -> None:
    request = _reasoning_request(
        Reasoning(effort="high"),
        tools=[Tool(name="f")],
        tool_choice=ToolChoice(mode="tool", name="f"),
    )
    out, losses = encode(request)
    validated(out)
    assert "thinking" not in out and out["tool_choice"] == {"type": "tool", "name": "f"}
    assert "reasoning_dropped" in kinds(losses)


@pytest.mark.parametrize(
    ("fmt", "schema", "emulated"),
    [
        (ResponseFormat(type="json_object"), {"type": "object"}, True),
        (
            ResponseFormat(
                type="json_schema", name="x", schema={"type": "object", "required": ["a"]}
            ),
            {"type": "object", "required": ["a"]},
            False,
        ),
    ],
)
def test_response_format(fmt: ResponseFormat, schema: dict[str, Any], emulated: bool) -> None:
    request = Request(
        model="m",
        max_tokens=10,
        messages=[Message(role="user", parts=[TextPart(text="Q")])],
        response_format=fmt,
    )
    out, losses = encode(request)
    validated(out)
    assert out["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert ("json_object_as_schema" in kinds(losses)) is emulated


def test_message_names_and_foreign_extras_are_dropped_with_losses() -> None:
    request = Request(
        model="m",
        max_tokens=10,
        messages=[Message(role="user", name="alice", parts=[TextPart(text="Q")])],
        metadata={"k": "v"},
        extras={"gemini": {"safetySettings": []}, "openai": {"_legacy_max_tokens": True}},
    )
    out, losses = encode(request)
    validated(out)
    assert {(loss.kind, loss.path) for loss in losses} == {
        ("message_name_dropped", "$.messages[0].name"),
        ("unsupported_parameter", "$.metadata"),
        ("unsupported_parameter", "$.safetySettings"),
    }


def test_encoding_is_deterministic() -> None:
    obj = CANONICAL["tool_loop_with_cache"]
    first = nexgate.translate_request(obj, source="claude", target="claude")
    second = nexgate.translate_request(obj, source="claude", target="claude")
    assert repr(first) == repr(second)


# --------------------------------------------------------------------------- bad input


BAD_INPUT = [
    ({"messages": [user(text("x"))], "max_tokens": 1}, "$", "model"),
    ({"model": "m", "max_tokens": 1}, "$", "messages"),
    ({"model": 5, "messages": []}, "$.model", ""),
    ({"model": "m", "messages": "hi"}, "$.messages", ""),
    ({"model": "m", "messages": [], "max_tokens": "ten"}, "$.max_tokens", ""),
    ({"model": "m", "messages": [], "max_tokens": -1}, "$.max_tokens", ""),
    ({"model": "m", "messages": [{"role": "tool", "content": "x"}]}, "$.messages[0].role", ""),
    ({"model": "m", "messages": [{"role": "user"}]}, "$.messages[0]", "content"),
    (
        {"model": "m", "messages": [{"role": "user", "content": [5]}]},
        "$.messages[0].content[0]",
        "",
    ),
    ({"model": "m", "messages": [user({"text": "no type"})]}, "$.messages[0].content[0].type", ""),
    (
        {"model": "m", "messages": [user({"type": "text", "text": 3})]},
        "$.messages[0].content[0].text",
        "",
    ),
    (
        {"model": "m", "messages": [user({"type": "tool_result"})]},
        "$.messages[0].content[0]",
        "tool_use_id",
    ),
    (
        {"model": "m", "messages": [user({"type": "image", "source": "x"})]},
        "$.messages[0].content[0].source",
        "",
    ),
    (
        {"model": "m", "messages": [user({"type": "image", "source": {"type": {"a": 1}}})]},
        "$.messages[0].content[0].source.type",
        "",
    ),
    (
        {
            "model": "m",
            "messages": [assistant({"type": "tool_use", "id": "t", "name": "f", "input": []})],
        },
        "$.messages[0].content[0].input",
        "",
    ),
    ({"model": "m", "messages": [], "system": 5}, "$.system", ""),
    ({"model": "m", "messages": [], "system": [{"type": "text"}]}, "$.system[0]", "text"),
    ({"model": "m", "messages": [], "tools": [{"description": "no name"}]}, "$.tools[0]", "name"),
    (
        {"model": "m", "messages": [], "tool_choice": {"type": "sometimes"}},
        "$.tool_choice.type",
        "",
    ),
    ({"model": "m", "messages": [], "tool_choice": {"type": "tool"}}, "$.tool_choice.name", ""),
    ({"model": "m", "messages": [], "thinking": {"type": "maybe"}}, "$.thinking.type", ""),
    (
        {"model": "m", "messages": [], "thinking": {"type": "enabled", "budget_tokens": "x"}},
        "$.thinking.budget_tokens",
        "",
    ),
    (
        {"model": "m", "messages": [], "output_config": {"effort": "huge"}},
        "$.output_config.effort",
        "",
    ),
    (
        {"model": "m", "messages": [], "output_config": {"format": {"type": "xml"}}},
        "$.output_config.format.type",
        "",
    ),
    ({"model": "m", "messages": [], "temperature": "hot"}, "$.temperature", ""),
    ({"model": "m", "messages": [], "stop_sequences": "END"}, "$.stop_sequences", ""),
    ({"model": "m", "messages": [], "metadata": {"user_id": 7}}, "$.metadata.user_id", ""),
    ({"model": "m", "messages": [], "stream": "yes"}, "$.stream", ""),
]


@pytest.mark.parametrize(("obj", "path", "mentions"), BAD_INPUT)
def test_bad_input_names_the_field(obj: dict[str, Any], path: str, mentions: str) -> None:
    with pytest.raises(nexgate.InvalidInputError) as info:
        nexgate.translate_request(obj, source="claude", target="claude")
    assert info.value.path == path
    assert mentions in str(info.value)


@pytest.mark.parametrize("raw", [b"", b"[1]", b"{", b'"text"', b"\xff\xfe"])
def test_bad_bytes_are_input_errors(raw: bytes) -> None:
    with pytest.raises(nexgate.InvalidInputError):
        nexgate.translate_request(raw, source="claude", target="claude")


@pytest.mark.parametrize("value", [0, -1, 10.5, "512", None, True])
def test_a_default_max_tokens_claude_cannot_take_is_a_typed_error(value: Any) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(nexgate.InvalidInputError, match="default_max_tokens") as caught:
        nexgate.translate_request(body, source="openai", target="claude", default_max_tokens=value)
    assert caught.value.path == "default_max_tokens"


def test_the_documented_default_max_tokens_is_used_when_the_source_has_none() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    out = nexgate.translate_request(body, source="openai", target="claude")
    assert out["max_tokens"] == 4096
