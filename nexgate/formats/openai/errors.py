"""OpenAI error bodies and statuses to and from typed nexgate errors.

Decoding never raises: a body that is not ``{"error": {...}}`` (an HTML 502 page, a bare
``{"error": "text"}`` from a compatible server) still gives the error class its status means,
with a short excerpt as the message. Encoding keeps the upstream message and status, except
for statuses OpenAI clients do not know: an overloaded upstream (Claude's 529) becomes 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ...errors import APIStatusError, api_error, kind_for_status
from ...schema import JSONObject
from .._errors import (
    CONTEXT_MARKERS,
    QUOTA_MARKERS,
    error_object,
    header,
    looks_like,
    parse_retry_after,
    text_snippet,
)
from .._json import dump_json
from . import wire

#: Normalized kinds, as OpenAI error types.
ERROR_TYPES: dict[str, str] = {
    "bad_request": "invalid_request_error",
    "context_length": "invalid_request_error",
    "request_too_large": "invalid_request_error",
    "authentication": "authentication_error",
    "permission": "permission_error",
    "not_found": "not_found_error",
    "rate_limit": "rate_limit_error",
    "quota": "insufficient_quota",
    "overloaded": "server_error",
    "server": "server_error",
    "timeout": "server_error",
}

#: OpenAI's ``code`` for kinds that have one, when the error came from another format.
_CODES = {
    "context_length": "context_length_exceeded",
    "quota": "insufficient_quota",
    "rate_limit": "rate_limit_exceeded",
    "authentication": "invalid_api_key",
}


def _kind(status: int, error: wire.ErrorObject) -> str:
    code = str(error.code or "")
    kind_text = f"{error.type or ''} {code}"
    if looks_like(kind_text, QUOTA_MARKERS) or looks_like(error.message, QUOTA_MARKERS[:2]):
        return "quota"
    if "context_length" in kind_text or looks_like(error.message, CONTEXT_MARKERS):
        return "context_length"
    if code == "invalid_api_key" or status == 401:
        return "authentication"
    if status == 503 or "overloaded" in kind_text:
        return "overloaded"
    return kind_for_status(status)


def _error_object(parsed: Any) -> wire.ErrorObject | None:
    """The ``error`` member as an :class:`ErrorObject`, however loosely it was written."""
    if not isinstance(parsed, dict):
        return None
    error = parsed.get("error")
    if isinstance(error, str):
        return wire.ErrorObject(message=error)
    if not isinstance(error, dict):
        message = parsed.get("message")
        return wire.ErrorObject(message=message) if isinstance(message, str) else None
    try:
        return msgspec.convert(error, wire.ErrorObject)
    except msgspec.ValidationError:
        message = error.get("message")
        return wire.ErrorObject(message=message if isinstance(message, str) else "")


def _snippet(parsed: Any) -> str:
    if isinstance(parsed, str):
        return text_snippet(parsed)
    try:
        return text_snippet(dump_json(parsed).decode())
    except Exception:  # an unencodable object: its shape is all we can say
        return type(parsed).__name__


def decode_error(status: int, body: Any, headers: Mapping[str, str] | None) -> APIStatusError:
    """The typed error an OpenAI error response means; never raises for a malformed body."""
    parsed = error_object(body)
    context: dict[str, Any] = {
        "body": parsed,
        "headers": headers,
        "retry_after": parse_retry_after(headers),
        "request_id": header(headers, "x-request-id"),
        "format": "openai",
    }
    error = _error_object(parsed)
    if error is not None:
        code = str(error.code) if error.code is not None else error.type
        message = error.message or f"HTTP {status}"
        return api_error(message, status=status, kind=_kind(status, error), code=code, **context)
    snippet = _snippet(parsed) if parsed not in (None, "") else ""
    message = snippet if snippet.strip() else f"HTTP {status} with no error body"
    return api_error(message, status=status, **context)


def _status(error: APIStatusError) -> int:
    if error.kind == "overloaded":
        return 503
    if not 400 <= error.status <= 599 or error.status == 529:
        return 500 if error.kind in ("server", "timeout", "overloaded") else 400
    return error.status


def encode_error(error: APIStatusError) -> tuple[int, JSONObject]:
    """An OpenAI error body for ``error``, keeping the upstream message."""
    original = _error_object(error.body) if error.format == "openai" else None
    if original is not None and isinstance(error.body, dict) and "error" in error.body:
        kind_type = original.type or ERROR_TYPES.get(error.kind, "api_error")
        param, code = original.param, original.code
    else:
        kind_type = ERROR_TYPES.get(error.kind, "api_error")
        param, code = None, _CODES.get(error.kind)
    body = {"error": {"message": error.message, "type": kind_type, "param": param, "code": code}}
    return _status(error), body
