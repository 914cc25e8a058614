"""Per-format authentication: where the key goes for each wire format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeAlias

from .redact import Secret
from .schema import FormatName

AuthStyle: TypeAlias = Literal["bearer", "x-api-key", "query", "x-goog-api-key", "none"]
#: A callable gets the key (or None) and returns the headers to send.
AuthHook: TypeAlias = Callable[[Secret | None], dict[str, str]]

DEFAULT_ANTHROPIC_VERSION = "2023-06-01"

#: The headers that carry credentials; caller-supplied extra headers may not set them.
PROTECTED_HEADERS = frozenset(
    {
        "authorization",
        "x-api-key",
        "x-goog-api-key",
        "api-key",
        "anthropic-version",
        "host",
        "content-length",
    }
)


def default_style(fmt: FormatName) -> AuthStyle:
    """Each format's documented convention (Gemini: the ``?key=`` query parameter)."""
    return {"openai": "bearer", "claude": "x-api-key", "gemini": "query"}[fmt]  # type: ignore[return-value]


def auth_parts(
    fmt: FormatName,
    key: Secret | None,
    style: AuthStyle | AuthHook | None = None,
    *,
    anthropic_version: str = DEFAULT_ANTHROPIC_VERSION,
) -> tuple[dict[str, str], dict[str, str]]:
    """The headers and query parameters that authenticate a call of ``fmt`` with ``key``."""
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    if fmt == "claude":
        headers["anthropic-version"] = anthropic_version
    if callable(style):
        headers.update(style(key))
        return headers, query
    chosen = style or default_style(fmt)
    if key is None or chosen == "none":
        return headers, query
    value = key.reveal()
    if chosen == "bearer":
        headers["Authorization"] = f"Bearer {value}"
    elif chosen == "x-api-key":
        headers["x-api-key"] = value
    elif chosen == "x-goog-api-key":
        headers["x-goog-api-key"] = value
    else:
        query["key"] = value
    return headers, query
