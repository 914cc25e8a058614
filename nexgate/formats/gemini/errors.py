"""Gemini (google.rpc.Status) error bodies to and from typed nexgate errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ...errors import APIStatusError, api_error, kind_for_status
from ...schema import JSONObject
from .._errors import (
    CONTEXT_MARKERS,
    error_object,
    looks_like,
    parse_duration,
    parse_retry_after,
    text_snippet,
)
from . import wire

#: RPC status names, as normalized kinds.
STATUS_KINDS: dict[str, str] = {
    "INVALID_ARGUMENT": "bad_request",
    "FAILED_PRECONDITION": "bad_request",
    "OUT_OF_RANGE": "bad_request",
    "UNAUTHENTICATED": "authentication",
    "PERMISSION_DENIED": "permission",
    "NOT_FOUND": "not_found",
    "RESOURCE_EXHAUSTED": "rate_limit",
    "INTERNAL": "server",
    "UNKNOWN": "server",
    "UNAVAILABLE": "overloaded",
    "DEADLINE_EXCEEDED": "timeout",
}

#: Normalized kinds, as (HTTP status, RPC status).
KIND_STATUSES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "INVALID_ARGUMENT"),
    "context_length": (400, "INVALID_ARGUMENT"),
    "request_too_large": (400, "INVALID_ARGUMENT"),
    "authentication": (401, "UNAUTHENTICATED"),
    "permission": (403, "PERMISSION_DENIED"),
    "not_found": (404, "NOT_FOUND"),
    "rate_limit": (429, "RESOURCE_EXHAUSTED"),
    "quota": (429, "RESOURCE_EXHAUSTED"),
    "overloaded": (503, "UNAVAILABLE"),
    "server": (500, "INTERNAL"),
    "timeout": (504, "DEADLINE_EXCEEDED"),
}

_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_DEBUG_INFO = "type.googleapis.com/google.rpc.DebugInfo"
#: ErrorInfo reasons that mean an exhausted quota or billing problem: never worth a retry.
_QUOTA_REASONS = frozenset({"INSUFFICIENT_QUOTA", "BILLING_DISABLED", "QUOTA_EXHAUSTED"})


def _detail(details: list[JSONObject], suffix: str) -> list[JSONObject]:
    return [d for d in details if str(d.get("@type", "")).endswith(suffix)]


def _is_daily_quota(details: list[JSONObject], message: str) -> bool:
    """A per-day quota or a billing problem: waiting a minute will not help.

    QuotaFailure details decide when present (the common message "exceeded your current
    quota, please check your plan and billing details" is sent for per-minute limits too).
    """
    quota_ids = [
        str(violation.get("quotaId", "")) + str(violation.get("quotaMetric", ""))
        for failure in _detail(details, "google.rpc.QuotaFailure")
        for violation in (failure.get("violations") or ())
        if isinstance(violation, dict)
    ]
    if quota_ids:
        return any("perday" in quota.lower() for quota in quota_ids)
    lowered = message.lower()
    if "per day" in lowered or "perday" in lowered:
        return True
    return "billing" in lowered and "exceeded your current quota" not in lowered


def _kind(status: int, error: wire.Status) -> str:
    details = error.details or []
    reasons = {str(d.get("reason", "")) for d in _detail(details, "google.rpc.ErrorInfo")}
    if "API_KEY_INVALID" in reasons or error.status == "UNAUTHENTICATED":
        return "authentication"
    kind = STATUS_KINDS.get(error.status or "") or kind_for_status(status)
    if reasons & _QUOTA_REASONS:
        return "quota"
    if kind == "rate_limit" and _is_daily_quota(details, error.message):
        return "quota"
    if kind == "bad_request" and looks_like(error.message, CONTEXT_MARKERS):
        return "context_length"
    return kind


def _retry_delay(details: list[JSONObject]) -> float | None:
    for info in _detail(details, "google.rpc.RetryInfo"):
        delay = parse_duration(info.get("retryDelay"))
        if delay is not None:
            return delay
    return None


def decode_error(status: int, body: Any, headers: Mapping[str, str] | None) -> APIStatusError:
    """The typed error a Gemini error response means (also in the JSON-array stream form)."""
    parsed = error_object(body)
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict):
        parsed = parsed[0]
    context: dict[str, Any] = {"body": parsed, "headers": headers, "format": "gemini"}
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        try:
            error = msgspec.convert(parsed["error"], wire.Status)
        except msgspec.ValidationError:
            error = wire.Status(message=str(parsed["error"].get("message", "")))
        retry_after = _retry_delay(error.details or [])
        if retry_after is None:
            retry_after = parse_retry_after(headers)
        return api_error(
            error.message or f"HTTP {status}",
            status=status,
            kind=_kind(status, error),
            code=error.status,
            retry_after=retry_after,
            **context,
        )
    text = parsed if isinstance(parsed, str) else ""
    message = text_snippet(text) if text.strip() else f"HTTP {status} with no error body"
    return api_error(message, status=status, retry_after=parse_retry_after(headers), **context)


def encode_error(error: APIStatusError) -> tuple[int, JSONObject]:
    """A Gemini error body; ``error.code`` always equals the HTTP status."""
    status, rpc = KIND_STATUSES.get(error.kind, (error.status, "UNKNOWN"))
    if (
        error.kind != "overloaded"
        and 400 <= error.status <= 599
        and error.kind in ("bad_request", "authentication", "server")
    ):
        status = error.status
    if error.format == "gemini" and error.code in STATUS_KINDS:
        rpc = error.code
    body: JSONObject = {"code": status, "message": error.message, "status": rpc}
    details = _own_details(error)
    if details:  # a Gemini error to a Gemini caller: its details as they came
        body["details"] = details
        return status, {"error": body}
    if error.kind == "quota":
        # Keeps "do not retry" through the translation: a plain RESOURCE_EXHAUSTED is a 429.
        details.append({"@type": _ERROR_INFO, "reason": "INSUFFICIENT_QUOTA", "domain": "nexgate"})
    if error.retry_after is not None:
        details.append({"@type": _RETRY_INFO, "retryDelay": _duration(error.retry_after)})
    if details:
        body["details"] = details
    return status, {"error": body}


def _own_details(error: APIStatusError) -> list[JSONObject]:
    """A Gemini source's ``details`` (which quota ran out, the reason, help links...), kept
    for a Gemini target; ``DebugInfo`` is left out: a stack trace is not the caller's."""
    if error.format != "gemini" or not isinstance(error.body, dict):
        return []
    inner = error.body.get("error")
    details = inner.get("details") if isinstance(inner, dict) else None
    if not isinstance(details, list):
        return []
    return [d for d in details if isinstance(d, dict) and d.get("@type") != _DEBUG_INFO]


def _duration(seconds: float) -> str:
    """Seconds as protobuf's JSON ``Duration`` (``"1.5s"``): decimal, never an exponent,
    at most nanosecond precision."""
    return (f"{seconds:.9f}".rstrip("0").rstrip(".") or "0") + "s"
