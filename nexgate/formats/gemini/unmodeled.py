"""Fields inside a Gemini request's contents, and inside a response's candidates, that
nexgate does not model: beside a part (``mediaResolution``, ``videoMetadata``,
``partMetadata``...), inside its object (a function response's ``willContinue``...) or beside
a content's ``role`` and ``parts``. A part of a kind nexgate does not model is kept whole, as
a raw part, and loses nothing.

The lenient mirrors skip these fields, so the general decode paths report each one from here;
the fast paths refuse them and fall back to those.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from ...schema import JSONObject
from .._context import TranslationContext
from .._foreign import informative
from .._unmodeled import fields_of, outside
from . import wire

#: The part kinds nexgate models, and the sibling keys it carries beside each.
_MODELED_PARTS = ("text", "inlineData", "fileData", "functionCall", "functionResponse")
_PART_SIBLINGS = frozenset({*_MODELED_PARTS, "thought", "thoughtSignature"})
#: The fields nexgate carries of each modeled part's object (``text`` is a string).
_PART_OBJECTS = {
    "inlineData": fields_of(wire.Blob),
    "fileData": fields_of(wire.FileData),
    "functionCall": fields_of(wire.FunctionCall),
    "functionResponse": fields_of(wire.FunctionResponse),
}
_CONTENT_FIELDS = fields_of(wire.Content)


def _unmodeled_part_fields(part: Any, path: str) -> Iterator[str]:
    if not isinstance(part, dict):
        return
    kinds = [key for key in _MODELED_PARTS if key in part and informative(part[key])]
    if not kinds:
        return  # a part of a kind nexgate does not model is kept whole, as a raw part
    # A part is one kind of data (a oneof): the decoder reads the first, here in its order.
    for kind in kinds[1:]:
        yield f"{path}.{kind}"
    yield from outside(part, _PART_SIBLINGS, path)
    for key, fields in _PART_OBJECTS.items():
        if key in part:
            yield from outside(part[key], fields, f"{path}.{key}")


def _unmodeled_content_fields(content: Any, path: str) -> Iterator[tuple[str, str]]:
    for where in outside(content, _CONTENT_FIELDS, path):
        yield "message_field_dropped", where
    parts = content.get("parts") if isinstance(content, dict) else None
    for j, part in enumerate(parts if isinstance(parts, list) else ()):
        if type(part) is dict and len(part) == 1 and "text" in part:
            continue  # plain text, most parts: nothing to look into
        for where in _unmodeled_part_fields(part, f"{path}.parts[{j}]"):
            yield "part_field_dropped", where


def lose_unmodeled(obj: JSONObject, ctx: TranslationContext) -> None:
    """Keys nexgate does not carry, of a content (beside ``role`` and ``parts``), of a part
    (``mediaResolution``, ``videoMetadata``...) or of its object (a function response's
    ``willContinue``...), are losses."""
    contents = obj.get("contents")
    for kind, path in chain(
        _unmodeled_content_fields(obj.get("systemInstruction"), "$.systemInstruction"),
        *(
            _unmodeled_content_fields(content, f"$.contents[{i}]")
            for i, content in enumerate(contents if isinstance(contents, list) else ())
        ),
    ):
        ctx.lose(kind, path, "not carried by nexgate")


def lose_unmodeled_candidates(obj: JSONObject, ctx: TranslationContext) -> None:
    """Record a loss for each unmodeled field of a response's candidates' contents (the
    candidates' own fields are kept as extras)."""
    candidates = obj.get("candidates")
    for i, candidate in enumerate(candidates if isinstance(candidates, list) else ()):
        content = candidate.get("content") if isinstance(candidate, dict) else None
        for kind, path in _unmodeled_content_fields(content, f"$.candidates[{i}].content"):
            ctx.lose(kind, path, "not carried by nexgate")
