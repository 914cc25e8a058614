"""Checks shared by the fast paths of the Gemini decoders.

The general decoders normalize casing (``casing.py``), validate the whole body with
``msgspec.convert`` and build a JSON path for every message and part; on a typical body that
is most of their cost. The fast paths read the plain camelCase shapes that dominate real
traffic straight from the decoded dict instead. They are deliberately narrow: whenever they
meet anything else (an unknown or snake_case key, a wrong type, a value out of range, a shape
that would be reported as lost) they raise :class:`Unusual` before any side effect, and the
caller runs the general decoder, which produces the exact output, loss or error.
"""

from __future__ import annotations

from typing import Any

from ...schema import JSONObject

#: Bounds of the wire's ``Count`` and ``Int64`` fields (see ``wire.py``).
MAX_COUNT = 2**31 - 1
MIN_INT64 = -(2**63)
MAX_INT64 = 2**63 - 1
#: Integers a float field takes without rounding doubts; larger ones take the general path.
_MAX_EXACT_FLOAT_INT = 2**53


class Unusual(Exception):
    """A fast path met a shape it does not handle: the general path decides instead."""


def json_object(value: Any) -> JSONObject:
    """A shallow copy of a JSON object, as ``msgspec.convert(value, JSONObject)`` makes it."""
    if type(value) is not dict:
        raise Unusual
    for key in value:
        if type(key) is not str:
            raise Unusual
    return dict(value)


def check_json_object(value: Any) -> None:
    """Fails as ``msgspec.convert(value, JSONObject)`` would, without copying."""
    if type(value) is not dict:
        raise Unusual
    for key in value:
        if type(key) is not str:
            raise Unusual


def optional_str(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise Unusual


def optional_count(value: Any) -> int | None:
    """A ``Count | None`` field: a non-negative 32-bit integer."""
    if value is None or (type(value) is int and 0 <= value <= MAX_COUNT):
        return value
    raise Unusual


def optional_int64(value: Any) -> int | None:
    if value is None or (type(value) is int and MIN_INT64 <= value <= MAX_INT64):
        return value
    raise Unusual


def optional_float(value: Any) -> float | None:
    """A ``float | None`` field; msgspec takes an integer for a float and converts it."""
    if value is None or type(value) is float:
        return value
    if type(value) is int and -_MAX_EXACT_FLOAT_INT <= value <= _MAX_EXACT_FLOAT_INT:
        return float(value)
    raise Unusual


def str_list(value: Any) -> list[str] | None:
    """A ``list[str] | None`` field, copied as msgspec does."""
    if value is None:
        return None
    if type(value) is not list:
        raise Unusual
    for item in value:
        if type(item) is not str:
            raise Unusual
    return list(value)
