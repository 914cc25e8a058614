"""Claude errors: decoding (recorded and documented bodies) and encoding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import nexgate
from nexgate.errors import APIStatusError, api_error
from nexgate.formats import get_format
from nexgate.translate import decode_error

FIXTURES = Path(__file__).parents[2] / "fixtures" / "claude" / "error"
CLAUDE = get_format("claude")


def cassette(name: str, index: int = 0) -> tuple[int, dict[str, str], Any]:
    entry = json.loads((FIXTURES / name).read_text())[index]["response"]
    return entry["status_code"], entry["headers"], entry["body"]


def claude_body(kind: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
    if request_id is not None:
        body["request_id"] = request_id
    return body


def test_recorded_429_with_retry_after() -> None:
    status, headers, body = cassette("429_rate_limit_then_200.cassette.json")
    assert status == 429
    # The recording kept no retry-after header; Anthropic sends one on 429s (seconds).
    error = decode_error(status, body, format="claude", headers={**headers, "retry-after": "17"})
    assert isinstance(error, nexgate.RateLimitError)
    assert error.kind == "rate_limit" and error.retry_after == 17.0
    assert error.message == body["error"]["message"]
    assert CLAUDE.encode_error(error) == (429, body)


def test_recorded_404_keeps_the_body_request_id() -> None:
    body = json.loads((FIXTURES / "404_not_found_model.json").read_text())
    error = decode_error(404, json.dumps(body).encode(), format="claude")
    assert isinstance(error, nexgate.NotFoundError)
    assert error.request_id == "req_011CdufXo8Y2LVfY2veyuQWG"
    assert error.message == "model: claude-sonet-4-5"
    status, out = CLAUDE.encode_error(error)
    assert status == 404
    assert out == body  # type, message and request_id all kept


def test_recorded_400_is_a_bad_request() -> None:
    status, headers, body = cassette("400_invalid_request_tool_result.cassette.json", 1)
    error = decode_error(status, body, format="claude", headers=headers)
    assert isinstance(error, nexgate.BadRequestError)
    assert not isinstance(error, nexgate.QuotaExceededError)
    assert error.kind == "bad_request" and error.request_id == "req_011CYHyk9NPsBYeGbC9LuDNK"


DECODE = [
    (
        400,
        claude_body("invalid_request_error", "max_tokens: too big"),
        {},
        nexgate.BadRequestError,
        "bad_request",
    ),
    (
        400,
        claude_body("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
        {},
        nexgate.BadRequestError,
        "context_length",
    ),
    (
        400,
        claude_body("invalid_request_error", "Your credit balance is too low to access the API."),
        {},
        nexgate.QuotaExceededError,
        "quota",
    ),
    (
        401,
        claude_body("authentication_error", "invalid x-api-key"),
        {},
        nexgate.AuthenticationError,
        "authentication",
    ),
    (
        402,
        claude_body("billing_error", "payment required"),
        {},
        nexgate.QuotaExceededError,
        "quota",
    ),
    (
        403,
        claude_body("permission_error", "no access"),
        {},
        nexgate.PermissionDeniedError,
        "permission",
    ),
    (404, claude_body("not_found_error", "no such model"), {}, nexgate.NotFoundError, "not_found"),
    (
        413,
        claude_body("request_too_large", "Request exceeds the maximum size"),
        {},
        nexgate.BadRequestError,
        "request_too_large",
    ),
    (
        429,
        claude_body("rate_limit_error", "slow down"),
        {"retry-after-ms": "1500"},
        nexgate.RateLimitError,
        "rate_limit",
    ),
    (500, claude_body("api_error", "Internal server error"), {}, nexgate.ServerError, "server"),
    (504, claude_body("timeout_error", "Request timed out"), {}, nexgate.ServerError, "timeout"),
    (529, claude_body("overloaded_error", "Overloaded"), {}, nexgate.OverloadedError, "overloaded"),
    (529, b"", {}, nexgate.OverloadedError, "overloaded"),
    (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {}, nexgate.ServerError, "server"),
    (500, {"error": "proxy exploded"}, {}, nexgate.ServerError, "server"),
    (500, b"[1, 2]", {}, nexgate.ServerError, "server"),
    (
        400,
        {"type": "error", "error": {"type": 7, "message": None}},
        {},
        nexgate.BadRequestError,
        "bad_request",
    ),
]


@pytest.mark.parametrize(("status", "body", "headers", "cls", "kind"), DECODE)
def test_decode_table(
    status: int, body: Any, headers: dict[str, str], cls: type[APIStatusError], kind: str
) -> None:
    error = decode_error(status, body, format="claude", headers=headers)
    assert isinstance(error, cls)
    assert error.kind == kind and error.status == status
    assert error.message  # never empty, even for an empty or HTML body
    inner = body.get("error") if isinstance(body, dict) else None
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        assert error.message == inner["message"]


def test_html_body_message_is_a_snippet_and_request_id_comes_from_the_header() -> None:
    error = decode_error(
        502,
        b"<html>\n  <b>Bad   Gateway</b>\n</html>",
        format="claude",
        headers={"Request-Id": "req_9"},
    )
    assert error.message == "<html> <b>Bad Gateway</b> </html>"
    assert error.request_id == "req_9"
    assert error.retry_after is None


def test_retry_after_ms_wins_over_retry_after() -> None:
    error = decode_error(
        429,
        claude_body("rate_limit_error", "x"),
        format="claude",
        headers={"retry-after": "9", "retry-after-ms": "250"},
    )
    assert error.retry_after == 0.25


ENCODE = [
    ("bad_request", 400, "invalid_request_error", 400),
    ("context_length", 400, "invalid_request_error", 400),
    ("authentication", 401, "authentication_error", 401),
    ("permission", 403, "permission_error", 403),
    ("not_found", 404, "not_found_error", 404),
    ("request_too_large", 413, "request_too_large", 413),
    ("rate_limit", 429, "rate_limit_error", 429),
    ("quota", 429, "billing_error", 429),
    ("server", 500, "api_error", 500),
    ("timeout", 504, "timeout_error", 504),
    ("overloaded", 503, "overloaded_error", 529),
    ("server", 200, "api_error", 500),
]


@pytest.mark.parametrize(("kind", "status", "error_type", "sent_status"), ENCODE)
def test_encode_table(kind: str, status: int, error_type: str, sent_status: int) -> None:
    error = api_error("upstream words", status=status, kind=kind)
    assert CLAUDE.encode_error(error) == (
        sent_status,
        {"type": "error", "error": {"type": error_type, "message": "upstream words"}},
    )


def test_foreign_overloaded_becomes_529_with_the_message_kept() -> None:
    body = {"error": {"message": "The model is overloaded.", "type": "server_error", "code": None}}
    status, out = nexgate.translate_error(503, body, source="openai", target="claude")
    assert status == 529
    assert out == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "The model is overloaded."},
    }


def test_foreign_quota_keeps_its_status() -> None:
    body = {
        "error": {
            "message": "You exceeded your current quota, please check your plan.",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
    }
    status, out = nexgate.translate_error(429, body, source="openai", target="claude")
    assert status == 429
    assert out == {
        "type": "error",
        "error": {"type": "billing_error", "message": body["error"]["message"]},
    }
