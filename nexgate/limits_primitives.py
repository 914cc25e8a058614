"""The two primitives under a :class:`~nexgate.limits.Limiter`: a token bucket and a FIFO
counting semaphore whose limit can change while tasks wait on it."""

from __future__ import annotations

from collections import deque

import anyio


class Bucket:
    """A token bucket refilled continuously; it may go into debt after a reconcile."""

    __slots__ = ("capacity", "level", "rate", "stamp")

    def __init__(self, per_minute: float, burst_seconds: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.level = self.capacity
        self.stamp: float | None = None

    def refill(self, now: float) -> None:
        if self.stamp is not None and now > self.stamp:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        if self.stamp is None or now > self.stamp:
            self.stamp = now

    def wait_time(self, amount: float, now: float) -> float:
        """Seconds until ``amount`` may be taken (a request above capacity waits for a full one)."""
        self.refill(now)
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def add(self, amount: float) -> None:
        self.level = min(self.capacity, self.level + amount)

    @property
    def full(self) -> bool:
        return self.level >= self.capacity


class Slots:
    """A FIFO counting semaphore whose limit may change (None: unlimited)."""

    __slots__ = ("limit", "used", "waiters")

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self.waiters: deque[anyio.Event] = deque()

    def free_now(self) -> bool:
        return not self.waiters and (self.limit is None or self.used < self.limit)

    async def acquire(self) -> None:
        if self.free_now():
            self.used += 1
            return
        event = anyio.Event()
        self.waiters.append(event)
        try:
            await event.wait()
        except BaseException:
            try:
                self.waiters.remove(event)
            except ValueError:
                # The slot was granted just as the cancellation arrived: pass it on.
                self.release()
            raise

    def release(self) -> None:
        self.used -= 1
        self._grant()

    def set_limit(self, limit: int | None) -> None:
        self.limit = limit
        self._grant()

    def _grant(self) -> None:
        # The granter counts the slot for the waiter, so no newcomer can overtake it.
        while self.waiters and (self.limit is None or self.used < self.limit):
            self.used += 1
            self.waiters.popleft().set()
