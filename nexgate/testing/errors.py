"""Error answers of the mock upstream, each in the request's own format."""

from __future__ import annotations

import time
from email.utils import formatdate

from aiohttp import web

from ..errors import api_error
from ..formats import get_format
from ..formats._json import dump_json
from ..schema import FormatName, JSONObject
from .faults import Fault


def json_response(
    body: JSONObject, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=dump_json(body), status=status, headers=headers, content_type="application/json"
    )


def error_response(
    fmt: FormatName,
    status: int,
    kind: str | None,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    retry_after: float | None = None,
) -> web.Response:
    """``status`` exactly as asked, with the body ``fmt``'s encoder writes for the error."""
    error = api_error(message, status=status, kind=kind, retry_after=retry_after)
    _, body = get_format(fmt).encode_error(error)
    inner = body.get("error")
    if fmt == "gemini" and isinstance(inner, dict):
        # The encoder may normalise (529 -> 503); Gemini's error.code must match the status.
        inner["code"] = status
    return json_response(body, status, headers)


def rate_limited(fmt: FormatName, fault: Fault) -> web.Response:
    """429 carrying the retry hint the fault asks for."""
    headers: dict[str, str] = {}
    seconds = fault.retry_after
    in_body: float | None = None
    if fault.hint == "retry-after":
        headers["retry-after"] = f"{seconds:g}"
    elif fault.hint == "retry-after-ms":
        headers["retry-after-ms"] = f"{seconds * 1000:g}"
    elif fault.hint == "retry-after-date":
        # HTTP dates have whole seconds: round up so the wait is never shorter than asked.
        headers["retry-after"] = formatdate(time.time() + seconds + 1, usegmt=True)
    elif fault.hint == "retry-info" and fmt == "gemini":
        in_body = seconds  # the Gemini encoder writes it as RetryInfo.retryDelay
    message = fault.message or "Rate limit exceeded (mock upstream)."
    return error_response(fmt, 429, "rate_limit", message, headers=headers, retry_after=in_body)


def quota_exceeded(fmt: FormatName, fault: Fault) -> web.Response:
    """Each provider's out-of-quota answer: OpenAI 429, Claude 402, Gemini per-day 429."""
    if fmt == "claude":
        message = fault.message or "Your credit balance is too low to access the Anthropic API."
        return error_response(fmt, 402, "quota", message)
    if fmt == "gemini":
        message = fault.message or (
            "Quota exceeded for metric: generativelanguage.googleapis.com/"
            "generate_content_free_tier_requests, limit: 0 (per day)."
        )
        violation = {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
        }
        details = [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [violation]}
        ]
        error = {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}
        return json_response({"error": {**error, "details": details}}, 429)
    message = fault.message or "You exceeded your current quota, please check your plan."
    body = {
        "error": {
            "message": message,
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    return json_response(body, 429)


def status_error(fmt: FormatName, fault: Fault) -> web.Response:
    """A ``status`` fault: 503/529 say overloaded, other statuses their own kind."""
    kind = "overloaded" if fault.status in (503, 529) else None
    message = fault.message or ("Overloaded" if kind else f"Mock upstream error {fault.status}.")
    return error_response(fmt, fault.status, kind, message)
