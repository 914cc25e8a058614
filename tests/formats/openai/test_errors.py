"""OpenAI errors: decoding kinds, hints and odd bodies; encoding statuses and bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai.types.shared
import pytest

import nexgate
from nexgate.errors import APIStatusError, api_error
from nexgate.formats import get_format

OPENAI = get_format("openai")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "openai" / "error"


def err(message: str, type_: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


DECODE_TABLE: list[tuple[int, Any, str, type[APIStatusError], bool]] = [
    (400, err("bad", "invalid_request_error"), "bad_request", nexgate.BadRequestError, False),
    (
        400,
        err(
            "This model's maximum context length is 8192 tokens",
            "invalid_request_error",
            "context_length_exceeded",
        ),
        "context_length",
        nexgate.BadRequestError,
        False,
    ),
    (
        401,
        err("Incorrect API key", "invalid_request_error", "invalid_api_key"),
        "authentication",
        nexgate.AuthenticationError,
        False,
    ),
    (403, err("Country not supported"), "permission", nexgate.PermissionDeniedError, False),
    (
        404,
        err("no model", "invalid_request_error", "model_not_found"),
        "not_found",
        nexgate.NotFoundError,
        False,
    ),
    (
        429,
        err("Rate limit reached", "requests", "rate_limit_exceeded"),
        "rate_limit",
        nexgate.RateLimitError,
        True,
    ),
    (
        429,
        err("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
        "quota",
        nexgate.QuotaExceededError,
        False,
    ),
    (500, err("oops", "server_error"), "server", nexgate.ServerError, True),
    (
        503,
        err("The server is overloaded", "server_error", "server_is_overloaded"),
        "overloaded",
        nexgate.OverloadedError,
        True,
    ),
    (
        502,
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        "server",
        nexgate.ServerError,
        True,
    ),
    (500, b"", "server", nexgate.ServerError, True),
    (400, {"error": "plain string error"}, "bad_request", nexgate.BadRequestError, False),
    (400, [1, 2], "bad_request", nexgate.BadRequestError, False),
    (400, {"error": {"message": 5}}, "bad_request", nexgate.BadRequestError, False),
]


@pytest.mark.parametrize(("status", "body", "kind", "cls", "retryable"), DECODE_TABLE)
def test_decode_kinds(status: int, body: Any, kind: str, cls: type, retryable: bool) -> None:
    error = OPENAI.decode_error(status, body, None)
    assert isinstance(error, cls)
    assert error.kind == kind and error.status == status and error.format == "openai"
    assert error.retryable is retryable
    assert error.message


def test_decode_html_gives_a_snippet() -> None:
    error = OPENAI.decode_error(502, b"<html>\n<body>  Bad   Gateway </body></html>", None)
    assert error.message == "<html> <body> Bad Gateway </body></html>"


def test_decode_reads_headers() -> None:
    headers = {"X-Request-Id": "req_123", "retry-after-ms": "1500"}
    error = OPENAI.decode_error(429, err("slow down", "requests", "rate_limit_exceeded"), headers)
    assert error.request_id == "req_123" and error.retry_after == 1.5
    later = OPENAI.decode_error(429, err("x"), {"retry-after": "7"})
    assert later.retry_after == 7.0 and later.request_id is None


def test_recorded_errors() -> None:
    body = (FIXTURES / "400_unsupported_parameter_max_tokens.json").read_bytes()
    error = OPENAI.decode_error(400, body, None)
    assert isinstance(error, nexgate.BadRequestError)
    assert error.message.startswith("Unsupported parameter: 'max_tokens'")
    assert error.code == "unsupported_parameter"
    assert nexgate.translate_error(400, body, source="openai", target="openai") == (
        400,
        json.loads(body),
    )
    recorded = json.loads((FIXTURES / "404_model_not_found.json").read_bytes())
    status, out = nexgate.translate_error(
        recorded["status"], recorded["body"], source="openai", target="openai"
    )
    assert (status, out) == (404, recorded["body"])
    assert isinstance(OPENAI.decode_error(404, recorded["body"], None), nexgate.NotFoundError)


ENCODE_TABLE: list[tuple[APIStatusError, int, str, str | None]] = [
    (
        api_error("Overloaded", status=529, kind="overloaded", format="claude"),
        503,
        "server_error",
        None,
    ),
    (api_error("busy", status=503, kind="overloaded", format="gemini"), 503, "server_error", None),
    (
        api_error("slow", status=429, kind="rate_limit", format="claude"),
        429,
        "rate_limit_error",
        "rate_limit_exceeded",
    ),
    (
        api_error("no credit", status=402, kind="quota", format="claude"),
        402,
        "insufficient_quota",
        "insufficient_quota",
    ),
    (
        api_error("too long", status=400, kind="context_length", format="claude"),
        400,
        "invalid_request_error",
        "context_length_exceeded",
    ),
    (
        api_error("bad key", status=401, format="claude"),
        401,
        "authentication_error",
        "invalid_api_key",
    ),
    (
        api_error("cancelled", status=499, kind="bad_request", format="gemini"),
        499,
        "invalid_request_error",
        None,
    ),
    (api_error("weird", status=299, kind="server", format="gemini"), 500, "server_error", None),
    (
        api_error("weird", status=600, kind="bad_request", format="gemini"),
        400,
        "invalid_request_error",
        None,
    ),
    (api_error("timeout", status=504, kind="timeout", format="claude"), 504, "server_error", None),
]


@pytest.mark.parametrize(("error", "status", "type_", "code"), ENCODE_TABLE)
def test_encode(error: APIStatusError, status: int, type_: str, code: str | None) -> None:
    out_status, body = OPENAI.encode_error(error)
    assert out_status == status
    assert body == {"error": {"message": error.message, "type": type_, "param": None, "code": code}}
    openai.types.shared.ErrorObject.model_validate(body["error"])


def test_claude_overloaded_becomes_503_with_message() -> None:
    claude = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    status, body = nexgate.translate_error(529, claude, source="claude", target="openai")
    assert status == 503 and body["error"]["message"] == "Overloaded"


def test_openai_identity_keeps_type_param_and_code() -> None:
    source = {
        "error": {
            "message": "Unsupported value: 'messages[0].role'",
            "type": "invalid_request_error",
            "param": "messages[0].role",
            "code": "unsupported_value",
        }
    }
    assert nexgate.translate_error(400, source, source="openai", target="openai") == (400, source)
