"""``MockUpstream.reset_stats()`` while requests run: they finish normally and leave the new
counters at zero in flight (the old code raised ``KeyError`` in the server: a 500)."""

from __future__ import annotations

import anyio
import pytest

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio

KEY = "sk-test-key-0123456789"
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


async def test_reset_during_calls_keeps_them_whole() -> None:
    async with MockUpstream(keys=[KEY]) as mock:
        client = nexgate.Client(
            providers=[Provider("mock", mock.base_url, "openai", keys=[KEY])],
            default=Route("mock"),
            environ={},
            retry=RetryPolicy(max_retries=0),
        )
        answers: list[dict[str, object]] = []

        async def call() -> None:
            answers.append(await client.send(BODY, format="openai"))

        async with client:
            mock.inject(Fault("delay", seconds=0.3), times=2)
            async with anyio.create_task_group() as group:
                group.start_soon(call)
                group.start_soon(call)
                await anyio.sleep(0.1)  # both calls are inside the mock's handler
                mock.reset_stats()
                assert mock.stats.inflight == 2
                assert mock.stats.inflight_by_key == {KEY: 2}
                assert mock.stats.requests == 0
        assert len(answers) == 2
        assert mock.stats.inflight == 0
        assert mock.stats.inflight_by_key == {KEY: 0}
        assert mock.stats.peak_inflight == 2
