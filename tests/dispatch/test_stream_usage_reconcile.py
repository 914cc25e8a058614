"""A tokens-per-minute bucket learns every call's real usage, a same-format OpenAI stream's too.

OpenAI streams report usage only when ``stream_options.include_usage`` asks. A same-format
stream went upstream as the caller wrote it, so a caller that did not ask left the bucket
charged with the estimate (here 200 tokens for 15 used: the key throttled for minutes).
"""

from __future__ import annotations

from typing import Any

import pytest
from dispatch.conftest import KEY

import nexgate
from nexgate.limits import LimitConfig
from nexgate.providers import Provider, Route
from nexgate.schema import Usage
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio


async def _stream(fmt: str, body: dict[str, Any], tpm: float | None) -> tuple[bytes, float | None]:
    """The caller's stream bytes, and the key's token bucket level afterwards."""
    async with MockUpstream(keys=[KEY]) as mock:
        limits = LimitConfig(tpm=tpm) if tpm else None
        provider = Provider("up", mock.base_url, fmt, keys=[KEY], key_limits=limits)
        client = nexgate.Client(providers=[provider], default=Route("up"), environ={})
        async with client:
            mock.script_text("hi there", usage=Usage(input_tokens=10, output_tokens=5))
            async with client.send_stream(body, format=fmt) as chunks:
                out = b"".join([chunk async for chunk in chunks])
            scope = client.limiters.scopes[("up", "key0", "m")]
            level = scope._tokens.level if scope._tokens is not None else None
    return out, level


def _openai_body(**extra: Any) -> dict[str, Any]:
    # Estimated at 400/4 + 100 = 200 tokens; the mock reports 15.
    return {
        "model": "m",
        "max_tokens": 100,
        "stream": True,
        "messages": [{"role": "user", "content": "x" * 400}],
        **extra,
    }


async def test_a_stream_that_did_not_ask_for_usage_is_reconciled_and_gets_none() -> None:
    out, level = await _stream("openai", _openai_body(), tpm=60)
    assert level == pytest.approx(45, abs=1)  # capacity 60, less the 15 really used
    assert b"there" in out
    assert b'"usage":{' not in out  # the caller did not ask for the usage chunk
    assert out.endswith(b"data: [DONE]\n\n")


async def test_a_stream_that_asked_for_usage_is_forwarded_with_it() -> None:
    body = _openai_body(stream_options={"include_usage": True})
    out, level = await _stream("openai", body, tpm=60)
    assert level == pytest.approx(45, abs=1)
    assert b'"prompt_tokens":10' in out


async def test_without_a_token_bucket_the_stream_goes_as_written() -> None:
    out, level = await _stream("openai", _openai_body(), tpm=None)
    assert level is None
    assert b'"usage":{' not in out
