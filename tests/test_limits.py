"""Limiters: caps under load, cancellation, queue bound, RPM/TPM buckets, 429 brake, headers."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import anyio
import anyio.lowlevel
import pytest

from nexgate.errors import QueueFullError
from nexgate.limits import LimitConfig, Limiter, LimiterSet
from nexgate.limits_headers import parse_duration_text, parse_reset, read_rate_limit_headers


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """A clock whose sleep jumps forward instantly (for one sleeper at a time)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


def fake_limiter(config: LimitConfig, time: FakeTime) -> Limiter:
    return Limiter(config, "test", clock=time, sleep=time.sleep, wall=lambda: 1_000_000.0)


async def settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        await anyio.lowlevel.checkpoint()


def assert_drained(limiters: LimiterSet) -> None:
    assert limiters.in_flight == 0 and limiters.waiting == 0 and limiters.borrowed == 0
    for stats in limiters.statistics().values():
        assert (stats.in_flight, stats.waiting, stats.borrowed) == (0, 0, 0)


# ------------------------------------------------------------------ concurrency


@pytest.mark.anyio
async def test_peak_in_flight_never_exceeds_the_cap_with_2000_tasks() -> None:
    cap = 50
    limiters = LimiterSet(LimitConfig(max_concurrency=cap), key_limits={"p": LimitConfig(jitter=0)})
    running = peak = done = 0

    async def call(i: int) -> None:
        nonlocal running, peak, done
        async with limiters.acquire(provider="p", key_id=f"k{i % 3}", model="m"):
            running += 1
            peak = max(peak, running)
            await anyio.lowlevel.checkpoint()
            running -= 1
            done += 1

    async with anyio.create_task_group() as tg:
        for i in range(2000):
            tg.start_soon(call, i)
    assert done == 2000
    assert peak == cap
    assert_drained(limiters)


@pytest.mark.anyio
async def test_admission_is_first_come_first_served() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=1))
    order: list[int] = []
    gate = anyio.Event()

    async def call(i: int) -> None:
        async with limiter.hold():
            order.append(i)
            await gate.wait()

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(call, i)
            await settle(1)
        await settle()
        gate.set()
    assert order == list(range(20))


@pytest.mark.anyio
async def test_the_same_task_may_hold_two_permits() -> None:
    # anyio.CapacityLimiter refuses a second token to one task; a nested call must not.
    limiters = LimiterSet(LimitConfig(max_concurrency=4))
    async with (
        limiters.acquire(provider="p", key_id="k", model="m"),
        limiters.acquire(provider="p", key_id="k", model="m"),
    ):
        assert limiters.in_flight == 2 and limiters.global_scope.borrowed == 2
    assert_drained(limiters)


# ------------------------------------------------------------------ cancellation


@pytest.mark.anyio
async def test_cancel_while_queued_releases_and_propagates() -> None:
    limiters = LimiterSet(LimitConfig(max_concurrency=1))
    holding = anyio.Event()
    release = anyio.Event()

    async def holder() -> None:
        async with limiters.acquire(provider="p", key_id="k", model="m"):
            holding.set()
            await release.wait()

    async def queued() -> None:
        async with limiters.acquire(provider="p", key_id="k", model="m"):
            raise AssertionError("never admitted")

    first = asyncio.create_task(holder())
    await holding.wait()
    waiter = asyncio.create_task(queued())
    await settle()
    assert limiters.waiting == 1 and limiters.global_scope.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiters.waiting == 0 and limiters.global_scope.statistics().waiting == 0
    release.set()
    await first
    assert_drained(limiters)
    # The slot still works.
    async with limiters.acquire(provider="p", key_id="k", model="m"):
        assert limiters.in_flight == 1


@pytest.mark.anyio
async def test_cancel_while_holding_releases_and_propagates() -> None:
    limiters = LimiterSet(LimitConfig(max_concurrency=2), {"p": LimitConfig(max_concurrency=1)})
    inside = anyio.Event()

    async def call() -> None:
        async with limiters.acquire(provider="p", key_id="k", model="m"):
            inside.set()
            await anyio.sleep_forever()

    task = asyncio.create_task(call())
    await inside.wait()
    assert limiters.in_flight == 1 and limiters.borrowed == 3  # key, provider, global
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_drained(limiters)


