"""MockUpstream's own lifecycle: a start that failed, and the URL it gives out."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

import nexgate
import nexgate.testing
from nexgate.providers import Provider, Route
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio


async def test_a_start_that_failed_can_be_retried() -> None:
    """A taken port left the mock marked as running: every later start() said 'already
    running' though nothing listened."""
    async with MockUpstream() as taken:
        mock = MockUpstream(port=taken.port)
        with pytest.raises(OSError):
            await mock.start()
        port = taken.port
    await mock.start()
    try:
        assert mock.port == port
        assert mock.open_connections() == 0
    finally:
        await mock.close()


def test_an_ipv6_host_gives_a_usable_base_url() -> None:
    """``http://::1:8080`` is no URL: an IPv6 literal needs brackets (no server started)."""
    parts = urlsplit(MockUpstream(host="::1", port=8080).base_url)
    assert (parts.hostname, parts.port) == ("::1", 8080)
    assert MockUpstream(host="127.0.0.1", port=8080).base_url == "http://127.0.0.1:8080"


async def test_closing_the_mock_drops_a_waiting_call_instead_of_answering_it() -> None:
    """It answered HTTP 499, which the dispatcher took for the upstream's own non-retryable
    client error; a dying upstream drops the connection, which is retried or failed over."""
    mock = MockUpstream(delay=5)
    await mock.start()
    provider = Provider("up", mock.base_url, "openai", keys=["sk-k"])
    retry = nexgate.RetryPolicy(max_retries=0)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    async with nexgate.Client(
        providers=[provider], default=Route("up"), environ={}, retry=retry
    ) as client:
        call = asyncio.create_task(client.send(body, format="openai"))
        await asyncio.sleep(0.3)
        await mock.close()
        with pytest.raises(nexgate.APIConnectionError) as caught:
            await call
    assert caught.value.retryable


async def test_a_fault_for_the_anthropic_alias_strikes_claude_calls() -> None:
    """format='anthropic' (API.md's alias of claude) was compared as written: never struck."""
    async with MockUpstream(keys=["k"]) as mock:
        mock.inject(nexgate.testing.Fault("status", status=503), format="anthropic")
        provider = Provider("up", mock.base_url, "claude", keys=["k"])
        retry = nexgate.RetryPolicy(max_retries=0)
        body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
        async with nexgate.Client(
            providers=[provider], default=Route("up"), environ={}, retry=retry
        ) as client:
            with pytest.raises(nexgate.OverloadedError):
                await client.send(body, format="claude")


@pytest.mark.parametrize(
    "require_auth",
    [{"claud": "x-api-key"}, {"openai": "query"}, {"gemini": "header"}],
)
def test_require_auth_refuses_what_would_never_match(require_auth: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        MockUpstream(require_auth=require_auth)


def test_require_auth_takes_the_format_aliases() -> None:
    assert MockUpstream(require_auth={"anthropic": "bearer"}).require_auth == {"claude": "bearer"}
    with pytest.raises(ValueError, match="unknown format"):
        MockUpstream().inject(nexgate.testing.Fault("status"), format="claud")
