"""Each format's bytes-in decoders give exactly what decoding the parsed object gives.

``decode_request_json`` / ``decode_response_json`` decode JSON text straight into typed wire
structs and skip the dicts; they must agree with ``decode_x(load_object(data))`` on the
result, the recorded losses and the error (type, message and JSON path) for every body:
the conformance cases, the recorded fixtures, generated requests and malformed input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from conformance.cases import REQUESTS, RESPONSES
from formats.test_bad_input import BAD_REQUESTS, DEEP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property.test_round_trips import requests, responses

from nexgate.errors import NexgateError
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json, load_object
from nexgate.schema import FormatName, Loss

FORMATS: list[FormatName] = ["openai", "claude", "gemini"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

Outcome = tuple[str, Any, list[Loss]]


def _run(decode: Callable[[Any, TranslationContext], Any], body: Any, fmt: FormatName) -> Outcome:
    ctx = TranslationContext(source=fmt, target=fmt, model="test-model")
    try:
        result = decode(body, ctx)
    except NexgateError as exc:
        return "error", (type(exc), str(exc), getattr(exc, "path", None)), ctx.losses
    return "ok", result, ctx.losses


def assert_same_request(fmt: FormatName, data: bytes) -> None:
    format_ = get_format(fmt)
    assert format_.decode_request_json is not None
    general = _run(
        lambda b, c: format_.decode_request(load_object(b, "request body"), c), data, fmt
    )
    shortcut = _run(format_.decode_request_json, data, fmt)
    assert shortcut == general


def assert_same_response(fmt: FormatName, data: bytes) -> None:
    format_ = get_format(fmt)
    assert format_.decode_response_json is not None
    general = _run(
        lambda b, c: format_.decode_response(load_object(b, "response body"), c), data, fmt
    )
    shortcut = _run(format_.decode_response_json, data, fmt)
    assert shortcut == general


def _encoded_requests() -> list[tuple[FormatName, str, bytes]]:
    cases = []
    for fmt in FORMATS:
        encode = get_format(fmt).encode_request
        for name, request in REQUESTS.items():
            body = encode(request, TranslationContext(source=fmt, target=fmt))
            cases.append((fmt, name, dump_json(body)))
    return cases


def _encoded_responses() -> list[tuple[FormatName, str, bytes]]:
    cases = []
    for fmt in FORMATS:
        encode = get_format(fmt).encode_response
        for name, response in RESPONSES.items():
            body = encode(response, TranslationContext(source=fmt, target=fmt))
            cases.append((fmt, name, dump_json(body)))
    return cases


def _fixtures(kind: str) -> list[tuple[FormatName, str, bytes]]:
    return [
        (fmt, path.name, path.read_bytes())
        for fmt in FORMATS
        for path in sorted((FIXTURES / fmt / kind).glob("*.json"))
    ]


@pytest.mark.parametrize(("fmt", "name", "data"), _encoded_requests() + _fixtures("request"))
def test_requests_agree(fmt: FormatName, name: str, data: bytes) -> None:
    assert_same_request(fmt, data)


@pytest.mark.parametrize(("fmt", "name", "data"), _encoded_responses() + _fixtures("response"))
def test_responses_agree(fmt: FormatName, name: str, data: bytes) -> None:
    assert_same_response(fmt, data)


BAD_BYTES = [
    b"",
    b"[]",
    b"null",
    b'{"model": ',
    b'"text"',
    b"\xff\xfe",
    DEEP,
    b'{"model": "m", "messages": []}',
    b'{"contents": "x"}',
    b'{"model": "m", "messages": [{"role": "user", "content": "\\ud800"}]}',
    b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1e400}',
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("data", BAD_BYTES, ids=range(len(BAD_BYTES)))
def test_malformed_bytes_agree(fmt: FormatName, data: bytes) -> None:
    assert_same_request(fmt, data)
    assert_same_response(fmt, data)


@pytest.mark.parametrize(
    ("fmt", "body"),
    [(fmt, body) for fmt, cases in BAD_REQUESTS.items() for body, _ in cases],
)
def test_bad_requests_agree(fmt: FormatName, body: Any) -> None:
    data = body if isinstance(body, bytes) else msgspec.json.encode(body)
    assert_same_request(fmt, data)


def _with_vendor_field(data: bytes) -> bytes:
    body = msgspec.json.decode(data)
    body["x_vendor_field"] = {"kept": True}
    return msgspec.json.encode(body)


@pytest.mark.parametrize(("fmt", "name", "data"), _encoded_requests())
def test_requests_with_unknown_fields_agree(fmt: FormatName, name: str, data: bytes) -> None:
    """A field the typed mirror does not know must not be lost by the shortcut."""
    assert_same_request(fmt, _with_vendor_field(data))


@pytest.mark.parametrize(("fmt", "name", "data"), _encoded_responses())
def test_responses_with_unknown_fields_agree(fmt: FormatName, name: str, data: bytes) -> None:
    assert_same_response(fmt, _with_vendor_field(data))


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests(), st.sampled_from(FORMATS))
def test_generated_requests_agree(request: Any, fmt: FormatName) -> None:
    body = get_format(fmt).encode_request(request, TranslationContext(source=fmt, target=fmt))
    assert_same_request(fmt, dump_json(body))


@SETTINGS
@given(responses(), st.sampled_from(FORMATS))
def test_generated_responses_agree(response: Any, fmt: FormatName) -> None:
    body = get_format(fmt).encode_response(response, TranslationContext(source=fmt, target=fmt))
    assert_same_response(fmt, dump_json(body))
