"""The pure retry policy: decision table, hints and their cap, backoff bounds, budget, deadline."""

from __future__ import annotations

import asyncio
import random

import pytest

from nexgate import errors
from nexgate.formats._errors import parse_retry_after
from nexgate.retry import Deadline, RetryBudget, RetryDecision, RetryPolicy, decide

POLICY = RetryPolicy()


def status_error(status: int, kind: str | None = None, **context: object) -> errors.APIStatusError:
    return errors.api_error("upstream said no", status=status, kind=kind, **context)


def verdict(error: BaseException, attempt: int = 0, *, output_started: bool = False) -> bool:
    return decide(error, attempt, POLICY, output_started=output_started, rng=lambda: 0.5).retry


# 520-524: a CDN (Cloudflare) in front of the upstream, which could not reach it in time.
@pytest.mark.parametrize(
    "status", [408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529, 599]
)
def test_retryable_statuses_are_retried(status: int) -> None:
    assert verdict(status_error(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422, 451, 501, 505])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert not verdict(status_error(status))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (status_error(429, "quota"), False),
        (errors.QuotaExceededError("credit balance", status=400), False),
        (status_error(402), False),
        (errors.ContextLengthError("too long", status=400), False),
        (errors.AuthenticationError("bad key", status=401), False),
        (errors.PermissionDeniedError("no", status=403), False),
        (errors.NotFoundError("no model", status=404), False),
        (errors.BadRequestError("bad", status=400), False),
        # An error event inside a 200 stream: the kind decides.
        (status_error(200, "overloaded"), True),
        (status_error(200, "rate_limit"), True),
        (status_error(200, "bad_request"), False),
        (errors.APIConnectionError("connection reset"), True),
        (errors.ResponseTooLargeError("too big"), False),
        (errors.APITimeoutError("t", kind="connect"), True),
        (errors.APITimeoutError("t", kind="first_byte"), True),
        (errors.APITimeoutError("t", kind="idle"), False),
        (errors.APITimeoutError("t", kind="total"), False),
        (errors.APITimeoutError("t", kind="queue"), False),
        (errors.StreamInterruptedError("cut before output", partial=False), True),
        (errors.StreamInterruptedError("cut mid-stream", partial=True), False),
        (errors.TranslationError([]), False),
        (errors.InvalidInputError("bad field", path="$.messages"), False),
        (errors.QueueFullError("full"), False),
        (ValueError("a bug"), False),
        (asyncio.CancelledError(), False),
    ],
    ids=repr,
)
def test_decision_table(error: BaseException, expected: bool) -> None:
    assert verdict(error) is expected


def test_quota_reason_is_named() -> None:
    decision = decide(status_error(429, "quota"), 0, POLICY, output_started=False)
    assert decision == RetryDecision(False, 0.0, "quota exhausted")


@pytest.mark.parametrize(
    "error",
    [
        status_error(503),
        errors.APIConnectionError("reset"),
        errors.APITimeoutError("t", kind="connect"),
    ],
)
def test_never_retry_once_output_reached_the_caller(error: BaseException) -> None:
    assert verdict(error)
    decision = decide(error, 0, POLICY, output_started=True)
    assert not decision.retry and "output" in decision.reason


def test_attempts_are_capped_by_max_retries() -> None:
    error = status_error(503)
    assert [verdict(error, attempt) for attempt in range(4)] == [True, True, False, False]
    assert not decide(error, 0, POLICY.with_(max_retries=0), output_started=False).retry


@pytest.mark.parametrize(
    ("status", "kind", "header", "expected"),
    [
        (503, None, "false", False),
        (429, None, "False", False),
        (501, None, "true", True),
        (418, "server", "true", True),
        (409, None, "false", False),
        (401, None, "true", False),  # a caller fault stays one
        (429, "quota", "true", False),  # quota is never retried
        (400, "context_length", "true", False),
        (503, None, "maybe", True),  # unclear: the status decides
        (400, None, "maybe", False),
    ],
)
def test_x_should_retry_overrides_the_status_rule(
    status: int, kind: str | None, header: str, expected: bool
) -> None:
    error = status_error(status, kind, headers={"X-Should-Retry": header})
    assert verdict(error) is expected


def test_retry_on_statuses_is_configurable() -> None:
    policy = POLICY.with_(retry_on_statuses={429})
    assert decide(status_error(429), 0, policy, output_started=False).retry
    assert not decide(status_error(503), 0, policy, output_started=False).retry
    assert isinstance(policy.retry_on_statuses, frozenset)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (0.0, RetryDecision(True, 0.0)),
        (3.0, RetryDecision(True, 3.0)),
        (60.0, RetryDecision(True, 60.0)),
    ],
)
def test_server_hint_under_the_cap_is_the_delay(hint: float, expected: RetryDecision) -> None:
    decision = decide(status_error(429, retry_after=hint), 0, POLICY, output_started=False)
    assert (decision.retry, decision.delay) == (expected.retry, expected.delay)
    assert "server asked" in decision.reason


def test_server_hint_over_the_cap_fails_fast() -> None:
    decision = decide(status_error(429, retry_after=61.0), 0, POLICY, output_started=False)
    assert not decision.retry
    assert "61s" in decision.reason and "cap" in decision.reason
    loose = POLICY.with_(max_retry_after=120.0)
    assert decide(status_error(429, retry_after=61.0), 0, loose, output_started=False).delay == 61.0


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "garbage"},
        {"retry-after": "inf"},
        {"retry-after": "nan"},
        {"retry-after": "-5"},
        {"retry-after-ms": "soon"},
        {"retry-after": "Fri, 29 Sep 100000 00:00:00 GMT"},
        {},
    ],
)
def test_garbage_hints_fall_back_to_backoff(headers: dict[str, str]) -> None:
    hint = parse_retry_after(headers, now=0.0)
    assert hint is None
    error = status_error(429, retry_after=hint)
    decision = decide(error, 1, POLICY, output_started=False, rng=lambda: 1.0)
    assert decision == RetryDecision(True, 1.0, "backoff")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_non_finite_or_negative_hints_are_ignored(bad: float) -> None:
    decision = decide(
        status_error(503, retry_after=bad), 0, POLICY, output_started=False, rng=lambda: 1.0
    )
    assert decision == RetryDecision(True, 0.5, "backoff")


