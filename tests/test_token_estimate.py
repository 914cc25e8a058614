"""The pre-charge of a tokens-per-minute bucket counts the whole prompt, not only the turns.

It counted the text of the messages alone: a Claude ``system`` or Gemini
``systemInstruction`` of 16k characters, tool results and tool schemas cost nothing, so a
bucket admitted several such calls at once, the burst it is there to prevent.
"""

from __future__ import annotations

from nexgate.schema import (
    ImagePart,
    Message,
    Request,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
)
from nexgate.upstream import estimate_tokens


def _request(**fields: object) -> Request:
    fields.setdefault("messages", [Message(role="user", parts=[TextPart(text="x" * 40)])])
    fields.setdefault("max_tokens", 100)
    return Request(model="m", **fields)  # type: ignore[arg-type]


def test_turns_and_the_output_allowance() -> None:
    assert estimate_tokens(_request()) == 40 / 4 + 100
    assert estimate_tokens(_request(max_tokens=None)) == 40 / 4 + 256


def test_the_system_prompt_counts() -> None:
    request = _request(system=[TextPart(text="s" * 16_000)])
    assert estimate_tokens(request) == (16_000 + 40) / 4 + 100


def test_tool_calls_results_and_schemas_count() -> None:
    call = ToolCallPart(id="c1", name="lookup", arguments={"q": "y" * 90})
    result = ToolResultPart(call_id="c1", content=[TextPart(text="r" * 400)])
    messages = [
        Message(role="user", parts=[TextPart(text="x" * 40)]),
        Message(role="assistant", parts=[call]),
        Message(role="user", parts=[result, ImagePart(url="http://127.0.0.1/a.png")]),
    ]
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tools = [Tool(name="lookup", description="d" * 20, parameters=schema)]
    plain = estimate_tokens(_request())
    richer = estimate_tokens(_request(messages=messages, tools=tools))
    arguments = len('{"q":"' + "y" * 90 + '"}')
    schema_chars = len('{"type":"object","properties":{"q":{"type":"string"}}}')
    added = len("lookup") + arguments + 400 + len("lookup") + 20 + schema_chars
    assert richer == plain + added / 4
