"""Requests and concurrency per key, open connections, and a clean shutdown."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from testing.conftest import KEY, body, headers, path, post

from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio


async def test_requests_are_counted_per_key(session: aiohttp.ClientSession) -> None:
    async with MockUpstream(keys=["a", "b"]) as mock:
        for key, fmt in [("a", "openai"), ("b", "claude"), ("a", "gemini"), ("a", "claude")]:
            assert (await post(session, mock, fmt, key=key))[0] == 200
        assert (await post(session, mock, "openai", key="c"))[0] == 401
        assert mock.stats.requests == 4
        assert mock.stats.requests_by_key == {"a": 3, "b": 1}
        assert mock.stats.rejected == 1
        mock.reset_stats()
        assert mock.stats.requests == 0 and mock.stats.requests_by_key == {}


async def test_peak_inflight_under_50_concurrent_requests() -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        MockUpstream(delay=0.3) as mock,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        calls = [
            post(session, mock, fmt, key=f"key-{i % 2}")
            for i, fmt in zip(range(50), ["openai", "claude", "gemini"] * 17, strict=False)
        ]
        results = await asyncio.gather(*calls)
        assert all(status == 200 for status, _, _ in results)
        assert mock.stats.requests == 50
        assert mock.stats.peak_inflight == 50
        assert mock.stats.peak_inflight_by_key == {"key-0": 25, "key-1": 25}
        assert mock.stats.inflight == 0
        assert mock.stats.open_connections == 50  # kept alive by the client's pool
    assert mock.stats.open_connections == 0


async def test_open_connections_while_held_and_after_shutdown() -> None:
    mock = MockUpstream(keys=[KEY])
    await mock.start()
    mock.inject(Fault("stall_after_headers"), times=3)
    sessions = [aiohttp.ClientSession() for _ in range(3)]
    responses = [
        await s.post(
            mock.base_url + path("claude", stream=True),
            json=body("claude", stream=True),
            headers=headers("claude"),
        )
        for s in sessions
    ]
    try:
        assert [r.status for r in responses] == [200, 200, 200]
        assert mock.stats.open_connections == 3 and mock.stats.inflight == 3
        loop = asyncio.get_running_loop()
        started = loop.time()
        await mock.close()  # stalled answers give up instead of holding the shutdown
        assert loop.time() - started < 1.5
        assert mock.stats.open_connections == 0 and mock.open_connections() == 0
        for response in responses:
            with pytest.raises(aiohttp.ClientPayloadError):
                await response.read()
    finally:
        for s in sessions:
            await s.close()


async def test_closing_twice_and_restarting_is_refused_while_running() -> None:
    mock = MockUpstream()
    await mock.start()
    with pytest.raises(RuntimeError):
        await mock.start()
    port = mock.port
    assert port > 0 and mock.base_url == f"http://127.0.0.1:{port}"
    await mock.close()
    await mock.close()
