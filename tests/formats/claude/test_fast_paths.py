"""The Claude adapter's fast paths give exactly what its general paths give.

Decoding converts a body to typed wire structs in one call and maps plain blocks directly;
encoding builds plain parts' blocks directly. Each falls back to the general code for
anything else. These tests run both paths on the same input and compare everything:
the result, the losses and the errors (with their JSON paths).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import nexgate
from nexgate.formats import TranslationContext
from nexgate.formats.claude import blocks, plain, request, request_encode, response, wire
from nexgate.schema import (
    CacheControl,
    Choice,
    DocumentPart,
    ImagePart,
    Message,
    Part,
    RawPart,
    ReasoningPart,
    Request,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)


def text(value: str, **more: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **more}


def message(role: str, *content: dict[str, Any]) -> dict[str, Any]:
    return {"role": role, "content": list(content)}


def body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "max_tokens": 512, "messages": list(messages), **fields}


IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iV=="}}
TOOL = {"name": "f", "description": "F.", "input_schema": {"type": "object", "properties": {}}}

REQUESTS: dict[str, dict[str, Any]] = {
    "plain": body(message("user", text("Hi")), message("assistant", text("Hello")), system="S"),
    "string_content_and_system_role": body(
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}
    ),
    "tool_loop": body(
        message("user", text("Weather?")),
        message(
            "assistant",
            text("Checking."),
            {"type": "tool_use", "id": "t 1", "name": "f", "input": {"city": "P"}},
        ),
        message(
            "user",
            {"type": "tool_result", "tool_use_id": "t 1", "content": "18C", "is_error": True},
            {"type": "tool_result", "tool_use_id": "t2", "content": [text("a"), text("")]},
            {"type": "tool_result", "tool_use_id": "t3"},
        ),
        tools=[TOOL, {**TOOL, "name": "g", "strict": True}],
        tool_choice={"type": "any", "disable_parallel_tool_use": True},
    ),
    "cache_control_everywhere": body(
        message(
            "user",
            text("a", cache_control={"type": "ephemeral"}),
            {
                "type": "tool_result",
                "tool_use_id": "t",
                "content": [text("r", cache_control={"type": "ephemeral", "ttl": "1h"})],
                "cache_control": {"type": "ephemeral"},
            },
        ),
        message(
            "assistant",
            {
                "type": "tool_use",
                "id": "t",
                "name": "f",
                "input": {},
                "cache_control": {"type": "ephemeral"},
            },
        ),
        system=[text("s", cache_control={"type": "ephemeral"}), text("")],
        tools=[{**TOOL, "cache_control": {"type": "ephemeral"}}],
    ),
    "general_blocks_among_plain_ones": body(
        message(
            "user",
            text("look"),
            IMAGE,
            text("cited", citations=[{"type": "char_location"}]),
            text(""),
            {"type": "tool_result", "tool_use_id": "t", "content": [text("x"), IMAGE]},
            {"type": "tool_result", "tool_use_id": "u", "content": [{"type": "thinking"}]},
            {"type": "document", "source": {"type": "file", "file_id": "f1"}},
        ),
        message(
            "assistant",
            text("a"),
            {"type": "thinking", "thinking": "hm", "signature": "s"},
            {"type": "redacted_thinking", "data": "d"},
        ),
    ),
    "unknown_block_type_takes_the_general_path": body(
        message("user", text("a"), {"type": "search_result", "content": []}),
        message("assistant", {"type": "server_tool_use", "id": "s", "name": "n", "input": {}}),
    ),
    "server_tools_and_unmodeled_fields": body(
        message("user", text("a")),
        tools=[TOOL, {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
        service_tier="auto",
        metadata={"user_id": "u", "trace": "t"},
        thinking={"type": "enabled", "budget_tokens": 2048, "display": "summarized"},
        output_config={"effort": "high"},
        temperature=1,
        stop_sequences=["END"],
        stream=True,
    ),
    # Bad input: the typed conversion fails and the general path names the error.
    "bad_role": body({"role": "tool", "content": "x"}),
    "bad_block_after_a_bad_tool": body(
        message("user", {"type": "text", "text": 3}), tools=[{"description": "d"}]
    ),
    "bad_media_source": body(message("user", {"type": "image", "source": {"type": "ftp"}})),
    "bad_nested_block": body(
        message("user", {"type": "tool_result", "tool_use_id": "t", "content": [{"text": "x"}]})
    ),
    "bad_thinking": body(message("assistant", {"type": "thinking", "thinking": 5})),
    "bad_redacted_thinking": body(message("assistant", {"type": "redacted_thinking"})),
    "bad_tool_choice": body(message("user", text("a")), tool_choice={"type": "sometimes"}),
    "non_string_key_in_arguments": body(
        message("assistant", {"type": "tool_use", "id": "t", "name": "f", "input": {1: "x"}})
    ),
}

RESPONSES: dict[str, dict[str, Any]] = {
    "tool_use": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [text("Checking."), {"type": "tool_use", "id": "t", "name": "f", "input": {}}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 2},
    },
    "thinking_citations_and_extras": {
        "id": "msg_2",
        "model": "m",
        "content": [
            {"type": "thinking", "thinking": "hm", "signature": "s"},
            text("cited", citations=[{"type": "char_location"}]),
            text(""),
        ],
        "stop_reason": "end_turn",
        "usage": {
            "input_tokens": 1,
            "output_tokens": 2,
            "output_tokens_details": {"thinking_tokens": 1},
            "service_tier": "standard",
        },
        "container": {"id": "c"},
    },
    "unknown_block": {"id": "m", "content": [{"type": "web_search_tool_result", "content": []}]},
    "bad_usage": {"id": "m", "content": [], "usage": {"input_tokens": "ten"}},
    "bad_block": {"id": "m", "content": [{"type": "text", "text": None}]},
}


def _outcome(decode: Any, obj: dict[str, Any]) -> tuple[str, str, list[Any]]:
    ctx = TranslationContext(source="claude", target="claude")
    try:
        result = repr(decode(copy.deepcopy(obj), ctx))
    except nexgate.InvalidInputError as exc:
        result = f"error at {exc.path}: {exc}"
    return result, repr(ctx.losses), [loss.path for loss in ctx.losses]


def _general_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request, "convert_typed", lambda obj, type_: None)
    monkeypatch.setattr(response, "convert_typed", lambda obj, type_: None)


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_typed_request_decoding_matches_the_general_path(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _outcome(request.decode_request, REQUESTS[name])
    _general_only(monkeypatch)
    assert fast == _outcome(request.decode_request, REQUESTS[name])


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_typed_response_decoding_matches_the_general_path(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _outcome(response.decode_response, RESPONSES[name])
    _general_only(monkeypatch)
    assert fast == _outcome(response.decode_response, RESPONSES[name])


def test_known_blocks_take_the_typed_path_and_unknown_ones_do_not() -> None:
    typed = request.convert_typed(
        REQUESTS["general_blocks_among_plain_ones"], wire.TypedMessagesRequest
    )
    assert typed is not None
    unknown = REQUESTS["unknown_block_type_takes_the_general_path"]
    assert request.convert_typed(unknown, wire.TypedMessagesRequest) is None
    assert request.convert_typed(REQUESTS["bad_role"], wire.TypedMessagesRequest) is None


def test_typed_decoding_copies_what_convert_copies() -> None:
    obj = REQUESTS["tool_loop"]
    decoded = request.decode_request(obj, TranslationContext(source="claude", target="claude"))
    call = decoded.messages[1].parts[1]
    assert isinstance(call, ToolCallPart)
    assert call.arguments == obj["messages"][1]["content"][1]["input"]
    assert call.arguments is not obj["messages"][1]["content"][1]["input"]
    assert decoded.tools[0].parameters is not obj["tools"][0]["input_schema"]


# --------------------------------------------------------------------------- encode

SIGNED = Signature(format="gemini", value="g")
CACHE = CacheControl(ttl="1h")

PARTS: list[Part] = [
    TextPart(text="a"),
    TextPart(text="a", cache_control=CACHE),
    TextPart(text=""),
    TextPart(text="a", signature=SIGNED),
    ToolCallPart(id="call 1", name="f", arguments={"x": 1}),
    ToolCallPart(id="c", name="f", cache_control=CACHE),
    ToolCallPart(id="c", name="f", raw_arguments="not json"),
    ToolCallPart(id="c", name="f", signature=SIGNED),
    ToolResultPart(call_id="c", content=[TextPart(text="r"), TextPart(text="")], is_error=True),
    ToolResultPart(call_id="c", content=[TextPart(text="r", cache_control=CACHE)]),
    ToolResultPart(call_id="c", cache_control=CACHE),
    ToolResultPart(call_id="c", content=[TextPart(text="r", signature=SIGNED)]),
    ToolResultPart(call_id="c", content=[ImagePart(media_type="image/png", data="iV==")]),
    ToolResultPart(call_id="c", content=[DocumentPart(media_type="audio/wav", data="UklG")]),
    ImagePart(url="https://x.test/a.png"),
    ReasoningPart(text="t", signature=Signature(format="claude", value="s")),
    RawPart(format="claude", data={"type": "search_result"}),
]


@pytest.mark.parametrize("part", PARTS, ids=repr)
def test_plain_part_encoding_matches_the_general_path(part: Part) -> None:
    general_ctx = TranslationContext(source="openai", target="claude")
    general = request.encode_part(part, "$.messages[0].parts[0]", general_ctx)
    plain = blocks.encode_plain_part(part)
    if plain is not None:  # only for parts that record no loss
        assert plain == general
        assert not general_ctx.losses


def _general(part: Part) -> Part:
    """The same part as an instance of a subclass: the fast paths take exact types only, so
    this one goes to the general path."""
    cls = type(part)
    sub = type(f"General{cls.__name__}", (cls,), {})
    copied: Part = sub(**{name: getattr(part, name) for name in cls.__struct_fields__})
    return copied


@pytest.mark.parametrize("part", PARTS, ids=repr)
def test_request_encoding_matches_the_general_path(part: Part) -> None:
    def encode(first: Part) -> tuple[dict[str, Any], list[Any]]:
        parts = [first, TextPart(text="z"), first]
        internal = Request(messages=[Message(role="user", parts=parts)])
        ctx = TranslationContext(source="openai", target="claude")
        return request_encode.encode_request(internal, ctx), ctx.losses

    assert encode(part) == encode(_general(part))


# The response fast path takes text and tool calls; a loss of another part names its class.
@pytest.mark.parametrize(
    "part", [p for p in PARTS if type(p) in (TextPart, ToolCallPart)], ids=repr
)
def test_response_encoding_matches_the_general_path(part: Part) -> None:
    def encode(first: Part) -> tuple[dict[str, Any], list[Any]]:
        internal = Response(id="r", model="m", choices=[Choice(parts=[first, TextPart(text="z")])])
        ctx = TranslationContext(source="openai", target="claude")
        return response.encode_response(internal, ctx), ctx.losses

    assert encode(part) == encode(_general(part))


def test_a_part_object_used_twice_has_a_loss_at_each_position() -> None:
    part = ImagePart(url="https://x.test/a.png", detail="high")
    twice = Message(role="user", parts=[part, TextPart(text="a"), part])
    ctx = TranslationContext(source="openai", target="claude")
    request_encode.encode_request(Request(messages=[twice, twice]), ctx)
    assert [loss.path for loss in ctx.losses] == [
        "$.max_tokens",
        "$.messages[0].parts[0].detail",
        "$.messages[0].parts[2].detail",
        "$.messages[1].parts[0].detail",
        "$.messages[1].parts[2].detail",
    ]


def test_thinking_blocks_take_the_typed_path() -> None:
    thinking = [
        {"type": "thinking", "thinking": "hm", "signature": "s"},
        {"type": "thinking", "thinking": "", "signature": ""},
        {"type": "redacted_thinking", "data": "d"},
    ]
    obj = body(message("assistant", *thinking, text("a")))
    typed = request.convert_typed(obj, wire.TypedMessagesRequest)
    assert typed is not None
    content = typed.messages[0].content
    assert not isinstance(content, str)
    assert all(plain.typed_part(block) is not None for block in content)
