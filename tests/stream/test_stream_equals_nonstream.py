"""Accumulating a translated stream gives what translating the non-streamed response gives."""

from __future__ import annotations

import itertools

import pytest
from conformance.projection import response_projection
from stream.scenarios import FAILING, SCENARIOS, decode_stream, encode_stream
from stream.test_stream_matrix import translate

from nexgate import translate_response
from nexgate.accumulate import accumulate
from nexgate.formats import TranslationContext, get_format
from nexgate.schema import FormatName

FORMATS: list[FormatName] = ["openai", "claude", "gemini"]


@pytest.mark.parametrize("scenario", sorted(set(SCENARIOS) - FAILING))
@pytest.mark.parametrize(("source", "target"), list(itertools.product(FORMATS, FORMATS)))
def test_stream_equals_nonstream(source: FormatName, target: FormatName, scenario: str) -> None:
    events = SCENARIOS[scenario]()
    response = accumulate(events)
    body = get_format(source).encode_response(
        response, TranslationContext(source=source, target=source)
    )
    translated = translate_response(body, source=source, target=target, model="test-model")
    ctx = TranslationContext(source=target, target=target, model="test-model")
    from_body = get_format(target).decode_response(dict(translated), ctx)

    streamed = decode_stream(
        target, translate(source, target, [encode_stream(source, events)])
    ).result()
    assert response_projection(streamed) == response_projection(from_body)