@pytest.mark.anyio
async def test_slot_granted_to_a_cancelled_waiter_is_passed_on() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=1))
    await limiter.acquire()
    admitted: list[str] = []

    async def wait(name: str) -> None:
        await limiter.acquire()
        admitted.append(name)

    first = asyncio.create_task(wait("first"))
    second = asyncio.create_task(wait("second"))
    await settle()
    # Grant the slot to `first` and cancel it before it can run: the slot must reach `second`.
    first.cancel()
    limiter.release()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert admitted == ["second"]
    assert (limiter.in_flight, limiter.borrowed, limiter.waiting) == (1, 1, 0)
    limiter.release()
    assert limiter.borrowed == 0


@pytest.mark.anyio
async def test_cancel_while_paused_gives_back_the_slot() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=3))
    limiter.pause(30.0)
    with anyio.move_on_after(0.05) as scope:
        await limiter.acquire()
    assert scope.cancelled_caught
    assert (limiter.in_flight, limiter.borrowed, limiter.waiting) == (0, 0, 0)


@pytest.mark.anyio
async def test_cancel_fan_out_midway_leaves_nothing_borrowed() -> None:
    limiters = LimiterSet(LimitConfig(max_concurrency=10))
    completed = 0
    fifty = anyio.Event()

    async def call() -> None:
        nonlocal completed
        async with limiters.acquire(provider="p", key_id="k", model="m"):
            await anyio.sleep(0.001)
            completed += 1
            if completed == 50:
                fifty.set()

    async with anyio.create_task_group() as tg:
        for _ in range(500):
            tg.start_soon(call)
        await fifty.wait()
        tg.cancel_scope.cancel()
    assert 50 <= completed < 500
    assert_drained(limiters)


# ------------------------------------------------------------------ queue bound


@pytest.mark.anyio
async def test_queue_overflow_raises_queue_full() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=1, max_queue=2), "openai/k/gpt")
    await limiter.acquire()
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)
        tg.start_soon(limiter.acquire)
        await settle()
        assert limiter.waiting == 2
        with pytest.raises(QueueFullError) as info:
            await limiter.acquire()
        assert "openai/k/gpt" in str(info.value) and "max_queue=2" in str(info.value)
        tg.cancel_scope.cancel()
    assert limiter.waiting == 0
    limiter.release()
    assert limiter.borrowed == 0


@pytest.mark.anyio
async def test_zero_queue_still_admits_when_a_slot_is_free() -> None:
    limiters = LimiterSet(LimitConfig(max_concurrency=1, max_queue=0))
    async with limiters.acquire(provider="p", key_id="k", model="m"):
        with pytest.raises(QueueFullError):
            async with limiters.acquire(provider="p", key_id="k", model="m"):
                pass
    assert_drained(limiters)


# ------------------------------------------------------------------ buckets


@pytest.mark.anyio
async def test_rpm_bucket_spaces_admissions_in_real_time() -> None:
    # 600 rpm = one every 0.1 s; a 0.1 s burst holds a single request.
    limiter = Limiter(LimitConfig(rpm=600, burst_seconds=0.1, jitter=0))
    stamps = []
    for _ in range(4):
        await limiter.acquire()
        stamps.append(anyio.current_time())
        limiter.release()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.09 for gap in gaps), gaps
    assert stamps[-1] - stamps[0] < 1.0


@pytest.mark.anyio
async def test_rpm_bucket_with_fake_clock() -> None:
    time = FakeTime()
    limiter = fake_limiter(LimitConfig(rpm=60, burst_seconds=3, jitter=0), time)
    stamps = []
    for _ in range(6):
        await limiter.acquire()
        stamps.append(time.now)
        limiter.release()
    # A burst of three, then one per second.
    assert stamps == pytest.approx([0, 0, 0, 1, 2, 3])


@pytest.mark.anyio
async def test_tpm_precharge_and_reconcile() -> None:
    time = FakeTime()
    # 600 tokens per minute = 10 per second; the bucket holds a minute's worth.
    limiters = LimiterSet(
        key_limits={"p": LimitConfig(tpm=600, jitter=0)}, clock=time, sleep=time.sleep
    )
    async with limiters.acquire(
        provider="p", key_id="k", model="m", estimated_tokens=500
    ) as permit:
        permit.reconcile(100)  # the call used far less than estimated
        assert permit.charged_tokens == 100
    async with limiters.acquire(provider="p", key_id="k", model="m", estimated_tokens=400):
        pass
    assert time.now == 0  # 100 + 400 fit the 600 at once
    async with limiters.acquire(
        provider="p", key_id="k", model="m", estimated_tokens=300
    ) as permit:
        pass
    assert time.now == pytest.approx(20.0)  # 100 left, 200 more at 10 per second
    permit.reconcile(500)  # it used more than estimated: the debt delays the next call
    async with limiters.acquire(provider="p", key_id="k", model="m", estimated_tokens=10):
        pass
    assert time.now == pytest.approx(41.0)
    assert_drained(limiters)


