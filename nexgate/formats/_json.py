"""JSON in and out of the adapters, with errors that name the offending field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from ..errors import InvalidInputError

T = TypeVar("T")

#: JSON text as the decoders accept it.
JSONText = bytes | bytearray | memoryview | str

_PATH = re.compile(r" - at `(?P<path>[^`]*)`$")
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def _path_of(error: Exception, prefix: str) -> str:
    match = _PATH.search(str(error))
    if not match:
        return prefix
    return prefix + match.group("path")[1:]


def _reason_of(error: Exception) -> str:
    return _PATH.sub("", str(error))


def load_json(body: JSONText, what: str) -> Any:
    """Decode JSON text; malformed input becomes an :class:`InvalidInputError`."""
    try:
        return _decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise InvalidInputError(f"{what} is not valid JSON: {exc}", path="$") from None
    except RecursionError:
        raise InvalidInputError(f"{what} is nested too deeply", path="$") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{what} is not valid UTF-8", path="$") from None
    except UnicodeEncodeError:
        raise InvalidInputError(_surrogate(what), path="$") from None


def utf8_of(body: str, what: str) -> bytes:
    """The UTF-8 bytes of JSON text given as ``str`` (the typed decoders' input)."""
    try:
        return body.encode()
    except UnicodeEncodeError:
        raise InvalidInputError(_surrogate(what), path="$") from None


def _surrogate(what: str) -> str:
    # A str can hold a lone surrogate that no UTF-8 JSON text can (an escaped one is fine).
    return f"{what} holds a lone surrogate character, which UTF-8 cannot encode"


def load_object(body: Any, what: str) -> dict[str, Any]:
    """Accept a body as bytes, str or an already-decoded mapping; it must be a JSON object."""
    obj = load_json(body, what) if isinstance(body, bytes | bytearray | memoryview | str) else body
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, Mapping):
        return dict(obj)
    raise InvalidInputError(f"{what} must be a JSON object, got {_kind(obj)}", path="$")


def convert(obj: Any, type_: type[T], what: str, path: str = "$") -> T:
    """Validate decoded JSON into a wire type; errors name the JSON path."""
    try:
        return msgspec.convert(obj, type_)
    except msgspec.ValidationError as exc:
        where = _path_of(exc, path)
        raise InvalidInputError(f"invalid {what}: {_reason_of(exc)}", path=where) from None
    except RecursionError:
        raise InvalidInputError(f"{what} is nested too deeply", path=path) from None


def dump_json(obj: Any) -> bytes:
    """Encode as compact JSON.

    Key order is the insertion order, which the adapters make deterministic; keys are not
    sorted because property order in a JSON Schema steers the model's output order.
    """
    try:
        return _encoder.encode(obj)
    except UnicodeEncodeError:
        raise InvalidInputError("text contains a lone surrogate", path="$") from None
    except RecursionError:
        raise InvalidInputError("value is nested too deeply", path="$") from None
    except (TypeError, OverflowError) as exc:
        raise InvalidInputError(f"value cannot be encoded as JSON: {exc}", path="$") from None


def dump_args(arguments: Mapping[str, Any]) -> str:
    """Tool-call arguments as compact JSON text (OpenAI carries them as a string)."""
    return dump_json(arguments).decode()


def parse_args(text: str) -> dict[str, Any] | None:
    """Tool-call arguments from JSON text; ``None`` when it is not a JSON object."""
    if not text.strip():
        return {}
    try:
        value = _decoder.decode(text)
    except (msgspec.DecodeError, RecursionError, UnicodeEncodeError):
        return None  # UnicodeEncodeError: a lone surrogate, refused when the text is written
    return value if isinstance(value, dict) else None


def _kind(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, list):
        return "an array"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, int | float):
        return "a number"
    return type(obj).__name__
