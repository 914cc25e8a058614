"""Concurrency and rate limits on anyio, for one scope (:class:`Limiter`) or all of a client's.

A scope admits a call when four things allow it, in this order: a concurrency slot (a FIFO
queue, bounded by ``max_queue``), the end of any pause, the requests-per-minute bucket and the
tokens-per-minute bucket (charged with an estimate, reconciled with the real usage later).

Pauses come from provider headers (a used-up window pauses until its reset) and from 429s:
:meth:`Limiter.penalize` halves the concurrency cap and pauses for the server's hint; each
later success adds one slot back (AIMD). Calls admitted before a cut neither cut again nor
count towards recovery, so one burst of 429s halves the cap once, and the replies of calls
that were already in flight do not undo it.

Cancellation is safe everywhere: a task cancelled while queued or while holding a slot gives
the slot back, and the cancellation propagates unchanged.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

import anyio
import msgspec

from .errors import InvalidInputError, QueueFullError
from .limits_headers import NO_HINTS, read_rate_limit_headers
from .limits_primitives import Bucket, Slots

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Pause after a 429 that carried no retry hint.
DEFAULT_PENALTY_PAUSE = 1.0


class LimitConfig(msgspec.Struct, frozen=True):
    """Limits of one scope; ``None`` means unlimited.

    ``max_queue`` bounds how many calls may wait (beyond it: :class:`~nexgate.QueueFullError`).
    ``jitter`` is the most a call delayed by a pause or a rate bucket waits extra, so waiters
    released together do not reach the upstream in lock-step (0 disables). Buckets hold at most
    ``burst_seconds`` of refill (60: a whole minute's worth may go at once). ``max_pause`` caps
    any pause taken from headers or 429s, so one absurd hint cannot freeze a scope.
    """

    max_concurrency: int | None = None
    rpm: float | None = None
    tpm: float | None = None
    max_queue: int | None = None
    jitter: float = 0.05
    burst_seconds: float = 60.0
    max_pause: float = 60.0

    def __post_init__(self) -> None:
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ValueError("max_concurrency must be None or >= 1")
        if self.max_queue is not None and self.max_queue < 0:
            raise ValueError("max_queue must be None or >= 0")
        for name in ("rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be None or a finite number > 0")
        for name in ("jitter", "max_pause"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise ValueError(f"{name} must be a finite number >= 0")
        if not (math.isfinite(self.burst_seconds) and self.burst_seconds > 0):
            raise ValueError("burst_seconds must be a finite number > 0")


class LimiterStatistics(msgspec.Struct, frozen=True):
    """A snapshot of one scope."""

    name: str
    in_flight: int  # admitted and not yet released
    waiting: int  # inside acquire, not yet admitted
    borrowed: int  # concurrency slots held (admitted, or past the slot and waiting on rates)
    effective_limit: int | None  # the current cap after 429 cuts; None: unlimited
    max_concurrency: int | None  # the configured cap
    paused_for: float  # seconds until admission resumes (0: not paused)
    penalties: int  # 429s reported so far


class Limiter:
    """The limits of one scope (global, a provider, or a provider's key and model).

    ``clock`` defaults to :func:`time.monotonic` and ``sleep`` to anyio's; ``wall`` (Unix
    time, for RFC 3339 resets) to :func:`time.time`; ``rng`` (for the jitter) to
    :func:`random.random`.
    """

    def __init__(
        self,
        config: LimitConfig | None = None,
        name: str = "",
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        wall: Clock = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config = config or LimitConfig()
        self.name = name or "limiter"
        # Only differences of this clock are used (pauses, bucket refills), so the cheap
        # monotonic clock serves on every event loop.
        self._clock = clock or time.monotonic
        self._sleep = sleep or anyio.sleep
        self._wall = wall
        self._rng = rng
        self._slots = Slots(config.max_concurrency)
        self._requests = Bucket(config.rpm, config.burst_seconds) if config.rpm else None
        self._tokens = Bucket(config.tpm, config.burst_seconds) if config.tpm else None
        self._gate = anyio.Lock()
        self._paused_until = -math.inf
        # Bumped by every cut; a permit remembers the generation it was admitted in.
        self._generation = 0
        # With no configured cap, a cut caps at half the concurrency seen; this is where the
        # cap is lifted again.
        self._recover_to: int | None = None
        self.waiting = 0
        self.in_flight = 0
        self.penalties = 0

    # ---------------------------------------------------------------- admission

    async def acquire(self, tokens: float = 0) -> int:
        """Wait for admission charging ``tokens``; returns the generation to hand back later.

        Raises :class:`~nexgate.QueueFullError` when the call would wait and ``max_queue``
        calls wait already.
        """
        self._check_queue(tokens)
        self.waiting += 1
        try:
            await self._slots.acquire()
            try:
                await self._pass_gate(tokens)
            except BaseException:
                self._slots.release()
                raise
        finally:
            self.waiting -= 1
        self.in_flight += 1
        return self._generation

    def admit_now(self, tokens: float = 0) -> int | None:
        """Admission without waiting when nothing stands in the way (the common case): the
        generation, as :meth:`acquire` returns it; ``None`` when the call has to wait."""
        if not self._slots.free_now() or self._gate.locked():
            return None
        if self._wait_time(tokens, self._clock()) > 0:
            return None
        self._slots.used += 1
        self._charge(1, tokens)
        self.in_flight += 1
        return self._generation

    def release(self) -> None:
        """Give back the slot of an admitted call."""
        self.in_flight -= 1
        self._slots.release()

    def refund(self, estimated_tokens: float) -> None:
        """Give back what admission charged the buckets, for a call that never went out."""
        self._charge(-1, -estimated_tokens)

    @asynccontextmanager
    async def hold(self, estimated_tokens: float = 0) -> AsyncIterator[Permit]:
        """Hold this scope alone for one call."""
        generation = await self.acquire(estimated_tokens)
        try:
            yield Permit([(self, generation)], estimated_tokens)
        finally:
            self.release()

    def _check_queue(self, tokens: float) -> None:
        limit = self.config.max_queue
        if limit is None or self.waiting < limit or self._admissible_now(tokens):
            return
        raise QueueFullError(
            f"limiter {self.name!r}: queue is full, {self.waiting} calls are already waiting "
            f"for admission (max_queue={limit})"
        )

    def _admissible_now(self, tokens: float) -> bool:
        return (
            self._slots.free_now()
            and not self._gate.locked()
            and self._wait_time(tokens, self._clock()) <= 0
        )

    def _wait_time(self, tokens: float, now: float) -> float:
        wait = self._paused_until - now
        if self._requests is not None:
            wait = max(wait, self._requests.wait_time(1, now))
        if self._tokens is not None and tokens > 0:
            wait = max(wait, self._tokens.wait_time(tokens, now))
        return wait

    async def _pass_gate(self, tokens: float) -> None:
        """Wait out pauses and buckets one call at a time (FIFO), then charge the buckets."""
        if not self._gate.locked() and self._wait_time(tokens, self._clock()) <= 0:
            # Nothing to wait for and nobody ahead: no lock, no checkpoint, no jitter.
            self._charge(1, tokens)
            return
        # The gate is only ever held by a call waiting on time, so whoever gets here is delayed
        # and may be released together with others: jitter spreads them out.
        async with self._gate:
            while (wait := self._wait_time(tokens, self._clock())) > 0:
                await self._sleep(wait)
            self._charge(1, tokens)
        if self.config.jitter > 0:
            try:
                await self._sleep(self._rng() * self.config.jitter)
            except BaseException:
                self._charge(-1, -tokens)
                raise

    def _charge(self, requests: float, tokens: float) -> None:
        if self._requests is not None:
            self._requests.add(-requests)
        if self._tokens is not None:
            self._tokens.add(-tokens)

    # ---------------------------------------------------------------- feedback

    def reconcile(self, extra_tokens: float) -> None:
        """Charge ``extra_tokens`` more to the TPM bucket (negative: refund an over-estimate)."""
        if self._tokens is not None:
            self._tokens.refill(self._clock())
            self._tokens.add(-extra_tokens)

    def pause(self, seconds: float) -> None:
        """Admit nothing for ``seconds`` (capped at ``max_pause``; pauses only ever extend)."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        until = self._clock() + min(seconds, self.config.max_pause)
        self._paused_until = max(self._paused_until, until)

    def penalize(self, retry_after: float | None = None, *, generation: int | None = None) -> None:
        """A 429: pause for ``retry_after`` and halve the concurrency cap (min 1).

        A call admitted before the latest cut (``generation`` older than it) only extends the
        pause: its 429 belongs to the congestion that cut already answered.
        """
        self.penalties += 1
        hinted = retry_after is not None and math.isfinite(retry_after) and retry_after >= 0
        self.pause(retry_after if hinted and retry_after is not None else DEFAULT_PENALTY_PAUSE)
        if generation is not None and generation < self._generation:
            return
        self._generation += 1
        current = self._slots.limit if self._slots.limit is not None else self._slots.used
        if self.config.max_concurrency is None:
            self._recover_to = max(self._recover_to or 0, current)
        self._slots.set_limit(max(1, current // 2))

    def record_success(self, generation: int | None = None) -> None:
        """Additive increase: a success admitted after the latest cut adds one slot back."""
        limit = self._slots.limit
        if limit is None or (generation is not None and generation < self._generation):
            return
        ceiling = self.config.max_concurrency
        if ceiling is not None:
            self._slots.set_limit(min(ceiling, limit + 1))
        elif self._recover_to is None or limit + 1 >= self._recover_to:
            self._recover_to = None
            self._slots.set_limit(None)
        else:
            self._slots.set_limit(limit + 1)

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        """Follow the provider's rate-limit headers: pause while a window is used up."""
        hints = read_rate_limit_headers(headers, now=self._wall())
        if hints is NO_HINTS:  # the usual answer from an upstream that sends none
            return
        now = self._clock()
        pairs = ((self._requests, hints.remaining_requests), (self._tokens, hints.remaining_tokens))
        for bucket, left in pairs:
            if bucket is not None and left is not None:
                # The upstream counts calls from elsewhere too: never believe we have more.
                bucket.refill(now)
                bucket.level = min(bucket.level, left)
        if hints.pause is not None:
            self.pause(hints.pause)

    # ---------------------------------------------------------------- introspection

    @property
    def borrowed(self) -> int:
        return self._slots.used

    @property
    def effective_limit(self) -> int | None:
        return self._slots.limit

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    @property
    def idle(self) -> bool:
        """Nothing held or waiting, nothing remembered that forgetting the scope would lose."""
        return (
            self.in_flight == 0
            and self.waiting == 0
            and self._slots.used == 0
            and self._slots.limit == self.config.max_concurrency
            and self._paused_until <= self._clock()
            and all(b is None or b.full for b in (self._requests, self._tokens))
        )

    def statistics(self) -> LimiterStatistics:
        return LimiterStatistics(
            name=self.name,
            in_flight=self.in_flight,
            waiting=self.waiting,
            borrowed=self._slots.used,
            effective_limit=self._slots.limit,
            max_concurrency=self.config.max_concurrency,
            paused_for=self.paused_for,
            penalties=self.penalties,
        )

    def __repr__(self) -> str:
        return f"Limiter({self.name!r}, in_flight={self.in_flight}, waiting={self.waiting})"


class Permit:
    """What an admitted call holds; feedback goes to its most specific scope (the key's)."""

    __slots__ = ("_held", "_owner", "_released", "charged_tokens")

    def __init__(
        self,
        held: Sequence[tuple[Limiter, int]],
        estimated_tokens: float,
        owner: LimiterSet | None = None,
    ) -> None:
        # Most specific scope first.
        self._held = tuple(held)
        self._owner = owner
        self._released = False
        self.charged_tokens = estimated_tokens

    def release(self) -> None:
        """Give every slot back (once; later calls do nothing). Feedback still works after."""
        if self._released:
            return
        self._released = True
        for scope, _ in reversed(self._held):
            scope.release()
        if self._owner is not None:
            self._owner.in_flight -= 1

    @property
    def key_scope(self) -> Limiter:
        return self._held[0][0]

    @property
    def scopes(self) -> tuple[Limiter, ...]:
        return tuple(scope for scope, _ in self._held)

    @property
    def counts_tokens(self) -> bool:
        """Whether any scope has a tokens-per-minute bucket (which wants the real usage)."""
        return any(scope._tokens is not None for scope, _ in self._held)

    def reconcile(self, actual_tokens: float) -> None:
        """Replace the estimate charged at admission by the real usage, in every scope."""
        extra = actual_tokens - self.charged_tokens
        for scope, _ in self._held:
            scope.reconcile(extra)
        self.charged_tokens = actual_tokens

    def penalize(self, retry_after: float | None = None) -> None:
        scope, generation = self._held[0]
        scope.penalize(retry_after, generation=generation)

    def succeeded(self) -> None:
        scope, generation = self._held[0]
        scope.record_success(generation)

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        self._held[0][0].update_from_headers(headers)


class LimiterSet:
    """All scopes of a client: global, per provider, and per (provider, key id, model).

    Provider scopes exist only for providers with a config; key scopes always exist (created
    on first use, from ``key_limits[provider]`` or unlimited) so 429s and headers can pause
    and brake them. Idle unconstrained key scopes are forgotten beyond ``max_scopes``.
    """

    def __init__(
        self,
        global_limits: LimitConfig | None = None,
        provider_limits: Mapping[str, LimitConfig] | None = None,
        key_limits: Mapping[str, LimitConfig] | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        wall: Clock = time.time,
        rng: Callable[[], float] = random.random,
        max_scopes: int = 4096,
    ) -> None:
        self._clock, self._sleep, self._wall, self._rng = clock, sleep, wall, rng
        self.global_scope = self._new(global_limits or LimitConfig(), "global")
        self._provider_limits = dict(provider_limits or {})
        self._key_limits = dict(key_limits or {})
        #: Whether any scope has a tokens-per-minute bucket: only then is a call's token
        #: estimate (or its real usage) worth computing.
        self.counts_tokens = any(
            config.tpm is not None
            for config in (
                self.global_scope.config,
                *self._provider_limits.values(),
                *self._key_limits.values(),
            )
        )
        self.max_scopes = max_scopes
        self.scopes: dict[tuple[str, ...], Limiter] = {}
        self.in_flight = 0
        self.waiting = 0
        #: The event loop of the calls admitted now: the primitives wake waiters on it only.
        self._loop: object = None

    def _new(self, config: LimitConfig, name: str) -> Limiter:
        return Limiter(
            config, name, clock=self._clock, sleep=self._sleep, wall=self._wall, rng=self._rng
        )

    def provider_scope(self, provider: str) -> Limiter | None:
        config = self._provider_limits.get(provider)
        if config is None:
            return None
        scope = self.scopes.get((provider,))
        if scope is None:
            scope = self.scopes[(provider,)] = self._new(config, provider)
        return scope

    def key_scope(self, provider: str, key_id: str, model: str) -> Limiter:
        scope = self.scopes.get((provider, key_id, model))
        if scope is None:
            if len(self.scopes) >= self.max_scopes:
                self._forget_idle()
            config = self._key_limits.get(provider) or LimitConfig()
            name = f"{provider}/{key_id}/{model}"
            scope = self.scopes[(provider, key_id, model)] = self._new(config, name)
        return scope

    def key_paused(self, provider: str, key_id: str, model: str) -> bool:
        """Whether a key's scope is paused (after a 429 or a used-up rate-limit window)."""
        scope = self.scopes.get((provider, key_id, model))
        return scope is not None and scope.paused_for > 0

    def _forget_idle(self) -> None:
        for key in [k for k, scope in self.scopes.items() if len(k) == 3 and scope.idle]:
            del self.scopes[key]

    async def admit(
        self,
        *,
        provider: str,
        key_id: str,
        model: str,
        estimated_tokens: float = 0,
        max_wait: float | None = None,
    ) -> Permit:
        """Admission to the key, provider and global scopes; ``permit.release()`` gives it back.

        Scopes are taken most specific first, always in that order (no deadlock): a call
        waiting on its paused key then holds no global slot that other providers could use.
        A call that has to wait longer than ``max_wait`` seconds raises ``TimeoutError``.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self.in_flight or self.waiting:
                raise InvalidInputError(
                    "a Client serves one event loop at a time: another loop has calls running"
                    " (use one Client per loop)",
                    path="Client",
                )
            self._loop = loop
        chain = [self.key_scope(provider, key_id, model)]
        provider_scope = self.provider_scope(provider)
        if provider_scope is not None:
            chain.append(provider_scope)
        chain.append(self.global_scope)
        held: list[tuple[Limiter, int]] = []
        for scope in chain:
            generation = scope.admit_now(estimated_tokens)
            if generation is None:
                break
            held.append((scope, generation))
        else:
            self.in_flight += 1
            return Permit(held, estimated_tokens, self)
        # Some scope makes the call wait: queue on it, then on the ones after it, in order.
        self.waiting += 1
        try:
            with anyio.fail_after(max_wait):
                for scope in chain[len(held) :]:
                    held.append((scope, await scope.acquire(estimated_tokens)))
        except BaseException:
            # Refused (queue full, deadline, cancelled) before it went out: it took no request
            # and no tokens from the upstream, so the scopes that charged it get them back.
            for scope, _ in reversed(held):
                scope.refund(estimated_tokens)
                scope.release()
            raise
        finally:
            self.waiting -= 1
        self.in_flight += 1
        return Permit(held, estimated_tokens, self)

    @asynccontextmanager
    async def acquire(
        self, *, provider: str, key_id: str, model: str, estimated_tokens: float = 0
    ) -> AsyncIterator[Permit]:
        """:meth:`admit` as a context manager: everything is released on exit."""
        permit = await self.admit(
            provider=provider, key_id=key_id, model=model, estimated_tokens=estimated_tokens
        )
        try:
            yield permit
        finally:
            permit.release()

    @property
    def borrowed(self) -> int:
        """Slots held over all scopes (0 when nothing runs)."""
        return self.global_scope.borrowed + sum(s.borrowed for s in self.scopes.values())

    def statistics(self) -> dict[str, LimiterStatistics]:
        every = [self.global_scope, *self.scopes.values()]
        return {scope.name: scope.statistics() for scope in every}
