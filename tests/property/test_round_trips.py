"""Property tests: generated internal requests and responses survive every translation."""

from __future__ import annotations

from typing import Any

from conformance.projection import request_projection, response_projection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexgate import translate_request, translate_response
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
from nexgate.schema import (
    Choice,
    FinishReason,
    FormatName,
    Message,
    Request,
    Response,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
    Usage,
)
from nexgate.translate import decode_request

FORMATS: list[FormatName] = ["openai", "claude", "gemini"]
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda t: t.strip() == t and t != "")
names = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)
scalars = st.one_of(st.integers(-1000, 1000), st.booleans(), text, st.none())
arguments = st.dictionaries(names, st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3)


@st.composite
def conversations(draw: st.DrawFn) -> list[Message]:
    messages: list[Message] = [Message(role="user", parts=[TextPart(text=draw(text))])]
    for turn in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            calls = [
                ToolCallPart(id=f"call_{turn}_{i}", name=draw(names), arguments=draw(arguments))
                for i in range(draw(st.integers(1, 3)))
            ]
            messages.append(Message(role="assistant", parts=list(calls)))
            messages.append(
                Message(
                    role="user",
                    parts=[
                        ToolResultPart(
                            call_id=c.id, name=c.name, content=[TextPart(text=draw(text))]
                        )
                        for c in calls
                    ],
                )
            )
        else:
            messages.append(Message(role="assistant", parts=[TextPart(text=draw(text))]))
        messages.append(Message(role="user", parts=[TextPart(text=draw(text))]))
    return messages


@st.composite
def requests(draw: st.DrawFn) -> Request:
    messages = draw(conversations())
    tool_names = sorted({p.name for m in messages for p in m.parts if isinstance(p, ToolCallPart)})
    tools = [
        Tool(
            name=n,
            description=draw(text),
            parameters={"type": "object", "properties": {"q": {"type": "string"}}},
        )
        for n in tool_names
    ]
    return Request(
        model="test-model",
        system=[TextPart(text=draw(text))] if draw(st.booleans()) else [],
        messages=messages,
        tools=tools,
        max_tokens=draw(st.integers(1, 100_000)),
        temperature=draw(st.none() | st.floats(0, 1, allow_nan=False).map(lambda f: round(f, 3))),
        stop=draw(st.lists(text, max_size=3)),
    )


@st.composite
def responses(draw: st.DrawFn) -> Response:
    parts: list[Any] = []
    if draw(st.booleans()):
        parts.append(TextPart(text=draw(text)))
    calls = [
        ToolCallPart(id=f"call_{i}", name=draw(names), arguments=draw(arguments))
        for i in range(draw(st.integers(0, 2)))
    ]
    parts += calls
    if not parts:
        parts.append(TextPart(text=draw(text)))
    reason = "tool_calls" if calls else draw(st.sampled_from(["stop", "length"]))
    usage = Usage(
        input_tokens=draw(st.integers(0, 10**6)), output_tokens=draw(st.integers(0, 10**5))
    )
    return Response(
        id="resp_x",
        model="test-model",
        choices=[Choice(parts=parts, finish=FinishReason(reason=reason))],
        usage=usage,
        created=1,
    )


def _encode_request(fmt: FormatName, request: Request) -> dict[str, Any]:
    return get_format(fmt).encode_request(request, TranslationContext(source=fmt, target=fmt))


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests(), st.sampled_from(FORMATS))
def test_identity_round_trip_is_byte_exact(request: Request, fmt: FormatName) -> None:
    body = _encode_request(fmt, request)
    assert dump_json(
        translate_request(body, source=fmt, target=fmt, model="test-model")
    ) == dump_json(body)


@SETTINGS
@given(requests(), st.sampled_from(FORMATS), st.sampled_from(FORMATS))
def test_there_and_back_preserves_the_overlap(
    request: Request, source: FormatName, via: FormatName
) -> None:
    body = _encode_request(source, request)
    there = translate_request(body, source=source, target=via, model="test-model")
    back = translate_request(there, source=via, target=source, model="test-model")
    original = request_projection(decode_request(body, format=source, model="test-model"))
    assert request_projection(decode_request(back, format=source, model="test-model")) == original


@SETTINGS
@given(responses(), st.sampled_from(FORMATS), st.sampled_from(FORMATS))
def test_responses_keep_text_calls_finish_and_usage(
    response: Response, source: FormatName, target: FormatName
) -> None:
    body = get_format(source).encode_response(
        response, TranslationContext(source=source, target=source)
    )
    out = translate_response(body, source=source, target=target, model="test-model")
    back = get_format(target).decode_response(
        dict(out), TranslationContext(source=target, target=target)
    )
    assert response_projection(back) == response_projection(response)
