"""Finding the fields of a body that nexgate does not model, so that each is a recorded loss.

The wire mirrors skip unknown fields. Each format's general decode path walks the parsed body
with :func:`outside` over the objects it models (messages, blocks, tools...) and reports what
it finds; the typed decodes of JSON text refuse unknown fields and fall back to that path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._foreign import informative

Fields = frozenset[str]


def fields_of(struct: Any, *more: str) -> Fields:
    """A wire struct's JSON field names (as encoded), and ``more``."""
    names = getattr(struct, "__struct_encode_fields__", None) or struct.__struct_fields__
    return frozenset(names).union(more)


def outside(obj: Any, fields: Fields, path: str) -> Iterator[str]:
    """The paths of ``obj``'s keys outside ``fields`` whose values say something.

    A null or empty value loses nothing: an SDK's dump of a response message, replayed as a
    turn, holds ``"annotations": []`` and ``"function_call": null``. A non-object yields
    nothing (the typed decode words that error)."""
    if isinstance(obj, dict) and not fields.issuperset(obj):
        for key, value in obj.items():
            if key not in fields and informative(value):
                yield f"{path}.{key}"