@pytest.mark.anyio
async def test_tokens_above_capacity_wait_for_a_full_bucket_then_go_into_debt() -> None:
    time = FakeTime()
    limiter = fake_limiter(LimitConfig(tpm=60, burst_seconds=10, jitter=0), time)  # holds 10
    await limiter.acquire(25)
    assert time.now == 0
    limiter.release()
    await limiter.acquire(1)
    assert time.now == pytest.approx(16.0)  # from -15 back to 1 at one token per second
    limiter.release()


@pytest.mark.anyio
async def test_jitter_only_spreads_delayed_admissions() -> None:
    time = FakeTime()
    limiter = Limiter(
        LimitConfig(rpm=60, burst_seconds=1, jitter=0.05),
        clock=time,
        sleep=time.sleep,
        rng=lambda: 1.0,
    )
    await limiter.acquire()
    assert time.sleeps == []  # admitted at once: no jitter
    await limiter.acquire()
    assert time.sleeps == pytest.approx([1.0, 0.05])  # waited for the bucket, then jitter
    limiter.release()
    limiter.release()


# ------------------------------------------------------------------ 429 brake (AIMD)


@pytest.mark.anyio
async def test_penalize_halves_then_recovers_one_slot_per_success() -> None:
    time = FakeTime()
    limiter = fake_limiter(LimitConfig(max_concurrency=8, jitter=0), time)
    async with limiter.hold() as old:
        pass
    async with limiter.hold() as hit:
        hit.penalize(2.0)
    assert limiter.effective_limit == 4 and limiter.paused_for == pytest.approx(2.0)
    # A 429 and a success of calls admitted before the cut change nothing more.
    old.penalize(1.0)
    old.succeeded()
    assert limiter.effective_limit == 4 and limiter.penalties == 2
    limits = []
    for _ in range(5):
        async with limiter.hold() as permit:
            permit.succeeded()
        limits.append(limiter.effective_limit)
    assert time.now == pytest.approx(2.0)  # the first call after the 429 waited out the pause
    assert limits == [5, 6, 7, 8, 8]
    assert limiter.statistics().effective_limit == 8


@pytest.mark.anyio
async def test_the_reduced_cap_is_enforced() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=8, jitter=0))
    limiter.penalize(0.0)
    limiter.penalize(0.0)
    assert limiter.effective_limit == 2
    running = peak = 0

    async def call() -> None:
        nonlocal running, peak
        async with limiter.hold():
            running += 1
            peak = max(peak, running)
            await anyio.lowlevel.checkpoint()
            running -= 1

    async with anyio.create_task_group() as tg:
        for _ in range(40):
            tg.start_soon(call)
    assert peak == 2 and limiter.borrowed == 0


@pytest.mark.anyio
async def test_penalize_brakes_an_unlimited_scope_then_lifts_the_cap() -> None:
    limiter = Limiter(LimitConfig(jitter=0))
    for _ in range(10):
        await limiter.acquire()
    limiter.penalize(0.0)
    assert limiter.effective_limit == 5
    for _ in range(10):
        limiter.release()
    seen = []
    for _ in range(5):
        async with limiter.hold() as permit:
            permit.succeeded()
        seen.append(limiter.effective_limit)
    assert seen == [6, 7, 8, 9, None]


@pytest.mark.anyio
async def test_penalize_without_hint_pauses_briefly_and_caps_huge_hints() -> None:
    time = FakeTime()
    limiter = fake_limiter(LimitConfig(max_concurrency=2, max_pause=30), time)
    limiter.penalize(None)
    assert limiter.paused_for == pytest.approx(1.0)
    limiter.penalize(10_000.0)
    assert limiter.paused_for == pytest.approx(30.0)
    assert limiter.effective_limit == 1


# ------------------------------------------------------------------ headers


DURATIONS = {"1s": 1.0, "6m0s": 360.0, "20ms": 0.02, "1h2m3.5s": 3723.5, "1m30.5s": 90.5}
DURATIONS |= {"0.5s": 0.5, "2m": 120.0, "1s250ms": 1.25, "7": 7.0, "1.5": 1.5}
GARBAGE_DURATIONS = ["", "abc", "5x", "s", "inf", "nan", "-3s", "1.2.3s"]


