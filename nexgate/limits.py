"""Concurrency and rate limits on anyio: global, per provider, per (provider, key, model).

Each scope has a concurrency cap, optional requests-per-minute and tokens-per-minute buckets
(tokens pre-charged from an estimate, reconciled with the real usage), a bounded wait queue,
and a 429 brake: the cap halves and admission pauses for the server's hint, then the cap
grows back one slot per successful call.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio

from .errors import QueueFullError


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """Limits of one scope; ``None`` means unlimited."""

    max_concurrency: int | None = None
    rpm: float | None = None
    tpm: float | None = None
    max_queue: int | None = None
    jitter: float = 0.05


class _Bucket:
    """A token bucket refilled continuously at ``per_minute / 60`` per second."""

    __slots__ = ("capacity", "level", "rate", "stamp")

    def __init__(self, per_minute: float) -> None:
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self.level = per_minute
        self.stamp: float | None = None

    def wait_for(self, amount: float, now: float) -> float:
        """Seconds until ``amount`` is available (0 when it is now)."""
        if self.stamp is not None:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        amount = min(amount, self.capacity)
        return 0.0 if self.level >= amount else (amount - self.level) / self.rate

    def take(self, amount: float) -> None:
        self.level -= amount


class Limiter:
    """The limits of one scope."""

    def __init__(self, config: LimitConfig, name: str = "") -> None:
        self.config = config
        self.name = name
        self.cap = config.max_concurrency
        self._slots = (
            anyio.CapacityLimiter(config.max_concurrency) if config.max_concurrency else None
        )
        self._requests = _Bucket(config.rpm) if config.rpm else None
        self._tokens = _Bucket(config.tpm) if config.tpm else None
        self._paused_until = 0.0
        self._gate = anyio.Lock()
        self.waiting = 0
        self.in_flight = 0
        self._successes = 0
        self.penalties = 0

    def _check_queue(self) -> None:
        limit = self.config.max_queue
        if limit is not None and self.waiting >= limit:
            name = self.name or "limiter"
            raise QueueFullError(f"{name}: {self.waiting} calls waiting already (max {limit})")

    async def _admit(self, tokens: float) -> None:
        """Wait for the pause, the RPM and the TPM buckets (one task at a time, FIFO-ish)."""
        if self._requests is None and self._tokens is None and self._paused_until == 0.0:
            return  # nothing to wait for: skip the gate (the common, unlimited-rate case)
        async with self._gate:
            while True:
                now = anyio.current_time()
                wait = max(0.0, self._paused_until - now)
                if self._requests is not None:
                    wait = max(wait, self._requests.wait_for(1, now))
                if self._tokens is not None and tokens:
                    wait = max(wait, self._tokens.wait_for(tokens, now))
                if wait <= 0:
                    break
                # Jitter so that callers released together do not hit the upstream in lock-step.
                await anyio.sleep(wait + random.random() * self.config.jitter)
            if self._requests is not None:
                self._requests.take(1)
            if self._tokens is not None:
                self._tokens.take(tokens)

    async def acquire(self, tokens: float = 0) -> None:
        self._check_queue()
        self.waiting += 1
        try:
            if self._slots is not None:
                await self._slots.acquire()
            try:
                await self._admit(tokens)
            except BaseException:
                if self._slots is not None:
                    self._slots.release()
                raise
        finally:
            self.waiting -= 1
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        if self._slots is not None:
            self._slots.release()

    def reconcile(self, estimated: float, actual: float) -> None:
        """Give back (or charge more of) the tokens pre-charged at admission."""
        if self._tokens is not None:
            self._tokens.level += estimated - actual

    def succeeded(self) -> None:
        """Additive increase: after a 429 brake, each success gives back one slot."""
        if self._slots is not None and self.cap is not None and self._slots.total_tokens < self.cap:
            self._successes += 1
            if self._successes >= 4:
                self._successes = 0
                self._slots.total_tokens = min(self.cap, int(self._slots.total_tokens) + 1)

    def penalize(self, retry_after: float | None) -> None:
        """A 429: halve the concurrency and pause admission for the hinted time."""
        self.penalties += 1
        if self._slots is not None:
            self._slots.total_tokens = max(1, int(self._slots.total_tokens) // 2)
        pause = retry_after if retry_after is not None else 1.0
        self._paused_until = max(self._paused_until, anyio.current_time() + pause)

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        """Pause until the reset when the provider says a window is used up."""
        if not any("ratelimit" in key.lower() for key in headers):
            return
        lower = {k.lower(): v for k, v in headers.items()}
        for prefix in ("x-ratelimit-", "anthropic-ratelimit-"):
            for kind in ("requests", "tokens"):
                remaining = lower.get(f"{prefix}remaining-{kind}") or lower.get(
                    f"{prefix}{kind}-remaining"
                )
                reset = lower.get(f"{prefix}reset-{kind}") or lower.get(f"{prefix}{kind}-reset")
                if remaining is not None and reset is not None and remaining.strip() == "0":
                    delay = parse_reset(reset)
                    if delay is not None:
                        self._paused_until = max(self._paused_until, anyio.current_time() + delay)

    @property
    def effective_limit(self) -> int | None:
        return int(self._slots.total_tokens) if self._slots is not None else None

    @property
    def borrowed(self) -> int:
        return int(self._slots.borrowed_tokens) if self._slots is not None else 0


def parse_reset(value: str) -> float | None:
    """A reset time: OpenAI durations (``1s``, ``6m0s``, ``20ms``) or an RFC 3339 timestamp."""
    text = value.strip()
    total, number = 0.0, ""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    i = 0
    while i < len(text):
        char = text[i]
        if char.isdigit() or char == ".":
            number += char
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else char
        if unit not in units or not number:
            return _timestamp(text)
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        return _timestamp(text)
    return total


def _timestamp(text: str) -> float | None:
    from datetime import datetime

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = _parse_http_date(text)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - datetime.now(UTC).timestamp())


class Permit:
    """What a call holds while it runs; routes feedback to its key scope."""

    def __init__(self, scopes: list[Limiter], estimated: float) -> None:
        self.scopes = scopes
        self.estimated = estimated

    @property
    def key_scope(self) -> Limiter:
        return self.scopes[-1]

    def reconcile(self, actual: float) -> None:
        for scope in self.scopes:
            scope.reconcile(self.estimated, actual)
        self.estimated = actual

    def penalize(self, retry_after: float | None) -> None:
        self.key_scope.penalize(retry_after)

    def succeeded(self) -> None:
        self.key_scope.succeeded()

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        self.key_scope.update_from_headers(headers)


class LimiterSet:
    """All scopes of a client, created on first use."""

    def __init__(
        self,
        global_limits: LimitConfig,
        provider_limits: Mapping[str, LimitConfig] | None = None,
        key_limits: Mapping[str, LimitConfig] | None = None,
    ) -> None:
        self.global_scope = Limiter(global_limits, "global")
        self._provider_limits = dict(provider_limits or {})
        self._key_limits = dict(key_limits or {})
        self.scopes: dict[tuple[str, ...], Limiter] = {}

    def _scope(self, key: tuple[str, ...], config: LimitConfig | None) -> Limiter | None:
        if config is None:
            return None
        scope = self.scopes.get(key)
        if scope is None:
            scope = self.scopes[key] = Limiter(config, "/".join(key))
        return scope

    def key_scope(self, provider: str, key_id: str, model: str) -> Limiter:
        config = self._key_limits.get(provider, LimitConfig())
        scope = self._scope((provider, key_id, model), config)
        assert scope is not None
        return scope

    @asynccontextmanager
    async def acquire(
        self, *, provider: str, key_id: str, model: str, estimated_tokens: float = 0
    ) -> AsyncIterator[Permit]:
        """Hold a slot in the global, provider and key scopes (in that order) for one call."""
        chain = [self.global_scope]
        provider_scope = self._scope((provider,), self._provider_limits.get(provider))
        if provider_scope is not None:
            chain.append(provider_scope)
        chain.append(self.key_scope(provider, key_id, model))
        held: list[Limiter] = []
        try:
            for scope in chain:
                await scope.acquire(estimated_tokens)
                held.append(scope)
            yield Permit(chain, estimated_tokens)
        finally:
            for scope in reversed(held):
                scope.release()

    @property
    def in_flight(self) -> int:
        return self.global_scope.in_flight + sum(s.in_flight for s in self.scopes.values())

    @property
    def waiting(self) -> int:
        return self.global_scope.waiting + sum(s.waiting for s in self.scopes.values())


def _parse_http_date(value: str) -> datetime:
    # Imported here: email.utils costs ~15 ms at import and is needed only for HTTP dates.
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(value)
