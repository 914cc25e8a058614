"""Fan-out: many calls through one client, results as they complete, failures as values."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

import anyio
import msgspec

from .errors import InvalidInputError, NexgateError
from .schema import Request, Response

if TYPE_CHECKING:
    from .dispatch import Client

#: An internal request, or a body in a wire format: ``(body, "openai")``.
BatchItem: TypeAlias = Request | tuple[Mapping[str, Any] | bytes, str]


class Result(msgspec.Struct, kw_only=True):
    """The outcome of one fanned-out item: a response or a typed error, never both."""

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
        if isinstance(item, tuple) and len(item) == 2:
            body, fmt = item
            return Result(index=index, body=await client.send(body, format=fmt, **overrides))
        raise InvalidInputError(
            "an item must be a Request or a (body, format) pair", path=f"items[{index}]"
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
        async with out:
            try:
                result = await _run_one(client, index, item, overrides)
            finally:
                slots.release()
            await out.send(result)

    async def producer() -> None:
        async with send, anyio.create_task_group() as workers:
            for index, item in enumerate(items):
                await slots.acquire()
                workers.start_soon(worker, index, item, send.clone())

    async def results() -> AsyncIterator[Result]:
        async with receive:
            async for result in receive:
                yield result

    async with anyio.create_task_group() as group:
        group.start_soon(producer)
        try:
            yield results()
        finally:
            group.cancel_scope.cancel()
