"""OpenAI error bodies and statuses to and from typed nexgate errors."""

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

_CODES = {"context_length": "context_length_exceeded", "quota": "insufficient_quota"}


def _kind(status: int, error: wire.ErrorObject) -> str:
    code = str(error.code or "")
    kind_text = f"{error.type or ''} {code}"
    if looks_like(kind_text, QUOTA_MARKERS) or looks_like(error.message, QUOTA_MARKERS[:2]):
        return "quota"
    if "context_length" in kind_text or looks_like(error.message, CONTEXT_MARKERS):
        return "context_length"
    if code in ("invalid_api_key",) or status == 401:
        return "authentication"
    if status == 503 or "overloaded" in kind_text:
        return "overloaded"
    return kind_for_status(status)


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
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        try:
            error = msgspec.convert(parsed["error"], wire.ErrorObject)
        except msgspec.ValidationError:
            error = wire.ErrorObject(message=str(parsed["error"].get("message", "")))
        code = str(error.code) if error.code is not None else error.type
        message = error.message or f"HTTP {status}"
        return api_error(message, status=status, kind=_kind(status, error), code=code, **context)
    text = parsed if isinstance(parsed, str) else ""
    message = text_snippet(text) if text.strip() else f"HTTP {status} with no error body"
    return api_error(message, status=status, **context)


def encode_error(error: APIStatusError) -> tuple[int, JSONObject]:
    """An OpenAI error body for ``error``; overloaded upstreams become 503."""
    status = error.status
    if error.kind == "overloaded" or status == 529:
        status = 503
    elif error.kind == "quota":
        status = 429  # OpenAI reports insufficient_quota as a 429
    elif status < 400 or status > 599:
        status = 500 if error.kind in ("server", "timeout") else 400
    code = error.code if error.format == "openai" else _CODES.get(error.kind)
    body = {
        "error": {
            "message": error.message,
            "type": ERROR_TYPES.get(error.kind, "api_error"),
            "param": None,
            "code": code,
        }
    }
    return status, body
