"""A deadline for each read of a stream, for the price of a float store per read.

A stream of thousands of chunks under ``asyncio.timeout`` arms and cancels a timer for every
chunk. :class:`ReadWatch` keeps one timer for the whole stream instead and lets it lag: each
read only records its own deadline; when the timer fires it looks at the read in progress
and either cancels it (its deadline passed) or sleeps again until that deadline. A stream
whose chunks keep coming re-arms the timer about once per idle period, not once per chunk.

Cancelling works as in ``asyncio.timeout``: the task is cancelled, and the read that catches
the ``CancelledError`` asks :meth:`ReadWatch.expired` whether the watch caused it (then it
uncancels the task and reports a timeout) or someone else did (then it propagates).
"""

from __future__ import annotations

import asyncio


class ReadWatch:
    """Deadlines for the reads of one task; call :meth:`close` when the stream ends."""

    __slots__ = ("_baseline", "_fired", "_handle", "_loop", "_task", "deadline", "reading")

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task[object] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._fired = False
        self._baseline = 0
        self.deadline = 0.0
        self.reading = False

    def start_read(self, deadline: float) -> None:
        """A read begins, in the current task, that must end by ``deadline`` (loop time)."""
        task = self._task = asyncio.current_task()
        # Counted when the read begins, as asyncio.timeout counts on entry: a cancel from
        # elsewhere that lands in the same loop pass as the watch's own is then told apart.
        self._baseline = task.cancelling() if task is not None else 0
        self.deadline = deadline
        self.reading = True
        handle = self._handle
        if handle is None:
            self._handle = self._loop.call_at(deadline, self._check)
        elif deadline < handle.when():  # rare: a shorter limit than the armed one
            handle.cancel()
            self._handle = self._loop.call_at(deadline, self._check)

    def end_read(self) -> None:
        self.reading = False

    def expired(self) -> bool:
        """In a read's ``except CancelledError``: whether the watch cancelled it (and the
        cancellation is then withdrawn) rather than someone else."""
        if not self._fired or self._task is None:
            return False
        self._fired = False
        return self._task.uncancel() <= self._baseline

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _check(self) -> None:
        self._handle = None
        if not self.reading or self._task is None:
            return  # between reads: the next read arms the timer again
        if self._loop.time() < self.deadline:
            self._handle = self._loop.call_at(self.deadline, self._check)
            return
        self._fired = True
        self._task.cancel()


__all__ = ("ReadWatch",)
