"""ReadWatch tells its own cancellation (a read past its deadline) from anyone else's, as
asyncio.timeout does, even when both land in the same pass of the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from nexgate.read_watch import ReadWatch

pytestmark = pytest.mark.anyio


async def _read(watch: ReadWatch, deadline: float, outcome: list[str]) -> None:
    watch.start_read(deadline)
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        if watch.expired():
            outcome.append("timeout")
            return
        raise
    finally:
        watch.end_read()
        watch.close()


async def test_a_read_past_its_deadline_is_a_timeout_and_the_task_is_not_left_cancelling() -> None:
    loop = asyncio.get_running_loop()
    outcome: list[str] = []
    task = asyncio.create_task(_read(ReadWatch(), loop.time() + 0.02, outcome))
    await task
    assert outcome == ["timeout"] and task.cancelling() == 0


async def test_a_cancel_from_elsewhere_in_the_same_loop_pass_propagates() -> None:
    loop = asyncio.get_running_loop()
    outcome: list[str] = []
    start = loop.time()
    task = asyncio.create_task(_read(ReadWatch(), start + 0.1, outcome))
    await asyncio.sleep(0)  # the read has begun
    # A callback holds the loop past both times: in the next pass the caller's cancel (due
    # first) and the watch's timer run back to back.
    loop.call_at(start + 0.05, time.sleep, 0.1)
    loop.call_at(start + 0.08, task.cancel)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert outcome == []
