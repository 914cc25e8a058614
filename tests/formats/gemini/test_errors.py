"""Gemini error bodies: recorded fixtures, kind rules, retry hints, and the encoded shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

import nexgate
from nexgate.errors import api_error
from nexgate.formats import get_format

FIXTURES = Path(__file__).parents[2] / "fixtures" / "gemini" / "error"
GEMINI = get_format("gemini")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def body(code: int, status: str, message: str, *details: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return {"error": error}


def quota_failure(quota_id: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaId": quota_id}],
    }


API_KEY = {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    "reason": "API_KEY_INVALID",
    "domain": "googleapis.com",
}


@pytest.mark.parametrize(
    ("name", "status", "cls", "kind", "retry_after"),
    [
        ("429_retry_info_abridged.json", 429, nexgate.RateLimitError, "rate_limit", 34.4),
        ("429_quota_exceeded.json", 429, nexgate.RateLimitError, "rate_limit", None),
        ("400_api_key_invalid.json", 400, nexgate.AuthenticationError, "authentication", None),
        ("404_model_not_found.json", 404, nexgate.NotFoundError, "not_found", None),
        (
            "403_permission_denied_api_disabled.json",
            403,
            nexgate.PermissionDeniedError,
            "permission",
            None,
        ),
    ],
)
def test_recorded_errors(
    name: str, status: int, cls: type[Exception], kind: str, retry_after: float | None
) -> None:
    raw = fixture(name)
    error = GEMINI.decode_error(status, raw, None)
    assert isinstance(error, cls)
    assert error.kind == kind and error.status == status
    assert error.retry_after == retry_after
    assert error.message == msgspec.json.decode(raw)["error"]["message"]
    # Gemini -> Gemini keeps the status and the RPC status name.
    out_status, out = nexgate.translate_error(status, raw, source="gemini", target="gemini")
    assert out_status == status == out["error"]["code"]
    assert out["error"]["status"] == msgspec.json.decode(raw)["error"]["status"]


KIND_TABLE = [
    (429, body(429, "RESOURCE_EXHAUSTED", "slow down", quota_failure("PerMinute")), "rate_limit"),
    (
        429,
        body(429, "RESOURCE_EXHAUSTED", "quota", quota_failure("GenerateRequestsPerDayPerProject")),
        "quota",
    ),
    (429, body(429, "RESOURCE_EXHAUSTED", "Enable billing for this project."), "quota"),
    (
        429,
        body(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, check billing details"),
        "rate_limit",
    ),
    (400, body(400, "INVALID_ARGUMENT", "API key not valid.", API_KEY), "authentication"),
    (401, body(401, "UNAUTHENTICATED", "no credentials"), "authentication"),
    (403, body(403, "PERMISSION_DENIED", "denied"), "permission"),
    (404, body(404, "NOT_FOUND", "no model"), "not_found"),
    (503, body(503, "UNAVAILABLE", "The model is overloaded."), "overloaded"),
    (500, body(500, "INTERNAL", "An internal error has occurred."), "server"),
    (504, body(504, "DEADLINE_EXCEEDED", "deadline"), "timeout"),
    (
        400,
        body(
            400,
            "INVALID_ARGUMENT",
            "The input token count (1200000) exceeds the maximum number of tokens allowed",
        ),
        "context_length",
    ),
    (400, body(400, "INVALID_ARGUMENT", "bad field"), "bad_request"),
    (400, [body(400, "INVALID_ARGUMENT", "array form")], "bad_request"),
    (502, b"<html><body>502 Bad Gateway</body></html>", "server"),
    (503, b"", "overloaded"),
]


@pytest.mark.parametrize(("status", "payload", "kind"), KIND_TABLE)
def test_error_kinds(status: int, payload: Any, kind: str) -> None:
    error = GEMINI.decode_error(status, payload, None)
    assert error.kind == kind
    assert error.status == status
    assert error.retryable == (kind in ("rate_limit", "overloaded", "server", "timeout"))


def test_non_json_body_keeps_a_snippet() -> None:
    error = GEMINI.decode_error(502, b"<html><body>502 Bad Gateway</body></html>", None)
    assert "502 Bad Gateway" in error.message


def test_retry_hint_from_headers_when_the_body_has_none() -> None:
    payload = body(429, "RESOURCE_EXHAUSTED", "slow down")
    error = GEMINI.decode_error(429, payload, {"Retry-After": "7"})
    assert error.retry_after == 7.0
    with_info = body(
        429,
        "RESOURCE_EXHAUSTED",
        "slow down",
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"},
    )
    assert GEMINI.decode_error(429, with_info, {"retry-after": "7"}).retry_after == 2.5


@pytest.mark.parametrize(
    ("kind", "status", "expected_status", "rpc"),
    [
        ("bad_request", 400, 400, "INVALID_ARGUMENT"),
        ("authentication", 401, 401, "UNAUTHENTICATED"),
        ("permission", 403, 403, "PERMISSION_DENIED"),
        ("not_found", 404, 404, "NOT_FOUND"),
        ("rate_limit", 429, 429, "RESOURCE_EXHAUSTED"),
        ("overloaded", 529, 503, "UNAVAILABLE"),
        ("server", 500, 500, "INTERNAL"),
        ("timeout", 504, 504, "DEADLINE_EXCEEDED"),
    ],
)
def test_encoded_error_code_equals_status(
    kind: str, status: int, expected_status: int, rpc: str
) -> None:
    error = api_error("upstream said no", status=status, kind=kind, format="claude")
    out_status, out = GEMINI.encode_error(error)
    assert out_status == expected_status
    assert out == {"error": {"code": expected_status, "message": "upstream said no", "status": rpc}}


def test_encoded_retry_info_round_trips() -> None:
    error = api_error("slow", status=429, kind="rate_limit", retry_after=34.4, format="openai")
    status, out = GEMINI.encode_error(error)
    assert out["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "34.4s"}
    ]
    again = GEMINI.decode_error(status, out, None)
    assert again.kind == "rate_limit" and again.retry_after == 34.4


@pytest.mark.parametrize(
    ("seconds", "written"),
    [(1234567.0, "1234567s"), (123456.75, "123456.75s"), (0.00001, "0.00001s"), (0.0, "0s")],
)
def test_retry_delay_is_a_protobuf_duration_without_an_exponent(
    seconds: float, written: str
) -> None:
    error = api_error("slow", status=429, kind="rate_limit", retry_after=seconds, format="openai")
    _, out = GEMINI.encode_error(error)
    assert out["error"]["details"][0]["retryDelay"] == written


def test_quota_stays_not_retryable_through_gemini() -> None:
    error = api_error("billing", status=429, kind="quota", format="openai")
    status, out = GEMINI.encode_error(error)
    assert GEMINI.decode_error(status, out, None).kind == "quota"


def test_claude_overloaded_becomes_gemini_503() -> None:
    claude = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    status, out = nexgate.translate_error(529, claude, source="claude", target="gemini")
    assert status == 503
    assert out["error"] == {"code": 503, "message": "Overloaded", "status": "UNAVAILABLE"}


def test_a_gemini_error_to_gemini_keeps_its_details_but_debug_info() -> None:
    """Which quota ran out, help links, the retry delay: a Gemini caller gets them back (a
    DebugInfo stack trace is not the caller's business)."""
    quota = {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
            {"quotaMetric": "requests_per_day", "quotaId": "PerDay", "quotaValue": "200"}
        ],
    }
    retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "42s"}
    debug = {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": "at frame 3"}
    body = {
        "error": {
            "code": 429,
            "message": "Quota exceeded",
            "status": "RESOURCE_EXHAUSTED",
            "details": [quota, retry, debug],
        }
    }
    status, out = nexgate.translate_error(429, body, source="gemini", target="gemini")
    assert status == 429
    assert out["error"]["details"] == [quota, retry]
    status, out = nexgate.translate_error(429, body, source="gemini", target="openai")
    assert "details" not in out["error"] and "200" not in str(out)
