"""One revoked key among several does not fail the calls it is handed.

A 401 was never retried and the key stayed in rotation: with one bad key of two, half of
all calls failed although a working key was configured.
"""

from __future__ import annotations

import logging

import pytest
from dispatch.conftest import body

import nexgate
from nexgate.providers import Provider, Route
from nexgate.retry import RetryPolicy
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio

BAD, GOOD, WORSE = "sk-revoked-0000000", "sk-working-1111111", "sk-revoked-2222222"


def _client(url: str, keys: list[str]) -> nexgate.Client:
    return nexgate.Client(
        providers=[Provider("p", url, "openai", keys=keys)],
        default=Route("p"),
        environ={},
        retry=RetryPolicy(max_retries=0),
    )


async def _outcomes(client: nexgate.Client, calls: int, stream: bool = False) -> list[str]:
    outcomes = []
    for _ in range(calls):
        try:
            if stream:
                async with client.send_stream(body("openai", stream=True), format="openai") as s:
                    async for _chunk in s:
                        pass
            else:
                await client.send(body("openai"), format="openai")
            outcomes.append("ok")
        except nexgate.AuthenticationError:
            outcomes.append("401")
    return outcomes


@pytest.mark.parametrize("stream", [False, True])
async def test_a_refused_key_is_passed_over(stream: bool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="nexgate")
    async with MockUpstream(keys=[GOOD]) as mock, _client(mock.base_url, [BAD, GOOD]) as client:
        assert await _outcomes(client, 6, stream) == ["ok"] * 6
    assert mock.stats.rejected == 1  # the bad key was tried once, then left alone
    assert mock.stats.requests_by_key == {GOOD: 6}
    assert BAD not in caplog.text


async def test_when_every_key_is_refused_the_401_is_raised() -> None:
    async with MockUpstream(keys=[GOOD]) as mock, _client(mock.base_url, [BAD, WORSE]) as client:
        assert await _outcomes(client, 2) == ["401", "401"]
    assert mock.stats.rejected == 3  # both keys once, then the pick's key again


async def test_a_single_refused_key_fails_as_before() -> None:
    async with MockUpstream(keys=[GOOD]) as mock, _client(mock.base_url, [BAD]) as client:
        assert await _outcomes(client, 2) == ["401", "401"]
    assert mock.stats.rejected == 2
