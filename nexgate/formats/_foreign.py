"""What a response loses on its way to another format: the fields its source format kept in
``Response.extras[source]`` (log probabilities, safety ratings, usage details...), which the
target has no place for. Each format names the information in its own extras
(``Format.response_extra_paths``); the encoders record one loss per field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..schema import FinishReason, JSONObject, Response
from . import get_format  # initialized before any format module imports this one
from ._context import TranslationContext


def lose_foreign_fields(response: Response, ctx: TranslationContext) -> None:
    """Record a loss for each field another format's extras hold (usually there are none)."""
    lose_foreign_extras(response.extras, ctx)


def lose_foreign_extras(
    extras: dict[str, JSONObject], ctx: TranslationContext, seen: set[str] | None = None
) -> None:
    """Record a loss for each field in ``extras`` (keyed by format) that belongs to a format
    other than the target. ``seen``: paths already reported (a stream's start and end may
    both hold a field), updated."""
    for fmt, fields in extras.items():
        if fmt != ctx.target and fields:
            for path in get_format(fmt).response_extra_paths(fields):
                if seen is not None:
                    if path in seen:
                        continue
                    seen.add(path)
                ctx.lose(
                    "response_field_dropped",
                    path,
                    f"{ctx.target} has no place for this {fmt} response field",
                )


def own_extras(
    extras: dict[str, JSONObject], ctx: TranslationContext, seen: set[str]
) -> JSONObject | None:
    """A stream encoder's share of an event's ``extras``: the target format's own fields (to
    be written back), after recording each other format's field as lost (once: ``seen``)."""
    if len(extras) > 1 or ctx.target not in extras:
        lose_foreign_extras(extras, ctx, seen)
    return extras.get(ctx.target)


def informative(value: Any) -> bool:
    """Whether dropping ``value`` loses anything: not null, zero, false, empty or made of those.
    (A walk with a stack: a value nested thousands deep must not exhaust the recursion limit.)"""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item:
            return True
    return False


def informative_fields(fields: Any, at: str) -> Iterator[str]:
    """The paths (under ``at``) of the informative values of a dict of fields."""
    if isinstance(fields, dict):
        for name, value in fields.items():
            if informative(value):
                yield f"{at}.{name}"


def lose_error_finish(finish: FinishReason | None, path: str, ctx: TranslationContext) -> None:
    """An answer that stopped on an error (Gemini ``MALFORMED_FUNCTION_CALL``...) reaches a
    format without such a reason as a plain stop: that it failed must not go unsaid."""
    if finish is not None and finish.reason == "error":
        ctx.lose(
            "finish_reason_mapped",
            path,
            f"{finish.raw or 'an error'} has no {ctx.target} equivalent: sent as a normal stop",
        )
