"""OpenAI requests: identity round trips, decoding semantics, encoding rules, losses, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sdk_validators

import nexgate
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
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
    Signature,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
)
from nexgate.translate import decode_request

OPENAI = get_format("openai")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "openai"
PNG = "iVBORw0KGgo="
PDF = "JVBERi0xLjQ="

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather by city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
        "strict": True,
    },
}


def body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": list(messages), **fields}


def user(content: Any, **fields: Any) -> dict[str, Any]:
    return {"role": "user", "content": content, **fields}


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def identity(source: dict[str, Any]) -> nexgate.Translated:
    return nexgate.translate_request(source, source="openai", target="openai")


def encode(request: Request, source: str = "claude", strict: bool = False) -> dict[str, Any]:
    """Encode an internal request for OpenAI as if it came from ``source``; checks the SDK."""
    ctx = TranslationContext(source=source, target="openai", strict=strict)  # type: ignore[arg-type]
    out = OPENAI.encode_request(request, ctx)
    ctx.finish()
    sdk_validators.openai_request(out)
    out["__losses__"] = ctx.losses
    return out


def losses_of(out: dict[str, Any]) -> list[Loss]:
    result: list[Loss] = out.pop("__losses__")
    return result


def kinds(losses: list[Loss] | tuple[Loss, ...]) -> set[str]:
    return {loss.kind for loss in losses}


# --------------------------------------------------------------------------- identity

CANONICAL: dict[str, dict[str, Any]] = {
    "plain": body(user("Hello")),
    "system_developer_in_place": body(
        {"role": "system", "content": "Be brief.", "name": "policy"},
        user("Hi", name="alice"),
        {"role": "assistant", "content": "Hello!"},
        {"role": "developer", "content": "Now answer in French."},
        user("How are you?"),
    ),
    "multimodal_user": body(
        user(
            [
                {"type": "text", "text": "Describe these."},
                {
                    "type": "image_url",
                    "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "high"},
                },
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                {
                    "type": "file",
                    "file": {
                        "filename": "a.pdf",
                        "file_data": f"data:application/pdf;base64,{PDF}",
                    },
                },
                {"type": "file", "file": {"file_id": "file-abc123"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
            ]
        )
    ),
    "tool_loop": body(
        user("Weather in Paris and Rome?"),
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                call("call_1", "get_weather", '{"city":"Paris"}'),
                call("call_2", "get_weather", '{"city":"Rome"}'),
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {
            "role": "tool",
            "tool_call_id": "call_2",
            "content": [{"type": "text", "text": "21C"}, {"type": "text", "text": "sunny"}],
        },
        user("Thanks"),
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
    ),
    "tool_call_without_text_and_raw_arguments": body(
        user("go"),
        {"role": "assistant", "tool_calls": [call("call_9", "f", "[1, 2]")]},
        {"role": "tool", "tool_call_id": "call_9", "content": ""},
    ),
    "assistant_text_parts": body(
        user("x"),
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            "name": "bot",
        },
        user("y"),
    ),
    "all_parameters": body(
        user("x"),
        max_completion_tokens=512,
        temperature=0.3,
        top_p=0.9,
        n=2,
        stop=["END", "STOP"],
        seed=42,
        presence_penalty=0.5,
        frequency_penalty=-0.5,
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "description": "The answer",
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                "strict": True,
            },
        },
        reasoning_effort="high",
        metadata={"ticket": "T-1"},
        user="user-7",
        logit_bias={"50256": -100},
        logprobs=True,
        top_logprobs=3,
        service_tier="flex",
        store=True,
        prediction={"type": "content", "content": "draft"},
        modalities=["text"],
        verbosity="low",
        prompt_cache_key="k1",
        x_vendor_field={"anything": [1, 2]},
    ),
    "legacy_spellings": body(
        user("x"), max_tokens=100, stop="END", safety_identifier="sid-1", reasoning_effort="none"
    ),
    "both_max_tokens": body(user("x"), max_tokens=100, max_completion_tokens=200),
    "streaming": body(
        user("x"), stream=True, stream_options={"include_usage": True, "include_obfuscation": False}
    ),
    "allowed_tools_and_custom_tool": body(
        user("x"),
        tools=[
            WEATHER,
            {"type": "custom", "custom": {"name": "grep", "description": "search"}},
        ],
        tool_choice={
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": "required",
                "tools": [{"type": "function", "function": {"name": "get_weather"}}],
            },
        },
    ),
    "tool_choice_required_json_object": body(
        user("x"), tools=[WEATHER], tool_choice="required", response_format={"type": "json_object"}
    ),
    "tool_choice_none_text_format": body(
        user("x"), tools=[WEATHER], tool_choice="none", response_format={"type": "text"}
    ),
    "custom_tool_choice": body(
        user("x"),
        tools=[{"type": "custom", "custom": {"name": "grep"}}],
        tool_choice={"type": "custom", "custom": {"name": "grep"}},
    ),
    "unknown_part_type_kept": body(user([{"type": "future_part", "payload": {"x": 1}}])),
}


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_identity_round_trip(name: str) -> None:
    source = CANONICAL[name]
    original = copy.deepcopy(source)
    out = identity(source)
    assert dict(out) == original
    assert source == original  # the input is not mutated
    assert out.losses == ()


SDK_VALID = [
    name for name in sorted(CANONICAL) if name not in ("unknown_part_type_kept", "all_parameters")
]


@pytest.mark.parametrize("name", SDK_VALID)
def test_identity_output_validates_with_the_sdk(name: str) -> None:
    sdk_validators.openai_request(dict(identity(CANONICAL[name])))


@pytest.mark.parametrize(
    "name", sorted(path.name for path in (FIXTURES / "request").glob("*.json"))
)
def test_recorded_request_fixtures_are_an_identity(name: str) -> None:
    raw = (FIXTURES / "request" / name).read_bytes()
    out = nexgate.translate_request(raw, source="openai", target="openai")
    assert dict(out) == json.loads(raw)
    sdk_validators.openai_request(dict(out))


def test_output_is_byte_identical_across_runs() -> None:
    source = CANONICAL["all_parameters"] | CANONICAL["tool_loop"]
    first = dump_json(identity(source))
    for _ in range(3):
        assert dump_json(identity(copy.deepcopy(source))) == first
    claude = {
        "model": "c",
        "max_tokens": 10,
        "system": "s",
        "messages": [{"role": "user", "content": "x"}],
    }
    runs = {
        dump_json(nexgate.translate_request(claude, source="claude", target="openai"))
        for _ in range(3)
    }
    assert len(runs) == 1


# --------------------------------------------------------------------------- decode semantics


def test_decode_roles_order_and_tool_grouping() -> None:
    request = decode_request(CANONICAL["tool_loop"], format="openai")
    assert [m.role for m in request.messages] == ["user", "assistant", "user", "user"]
    assert request.system == []
    first, second = request.messages[1].parts[1:]
    assert isinstance(first, ToolCallPart) and first.arguments == {"city": "Paris"}
    assert isinstance(second, ToolCallPart) and second.arguments == {"city": "Rome"}
    results = request.messages[2].parts
    assert [type(p) for p in results] == [ToolResultPart, ToolResultPart]
    assert isinstance(results[1], ToolResultPart)
    assert [p.text for p in results[1].content if isinstance(p, TextPart)] == ["21C", "sunny"]
    assert request.tool_choice is not None and request.tool_choice.name == "get_weather"
    assert request.tools[0].strict is True


def test_decode_system_and_developer_stay_in_place() -> None:
    request = decode_request(CANONICAL["system_developer_in_place"], format="openai")
    assert [m.role for m in request.messages] == [
        "system",
        "user",
        "assistant",
        "developer",
        "user",
    ]
    assert request.messages[0].name == "policy" and request.messages[1].name == "alice"


def test_decode_media_parts() -> None:
    parts = decode_request(CANONICAL["multimodal_user"], format="openai").messages[0].parts
    assert parts[1] == ImagePart(media_type="image/png", data=PNG, detail="high")
    assert parts[2] == ImagePart(url="https://example.com/cat.jpg")
    assert parts[3] == DocumentPart(media_type="application/pdf", data=PDF, filename="a.pdf")
    assert isinstance(parts[4], RawPart) and parts[4].format == "openai"
    assert parts[5] == DocumentPart(media_type="audio/wav", data="UklGRg==")
    assert parts[6] == DocumentPart(media_type="audio/mpeg", data="SUQz")


def test_decode_parameters() -> None:
    request = decode_request(CANONICAL["all_parameters"], format="openai")
    assert request.max_tokens == 512 and request.candidate_count == 2
    assert request.stop == ["END", "STOP"] and request.seed == 42
    assert request.reasoning == Reasoning(effort="high")
    assert request.response_format is not None and request.response_format.name == "answer"
    assert request.user == "user-7" and request.metadata == {"ticket": "T-1"}
    extras = request.extras["openai"]
    for key in ("logit_bias", "service_tier", "store", "prediction", "verbosity", "x_vendor_field"):
        assert key in extras
    legacy = decode_request(CANONICAL["legacy_spellings"], format="openai")
    assert legacy.max_tokens == 100 and legacy.stop == ["END"] and legacy.user == "sid-1"
    streaming = decode_request(CANONICAL["streaming"], format="openai")
    assert streaming.stream is True and streaming.include_usage is True


def test_non_object_arguments_are_kept_raw() -> None:
    request = decode_request(CANONICAL["tool_call_without_text_and_raw_arguments"], format="openai")
    tool_call = request.messages[1].parts[0]
    assert isinstance(tool_call, ToolCallPart)
    assert tool_call.arguments == {} and tool_call.raw_arguments == "[1, 2]"
    # to another format the raw string is gone: a recorded loss
    out = nexgate.translate_request(
        CANONICAL["tool_call_without_text_and_raw_arguments"], source="openai", target="claude"
    )
    assert out["messages"][1]["content"][0]["input"] == {}


def test_empty_text_is_dropped_and_empty_messages_too() -> None:
    out = identity(body(user(""), user([{"type": "text", "text": ""}]), user("real")))
    assert out["messages"] == [{"role": "user", "content": "real"}]


# --------------------------------------------------------------------------- signatures

SIGNED_HISTORY = body(
    user("What is 2+2? Use the tool."),
    {
        "role": "assistant",
        "content": None,
        "reasoning_content": "Let me think.",
        "thinking_blocks": [
            {"type": "thinking", "thinking": "Let me think.", "signature": "sig-claude"},
            {"type": "redacted_thinking", "data": "opaque"},
        ],
        "tool_calls": [
            {
                **call("call_1", "add", '{"a":2,"b":2}'),
                "extra_content": {"google": {"thought_signature": "sig-gemini"}},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "4"},
)


def test_signature_extensions_are_decoded() -> None:
    parts = decode_request(SIGNED_HISTORY, format="openai").messages[1].parts
    assert parts[0] == ReasoningPart(
        text="Let me think.", signature=Signature(format="claude", value="sig-claude")
    )
    assert isinstance(parts[1], ReasoningPart) and parts[1].redacted_data == "opaque"
    assert isinstance(parts[2], ToolCallPart)
    assert parts[2].signature == Signature(format="gemini", value="sig-gemini")


def test_signatures_go_back_to_their_issuer() -> None:
    claude = nexgate.translate_request(SIGNED_HISTORY, source="openai", target="claude")
    blocks = claude["messages"][1]["content"]
    assert blocks[0] == {"type": "thinking", "thinking": "Let me think.", "signature": "sig-claude"}
    assert blocks[1] == {"type": "redacted_thinking", "data": "opaque"}


def test_signatures_are_never_sent_to_openai() -> None:
    out = identity(SIGNED_HISTORY)
    assistant = out["messages"][1]
    assert "reasoning_content" not in assistant and "thinking_blocks" not in assistant
    assert "extra_content" not in assistant["tool_calls"][0]
    assert kinds(out.losses) == {"signature_not_replayable"}
    assert len(out.losses) == 3
    sdk_validators.openai_request(dict(out))
    with pytest.raises(nexgate.TranslationError) as info:
        nexgate.translate_request(SIGNED_HISTORY, source="openai", target="openai", strict=True)
    assert info.value.losses


# --------------------------------------------------------------------------- from other formats


def test_system_is_emitted_as_a_leading_system_message() -> None:
    request = Request(
        model="m",
        system=[TextPart(text="Rule one."), TextPart(text="Rule two.")],
        messages=[Message(role="user", parts=[TextPart(text="hi")])],
    )
    out = encode(request)
    assert out["messages"][0] == {
        "role": "system",
        "content": [{"type": "text", "text": "Rule one."}, {"type": "text", "text": "Rule two."}],
    }
    assert out["messages"][1] == {"role": "user", "content": "hi"}
    assert losses_of(out) == []


def test_claude_body_translates_to_a_valid_openai_body() -> None:
    claude = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 300,
        "system": "Be kind.",
        "stop_sequences": ["###"],
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Looking."},
                    {"type": "tool_use", "id": "toolu_1", "name": "w", "input": {"c": "X"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"},
                    {"type": "text", "text": "and tomorrow?"},
                ],
            },
        ],
    }
    out = nexgate.translate_request(claude, source="claude", target="openai")
    sdk_validators.openai_request(dict(out))
    assert [m["role"] for m in out["messages"]] == ["system", "user", "assistant", "tool", "user"]
    assert out["messages"][2]["tool_calls"][0]["function"] == {
        "name": "w",
        "arguments": '{"c":"X"}',
    }
    assert out["messages"][3] == {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"}
    assert out["max_completion_tokens"] == 300 and out["stop"] == ["###"]


def test_tool_result_images_move_to_a_user_message() -> None:
    result = ToolResultPart(
        call_id="call_1",
        content=[TextPart(text="see image"), ImagePart(media_type="image/png", data=PNG)],
    )
    request = Request(
        messages=[
            Message(role="user", parts=[TextPart(text="draw")]),
            Message(role="assistant", parts=[ToolCallPart(id="call_1", name="draw")]),
            Message(role="user", parts=[result, TextPart(text="ok?")]),
        ]
    )
    out = encode(request)
    tool, follow = out["messages"][2], out["messages"][3]
    assert tool == {"role": "tool", "tool_call_id": "call_1", "content": "see image"}
    assert follow["role"] == "user"
    assert follow["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{PNG}"},
    }
    assert follow["content"][-1] == {"type": "text", "text": "ok?"}
    losses = losses_of(out)
    assert [(x.kind, x.severity) for x in losses] == [("tool_result_media_moved", "emulated")]
    encode(request, strict=True)  # emulated only: strict mode accepts it


def test_is_error_becomes_a_prefix() -> None:
    result = ToolResultPart(call_id="c", content=[TextPart(text="boom")], is_error=True)
    request = Request(
        messages=[
            Message(role="assistant", parts=[ToolCallPart(id="c", name="f")]),
            Message(role="user", parts=[result]),
        ]
    )
    out = encode(request)
    assert out["messages"][1]["content"] == "Error: boom"
    assert kinds(losses_of(out)) == {"tool_result_error_flag"}


DROPPED_CASES: dict[str, tuple[Request, str]] = {
    "top_k": (
        Request(messages=[Message(role="user", parts=[TextPart(text="x")])], top_k=5),
        "unsupported_parameter",
    ),
    "cache_control_tool_call": (
        Request(
            messages=[
                Message(role="user", parts=[TextPart(text="x")]),
                Message(
                    role="assistant",
                    parts=[ToolCallPart(id="c1", name="f", cache_control=CacheControl())],
                ),
                Message(role="user", parts=[ToolResultPart(call_id="c1", name="f")]),
            ]
        ),
        "cache_control_unsupported",
    ),
    "cache_control_tool": (
        Request(
            messages=[Message(role="user", parts=[TextPart(text="x")])],
            tools=[Tool(name="f", cache_control=CacheControl(ttl="1h"))],
        ),
        "cache_control_unsupported",
    ),
    "foreign_raw_part": (
        Request(
            messages=[
                Message(
                    role="user",
                    parts=[
                        TextPart(text="x"),
                        RawPart(format="claude", data={"type": "search_result"}),
                    ],
                )
            ]
        ),
        "unsupported_part",
    ),
    "document_by_url": (
        Request(
            messages=[
                Message(
                    role="user",
                    parts=[TextPart(text="x"), DocumentPart(url="https://example.com/a.pdf")],
                )
            ]
        ),
        "document_url_unsupported",
    ),
    "reasoning_text": (
        Request(
            messages=[
                Message(role="user", parts=[TextPart(text="x")]),
                Message(role="assistant", parts=[ReasoningPart(text="hmm"), TextPart(text="y")]),
            ]
        ),
        "reasoning_dropped",
    ),
    "foreign_extras": (
        Request(
            messages=[Message(role="user", parts=[TextPart(text="x")])],
            extras={"claude": {"container": "c1", "_hint": True}},
        ),
        "unsupported_parameter",
    ),
    "image_in_system_message": (
        Request(
            messages=[
                Message(
                    role="system", parts=[TextPart(text="s"), ImagePart(url="https://x/y.png")]
                ),
                Message(role="user", parts=[TextPart(text="x")]),
            ]
        ),
        "unsupported_part",
    ),
    "include_thoughts": (
        Request(
            messages=[Message(role="user", parts=[TextPart(text="x")])],
            reasoning=Reasoning(effort="low", include_thoughts=True),
        ),
        "reasoning_text_unavailable",
    ),
}


@pytest.mark.parametrize("name", sorted(DROPPED_CASES))
def test_unsupported_features_are_recorded_losses(name: str) -> None:
    request, kind = DROPPED_CASES[name]
    out = encode(request)
    losses = losses_of(out)
    assert [x.kind for x in losses] == [kind]
    assert losses[0].severity == "dropped" and losses[0].path.startswith("$.")
    with pytest.raises(nexgate.TranslationError) as info:
        encode(request, strict=True)
    assert [x.kind for x in info.value.losses] == [kind]


def test_openai_extras_go_only_to_openai() -> None:
    source = body(user("x"), logit_bias={"1": 5}, service_tier="flex", max_completion_tokens=9)
    out = nexgate.translate_request(source, source="openai", target="claude")
    assert "logit_bias" not in out and "service_tier" not in out
    assert {x.path for x in out.losses if x.kind == "unsupported_parameter"} >= {
        "$.logit_bias",
        "$.service_tier",
    }
    with pytest.raises(nexgate.TranslationError):
        nexgate.translate_request(source, source="openai", target="claude", strict=True)


def test_budget_only_reasoning_becomes_an_effort() -> None:
    request = Request(
        messages=[Message(role="user", parts=[TextPart(text="x")])],
        reasoning=Reasoning(mode="enabled", budget_tokens=3000),
    )
    out = encode(request)
    assert out["reasoning_effort"] == "high"
    assert [(x.kind, x.severity) for x in losses_of(out)] == [
        ("reasoning_budget_as_effort", "emulated")
    ]
    disabled = encode(
        Request(
            messages=[Message(role="user", parts=[TextPart(text="x")])],
            reasoning=Reasoning(mode="disabled"),
        )
    )
    assert disabled["reasoning_effort"] == "none"


def test_document_defaults_and_media_encoding() -> None:
    request = Request(
        messages=[
            Message(
                role="user",
                parts=[
                    DocumentPart(media_type="application/pdf", data=PDF),
                    DocumentPart(media_type="audio/mpeg", data="SUQz"),
                    ImagePart(url="https://example.com/a.png", detail="low"),
                ],
            )
        ]
    )
    out = encode(request)
    content = out["messages"][0]["content"]
    assert content[0] == {
        "type": "file",
        "file": {"filename": "document.pdf", "file_data": f"data:application/pdf;base64,{PDF}"},
    }
    assert content[1] == {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}}
    assert content[2]["image_url"] == {"url": "https://example.com/a.png", "detail": "low"}
    assert kinds(losses_of(out)) == {"document_filename_defaulted"}


def test_streaming_request_validates_and_keeps_include_usage() -> None:
    request = Request(
        messages=[Message(role="user", parts=[TextPart(text="x")])],
        stream=True,
        include_usage=True,
        max_tokens=50,
    )
    out = encode(request)
    assert out["stream"] is True and out["stream_options"] == {"include_usage": True}
    not_streaming = encode(Request(messages=request.messages, include_usage=True))
    assert "stream_options" not in not_streaming and "stream" not in not_streaming


# --------------------------------------------------------------------------- bad input

DEEP = b"[" * 100_000 + b"]" * 100_000
MSG = [{"role": "user", "content": "x"}]

BAD_INPUT: list[tuple[str, Any, str]] = [
    ("malformed_json", b'{"model": "m", "messages": [', "$"),
    ("not_an_object", b"[1, 2]", "$"),
    ("deep_nesting", b'{"model":"m","messages":' + DEEP + b"}", "$"),
    ("deep_nesting_in_extra", b'{"model":"m","messages":[],"x":' + DEEP + b"}", "$"),
    ("lone_surrogate", b'{"model":"m","messages":[{"role":"user","content":"\\ud800"}]}', "$"),
    ("invalid_utf8", b'{"model":"m","messages":[{"role":"user","content":"\xff"}]}', "$"),
    ("huge_float_text", b'{"model":"m","messages":[],"temperature":1e400}', "$"),
    ("missing_model", {"messages": MSG}, "$"),
    ("model_not_string", {"model": 5, "messages": MSG}, "$.model"),
    ("missing_messages", {"model": "m"}, "$"),
    ("messages_not_list", {"model": "m", "messages": "hi"}, "$.messages"),
    ("messages_empty", {"model": "m", "messages": []}, "$.messages"),
    ("message_not_object", {"model": "m", "messages": ["hi"]}, "$.messages[0]"),
    ("missing_role", {"model": "m", "messages": [{"content": "x"}]}, "$.messages[0]"),
    (
        "unknown_role",
        {"model": "m", "messages": [{"role": "wizard", "content": "x"}]},
        "$.messages[0].role",
    ),
    (
        "content_number",
        {"model": "m", "messages": [{"role": "user", "content": 5}]},
        "$.messages[0].content",
    ),
    (
        "part_without_type",
        {"model": "m", "messages": [user([{"text": "x"}])]},
        "$.messages[0].content[0].type",
    ),
    (
        "part_type_number",
        {"model": "m", "messages": [user([{"type": 3}])]},
        "$.messages[0].content[0].type",
    ),
    (
        "text_part_without_text",
        {"model": "m", "messages": [user([{"type": "text"}])]},
        "$.messages[0].content[0]",
    ),
    (
        "image_without_url",
        {"model": "m", "messages": [user([{"type": "image_url", "image_url": {}}])]},
        "$.messages[0].content[0].image_url",
    ),
    (
        "audio_data_number",
        {
            "model": "m",
            "messages": [
                user([{"type": "input_audio", "input_audio": {"data": 1, "format": "wav"}}])
            ],
        },
        "$.messages[0].content[0].input_audio.data",
    ),
    (
        "tool_without_call_id",
        {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
        "$.messages[0].tool_call_id",
    ),
    (
        "tool_with_unknown_part",
        {
            "model": "m",
            "messages": [{"role": "tool", "tool_call_id": "c", "content": [{"type": "zz"}]}],
        },
        "$.messages[0].content[0]",
    ),
    (
        "tool_call_without_id",
        {
            "model": "m",
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [{"type": "function", "function": {"name": "f"}}],
                }
            ],
        },
        "$.messages[0].tool_calls[0]",
    ),
    (
        "arguments_not_string",
        {
            "model": "m",
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": {}}}],
                }
            ],
        },
        "$.messages[0].tool_calls[0].function.arguments",
    ),
    (
        "unknown_thinking_block",
        {
            "model": "m",
            "messages": [
                {"role": "assistant", "content": "x", "thinking_blocks": [{"type": "zz"}]}
            ],
        },
        "$.messages[0].thinking_blocks[0].type",
    ),
    ("temperature_string", {"model": "m", "messages": MSG, "temperature": "hot"}, "$.temperature"),
    (
        "temperature_infinite",
        {"model": "m", "messages": MSG, "temperature": float("inf")},
        "$.temperature",
    ),
    ("max_tokens_huge", {"model": "m", "messages": MSG, "max_tokens": 10**400}, "$.max_tokens"),
    (
        "max_completion_negative",
        {"model": "m", "messages": MSG, "max_completion_tokens": -1},
        "$.max_completion_tokens",
    ),
    ("seed_huge", {"model": "m", "messages": MSG, "seed": 2**70}, "$.seed"),
    ("n_float", {"model": "m", "messages": MSG, "n": 1.5}, "$.n"),
    ("stop_number", {"model": "m", "messages": MSG, "stop": 3}, "$.stop"),
    ("stream_string", {"model": "m", "messages": MSG, "stream": "yes"}, "$.stream"),
    (
        "stream_options_list",
        {"model": "m", "messages": MSG, "stream_options": []},
        "$.stream_options",
    ),
    (
        "metadata_not_strings",
        {"model": "m", "messages": MSG, "metadata": {"a": 1}},
        "$.metadata[...]",
    ),
    (
        "tool_choice_unknown",
        {"model": "m", "messages": MSG, "tool_choice": "maybe"},
        "$.tool_choice",
    ),
    (
        "tool_choice_without_function",
        {"model": "m", "messages": MSG, "tool_choice": {"type": "function"}},
        "$.tool_choice",
    ),
    (
        "tool_without_name",
        {"model": "m", "messages": MSG, "tools": [{"type": "function", "function": {}}]},
        "$.tools[0].function",
    ),
    ("tools_not_list", {"model": "m", "messages": MSG, "tools": {"a": 1}}, "$.tools"),
    (
        "json_schema_without_spec",
        {"model": "m", "messages": MSG, "response_format": {"type": "json_schema"}},
        "$.response_format.json_schema",
    ),
    (
        "response_format_unknown",
        {"model": "m", "messages": MSG, "response_format": {"type": "yaml"}},
        "$.response_format.type",
    ),
]


@pytest.mark.parametrize(("name", "source", "path"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_names_the_path(name: str, source: Any, path: str) -> None:
    with pytest.raises(nexgate.InvalidInputError) as info:
        nexgate.translate_request(source, source="openai", target="openai")
    assert info.value.path == path
    assert path in str(info.value)


def outcome(source: dict[str, Any]) -> str:
    try:
        nexgate.translate_request(source, source="openai", target="openai")
    except nexgate.InvalidInputError as exc:
        assert exc.path.startswith("$")
        return "invalid"
    return "ok"


def test_bad_input_is_never_a_python_error_for_random_shapes() -> None:
    shapes: list[Any] = [None, 1, "x", [], {}, [1], {"a": None}, True, 1.5]
    fields = ["messages", "tools", "tool_choice", "response_format", "stop", "metadata"]
    seen = set()
    for field in fields:
        for shape in shapes:
            seen.add(outcome({"model": "m", "messages": MSG, field: shape}))
    for shape in shapes:
        seen.add(outcome(body({"role": "assistant", "content": shape, "tool_calls": shape})))
    assert seen == {"ok", "invalid"}


def test_lone_surrogate_in_a_dict_fails_only_when_written_as_json() -> None:
    out = identity(body(user("\ud800")))
    with pytest.raises(nexgate.InvalidInputError):
        dump_json(out)
    assert isinstance(msgspec.json.encode({"ok": True}), bytes)
