"""The retry policy (pure) and the limiters (anyio), without any HTTP."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

import nexgate
from nexgate.errors import api_error
from nexgate.formats._errors import parse_retry_after
from nexgate.limits import LimitConfig, Limiter, LimiterSet, parse_reset
from nexgate.retry import RetryBudget, RetryPolicy, decide

POLICY = RetryPolicy(max_retries=3, base_delay=0.5, max_delay=8.0, max_retry_after=60.0)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (api_error("x", status=429), True),
        (api_error("x", status=529), True),
        (api_error("x", status=503), True),
        (api_error("x", status=500), True),
        (api_error("x", status=408), True),
        (api_error("x", status=409), True),
        (api_error("x", status=400), False),
        (api_error("x", status=401), False),
        (api_error("x", status=404), False),
        (api_error("x", status=429, kind="quota"), False),
        (api_error("x", status=413), False),
        (nexgate.APIConnectionError("reset"), True),
        (nexgate.APITimeoutError("t", kind="connect"), True),
        (nexgate.APITimeoutError("t", kind="first_byte"), True),
        (nexgate.APITimeoutError("t", kind="idle"), False),
        (nexgate.APITimeoutError("t", kind="total"), False),
        (nexgate.ResponseTooLargeError("big"), False),
        (nexgate.InvalidInputError("bad"), False),
        (ValueError("not ours"), False),
    ],
)
def test_decision_table(error: BaseException, retry: bool) -> None:
    assert decide(error, 0, POLICY).retry is retry


def test_no_retry_once_output_reached_the_caller() -> None:
    assert decide(api_error("x", status=503), 0, POLICY, output_started=True).retry is False


def test_attempts_are_capped() -> None:
    assert decide(api_error("x", status=503), 3, POLICY).retry is False


def test_server_hint_is_honoured_up_to_the_cap() -> None:
    assert decide(api_error("x", status=429, retry_after=2.5), 0, POLICY).delay == 2.5
    over = decide(api_error("x", status=429, retry_after=120), 0, POLICY)
    assert over.retry is False and "over the cap" in over.reason


def test_x_should_retry_header_overrides_the_status() -> None:
    no = api_error("x", status=503, headers={"X-Should-Retry": "false"})
    yes = api_error("x", status=400, headers={"x-should-retry": "true"})
    assert decide(no, 0, POLICY).retry is False and decide(yes, 0, POLICY).retry is True


def test_full_jitter_backoff_bounds() -> None:
    for attempt, ceiling in ((0, 0.5), (1, 1.0), (2, 2.0)):
        assert decide(api_error("x", status=500), attempt, POLICY, rng=lambda: 1.0).delay == ceiling
        assert decide(api_error("x", status=500), attempt, POLICY, rng=lambda: 0.0).delay == 0.0
    capped = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=8.0)
    assert decide(api_error("x", status=500), 9, capped, rng=lambda: 1.0).delay == 8.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "garbage"}, None),
        ({"retry-after": "-4"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "Fri, 29 Sep 100000 00:00:00 GMT"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers) == seconds


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


def test_retry_budget_stops_a_storm() -> None:
    now = [0.0]
    budget = RetryBudget(ratio=0.2, min_retries=3, window=10.0, clock=lambda: now[0])
    for _ in range(100):
        budget.record_request()
    allowed = sum(budget.allow_retry() for _ in range(100))
    assert allowed == 20
    now[0] = 11.0  # the window moved on
    budget.record_request()
    assert budget.allow_retry() is True


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3s", 3723.0),
        ("0.5s", 0.5),
        ("soon", None),
    ],
)
def test_rate_limit_reset_parsing(value: str, seconds: float | None) -> None:
    assert parse_reset(value) == seconds


@pytest.mark.anyio
async def test_cap_holds_under_two_thousand_tasks_and_all_slots_return() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=25))
    peak = 0

    async def one() -> None:
        nonlocal peak
        await limiter.acquire()
        try:
            peak = max(peak, limiter.in_flight)
            await anyio.lowlevel.checkpoint()
        finally:
            limiter.release()

    async with anyio.create_task_group() as group:
        for _ in range(2000):
            group.start_soon(one)
    assert peak == 25 and limiter.in_flight == 0 and limiter.waiting == 0 and limiter.borrowed == 0


@pytest.mark.anyio
async def test_cancelled_waiters_and_holders_release_their_slots() -> None:
    limits = LimiterSet(LimitConfig(max_concurrency=2))

    async def hold() -> None:
        async with limits.acquire(provider="p", key_id="k", model="m"):
            await anyio.sleep(10)

    with anyio.move_on_after(0.1):
        async with anyio.create_task_group() as group:
            for _ in range(5):  # two hold a slot, three wait
                group.start_soon(hold)
    assert limits.in_flight == 0 and limits.waiting == 0
    assert limits.global_scope.borrowed == 0


@pytest.mark.anyio
async def test_a_full_queue_is_a_clear_error() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=1, max_queue=2), "p/key0/m")
    await limiter.acquire()
    async with anyio.create_task_group() as group:
        for _ in range(2):
            group.start_soon(limiter.acquire)
        await anyio.sleep(0.05)
        with pytest.raises(nexgate.QueueFullError, match="p/key0/m"):
            await limiter.acquire()
        group.cancel_scope.cancel()
    limiter.release()


@pytest.mark.anyio
async def test_rpm_bucket_spaces_admissions() -> None:
    limiter = Limiter(LimitConfig(rpm=600, jitter=0))  # 10 per second, burst of 600
    limiter._requests.level = 0  # type: ignore[union-attr]  # start empty
    start = anyio.current_time()
    for _ in range(3):
        await limiter.acquire()
        limiter.release()
    assert anyio.current_time() - start >= 0.25


@pytest.mark.anyio
async def test_tpm_precharge_is_reconciled() -> None:
    limiter = Limiter(LimitConfig(tpm=1000, jitter=0))
    await limiter.acquire(tokens=800)
    limiter.release()
    limiter.reconcile(estimated=800, actual=100)  # the call used far less: 700 come back
    start = anyio.current_time()
    await limiter.acquire(tokens=800)
    limiter.release()
    assert anyio.current_time() - start < 0.2


@pytest.mark.anyio
async def test_429_halves_the_cap_then_successes_restore_it() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=8, jitter=0))
    limiter.penalize(0.05)
    assert limiter.effective_limit == 4 and limiter.penalties == 1
    start = anyio.current_time()
    await limiter.acquire()
    assert anyio.current_time() - start >= 0.04  # admission paused for the hint
    limiter.release()
    for _ in range(16):
        limiter.succeeded()
    assert limiter.effective_limit == 8


@pytest.mark.anyio
async def test_rate_limit_headers_pause_admission_until_reset() -> None:
    limiter = Limiter(LimitConfig(max_concurrency=4, jitter=0))
    limiter.update_from_headers(
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "80ms"}
    )
    start = anyio.current_time()
    await limiter.acquire()
    limiter.release()
    assert anyio.current_time() - start >= 0.07
