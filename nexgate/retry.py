"""The retry policy, pure: which failures earn another attempt, after how long, and how many.

Nothing here sleeps or does I/O. Randomness and clocks are parameters, so the dispatcher's
behaviour under backoff can be tested without waiting.

Retries are "at least once": a POST whose body reached the upstream may have been billed
before the failure, and no idempotency key is sent (none of the providers honours one).
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from typing import Any

import msgspec

from .errors import (
    RETRYABLE_STATUSES,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ContextLengthError,
    QuotaExceededError,
    ResponseTooLargeError,
    StreamInterruptedError,
)

Clock = Callable[[], float]

#: Kinds that no hint can make retryable: the same request would fail the same way.
_HOPELESS_KINDS = frozenset({"quota", "context_length"})
#: Caller or account faults: retried only when their status is listed explicitly (409).
_CALLER_KINDS = frozenset(
    {"authentication", "permission", "not_found", "bad_request", "request_too_large"}
)
#: Kinds that are transient when an error arrives without an HTTP error status
#: (an error event inside a 200 stream, before any output reached the caller).
_TRANSIENT_KINDS = frozenset({"rate_limit", "overloaded", "server", "timeout"})
#: Largest exponent used for backoff; 2**62 is already far beyond any max_delay.
_MAX_EXPONENT = 62


class RetryPolicy(msgspec.Struct, frozen=True):
    """How often and how patiently to retry.

    ``max_retries`` counts retries, not attempts (2 means at most 3 attempts). Backoff is
    exponential with full jitter: ``rng() * min(max_delay, base_delay * 2**attempt)``. A
    server hint (``retry-after``, ``retry-after-ms``, Gemini ``RetryInfo``) is honoured up to
    ``max_retry_after`` seconds; a longer hint fails fast instead of holding the caller.
    ``budget_ratio`` and ``budget_min_retries`` configure the :class:`RetryBudget`.
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    retry_on_statuses: Collection[int] = RETRYABLE_STATUSES
    budget_ratio: float = 0.2
    budget_min_retries: int = 3

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        for name in ("base_delay", "max_delay", "max_retry_after", "budget_ratio"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0")
        if self.budget_min_retries < 0:
            raise ValueError("budget_min_retries must be >= 0")
        if not all(isinstance(status, int) for status in self.retry_on_statuses):
            raise ValueError("retry_on_statuses must hold HTTP status codes (int)")

    def with_(self, **changes: Any) -> RetryPolicy:
        """A copy with some fields changed (validated like the constructor)."""
        statuses = changes.get("retry_on_statuses")
        if statuses is not None:
            changes["retry_on_statuses"] = frozenset(statuses)  # keeps the policy hashable
        fields = {name: getattr(self, name) for name in self.__struct_fields__}
        return RetryPolicy(**{**fields, **changes})

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """The full-jitter delay after failed attempt ``attempt`` (0-based)."""
        exponent = min(max(attempt, 0), _MAX_EXPONENT)
        ceiling = min(self.max_delay, self.base_delay * 2.0**exponent)
        return rng() * ceiling


class RetryDecision(msgspec.Struct, frozen=True):
    """The answer of :func:`decide`; ``reason`` is a short phrase for logs."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


def _no(reason: str) -> RetryDecision:
    return RetryDecision(False, 0.0, reason)


def should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The upstream's ``x-should-retry`` verdict: True, False, or None when absent/unclear."""
    for name, value in headers.items():
        if name.lower() == "x-should-retry":
            text = value.strip().lower()
            if text == "true":
                return True
            if text == "false":
                return False
            return None
    return None


def _status_verdict(error: APIStatusError, policy: RetryPolicy) -> RetryDecision | None:
    """None when the status error is worth another attempt; otherwise why not."""
    kind = error.kind
    if isinstance(error, QuotaExceededError) or kind == "quota":
        return _no("quota exhausted")
    if isinstance(error, ContextLengthError) or kind in _HOPELESS_KINDS:
        return _no(f"{kind} errors are not retried")
    override = should_retry_header(error.headers)
    if override is False:
        return _no("upstream said x-should-retry: false")
    if error.status >= 400:
        by_status = error.status in policy.retry_on_statuses
    else:
        # An error event inside a 200 stream has no meaningful status: its kind decides.
        by_status = kind in _TRANSIENT_KINDS
    if by_status:
        return None
    if kind in _CALLER_KINDS:
        return _no(f"{kind} errors are not retried")
    if override:
        return None
    return _no(f"status {error.status} ({kind}) is not retried")


def _error_verdict(error: BaseException, policy: RetryPolicy) -> RetryDecision | None:
    """None when ``error`` is worth another attempt; otherwise why not."""
    if isinstance(error, APIStatusError):
        return _status_verdict(error, policy)
    if isinstance(error, ResponseTooLargeError):
        return _no("response too large")
    if isinstance(error, APIConnectionError):
        return None if error.retryable else _no(error.message)
    if isinstance(error, APITimeoutError):
        if error.kind in ("connect", "first_byte"):
            return None
        return _no(f"{error.kind} timeout is not retried")
    if isinstance(error, StreamInterruptedError) and not error.partial:
        return None
    # TranslationError, InvalidInputError, QueueFullError, cancellation, bugs: never.
    return _no(f"{type(error).__name__} is not retried")


def decide(
    error: BaseException,
    attempt: int,
    policy: RetryPolicy,
    *,
    output_started: bool,
    rng: Callable[[], float] = random.random,
    deadline: Deadline | None = None,
) -> RetryDecision:
    """Whether a call whose attempt number ``attempt`` (0-based) failed with ``error`` goes again.

    Never once stream output reached the caller (a retry would duplicate it). Retried:
    status errors whose status is in ``policy.retry_on_statuses`` (``x-should-retry`` from the
    upstream overrides that), connection failures, connect / first-byte timeouts, and
    in-stream errors of a transient kind that arrived before any output. Never: quota,
    context length, auth, permission, not found, bad request, translation and input errors,
    oversized responses. With ``deadline``, a retry whose delay would outlive it is refused.
    """
    if output_started:
        return _no("output already reached the caller")
    verdict = _error_verdict(error, policy)
    if verdict is not None:
        return verdict
    if attempt >= policy.max_retries:
        return _no(f"gave up after {attempt + 1} attempts")
    hint = error.retry_after if isinstance(error, APIStatusError) else None
    if hint is not None and math.isfinite(hint) and hint >= 0:
        if hint > policy.max_retry_after:
            return _no(f"server asked to wait {hint:g}s, over the {policy.max_retry_after:g}s cap")
        delay, reason = float(hint), f"server asked to wait {hint:g}s"
    else:
        delay, reason = policy.backoff(attempt, rng), "backoff"
    if deadline is not None and not deadline.allows(delay):
        return _no("no time left before the deadline")
    return RetryDecision(True, delay, reason)


class RetryBudget:
    """Caps retries at ``ratio`` of recent calls, so a failing upstream is not hammered.

    Within the sliding ``window`` (seconds) a retry is allowed while
    ``retries + 1 <= max(min_retries, ratio * requests)``. Call :meth:`record_request` once per
    call (not per attempt) and :meth:`record_retry` for each retry actually made.
    """

    __slots__ = ("_requests", "_retries", "clock", "min_retries", "ratio", "window")

    def __init__(
        self,
        ratio: float = 0.2,
        min_retries: int = 3,
        window: float = 10.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.ratio = ratio
        self.min_retries = min_retries
        self.window = window
        self.clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()

    def __repr__(self) -> str:
        return f"RetryBudget(ratio={self.ratio}, min_retries={self.min_retries})"

    def _trim(self) -> float:
        now = self.clock()
        for stamps in (self._requests, self._retries):
            while stamps and now - stamps[0] >= self.window:
                stamps.popleft()
        return now

    def record_request(self) -> None:
        self._requests.append(self._trim())

    def record_retry(self) -> None:
        self._retries.append(self._trim())

    def allow_retry(self) -> bool:
        """Whether one more retry fits the budget (does not record it)."""
        self._trim()
        allowance = max(float(self.min_retries), self.ratio * len(self._requests))
        return len(self._retries) + 1 <= allowance

    @property
    def requests(self) -> int:
        """Calls recorded within the window."""
        self._trim()
        return len(self._requests)

    @property
    def retries(self) -> int:
        """Retries recorded within the window."""
        self._trim()
        return len(self._retries)


class Deadline:
    """One overall deadline across all attempts of a call (``None`` timeout: no deadline)."""

    __slots__ = ("_clock", "at")

    def __init__(self, timeout: float | None, *, clock: Clock = time.monotonic) -> None:
        if timeout is not None and (math.isnan(timeout) or timeout < 0):
            raise ValueError("timeout must be None or a number >= 0")
        self._clock = clock
        #: The absolute clock time of the deadline, or None.
        self.at: float | None = None if timeout is None else clock() + timeout

    def remaining(self) -> float | None:
        """Seconds left (never negative), or None without a deadline."""
        if self.at is None:
            return None
        return max(0.0, self.at - self._clock())

    @property
    def expired(self) -> bool:
        return self.at is not None and self._clock() >= self.at

    def allows(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves some time for an attempt."""
        left = self.remaining()
        return left is None or delay < left

    def cap(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to the time left (for a per-attempt timeout)."""
        left = self.remaining()
        if left is None:
            return timeout
        return left if timeout is None else min(timeout, left)

    def __repr__(self) -> str:
        return f"Deadline(remaining={self.remaining()!r})"
