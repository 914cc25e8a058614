"""Anthropic error bodies and statuses to and from typed nexgate errors."""

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

#: Claude error types, as normalized kinds.
ERROR_KINDS: dict[str, str] = {
    "invalid_request_error": "bad_request",
    "authentication_error": "authentication",
    "permission_error": "permission",
    "not_found_error": "not_found",
    "request_too_large": "request_too_large",
    "rate_limit_error": "rate_limit",
    "api_error": "server",
    "overloaded_error": "overloaded",
    "billing_error": "quota",
    "timeout_error": "timeout",
}

ERROR_TYPES: dict[str, str] = {
    "bad_request": "invalid_request_error",
    "context_length": "invalid_request_error",
    "request_too_large": "request_too_large",
    "authentication": "authentication_error",
    "permission": "permission_error",
    "not_found": "not_found_error",
    "rate_limit": "rate_limit_error",
    "quota": "billing_error",
    "overloaded": "overloaded_error",
    "server": "api_error",
    "timeout": "timeout_error",
}


def _kind(status: int, error: wire.ErrorObject) -> str:
    kind = ERROR_KINDS.get(error.type) or kind_for_status(status)
    if kind == "bad_request" and looks_like(error.message, CONTEXT_MARKERS):
        return "context_length"
    if looks_like(error.message, QUOTA_MARKERS[1:3]):
        return "quota"
    return kind


def decode_error(status: int, body: Any, headers: Mapping[str, str] | None) -> APIStatusError:
    """The typed error a Claude error response means; never raises for a malformed body."""
    parsed = error_object(body)
    context: dict[str, Any] = {
        "body": parsed,
        "headers": headers,
        "retry_after": parse_retry_after(headers),
        "format": "claude",
    }
    request_id = header(headers, "request-id")
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        try:
            error_body = msgspec.convert(parsed, wire.ErrorBody)
        except msgspec.ValidationError:  # wrong types inside: keep what is usable
            raw = parsed["error"]
            error_type, text = raw.get("type"), raw.get("message")
            error_body = wire.ErrorBody(
                error=wire.ErrorObject(
                    type=error_type if isinstance(error_type, str) else "",
                    message=text if isinstance(text, str) else "",
                )
            )
        error = error_body.error
        return api_error(
            error.message or f"HTTP {status}",
            status=status,
            kind=_kind(status, error),
            code=error.type or None,
            request_id=request_id or error_body.request_id,
            **context,
        )
    message = _loose_message(parsed) or f"HTTP {status} with no error body"
    kind = kind_for_status(status)
    if kind == "bad_request" and looks_like(message, CONTEXT_MARKERS):
        kind = "context_length"
    return api_error(message, status=status, kind=kind, request_id=request_id, **context)


def _loose_message(parsed: Any) -> str:
    """The text of a body that is not Claude's error shape (an HTML page, a proxy's JSON)."""
    if isinstance(parsed, str):
        return text_snippet(parsed) if parsed.strip() else ""
    if isinstance(parsed, dict):
        for key in ("error", "message", "detail"):
            if isinstance(parsed.get(key), str) and parsed[key]:
                return str(parsed[key])
    return ""


def encode_error(error: APIStatusError) -> tuple[int, JSONObject]:
    """A Claude error body for ``error``: the upstream's status and message are kept, except
    that an overloaded upstream becomes 529 (Claude's own overloaded status)."""
    status = error.status
    if error.kind == "overloaded":
        status = 529
    elif status < 400 or status > 599:
        status = 500
    error_type = ERROR_TYPES.get(error.kind, "api_error")
    body: JSONObject = {"type": "error", "error": {"type": error_type, "message": error.message}}
    if error.request_id is not None:
        body["request_id"] = error.request_id
    return status, body
