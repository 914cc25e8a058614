"""The 9 (source, target) pairs × the features: valid for the official SDKs, same meaning.

Each case is encoded into the source format, translated, validated with the target SDK's
typed models, decoded back and compared with the original through a format-neutral projection.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sdk_validators
from conformance.cases import REQUESTS, RESPONSES
from conformance.projection import request_projection, response_projection

from nexgate import translate_request, translate_response
from nexgate.formats import TranslationContext, get_format
from nexgate.formats._json import dump_json
from nexgate.schema import FormatName, Request, Response
from nexgate.translate import decode_request

FORMATS: list[FormatName] = ["openai", "claude", "gemini"]
PAIRS = list(itertools.product(FORMATS, FORMATS))
MODEL = "test-model"


def source_request(fmt: FormatName, request: Request) -> dict[str, Any]:
    ctx = TranslationContext(source=fmt, target=fmt)
    return get_format(fmt).encode_request(request, ctx)


def source_response(fmt: FormatName, response: Response) -> dict[str, Any]:
    ctx = TranslationContext(source=fmt, target=fmt)
    return get_format(fmt).encode_response(response, ctx)


@pytest.mark.parametrize("case", sorted(REQUESTS))
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_request_pair(source: FormatName, target: FormatName, case: str) -> None:
    original = REQUESTS[case]
    body = source_request(source, original)
    sdk_validators.request(source, body)

    out = translate_request(body, source=source, target=target, model=MODEL)
    sdk_validators.request(target, out)
    back = decode_request(out, format=target, model=MODEL)

    expected = request_projection(original)
    actual = request_projection(back)
    if target == "claude" and expected["temperature"] is not None:
        expected["temperature"] = min(expected["temperature"], 1.0)
    assert actual == expected
    # Deterministic: the same input gives byte-identical output.
    again = translate_request(body, source=source, target=target, model=MODEL)
    assert dump_json(again) == dump_json(out)


@pytest.mark.parametrize("case", sorted(RESPONSES))
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_response_pair(source: FormatName, target: FormatName, case: str) -> None:
    original = RESPONSES[case]
    body = source_response(source, original)
    sdk_validators.response(source, body)

    out = translate_response(body, source=source, target=target, model=MODEL)
    sdk_validators.response(target, out)
    ctx = TranslationContext(source=target, target=target, model=MODEL)
    back = get_format(target).decode_response(dict(out), ctx)
    assert response_projection(back) == response_projection(original)


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_tool_call_ids_survive_between_formats_that_have_ids(
    source: FormatName, target: FormatName
) -> None:
    body = source_request(source, REQUESTS["parallel_calls_and_results"])
    out = translate_request(body, source=source, target=target, model=MODEL)
    back = decode_request(out, format=target, model=MODEL)
    calls = [p for m in back.messages for p in m.parts if type(p).__name__ == "ToolCallPart"]
    results = [p for m in back.messages for p in m.parts if type(p).__name__ == "ToolResultPart"]
    assert [r.call_id for r in results] == [c.id for c in calls]
    if "gemini" not in (source, target):
        assert [c.id for c in calls] == ["call_a", "call_b"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(REQUESTS))
def test_identity_is_byte_exact_for_canonical_input(fmt: FormatName, case: str) -> None:
    body = source_request(fmt, REQUESTS[case])
    out = translate_request(body, source=fmt, target=fmt, model=MODEL)
    assert dump_json(out) == dump_json(body)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(RESPONSES))
def test_response_identity_is_byte_exact(fmt: FormatName, case: str) -> None:
    body = source_response(fmt, RESPONSES[case])
    out = translate_response(body, source=fmt, target=fmt, model=MODEL)
    assert dump_json(out) == dump_json(body)
