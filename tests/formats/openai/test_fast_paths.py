"""The OpenAI adapter's fast paths give exactly what its general paths give.

The usual shapes (plain text, tool calls, text-only tool results) skip the per-part loss
checks and path formatting; these tests pin them to the general code they shortcut, byte for
byte, and check that unusual shapes still fall back to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from nexgate.errors import InvalidInputError
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
from nexgate.formats.openai import messages_encode as openai_messages
from nexgate.formats.openai import response as openai_response
from nexgate.schema import (
    CacheControl,
    Choice,
    FinishReason,
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    Request,
    Response,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

OPENAI = get_format("openai")
GEMINI_SIGNATURE = Signature(format="gemini", value="sig")


def context() -> TranslationContext:
    return TranslationContext(source="claude", target="openai")


def call(call_id: str = "call_1", **fields: Any) -> ToolCallPart:
    return ToolCallPart(id=call_id, name="get_weather", arguments={"city": "Paris"}, **fields)


def result(*content: TextPart | ImagePart, **fields: Any) -> ToolResultPart:
    return ToolResultPart(call_id="call_1", content=list(content), **fields)


MESSAGES: dict[str, Message] = {
    "user text": Message(role="user", parts=[TextPart(text="hi")]),
    "named system text": Message(role="system", parts=[TextPart(text="be brief")], name="ops"),
    "two texts": Message(role="user", parts=[TextPart(text="a"), TextPart(text="b")]),
    "empty text": Message(role="user", parts=[TextPart(text="")]),
    "no parts": Message(role="developer", parts=[]),
    "assistant text": Message(role="assistant", parts=[TextPart(text="hello")], name="bot"),
    "assistant calls": Message(role="assistant", parts=[call("a"), call("b")]),
    "assistant text and call": Message(
        role="assistant", parts=[TextPart(text=""), TextPart(text="on it"), call()]
    ),
    "assistant empty": Message(role="assistant", parts=[TextPart(text="")]),
    "tool results": Message(
        role="user",
        parts=[
            result(TextPart(text="18C")),
            result(),
            result(TextPart(text="a"), TextPart(text="b")),
        ],
    ),
    "results then text": Message(
        role="user", parts=[result(TextPart(text="18C")), TextPart(text="thanks")]
    ),
    # Shapes the fast paths hand over to the general path:
    "cached text": Message(role="user", parts=[TextPart(text="hi", cache_control=CacheControl())]),
    "signed text": Message(role="user", parts=[TextPart(text="hi", signature=GEMINI_SIGNATURE)]),
    "signed call": Message(role="assistant", parts=[call(signature=GEMINI_SIGNATURE)]),
    "reasoning": Message(role="assistant", parts=[ReasoningPart(text="hmm"), TextPart(text="x")]),
    "error result": Message(role="user", parts=[result(TextPart(text="boom"), is_error=True)]),
    "media result": Message(role="user", parts=[result(ImagePart(url="http://x/a.png"))]),
    "signed result text": Message(
        role="user", parts=[result(TextPart(text="18C", signature=GEMINI_SIGNATURE))]
    ),
    "image": Message(role="user", parts=[ImagePart(url="http://x/a.png"), TextPart(text="?")]),
}


def general_path(message: Message, ctx: TranslationContext) -> list[dict[str, Any]]:
    path = "$.messages[0]"
    if message.role == "assistant":
        encoded = openai_messages._assistant(message, path, ctx, None)
        return [encoded] if encoded is not None else []
    return openai_messages._plain(message, path, ctx)


@pytest.mark.parametrize("name", list(MESSAGES))
def test_message_encoding_matches_the_general_path(name: str) -> None:
    message = MESSAGES[name]
    fast_ctx, general_ctx = context(), context()
    fast = openai_messages.encode_messages(Request(messages=[message]), fast_ctx)
    general = general_path(message, general_ctx)
    assert dump_json(fast) == dump_json(general)
    assert fast_ctx.losses == general_ctx.losses


@pytest.mark.parametrize(
    "system",
    [
        [TextPart(text="a")],
        [TextPart(text="a"), TextPart(text=""), TextPart(text="b")],
        [TextPart(text="")],
        [TextPart(text="a", cache_control=CacheControl())],
    ],
)
def test_system_encoding_matches_the_general_path(system: list[TextPart]) -> None:
    fast_ctx, general_ctx = context(), context()
    fast = openai_messages.encode_messages(Request(messages=[], system=system), fast_ctx)
    content = openai_messages.encode_content(system, "$.system", general_ctx, media=False)
    general = [] if content is None else [{"role": "system", "content": content}]
    assert dump_json(fast) == dump_json(general)
    assert fast_ctx.losses == general_ctx.losses


CHOICE_PARTS: dict[str, list[Part]] = {
    "text": [TextPart(text="hello")],
    "text and calls": [TextPart(text="a"), call("x"), TextPart(text="b"), call("y")],
    "nothing": [],
    "signed text": [TextPart(text="a", signature=GEMINI_SIGNATURE)],
    "claude reasoning": [
        ReasoningPart(text="t", signature=Signature(format="claude", value="s")),
        TextPart(text="a"),
    ],
    "image": [ImagePart(url="http://x/a.png")],
}


@pytest.mark.parametrize("name", list(CHOICE_PARTS))
def test_response_message_matches_the_general_path(name: str) -> None:
    parts = CHOICE_PARTS[name]
    hints = {"refusal": "no", "message": {"annotations": []}}
    fast_ctx, general_ctx = context(), context()
    fast, has_calls = openai_response._encode_message(parts, hints, 0, fast_ctx)

    # The general path, as it was before the fast one: checks, then four filters.
    openai_response._check_parts(parts, "$.choices[0].parts", general_ctx)
    calls = [p for p in parts if isinstance(p, ToolCallPart)]
    texts = [p.text for p in parts if isinstance(p, TextPart)]
    general: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(texts) if texts else None,
        "refusal": None,
    }
    openai_response._encode_reasoning([p for p in parts if isinstance(p, ReasoningPart)], general)
    if calls:
        general["tool_calls"] = [openai_response._encode_call(p, None) for p in calls]
    general["annotations"] = []

    assert dump_json(fast) == dump_json(general)
    assert has_calls == bool(calls)
    assert fast_ctx.losses == general_ctx.losses


PLAIN_CHOICES: dict[str, Choice] = {
    "text and call": Choice(
        parts=[TextPart(text="a"), call("x")], finish=FinishReason(reason="stop", raw="stop")
    ),
    "raw arguments": Choice(parts=[ToolCallPart(id="c", name="f", raw_arguments="[1]")]),
    "nothing": Choice(index=2),
    "empty text": Choice(parts=[TextPart(text="")], finish=FinishReason(reason="length")),
    "gemini-signed call": Choice(parts=[call(signature=GEMINI_SIGNATURE)]),
    "cached text": Choice(parts=[TextPart(text="a", cache_control=CacheControl())]),
}


@pytest.mark.parametrize("name", list(PLAIN_CHOICES))
def test_plain_choice_matches_the_general_path(name: str) -> None:
    choice = PLAIN_CHOICES[name]
    fast = openai_response._plain_choice(choice)
    assert fast is not None
    general_ctx = context()
    general = openai_response._encode_choice(choice, 0, {}, general_ctx)
    assert dump_json(fast) == dump_json(general)
    assert general_ctx.losses == []  # a shape that loses something must not be plain


@pytest.mark.parametrize("name", ["signed text", "claude reasoning", "image"])
def test_other_choices_are_not_plain(name: str) -> None:
    assert openai_response._plain_choice(Choice(parts=CHOICE_PARTS[name])) is None


def test_choices_with_hints_take_the_general_path() -> None:
    response = Response(
        id="r",
        model="m",
        choices=[Choice(parts=[TextPart(text="a"), TextPart(text="no")])],
        extras={"openai": {"_choices": {"0": {"refusal": "no", "logprobs": {"content": []}}}}},
    )
    message = OPENAI.encode_response(response, context())["choices"][0]
    assert message["message"]["refusal"] == "no" and message["message"]["content"] == "a"
    assert message["logprobs"] == {"content": []}


def test_usage_details_are_written_only_when_they_hold_something() -> None:
    plain = openai_response.encode_usage(Usage(input_tokens=3, output_tokens=4))
    assert plain == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    hinted = openai_response.encode_usage(
        Usage(input_tokens=3, output_tokens=4),
        {"prompt_tokens_details": {"audio_tokens": 0}, "completion_tokens_details": None},
    )
    assert hinted["prompt_tokens_details"] == {"audio_tokens": 0}
    assert hinted["completion_tokens_details"] is None  # kept from the hints as it came
    counted = openai_response.encode_usage(
        Usage(input_tokens=3, output_tokens=4, cache_write_tokens=2, reasoning_tokens=1)
    )
    assert counted["prompt_tokens_details"] == {"cache_write_tokens": 2}
    assert counted["completion_tokens_details"] == {"reasoning_tokens": 1}


def test_response_round_trip_keeps_known_and_unknown_finish_reasons() -> None:
    for raw in ("stop", "length", "function_call", "something_new"):
        response = Response(
            id="r",
            model="m",
            choices=[Choice(parts=[TextPart(text="a")], finish=FinishReason(reason="stop"))],
        )
        body = OPENAI.encode_response(response, context())
        body["choices"][0]["finish_reason"] = raw
        decoded = OPENAI.decode_response(body, context())
        assert decoded.choices[0].finish is not None
        assert decoded.choices[0].finish.raw == raw


# --------------------------------------------------------------------------- decode


def decode(body: dict[str, Any]) -> Request:
    return OPENAI.decode_request(body, TranslationContext(source="openai", target="openai"))


def tool_call(call_id: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "f", "arguments": arguments}}


def test_argument_spellings_are_recorded_while_decoding() -> None:
    request = decode(
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "hi"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        tool_call("compact", '{"a":1}'),
                        tool_call("spaced", '{"a": 1}'),
                        tool_call("raw", "not json"),
                    ],
                },
                # tool_calls on another role are ignored, but their spellings still count
                {"role": "user", "content": "x", "tool_calls": [tool_call("odd", "{ }")]},
            ],
        }
    )
    assert request.extras["openai"]["_arguments"] == {"spaced": '{"a": 1}', "odd": "{ }"}
    calls = request.messages[1].parts
    assert isinstance(calls[2], ToolCallPart) and calls[2].raw_arguments == "not json"


def test_argument_strings_with_a_lone_surrogate_are_kept_raw() -> None:
    # Such a string is not JSON text (it cannot be UTF-8): the call keeps it raw beside {}, as
    # any other argument string that is not an object, and the other errors stay reachable.
    calls = {"role": "assistant", "tool_calls": [tool_call("c", '{"a":"\ud800"}')]}
    fine = {"model": "m", "messages": [{"role": "user", "content": "x"}, calls]}
    bad_role = {"model": "m", "messages": [{"role": "robot", "content": "x"}, calls]}
    part = decode(fine).messages[1].parts[0]
    assert isinstance(part, ToolCallPart)
    assert part.arguments == {} and part.raw_arguments == '{"a":"\ud800"}'
    with pytest.raises(InvalidInputError) as caught:
        decode(bad_role)
    assert caught.value.path == "$.messages[0].role"


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (
            {"role": "user", "content": [{"type": "text", "text": 3}]},
            "$.messages[1].content[0].text",
        ),
        ({"role": "user", "content": [{"type": 3}]}, "$.messages[1].content[0].type"),
        ({"role": "tool", "content": "x"}, "$.messages[1].tool_call_id"),
        (
            {"role": "tool", "tool_call_id": "c", "content": [{"type": "x"}]},
            "$.messages[1].content[0]",
        ),
    ],
)
def test_paths_made_only_for_errors_are_still_exact(message: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decode({"model": "m", "messages": [{"role": "user", "content": "hi"}, message]})
    assert caught.value.path == path


def test_a_bad_tool_definition_names_its_path() -> None:
    good = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    bad = {"type": "function", "function": {"name": "g", "strict": "yes"}}
    with pytest.raises(InvalidInputError) as caught:
        decode(
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": [good, bad]}
        )
    assert caught.value.path == "$.tools[1].function.strict"


def test_text_only_messages_and_list_content_decode_alike() -> None:
    request = decode(
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "hi", "name": "ann"},
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": ""}],
                },
                {"role": "assistant", "content": ""},
                {"role": "tool", "tool_call_id": "c", "content": ""},
            ],
        }
    )
    first, second, third, fourth = request.messages
    assert first == Message(role="user", parts=[TextPart(text="hi")], name="ann")
    assert second == Message(role="user", parts=[TextPart(text="hi")])
    assert third == Message(role="assistant", parts=[])
    assert fourth == Message(role="user", parts=[ToolResultPart(call_id="c")])
