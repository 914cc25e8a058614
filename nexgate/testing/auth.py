"""How the mock upstream checks each format's authentication convention."""

from __future__ import annotations

from aiohttp import web

from ..schema import FormatName

#: The accepted forms of each format; ``require_auth`` narrows a format to one of them.
FORMS: dict[FormatName, tuple[str, ...]] = {
    "openai": ("bearer",),
    "claude": ("x-api-key", "bearer"),
    "gemini": ("query", "x-goog-api-key"),
}


def presented_key(request: web.Request, fmt: FormatName, form: str | None) -> str | None:
    """The key the request carries in one of ``fmt``'s accepted forms (or ``form`` alone)."""
    forms = (form,) if form else FORMS[fmt]
    for kind in forms:
        if kind == "bearer":
            value = request.headers.get("Authorization", "")
            if value.startswith("Bearer ") and value[7:].strip():
                return value[7:].strip()
        elif kind == "x-api-key":
            value = request.headers.get("x-api-key", "").strip()
            if value:
                return value
        elif kind == "x-goog-api-key":
            value = request.headers.get("x-goog-api-key", "").strip()
            if value:
                return value
        elif kind == "query":
            value = request.query.get("key", "").strip()
            if value:
                return value
    return None


def auth_problem(
    request: web.Request, fmt: FormatName, key: str | None, keys: frozenset[str] | None
) -> str | None:
    """Why the request is not authenticated, or ``None`` when it is."""
    if key is None:
        return "missing API key"
    if keys is not None and key not in keys:
        return "invalid API key"
    if fmt == "claude" and "anthropic-version" not in request.headers:
        return "missing anthropic-version header"
    return None
