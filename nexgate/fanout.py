"""Fan-out: many calls through one client, results as they complete, failures as values."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

import anyio
import msgspec

from .errors import InvalidInputError, NexgateError
from .options import FANNED_OUT
from .schema import Request, Response

if TYPE_CHECKING:
    from .dispatch import Client

#: An internal request, or a body in a wire format: ``(body, "openai")``, or
#: ``(body, "gemini", model)`` for a format whose model lives in the URL.
BatchItem: TypeAlias = (
    Request | tuple[Mapping[str, Any] | bytes, str] | tuple[Mapping[str, Any] | bytes, str, str]
)


class Result(msgspec.Struct, kw_only=True):
    """The outcome of one fanned-out item: a response or a typed error, never both.

    ``response`` is the internal response; ``body`` the response in the caller's format, for
    ``(body, format)`` items. ``error`` is a :class:`~nexgate.NexgateError` (for an upstream
    error of a ``(body, format)`` item, its ``.body`` is in that format).
    """

    index: int
    response: Response | None = None
    body: dict[str, Any] | None = None
    error: NexgateError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def _run_one(
    client: Client, index: int, item: BatchItem, overrides: Mapping[str, Any]
) -> Result:
    try:
        if isinstance(item, Request):
            return Result(index=index, response=await client.complete(item, **overrides))
        if isinstance(item, tuple) and len(item) in (2, 3):
            body, fmt, model = item[0], item[1], item[2] if len(item) == 3 else None
            response, out = await client._send(body, fmt, model, overrides)
            return Result(index=index, response=response, body=out)
        raise InvalidInputError(
            "an item must be a Request, a (body, format) pair or (body, format, model)",
            path=f"items[{index}]",
        )
    except NexgateError as exc:
        return Result(index=index, error=exc)


@asynccontextmanager
async def fan_out(
    client: Client, items: Iterable[BatchItem], *, concurrency: int, overrides: Mapping[str, Any]
) -> AsyncIterator[AsyncIterator[Result]]:
    """Run ``items`` with at most ``concurrency`` in flight (and the client's own limits).

    Items are pulled from ``items`` lazily, so a generator of millions is fine.
    """
    if concurrency < 1:
        raise InvalidInputError("concurrency must be at least 1", path="concurrency")
    send, receive = anyio.create_memory_object_stream[Result](concurrency)
    slots = anyio.Semaphore(concurrency)

    async def worker(index: int, item: BatchItem, out: anyio.abc.ObjectSendStream[Result]) -> None:
        FANNED_OUT.set(True)  # this task's calls wait their turn at the limiters untimed
        async with out:
            try:
                await out.send(await _run_one(client, index, item, overrides))
            finally:
                # Released once the result is handed over, not when it is ready: a consumer
                # that stops reading then stops the producer, instead of having every item
                # sent and its result buffered.
                slots.release()

    async def producer() -> None:
        async with send, anyio.create_task_group() as workers:
            for index, item in enumerate(items):
                await slots.acquire()
                workers.start_soon(worker, index, item, send.clone())

    async def results() -> AsyncIterator[Result]:
        async with receive:
            async for result in receive:
                yield result

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(producer)
            try:
                yield results()
            finally:
                group.cancel_scope.cancel()
    except BaseExceptionGroup as caught:
        # Items' own failures are values; what is left (the caller's exception from inside
        # the block, a failing ``items`` iterator) is raised as itself, not as a group.
        raise _first(caught) from None


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first non-cancellation exception of a (nested) group."""
    fallback: BaseException | None = None
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            exc = _first(exc)
        if not isinstance(exc, anyio.get_cancelled_exc_class()):
            return exc
        fallback = fallback or exc
    return fallback or group
