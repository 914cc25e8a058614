"""explain_failure: the caller's slip in a hand-built Request, found by a typed round trip."""

from __future__ import annotations

from nexgate.request_check import explain_failure
from nexgate.schema import Message, Request, TextPart, Tool, ToolCallPart


def _request() -> Request:
    return Request(model="m", messages=[Message(role="user", parts=[TextPart(text="hi")])])


def test_a_well_formed_request_has_nothing_to_explain() -> None:
    request = _request()
    request.temperature = 1  # an int where a float goes is fine
    request.tools = [Tool(name="f", parameters={"type": "object"})]
    assert explain_failure(request) is None


def test_a_value_of_the_wrong_type_is_named_with_its_path() -> None:
    request = _request()
    request.messages[0].parts.append(ToolCallPart(id="c", name="f", arguments="x"))  # type: ignore[arg-type]
    error = explain_failure(request)
    assert error is not None and error.path == "$.messages[0].parts[1].arguments"
    assert "object" in error.message


def test_a_dict_where_a_struct_goes_is_named() -> None:
    request = _request()
    request.tools = [{"name": "f", "parameters": {"type": "object"}}]  # type: ignore[list-item]
    error = explain_failure(request)
    assert error is not None and error.path == "$.tools[0]"
    assert error.message.startswith("expected Tool, got dict")


def test_a_value_json_cannot_carry_is_named() -> None:
    request = _request()
    request.metadata = {"when": object()}  # type: ignore[dict-item]
    error = explain_failure(request)
    assert error is not None and "JSON cannot carry" in error.message
