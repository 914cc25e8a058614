"""The retry policy, pure: which failures earn another attempt, and after how long."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import (
    RETRYABLE_STATUSES,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ResponseTooLargeError,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry.

    Backoff is exponential with full jitter. A server's ``retry-after`` (or Gemini's
    ``RetryInfo``) is honoured up to ``max_retry_after`` seconds; a longer hint fails fast
    rather than holding the caller (as openai-python does).
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    budget_ratio: float = 0.2
    budget_min_retries: int = 3

    def with_(self, **changes: Any) -> RetryPolicy:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    retry: bool
    delay: float = 0.0
    reason: str = ""


def _should_retry_header(error: APIStatusError) -> bool | None:
    value = {k.lower(): v for k, v in error.headers.items()}.get("x-should-retry")
    if value is None:
        return None
    return value.strip().lower() == "true"


def decide(
    error: BaseException,
    attempt: int,
    policy: RetryPolicy,
    *,
    output_started: bool = False,
    rng: Callable[[], float] = random.random,
) -> RetryDecision:
    """Whether attempt number ``attempt`` (0-based) that failed with ``error`` is retried."""
    if output_started:
        return RetryDecision(False, reason="output already reached the caller")
    if attempt >= policy.max_retries:
        return RetryDecision(False, reason=f"gave up after {attempt + 1} attempts")
    hint: float | None = None
    if isinstance(error, APIStatusError):
        override = _should_retry_header(error)
        if error.kind == "quota":
            return RetryDecision(False, reason="quota exhausted")
        retryable = error.status in policy.retry_statuses if override is None else override
        if not retryable:
            return RetryDecision(False, reason=f"status {error.status} is not retried")
        hint = error.retry_after
    elif isinstance(error, ResponseTooLargeError):
        return RetryDecision(False, reason="response too large")
    elif isinstance(error, APITimeoutError):
        if error.kind not in ("connect", "first_byte"):
            return RetryDecision(False, reason=f"{error.kind} timeout")
    elif not isinstance(error, APIConnectionError):
        return RetryDecision(False, reason=f"{type(error).__name__} is not retried")
    if hint is not None:
        if hint > policy.max_retry_after:
            return RetryDecision(False, reason=f"server asked to wait {hint:g}s, over the cap")
        return RetryDecision(True, delay=hint, reason="server retry hint")
    ceiling = min(policy.max_delay, policy.base_delay * 2**attempt)
    return RetryDecision(True, delay=rng() * ceiling, reason="backoff")


@dataclass(slots=True)
class RetryBudget:
    """Retries may be at most ``ratio`` of recent requests (but ``min_retries`` always pass)."""

    ratio: float = 0.2
    min_retries: int = 3
    window: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _requests: deque[float] = field(default_factory=deque)
    _retries: deque[float] = field(default_factory=deque)

    def _trim(self, now: float) -> None:
        for times in (self._requests, self._retries):
            while times and now - times[0] > self.window:
                times.popleft()

    def record_request(self) -> None:
        self._requests.append(self.clock())

    def allow_retry(self) -> bool:
        now = self.clock()
        self._trim(now)
        allowed = max(self.min_retries, self.ratio * len(self._requests))
        if len(self._retries) >= allowed:
            return False
        self._retries.append(now)
        return True
