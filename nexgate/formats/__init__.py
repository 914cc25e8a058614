"""The wire formats: one subpackage each, all exposing the same :class:`Format` interface."""

from __future__ import annotations

from ..errors import InvalidInputError
from ..schema import FormatName
from ._context import DEFAULT_MAX_TOKENS, TranslationContext
from ._format import Format, StreamDecoder, StreamEncoder

#: Accepted spellings of each format id.
FORMAT_ALIASES: dict[str, FormatName] = {
    "openai": "openai",
    "claude": "claude",
    "anthropic": "claude",
    "gemini": "gemini",
}


def format_name(name: str) -> FormatName:
    """Normalize a format id (``"anthropic"`` is an alias of ``"claude"``)."""
    try:
        return FORMAT_ALIASES[name.lower()] if isinstance(name, str) else FORMAT_ALIASES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(FORMAT_ALIASES))
        raise InvalidInputError(f"unknown format {name!r}; expected one of {known}") from None


#: Loaded formats by accepted spelling; each adapter is imported on first use.
_LOADED: dict[str, Format] = {}


def get_format(name: str) -> Format:
    """The :class:`Format` for a format id."""
    try:
        return _LOADED[name]
    except (KeyError, TypeError):
        pass
    canonical = format_name(name)
    if canonical == "openai":
        from .openai import FORMAT
    elif canonical == "claude":
        from .claude import FORMAT
    else:
        from .gemini import FORMAT
    if isinstance(name, str):
        _LOADED[name] = FORMAT
    return FORMAT


__all__ = (
    "DEFAULT_MAX_TOKENS",
    "FORMAT_ALIASES",
    "Format",
    "StreamDecoder",
    "StreamEncoder",
    "TranslationContext",
    "format_name",
    "get_format",
)
