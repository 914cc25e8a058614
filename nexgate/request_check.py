"""What is wrong with a :class:`~nexgate.schema.Request` a caller built by hand.

A msgspec Struct checks nothing when it is made, so ``Request(tool_choice="auto")`` or a
string among a message's parts only fails inside an encoder, as an ``AttributeError`` that
names none of the caller's code. :func:`check_request` catches the common slips up front (the
messages and the fields that take nexgate structs, for the price of a loop);
:func:`explain_failure` finds any other one, but only
after an encoder failed, so that well-formed calls pay nothing for it: the request goes
through a typed JSON round trip, and the first place where it differs from what comes back
is the caller's mistake.
"""

from __future__ import annotations

import re
from typing import Any, get_args

import msgspec

from .errors import InvalidInputError
from .schema import (
    DocumentPart,
    ImagePart,
    Message,
    RawPart,
    Reasoning,
    ReasoningPart,
    Request,
    ResponseFormat,
    Role,
    TextPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
)

#: The classes of a message's parts, and the roles a message may have.
_PART_TYPES = (
    TextPart,
    ImagePart,
    DocumentPart,
    ToolCallPart,
    ToolResultPart,
    ReasoningPart,
    RawPart,
)
_ROLES = frozenset(get_args(Role))
#: Request fields that hold a nexgate struct (or None), and lists of them.
_STRUCT_FIELDS: tuple[tuple[str, type], ...] = (
    ("tool_choice", ToolChoice),
    ("response_format", ResponseFormat),
    ("reasoning", Reasoning),
)
_LIST_FIELDS: tuple[tuple[str, type], ...] = (("system", TextPart), ("tools", Tool), ("stop", str))
#: Where a msgspec validation error says the bad value is: "... - at `$.tools[0].name`".
_AT = re.compile(r" - at `([^`]*)`$")
#: What an encoder raises when a field holds the wrong kind of value.
ENCODING_SLIPS = (AttributeError, TypeError, KeyError, IndexError)


def check_request(request: Any, method: str) -> None:
    """The shape of a caller-built request where slips are usual: the messages, and the
    fields that take a nexgate struct or a list of them (a str there would be read as a
    list of characters, not fail)."""
    if not isinstance(request, Request):
        raise InvalidInputError(
            f"{method}() takes a nexgate.Request, got {type(request).__name__}"
            " (send() and send_stream() take a body in a wire format)",
            path="request",
        )
    _check_fields(request)
    if type(request.messages) is not list:
        raise InvalidInputError("messages must be a list of nexgate.Message", path="$.messages")
    for i, message in enumerate(request.messages):
        if not isinstance(message, Message):
            raise InvalidInputError("not a nexgate.Message", path=f"$.messages[{i}]")
        if message.role not in _ROLES:
            raise InvalidInputError(f"unknown role {message.role!r}", path=f"$.messages[{i}].role")
        if type(message.parts) is not list:
            raise InvalidInputError("parts must be a list", path=f"$.messages[{i}].parts")
        for j, part in enumerate(message.parts):
            if not isinstance(part, _PART_TYPES):
                raise InvalidInputError(
                    f"not a nexgate part (TextPart, ImagePart...): {type(part).__name__}",
                    path=f"$.messages[{i}].parts[{j}]",
                )
            if type(part) is ToolResultPart and type(part.content) is not list:
                # A str would be read as a list of characters, and each one skipped.
                raise InvalidInputError(
                    "a tool result's content is a list of parts ([TextPart(text=...)])",
                    path=f"$.messages[{i}].parts[{j}].content",
                )


def _check_fields(request: Request) -> None:
    """The fields that take a nexgate struct, or a list of them (or of str)."""
    for name, kind in _STRUCT_FIELDS:
        value = getattr(request, name)
        if value is not None and not isinstance(value, kind):
            raise InvalidInputError(
                f"expected a nexgate.{kind.__name__}, got {type(value).__name__}", path=f"$.{name}"
            )
    for name, kind in _LIST_FIELDS:
        items = getattr(request, name)
        if type(items) is not list:
            raise InvalidInputError(f"expected a list of {_name(kind)}", path=f"$.{name}")
        for i, item in enumerate(items):
            if not isinstance(item, kind):
                raise InvalidInputError(
                    f"expected a {_name(kind)}, got {type(item).__name__}",
                    path=f"$.{name}[{i}]",
                )


def _name(kind: type) -> str:
    return kind.__name__ if kind is str else f"nexgate.{kind.__name__}"


def explain_failure(request: Request) -> InvalidInputError | None:
    """The caller's mistake that made encoding ``request`` fail, or ``None`` when the request
    is well formed (then the failure is nexgate's own and should surface as it is)."""
    try:
        encoded = msgspec.json.encode(request)
    except (TypeError, ValueError, OverflowError) as exc:
        return InvalidInputError(f"the request holds a value JSON cannot carry: {exc}")
    try:
        typed = msgspec.json.decode(encoded, type=Request)
    except msgspec.ValidationError as exc:
        text = str(exc)
        at = _AT.search(text)
        if at is None:
            return InvalidInputError(text)
        return InvalidInputError(text[: at.start()], path=at.group(1))
    return _first_difference(request, typed, "$")


def _first_difference(given: Any, typed: Any, path: str) -> InvalidInputError | None:
    """Where ``given`` holds a value of another kind than the schema's (``typed``)."""
    if type(given) is not type(typed):
        if isinstance(given, int | float) and isinstance(typed, float):
            return None  # an int where a float goes is fine
        expected = type(typed).__name__
        return InvalidInputError(f"expected {expected}, got {type(given).__name__}", path=path)
    if isinstance(typed, msgspec.Struct):
        for name in typed.__struct_fields__:
            found = _first_difference(getattr(given, name), getattr(typed, name), f"{path}.{name}")
            if found is not None:
                return found
    elif isinstance(typed, list):
        for i, (a, b) in enumerate(zip(given, typed, strict=False)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found is not None:
                return found
    return None


__all__ = ("ENCODING_SLIPS", "check_request", "explain_failure")
