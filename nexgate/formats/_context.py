"""The state one translation carries: source and target, strictness, and the losses it records."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal, TypeAlias

import msgspec

from ..errors import InvalidInputError, TranslationError
from ..schema import FormatName, Loss, Request, Severity

logger = logging.getLogger("nexgate.translate")

#: ``max_tokens`` sent to a Claude target when the source gave none (Claude requires it).
DEFAULT_MAX_TOKENS = 4096

LossHook = Callable[[Loss], None]

#: How a Gemini target gets JSON Schemas (tool parameters, structured output): as JSON Schema
#: (``parametersJsonSchema`` / ``responseJsonSchema``, as google-genai itself sends tools; the
#: default) or compiled to the OpenAPI subset of ``parameters`` / ``responseSchema``, for
#: endpoints that refuse the JSON Schema fields.
GeminiSchema: TypeAlias = Literal["json_schema", "openapi"]
GEMINI_SCHEMAS: tuple[GeminiSchema, ...] = ("json_schema", "openapi")


def check_gemini_schema(value: str) -> GeminiSchema:
    """``value`` if it names a dialect; a typed error naming the option otherwise."""
    if value not in GEMINI_SCHEMAS:
        raise InvalidInputError(
            f"gemini_schema must be one of {', '.join(GEMINI_SCHEMAS)}", path="gemini_schema"
        )
    return value


def check_max_tokens(value: object) -> int:
    """``value`` if it can be a ``default_max_tokens`` (an int of at least 1); a typed error
    naming the option otherwise."""
    if type(value) is not int or value < 1:
        raise InvalidInputError(
            f"default_max_tokens must be an integer of at least 1, got {value!r}",
            path="default_max_tokens",
        )
    return value


class TranslationContext(msgspec.Struct, kw_only=True):
    """What a translation knows besides the body: formats, options and what it lost.

    ``request`` is the caller's original request (decoded), when known: the response
    direction uses it to restore what the request decided (tool ids, usage chunk).

    A Struct rather than a plain class: one is made per translation, and its C constructor
    costs a fifth of an ``__init__`` setting eight attributes.
    """

    source: FormatName
    target: FormatName
    model: str | None = None
    strict: bool = False
    on_loss: LossHook | None = None
    request: Request | None = None
    default_max_tokens: int = DEFAULT_MAX_TOKENS
    gemini_schema: GeminiSchema = "json_schema"
    losses: list[Loss] = msgspec.field(default_factory=list)

    def lose(self, kind: str, path: str, detail: str, severity: Severity = "dropped") -> None:
        """Record that ``path`` could not be carried over exactly."""
        loss = Loss(kind=kind, path=path, detail=detail, severity=severity)
        self.losses.append(loss)
        if self.on_loss is not None:
            self.on_loss(loss)

    def emulate(self, kind: str, path: str, detail: str) -> None:
        """Record that ``path`` was carried by another means than the source used."""
        self.lose(kind, path, detail, "emulated")

    def finish(self) -> None:
        """Raise in strict mode if anything was dropped; log each kind of loss once."""
        if not self.losses:
            return
        dropped = [loss for loss in self.losses if loss.severity == "dropped"]
        if self.strict and dropped:
            raise TranslationError(dropped)
        seen: set[str] = set()
        for loss in self.losses:
            if loss.kind in seen:
                continue
            seen.add(loss.kind)
            level = logging.WARNING if loss.severity == "dropped" else logging.DEBUG
            logger.log(
                level,
                "%s -> %s: %s at %s (%s)",
                self.source,
                self.target,
                loss.kind,
                loss.path,
                loss.detail,
            )
