"""Stream faults strike whatever the reply's length, and in a form the SDKs notice.

A ``reset_mid_stream`` or ``malformed_chunk`` whose ``events`` was past the reply's end never
struck (yet was counted as applied); a Claude ``malformed_chunk`` had no ``event:`` line, so
the Anthropic SDK, which dispatches on event names, skipped it and read a whole stream.
"""

from __future__ import annotations

import aiohttp
import anthropic
import pytest

from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio

BODY = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize("kind", ["reset_mid_stream", "malformed_chunk"])
async def test_a_fault_past_the_end_still_strikes(kind: str) -> None:
    async with MockUpstream() as mock, aiohttp.ClientSession() as session:
        mock.inject(Fault(kind, events=20))
        url = mock.base_url + "/v1/chat/completions"
        raw = b""
        broke = False
        async with session.post(url, json=BODY, headers={"Authorization": "Bearer k"}) as r:
            try:
                raw = await r.read()
            except aiohttp.ClientPayloadError:
                broke = True
        assert mock.stats.faults == {kind: 1}
        if kind == "malformed_chunk":
            assert b'{"broken"' in raw  # before the terminal event, which must not end it whole
            assert raw.index(b'{"broken"') < raw.index(b"data: [DONE]")
        else:
            assert broke


async def test_the_anthropic_sdk_notices_a_claude_malformed_chunk() -> None:
    async with MockUpstream(keys=["k"]) as mock:
        mock.inject(Fault("malformed_chunk", events=3), format="claude")
        async with anthropic.AsyncAnthropic(
            api_key="k", base_url=mock.base_url, max_retries=0
        ) as client:
            stream = await client.messages.create(
                model="m",
                max_tokens=50,
                messages=[{"role": "user", "content": "one two three four"}],
                stream=True,
            )
            with pytest.raises(ValueError):  # the SDK's JSON decode of the broken event
                async for _ in stream:
                    pass