def test_parsed_hints_are_honoured() -> None:
    for headers, seconds in [({"retry-after": "7"}, 7.0), ({"retry-after-ms": "250"}, 0.25)]:
        error = status_error(429, retry_after=parse_retry_after(headers, now=0.0))
        assert decide(error, 0, POLICY, output_started=False).delay == seconds


def test_backoff_ceiling_doubles_up_to_max_delay() -> None:
    ceilings = [POLICY.backoff(attempt, rng=lambda: 1.0) for attempt in range(7)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert POLICY.backoff(0, rng=lambda: 0.0) == 0.0
    assert POLICY.backoff(3, rng=lambda: 0.25) == 1.0
    assert POLICY.backoff(10_000, rng=lambda: 1.0) == 8.0  # no overflow


def test_backoff_is_full_jitter_within_bounds() -> None:
    rng = random.Random(7).random
    policy = RetryPolicy(max_retries=10)
    for attempt in range(6):
        ceiling = min(8.0, 0.5 * 2**attempt)
        delays = [
            decide(status_error(503), attempt, policy, output_started=False, rng=rng).delay
            for _ in range(300)
        ]
        assert all(0.0 <= d <= ceiling for d in delays)
        # Full jitter spreads over the whole range, not just its top quarter.
        assert min(delays) < ceiling * 0.1 and max(delays) > ceiling * 0.9


def test_policy_validates_its_fields() -> None:
    for bad in ({"max_retries": -1}, {"base_delay": -0.1}, {"max_delay": float("inf")}):
        with pytest.raises(ValueError):
            RetryPolicy(**bad)
    with pytest.raises(ValueError):
        POLICY.with_(max_retry_after=float("nan"))
    assert POLICY.with_(max_retries=5).max_retries == 5 and POLICY.max_retries == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_budget_allows_min_retries_even_without_traffic() -> None:
    budget = RetryBudget(ratio=0.2, min_retries=3, clock=FakeClock())
    allowed = 0
    while budget.allow_retry():
        budget.record_retry()
        allowed += 1
        assert allowed < 100
    assert allowed == 3


def test_budget_blocks_retries_under_total_failure() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_retries=2)
    budget = RetryBudget(policy.budget_ratio, policy.budget_min_retries, clock=clock)
    upstream_calls = 0
    for _ in range(1000):
        clock.now += 0.001  # the whole storm fits one window
        budget.record_request()
        attempt = 0
        while True:
            upstream_calls += 1
            decision = decide(status_error(503), attempt, policy, output_started=False)
            if not decision.retry or not budget.allow_retry():
                break
            budget.record_retry()
            attempt += 1
    # Without the budget: 3000 calls. With it: at most 20% more than the calls made.
    assert upstream_calls <= 1000 * 1.2
    assert upstream_calls >= 1000 * 1.19
    assert budget.retries <= max(3, 0.2 * budget.requests)


def test_budget_window_slides() -> None:
    clock = FakeClock()
    budget = RetryBudget(ratio=0.0, min_retries=1, window=10.0, clock=clock)
    budget.record_request()
    assert budget.allow_retry()
    budget.record_retry()
    assert not budget.allow_retry()
    clock.now = 9.9
    assert not budget.allow_retry()
    clock.now = 10.0
    assert budget.allow_retry() and budget.retries == 0 and budget.requests == 0


def test_budget_ratio_scales_with_traffic() -> None:
    budget = RetryBudget(ratio=0.5, min_retries=0, clock=FakeClock())
    for _ in range(10):
        budget.record_request()
    granted = 0
    while budget.allow_retry():
        budget.record_retry()
        granted += 1
    assert granted == 5


def test_deadline_counts_down_across_attempts() -> None:
    clock = FakeClock()
    deadline = Deadline(5.0, clock=clock)
    assert deadline.remaining() == 5.0 and not deadline.expired
    clock.now = 3.0
    assert deadline.remaining() == 2.0
    assert deadline.cap(10.0) == 2.0 and deadline.cap(1.0) == 1.0 and deadline.cap(None) == 2.0
    assert deadline.allows(1.5) and not deadline.allows(2.0)
    clock.now = 6.0
    assert deadline.remaining() == 0.0 and deadline.expired


def test_no_deadline() -> None:
    deadline = Deadline(None, clock=FakeClock())
    assert deadline.remaining() is None and not deadline.expired
    assert deadline.cap(3.0) == 3.0 and deadline.cap(None) is None and deadline.allows(1e9)
    with pytest.raises(ValueError):
        Deadline(-1.0)


def test_decide_refuses_a_retry_that_would_outlive_the_deadline() -> None:
    clock = FakeClock()
    deadline = Deadline(2.0, clock=clock)
    error = status_error(429, retry_after=3.0)
    decision = decide(error, 0, POLICY, output_started=False, deadline=deadline)
    assert not decision.retry and "deadline" in decision.reason
    short = status_error(429, retry_after=1.0)
    assert decide(short, 0, POLICY, output_started=False, deadline=deadline).retry
