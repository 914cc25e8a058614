"""Error bodies: each format's shapes to typed errors and to every other format."""

from __future__ import annotations

from pathlib import Path

import anthropic.types.shared
import msgspec
import openai.types.shared
import pytest

import nexgate
from nexgate import translate_error
from nexgate.translate import decode_error

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "errors"

CASES = [
    # (format, status, body, headers, expected class, expected retry_after)
    (
        "openai",
        429,
        {
            "error": {
                "message": "Rate limit reached",
                "type": "requests",
                "code": "rate_limit_exceeded",
            }
        },
        {"retry-after-ms": "1500"},
        nexgate.RateLimitError,
        1.5,
    ),
    (
        "openai",
        429,
        {
            "error": {
                "message": "You exceeded your current quota",
                "type": "insufficient_quota",
                "code": "insufficient_quota",
            }
        },
        {},
        nexgate.QuotaExceededError,
        None,
    ),
    (
        "openai",
        400,
        {
            "error": {
                "message": "This model's maximum context length is 8192 tokens",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
        {},
        nexgate.ContextLengthError,
        None,
    ),
    (
        "openai",
        401,
        {
            "error": {
                "message": "Incorrect API key provided",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
        {},
        nexgate.AuthenticationError,
        None,
    ),
    (
        "openai",
        503,
        {"error": {"message": "The server is overloaded", "type": "server_error"}},
        {"retry-after": "2"},
        nexgate.OverloadedError,
        2.0,
    ),
    (
        "claude",
        529,
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        {},
        nexgate.OverloadedError,
        None,
    ),
    (
        "claude",
        429,
        {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
        {"retry-after": "7"},
        nexgate.RateLimitError,
        7.0,
    ),
    (
        "claude",
        400,
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "prompt is too long: 210000 tokens > 200000",
            },
        },
        {},
        nexgate.ContextLengthError,
        None,
    ),
    (
        "claude",
        402,
        {"type": "error", "error": {"type": "billing_error", "message": "credit balance too low"}},
        {},
        nexgate.QuotaExceededError,
        None,
    ),
    (
        "claude",
        404,
        {"type": "error", "error": {"type": "not_found_error", "message": "model: x"}},
        {},
        nexgate.NotFoundError,
        None,
    ),
    (
        "gemini",
        503,
        {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}},
        {},
        nexgate.OverloadedError,
        None,
    ),
    (
        "gemini",
        403,
        {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}},
        {},
        nexgate.PermissionDeniedError,
        None,
    ),
    (
        "openai",
        502,
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        {},
        nexgate.ServerError,
        None,
    ),
    ("claude", 500, b"", {}, nexgate.ServerError, None),
]


@pytest.mark.parametrize(("fmt", "status", "body", "headers", "cls", "retry_after"), CASES)
def test_decode_error(
    fmt: str,
    status: int,
    body: object,
    headers: dict[str, str],
    cls: type,
    retry_after: float | None,
) -> None:
    raw = body if isinstance(body, str | bytes) else msgspec.json.encode(body)
    error = decode_error(status, raw, format=fmt, headers=headers)
    assert type(error) is cls
    assert error.status == status and error.retry_after == retry_after
    if isinstance(body, dict):
        assert error.message and error.message in str(body)


def test_recorded_gemini_errors() -> None:
    retry = decode_error(
        429, (FIXTURES / "429_retry_info_abridged.json").read_bytes(), format="gemini"
    )
    assert (
        isinstance(retry, nexgate.RateLimitError) and retry.retry_after == 34.4 and retry.retryable
    )
    invalid = decode_error(
        400, (FIXTURES / "400_api_key_invalid.json").read_bytes(), format="gemini"
    )
    assert isinstance(invalid, nexgate.AuthenticationError)
    missing = decode_error(
        404, (FIXTURES / "404_model_not_found.json").read_bytes(), format="gemini"
    )
    assert isinstance(missing, nexgate.NotFoundError)
    daily = {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "message": "quota",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}
                    ],
                }
            ],
        }
    }
    quota = decode_error(429, daily, format="gemini")
    assert isinstance(quota, nexgate.QuotaExceededError) and not quota.retryable


def test_recorded_openai_error() -> None:
    error = decode_error(
        400, (FIXTURES / "openai_400_unsupported_parameter.json").read_bytes(), format="openai"
    )
    assert isinstance(error, nexgate.BadRequestError) and "max_tokens" in error.message


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize(("fmt", "status", "body", "headers", "cls", "retry_after"), CASES)
def test_translate_error_to_every_format(
    fmt: str,
    status: int,
    body: object,
    headers: dict[str, str],
    cls: type,
    retry_after: float | None,
    target: str,
) -> None:
    out_status, out = translate_error(status, body, source=fmt, target=target, headers=headers)
    assert 400 <= out_status <= 599
    again = decode_error(out_status, out, format=target)
    assert type(again) is cls or (
        cls is nexgate.ServerError and isinstance(again, nexgate.ServerError)
    )
    source_error = decode_error(status, body, format=fmt, headers=headers)
    assert again.message == source_error.message  # the upstream's text is kept
    if target == "openai":
        openai.types.shared.ErrorObject.model_validate(out["error"])
    elif target == "claude":
        anthropic.types.shared.ErrorResponse.model_validate(out)
        if cls is nexgate.OverloadedError:
            assert out_status == 529
    else:
        assert out["error"]["code"] == out_status
        if retry_after is not None:
            assert again.retry_after == retry_after
    if cls is nexgate.OverloadedError and target != "claude":
        assert out_status == 503


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
def test_a_retry_hint_reaches_every_target_as_headers(target: str) -> None:
    gemini_429 = {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "33.5s"}
            ],
        }
    }
    status, body = translate_error(429, gemini_429, source="gemini", target=target)
    assert status == 429
    assert body.headers == {"retry-after": "34", "retry-after-ms": "33500"}  # type: ignore[attr-defined]
    _, from_header = translate_error(
        429,
        {"error": {"message": "slow"}},
        source="openai",
        target=target,
        headers={"retry-after-ms": "1500"},
    )
    assert from_header.headers["retry-after-ms"] == "1500"  # type: ignore[attr-defined]
    _, no_hint = translate_error(400, {"error": {"message": "bad"}}, source="openai", target=target)
    assert dict(no_hint.headers) == {}  # type: ignore[attr-defined]


def test_every_error_crosses_a_process_boundary() -> None:
    import pickle

    from nexgate.errors import api_error
    from nexgate.schema import Loss

    errors: list[nexgate.NexgateError] = [
        api_error("slow", status=429, kind="rate_limit", retry_after=2.5, provider="p"),
        api_error("boom", status=529, kind="overloaded", code="overloaded_error"),
        nexgate.APITimeoutError("late", kind="idle"),
        nexgate.InvalidInputError("bad", path="$.model"),
        nexgate.TranslationError([Loss(kind="k", path="$.x", detail="d")]),
        nexgate.APIConnectionError("refused", retryable=False),
    ]
    for error in errors:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert (str(again), repr(again), vars(again)) == (str(error), repr(error), vars(error))