@pytest.mark.parametrize(
    ("text", "seconds"), [*DURATIONS.items(), *((g, None) for g in GARBAGE_DURATIONS)]
)
def test_duration_strings(text: str, seconds: float | None) -> None:
    result = parse_duration_text(text)
    assert result == (pytest.approx(seconds) if seconds is not None else None)


def test_reset_times() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_reset("2025-01-01T12:00:30Z", now=now) == pytest.approx(30.0)
    assert parse_reset("2025-01-01T13:00:05+01:00", now=now) == pytest.approx(5.0)
    assert parse_reset("2025-01-01T12:00:00.500000Z", now=now) == pytest.approx(0.5)
    assert parse_reset("2024-12-31T00:00:00Z", now=now) == 0.0  # already past
    assert parse_reset("6m0s", now=now) == 360.0
    assert parse_reset("tomorrow", now=now) is None


NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
OA, AN = "x-ratelimit-", "anthropic-ratelimit-"
HEADER_TABLE = [  # headers -> (remaining requests, remaining tokens, pause)
    ({}, None, None, None),
    ({f"{OA}remaining-requests": "0", f"{OA}reset-requests": "1s"}, 0.0, None, 1.0),
    ({"X-RateLimit-Remaining-Tokens": "0", "X-RateLimit-Reset-Tokens": "6m0s"}, None, 0.0, 360.0),
    (
        {
            f"{OA}remaining-requests": "59",
            f"{OA}reset-requests": "1s",
            f"{OA}remaining-tokens": "149000",
            f"{OA}reset-tokens": "20ms",
        },
        59.0,
        149000.0,
        None,
    ),
    (
        {f"{AN}requests-remaining": "0", f"{AN}requests-reset": "2025-01-01T12:00:12Z"},
        0.0,
        None,
        12.0,
    ),
    (
        {
            f"{AN}tokens-remaining": "5000",
            f"{AN}input-tokens-remaining": "0",
            f"{AN}input-tokens-reset": "2025-01-01T12:00:04Z",
        },
        None,
        0.0,
        4.0,
    ),
    ({"retry-after": "3"}, None, None, 3.0),
    ({"Date": "x", "Retry-After": "3", "X-Request-Id": "r"}, None, None, 3.0),
    ({"Date": "x", "Server": "cloudflare", "x-ratelimit-limit-requests": "100"}, None, None, None),
    ({"retry-after-ms": "1500"}, None, None, 1.5),
    ({f"{OA}remaining-requests": "0", f"{OA}reset-requests": "soon"}, 0.0, None, None),
    ({f"{OA}remaining-requests": "many"}, None, None, None),
    ({f"{OA}remaining-requests": "0"}, 0.0, None, None),
]


@pytest.mark.parametrize(("headers", "requests", "tokens", "pause"), HEADER_TABLE)
def test_rate_limit_header_table(
    headers: dict[str, str], requests: float | None, tokens: float | None, pause: float | None
) -> None:
    hints = read_rate_limit_headers(headers, now=NOW)
    assert hints.remaining_requests == requests
    assert hints.remaining_tokens == tokens
    assert hints.pause == (pytest.approx(pause) if pause is not None else None)


