"""A 429 pauses the key that got it; calls go to the provider's other keys meanwhile.

The key pick ignored the pause: with another key idle, every other call was still sent to
wait out the paused key's cooldown, whatever the key strategy.
"""

from __future__ import annotations

import time

import pytest
from dispatch.conftest import body

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio

K0, K1 = "sk-key-zero-000000", "sk-key-one-1111111"


def _client(url: str, strategy: str, retries: int) -> nexgate.Client:
    provider = Provider("p", url, "openai", keys=[K0, K1], key_strategy=strategy)  # type: ignore[arg-type]
    return nexgate.Client(
        providers=[provider],
        default=Route("p"),
        environ={},
        retry=RetryPolicy(max_retries=retries, base_delay=0.01, max_delay=0.02),
    )


@pytest.mark.parametrize("strategy", ["round_robin", "least_inflight"])
async def test_calls_pass_over_a_key_in_cooldown(strategy: str) -> None:
    async with MockUpstream(keys=[K0, K1]) as mock, _client(mock.base_url, strategy, 0) as client:
        mock.inject(Fault("rate_limit", retry_after=3), times=1)
        with pytest.raises(nexgate.RateLimitError):
            await client.send(body("openai"), format="openai")  # key0: paused 3 s
        assert client.limiters.statistics()["p/key0/m"].paused_for > 2
        durations = []
        for _ in range(3):
            start = time.monotonic()
            await client.send(body("openai"), format="openai")
            durations.append(time.monotonic() - start)
        assert max(durations) < 1.0, durations
        assert mock.stats.requests_by_key == {K0: 1, K1: 3}


async def test_the_retry_of_a_429_goes_to_the_other_key() -> None:
    # The retry still waits the retry-after (keys of one account share their limits), but
    # on the key that is not paused: the paused one would have made it wait longer.
    async with MockUpstream(keys=[K0, K1]) as mock, _client(mock.base_url, "round_robin", 1) as c:
        mock.inject(Fault("rate_limit", retry_after=0.3), times=1)
        out = await c.send(body("openai"), format="openai")
        assert out["choices"][0]["message"]["content"]
        assert mock.stats.requests_by_key == {K0: 1, K1: 1}


async def test_with_every_key_paused_the_call_waits_for_the_pick() -> None:
    async with MockUpstream(keys=[K0, K1]) as mock, _client(mock.base_url, "round_robin", 0) as c:
        mock.inject(Fault("rate_limit", retry_after=0.6), times=2)
        for _ in range(2):
            with pytest.raises(nexgate.RateLimitError):
                await c.send(body("openai"), format="openai")
        start = time.monotonic()
        await c.send(body("openai"), format="openai")
        assert 0.3 < time.monotonic() - start < 3.0  # waited out a cooldown: no key was free
