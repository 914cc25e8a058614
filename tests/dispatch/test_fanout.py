"""Fan-out: per-item failures as values, order kept, limits shared, nothing leaked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from dispatch.conftest import KEY, body, make_client, settle

import nexgate
from nexgate.providers import Provider, Route
from nexgate.testing import Fault, MockUpstream

pytestmark = pytest.mark.anyio


async def test_one_failure_never_cancels_its_siblings(mock: MockUpstream) -> None:
    mock.inject(Fault(kind="status", status=400), times=1, model="m7")
    mock.inject(Fault(kind="reset_before_headers"), times=10, model="m9")
    items = [(body("openai", f"item {i}", model=f"m{i}"), "openai") for i in range(100)]
    async with make_client(mock, "claude") as client:
        results = await client.batch(items, concurrency=16)
    assert [r.index for r in results] == list(range(100))
    failed = {r.index: r.error for r in results if not r.ok}
    assert set(failed) == {7, 9}
    assert isinstance(failed[7], nexgate.BadRequestError)
    assert failed[7].body["error"]["type"] == "invalid_request_error"  # in the caller's format
    assert isinstance(failed[9], nexgate.APIConnectionError)
    assert all(
        r.body and r.body["choices"][0]["message"]["content"] == f"echo: item {r.index}"
        for r in results
        if r.ok
    )


async def test_map_yields_as_completed_and_leaving_early_cancels(mock: MockUpstream) -> None:
    slow = MockUpstream(keys=[next(iter(mock.keys or {"x"}))], delay=0.2)
    async with slow:
        client = make_client(slow, "openai")
        async with client:
            seen = []
            async with client.map(
                ((body("openai", str(i)), "openai") for i in range(50)), concurrency=5
            ) as results:
                async for result in results:
                    seen.append(result.index)
                    if len(seen) == 3:
                        break
            assert client.limiters.in_flight == 0
        assert len(seen) == 3
        await settle(slow)
        assert slow.open_connections() == 0
        assert slow.stats.requests < 20


async def test_map_does_not_run_ahead_of_a_consumer_that_stops_reading(
    mock: MockUpstream,
) -> None:
    pulled = 0

    def items() -> Iterator[tuple[dict[str, Any], str]]:
        nonlocal pulled
        for i in range(3000):
            pulled += 1
            yield body("openai", str(i)), "openai"

    client = make_client(mock, "openai")
    async with client, client.map(items(), concurrency=8) as results:
        await results.__anext__()
        await anyio.sleep(0.5)  # the consumer is busy elsewhere
        # At most 8 in flight and 8 buffered, besides the one delivered.
        assert pulled <= 8 + 8 + 1 + 1
        assert mock.stats.requests <= 8 + 8 + 1


async def test_two_thousand_concurrent_calls_never_exceed_the_cap() -> None:
    key = "k"
    mock = MockUpstream(keys=[key], delay=0.01)
    await mock.start()
    provider = Provider(
        "p", mock.base_url, "openai", keys=[key], key_limits=nexgate.LimitConfig(max_concurrency=40)
    )
    async with nexgate.Client(
        providers=[provider], environ={}, limits=nexgate.LimitConfig(max_concurrency=500)
    ) as client:

        async def one(i: int) -> None:
            await client.send(body("openai", str(i)), format="openai")

        async with anyio.create_task_group() as group:
            for i in range(2000):
                group.start_soon(one, i)
        assert client.limiters.in_flight == 0
    await mock.close()
    assert mock.stats.requests == 2000
    assert 20 < mock.stats.peak_inflight <= 40


async def test_fallback_to_another_format_when_the_primary_is_overloaded(
    mock: MockUpstream,
) -> None:
    key = next(iter(mock.keys or {"x"}))
    providers = [
        Provider("primary", mock.base_url, "claude", keys=[key]),
        Provider("backup", mock.base_url, "gemini", keys=[key]),
    ]
    route = Route("primary", model="m", fallbacks=(Route("backup", model="m"),))
    mock.inject(Fault(kind="status", status=529), times=10, format="claude")
    async with nexgate.Client(
        providers=providers,
        routes={"smart": route},
        environ={},
        retry=nexgate.RetryPolicy(max_retries=1, base_delay=0.01),
    ) as client:
        out = await client.send(body("openai", "fall back", model="smart"), format="openai")
        assert client.stats.fallbacks == 1
    assert out["choices"][0]["message"]["content"] == "echo: fall back"


async def test_429_slows_the_whole_key_down(mock: MockUpstream) -> None:
    key = next(iter(mock.keys or {"x"}))
    provider = Provider(
        "p", mock.base_url, "openai", keys=[key], key_limits=nexgate.LimitConfig(max_concurrency=8)
    )
    mock.inject(Fault(kind="rate_limit", retry_after=0.3), times=1)
    async with nexgate.Client(providers=[provider], environ={}) as client:
        started = anyio.current_time()
        results = await client.batch(
            [(body("openai", str(i)), "openai") for i in range(20)], concurrency=20
        )
        elapsed = anyio.current_time() - started
        scope = client.limiters.key_scope("p", "key0", "m")
        assert scope.penalties == 1
    assert all(r.ok for r in results)
    assert elapsed >= 0.25  # the other calls of the key waited out the retry-after too


async def test_a_body_that_cannot_be_utf8_fails_alone(mock: MockUpstream) -> None:
    bad = '{"model": "m", "messages": [{"role": "user", "content": "\ud800"}]}'
    good = body("openai", "hi")
    async with make_client(mock, "openai") as client:
        results = await client.batch([(good, "openai"), (bad, "openai"), (good, "openai")])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, nexgate.InvalidInputError)


def _paced_client(mock: MockUpstream) -> nexgate.Client:
    """20 requests a second, and a total deadline of half a second."""
    return nexgate.Client(
        providers=[Provider("p", mock.base_url, "openai", keys=[KEY])],
        default=Route("p"),
        environ={},
        limits=nexgate.LimitConfig(max_concurrency=64, rpm=1200, max_queue=None, burst_seconds=0.1),
        timeouts=nexgate.Timeouts(total=0.5),
    )


async def test_items_waiting_for_a_rate_limit_wait_their_turn_untimed(mock: MockUpstream) -> None:
    """30 items at 20 a second take 1.5 s: a total deadline counted from the start of the
    fan-out would fail the last ones unsent. It counts from their admission instead."""
    async with _paced_client(mock) as client:
        results = await client.batch([(body("openai"), "openai") for _ in range(30)])
    assert [r.error for r in results if not r.ok] == []
    assert mock.stats.requests == 30


async def test_a_call_outside_a_fan_out_still_counts_its_queueing(mock: MockUpstream) -> None:
    """An interactive call's total deadline bounds the whole wait, the queue included."""
    async with _paced_client(mock) as client:
        outcomes = await asyncio.gather(
            *(client.send(body("openai"), format="openai") for _ in range(30)),
            return_exceptions=True,
        )
    timeouts = [o for o in outcomes if isinstance(o, nexgate.APITimeoutError)]
    assert timeouts and all(t.kind == "total" for t in timeouts)
    assert mock.stats.requests < 30