def test_rate_limit_headers_as_aiohttp_gives_them() -> None:
    from multidict import CIMultiDict, CIMultiDictProxy

    # A real OpenAI answer's headers, names as sent (mixed case), with a repeated one.
    headers = CIMultiDictProxy(
        CIMultiDict(
            [
                ("Date", "Sat, 28 Nov 2026 14:00:00 GMT"),
                ("Content-Type", "application/json"),
                ("openai-processing-ms", "312"),
                ("x-ratelimit-limit-requests", "10000"),
                ("X-RateLimit-Remaining-Requests", "0"),
                ("x-ratelimit-remaining-tokens", "1999000"),
                ("x-ratelimit-reset-requests", "6m0s"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("Retry-After-Ms", "500"),
            ]
        )
    )
    hints = read_rate_limit_headers(headers, now=NOW)
    assert (hints.remaining_requests, hints.remaining_tokens, hints.pause) == (
        0.0,
        1999000.0,
        360.0,
    )


@pytest.mark.anyio
async def test_used_up_window_pauses_admission_until_reset() -> None:
    time = FakeTime()
    limiter = fake_limiter(LimitConfig(jitter=0), time)
    limiter.update_from_headers({"x-ratelimit-remaining-requests": "3"})
    assert limiter.paused_for == 0
    limiter.update_from_headers(
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2.5s"}
    )
    assert limiter.paused_for == pytest.approx(2.5)
    await limiter.acquire()
    assert time.now == pytest.approx(2.5)
    limiter.release()
    limiter.update_from_headers(
        {"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s"}
    )
    assert limiter.paused_for == pytest.approx(60.0)  # capped at max_pause


@pytest.mark.anyio
async def test_remaining_counts_lower_our_buckets() -> None:
    time = FakeTime()
    limiter = fake_limiter(LimitConfig(rpm=600, jitter=0), time)
    limiter.update_from_headers({"x-ratelimit-remaining-requests": "2"})
    for _ in range(3):
        await limiter.acquire()
        limiter.release()
    # Two at once, the third waited for the bucket (10 per second).
    assert time.now == pytest.approx(0.1)


# ------------------------------------------------------------------ the set of scopes


@pytest.mark.anyio
async def test_a_paused_key_holds_no_global_slot() -> None:
    limiters = LimiterSet(LimitConfig(max_concurrency=1))
    limiters.key_scope("slow", "k", "m").pause(0.5)
    admitted: list[str] = []

    async def call(provider: str) -> None:
        async with limiters.acquire(provider=provider, key_id="k", model="m"):
            admitted.append(provider)

    start = anyio.current_time()
    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "slow")
        await settle()
        with anyio.fail_after(0.3):
            await call("fast")
        assert admitted == ["fast"]
    assert admitted == ["fast", "slow"]
    assert anyio.current_time() - start >= 0.45
    assert_drained(limiters)


@pytest.mark.anyio
async def test_permit_feedback_goes_to_the_key_scope() -> None:
    limiters = LimiterSet(
        LimitConfig(max_concurrency=8),
        {"p": LimitConfig(max_concurrency=8)},
        {"p": LimitConfig(max_concurrency=4)},
    )
    async with limiters.acquire(provider="p", key_id="k", model="m") as permit:
        permit.penalize(0.0)
        permit.update_from_headers({"retry-after": "0"})
    key = limiters.key_scope("p", "k", "m")
    assert key.penalties == 1 and key.effective_limit == 2
    assert limiters.global_scope.effective_limit == 8
    assert limiters.provider_scope("p") is not None
    assert limiters.provider_scope("p").effective_limit == 8  # type: ignore[union-attr]
    assert [s.name for s in permit.scopes] == ["p/k/m", "p", "global"]
    assert limiters.provider_scope("other") is None
    assert_drained(limiters)


@pytest.mark.anyio
async def test_idle_key_scopes_are_forgotten_beyond_the_limit() -> None:
    limiters = LimiterSet(max_scopes=3)
    for model in ("a", "b", "c"):
        async with limiters.acquire(provider="p", key_id="k", model=model):
            pass
    limiters.key_scope("p", "k", "b").pause(30.0)  # remembers something: kept
    async with limiters.acquire(provider="p", key_id="k", model="d"):
        pass
    assert sorted(key[2] for key in limiters.scopes) == ["b", "d"]


def test_config_validation() -> None:
    for bad in (
        {"max_concurrency": 0},
        {"rpm": 0},
        {"tpm": float("nan")},
        {"max_queue": -1},
        {"jitter": -0.1},
        {"burst_seconds": 0},
    ):
        with pytest.raises(ValueError):
            LimitConfig(**bad)


@pytest.mark.anyio
async def test_a_call_refused_admission_gives_its_charge_back() -> None:
    time = FakeTime()
    limiters = LimiterSet(
        LimitConfig(max_concurrency=1, max_queue=0),
        key_limits={"p": LimitConfig(tpm=600, rpm=60, jitter=0)},
        clock=time,
        sleep=time.sleep,
    )
    holder = await limiters.admit(provider="p", key_id="k", model="m", estimated_tokens=100)
    for _ in range(5):  # the key scope admits them, the full global queue refuses them
        with pytest.raises(QueueFullError):
            await limiters.admit(provider="p", key_id="k", model="m", estimated_tokens=100)
    holder.release()
    # They never went out: 500 of the 600 tokens are still there, at once.
    async with limiters.acquire(provider="p", key_id="k", model="m", estimated_tokens=500):
        pass
    assert time.now == 0
    assert_drained(limiters)
