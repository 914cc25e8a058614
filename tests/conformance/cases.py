"""Conversation features as internal requests and responses, encoded into every format.

Each case is built once in the internal schema; the matrix encodes it into each source format
(the canonical body of that format), translates it to each target and checks the result.
"""

from __future__ import annotations

from nexgate.schema import (
    Choice,
    DocumentPart,
    FinishReason,
    ImagePart,
    Message,
    Reasoning,
    Request,
    Response,
    ResponseFormat,
    TextPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    Usage,
)

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
    "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = (
    "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxl"
    "cgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK"
)

WEATHER = Tool(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["c", "f"]},
        },
        "required": ["city"],
    },
)
CLOCK = Tool(
    name="get_time",
    description="The current time.",
    parameters={"type": "object", "properties": {}},
)


def _user(text: str) -> Message:
    return Message(role="user", parts=[TextPart(text=text)])


def _assistant(text: str) -> Message:
    return Message(role="assistant", parts=[TextPart(text=text)])


def _call(call_id: str, name: str, **args: object) -> ToolCallPart:
    return ToolCallPart(id=call_id, name=name, arguments=dict(args))


def _result(call_id: str, name: str, text: str) -> ToolResultPart:
    return ToolResultPart(call_id=call_id, name=name, content=[TextPart(text=text)])


def typical_request() -> Request:
    """System + 6 turns + 2 tools + a tool call and its result (also the benchmark's input)."""
    return Request(
        model="test-model",
        system=[TextPart(text="You are a terse assistant.")],
        messages=[
            _user("Hello!"),
            _assistant("Hi. How can I help?"),
            _user("What's the weather in Paris, and what time is it?"),
            Message(role="assistant", parts=[_call("call_1", "get_weather", city="Paris")]),
            Message(role="user", parts=[_result("call_1", "get_weather", "18C, cloudy")]),
            _assistant("It is 18C and cloudy in Paris."),
            _user("Thanks. And the time?"),
        ],
        tools=[WEATHER, CLOCK],
        tool_choice=ToolChoice(mode="auto"),
        max_tokens=512,
        temperature=0.5,
    )


REQUESTS: dict[str, Request] = {
    "system_and_text": Request(
        model="test-model",
        system=[TextPart(text="Be brief.")],
        messages=[_user("Say hi.")],
        max_tokens=100,
    ),
    "multipart_system_multi_turn": Request(
        model="test-model",
        system=[TextPart(text="Rule one."), TextPart(text="Rule two.")],
        messages=[_user("A"), _assistant("B"), _user("C")],
        max_tokens=100,
    ),
    "consecutive_same_role": Request(
        model="test-model",
        messages=[_user("first"), _user("second"), _assistant("ok")],
        max_tokens=100,
    ),
    "image_base64": Request(
        model="test-model",
        messages=[
            Message(
                role="user",
                parts=[
                    TextPart(text="What is this?"),
                    ImagePart(media_type="image/png", data=PNG),
                ],
            )
        ],
        max_tokens=100,
    ),
    "pdf_document": Request(
        model="test-model",
        messages=[
            Message(
                role="user",
                parts=[
                    DocumentPart(media_type="application/pdf", data=PDF, filename="doc.pdf"),
                    TextPart(text="Summarize."),
                ],
            )
        ],
        max_tokens=100,
    ),
    "tools_auto": typical_request(),
    "tool_choice_required": Request(
        model="test-model",
        messages=[_user("Weather in Oslo?")],
        tools=[WEATHER],
        tool_choice=ToolChoice(mode="required"),
        max_tokens=100,
    ),
    "tool_choice_named": Request(
        model="test-model",
        messages=[_user("Weather in Oslo?")],
        tools=[WEATHER, CLOCK],
        tool_choice=ToolChoice(mode="tool", name="get_weather"),
        max_tokens=100,
    ),
    "tool_choice_none": Request(
        model="test-model",
        messages=[_user("Just chat.")],
        tools=[WEATHER],
        tool_choice=ToolChoice(mode="none"),
        max_tokens=100,
    ),
    "parallel_calls_and_results": Request(
        model="test-model",
        messages=[
            _user("Weather in Paris and Rome?"),
            Message(
                role="assistant",
                parts=[
                    _call("call_a", "get_weather", city="Paris"),
                    _call("call_b", "get_weather", city="Rome", unit="c"),
                ],
            ),
            Message(
                role="user",
                parts=[
                    _result("call_a", "get_weather", "18C"),
                    _result("call_b", "get_weather", "25C"),
                ],
            ),
        ],
        tools=[WEATHER],
        max_tokens=100,
    ),
    "no_argument_call": Request(
        model="test-model",
        messages=[
            _user("Time?"),
            Message(role="assistant", parts=[_call("call_t", "get_time")]),
            Message(role="user", parts=[_result("call_t", "get_time", "12:00")]),
        ],
        tools=[CLOCK],
        max_tokens=100,
    ),
    "generation_parameters": Request(
        model="test-model",
        messages=[_user("Count.")],
        max_tokens=64,
        temperature=0.2,
        top_p=0.9,
        stop=["END"],
    ),
    "json_schema_output": Request(
        model="test-model",
        messages=[_user("A person, as JSON.")],
        max_tokens=200,
        response_format=ResponseFormat(
            type="json_schema",
            name="person",
            schema={
                "type": "object",
                "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                "required": ["name", "age"],
            },
        ),
    ),
    "reasoning_effort": Request(
        model="test-model",
        messages=[_user("Think about it.")],
        max_tokens=8000,
        reasoning=Reasoning(effort="medium"),
    ),
}


def _response(parts: list, finish: FinishReason, usage: Usage, stop: str | None = None) -> Response:
    return Response(
        id="resp_1",
        model="test-model",
        created=1700000000,
        choices=[Choice(parts=parts, finish=finish, stop_sequence=stop)],
        usage=usage,
    )


RESPONSES: dict[str, Response] = {
    "text": _response(
        [TextPart(text="Hello there.")],
        FinishReason(reason="stop"),
        Usage(input_tokens=12, output_tokens=4),
    ),
    "length": _response(
        [TextPart(text="Once upon a")],
        FinishReason(reason="length"),
        Usage(input_tokens=5, output_tokens=3),
    ),
    "tool_calls": _response(
        [
            TextPart(text="Checking."),
            _call("call_1", "get_weather", city="Paris"),
            _call("call_2", "get_weather", city="Rome"),
        ],
        FinishReason(reason="tool_calls"),
        Usage(input_tokens=40, output_tokens=20),
    ),
    "no_argument_call": _response(
        [_call("call_t", "get_time")],
        FinishReason(reason="tool_calls"),
        Usage(input_tokens=30, output_tokens=5),
    ),
    "cached_usage": _response(
        [TextPart(text="Cached.")],
        FinishReason(reason="stop"),
        Usage(input_tokens=1000, output_tokens=10, cache_read_tokens=800),
    ),
}
