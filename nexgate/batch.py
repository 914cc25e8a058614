"""Batch jobs: JSONL rows through a :class:`~nexgate.Client`, results appended as they finish.

The input is streamed and at most ``concurrency`` rows are held in memory; every result is
on disk as soon as it completes, so re-running the same job sends only the rows that are not
in the output yet (a killed job loses at most the rows it had in flight).

The job runs on asyncio directly (the client's transport is aiohttp, so it is asyncio-bound
anyway): a task and a semaphore per row cost a third of their anyio equivalents, and a job
of a million rows spends that a million times.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import msgspec

from .batch_files import (
    INVALID_LINE_CODE,
    REPEATED_ID_CODE,
    ResultWriter,
    Row,
    completed_ids,
    count_rows,
    read_rows,
)
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidInputError,
    NexgateError,
    QueueFullError,
    StreamInterruptedError,
    TranslationError,
)
from .options import FANNED_OUT
from .schema import JSONObject, Response


class Sender(Protocol):
    """What a batch needs from a client (:class:`~nexgate.Client` is one): a body in its
    format in; the internal response and the body in the same format out."""

    async def _send(
        self,
        body: Mapping[str, Any] | bytes,
        format: str,
        model: str | None,
        overrides: Mapping[str, Any],
    ) -> tuple[Response, JSONObject]: ...


class BatchProgress(msgspec.Struct, kw_only=True):
    """A snapshot of a running job, handed to the progress callback."""

    total: int
    done: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    retries: int = 0
    started: float = 0.0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        elapsed = self.elapsed
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        remaining = self.total - self.skipped - self.done
        return remaining / self.rate if self.rate > 0 else None


class BatchSummary(msgspec.Struct, kw_only=True):
    """The outcome of a job run."""

    total: int
    ok: int
    failed: int
    skipped: int
    retries: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    wall_time: float
    latency_p50: float | None
    latency_p95: float | None
    latency_p99: float | None


ProgressHook = Callable[[BatchProgress], None]


def _percentile(values: array[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


_ERROR_CODES: tuple[tuple[type[NexgateError], str], ...] = (
    (APITimeoutError, "timeout"),
    (APIConnectionError, "connection_error"),
    (StreamInterruptedError, "stream_interrupted"),
    (InvalidInputError, "invalid_request"),
    (TranslationError, "translation_error"),
    (QueueFullError, "queue_full"),
)


def _error_code(error: NexgateError) -> str:
    for cls, code in _ERROR_CODES:
        if isinstance(error, cls):
            return code
    return "error"


class _Job:
    def __init__(
        self,
        client: Sender,
        writer: ResultWriter,
        progress: BatchProgress,
        model: str | None,
        retries: Callable[[], int],
    ) -> None:
        self.client = client
        self.writer = writer
        self.progress = progress
        self.model = model
        self.retries = retries
        self.latencies: array[float] = array("d")
        self.tokens = [0, 0, 0]

    async def run_row(self, row: Row) -> None:
        started = time.monotonic()
        try:
            response, error = await self._send(row)
        except NexgateError as exc:
            if row.repeated:
                code = REPEATED_ID_CODE
            else:
                code = INVALID_LINE_CODE if row.invalid else _error_code(exc)
            self._fail(row, None, {"code": code, "message": str(exc)})
            return
        finally:
            self.progress.retries = self.retries()
        self.latencies.append(time.monotonic() - started)
        if error is not None:
            self._fail(row, error, None)
        else:
            self.writer.write(row.custom_id, response, None)
            self.progress.ok += 1
            self.progress.done += 1

    def _fail(
        self, row: Row, response: dict[str, Any] | None, error: dict[str, Any] | None
    ) -> None:
        self.writer.write(row.custom_id, response, error)
        self.progress.failed += 1
        self.progress.done += 1

    async def _send(self, row: Row) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The row's result: (200 response, None) or (None, error response)."""
        if row.problem is not None or row.body is None:
            raise InvalidInputError(row.problem or "empty row")
        try:
            response, body = await self.client._send(row.body, row.format, self._model(row), {})
        except APIStatusError as exc:
            # The client already put the error's status and body in the row's format.
            return None, {"status_code": exc.status, "request_id": exc.request_id, "body": exc.body}
        usage = response.usage
        if usage is not None:
            self.tokens[0] += usage.input_tokens
            self.tokens[1] += usage.output_tokens
            self.tokens[2] += usage.cache_read_tokens
        return {"status_code": 200, "request_id": response.id, "body": body}, None

    def _model(self, row: Row) -> str | None:
        """The job's ``--model`` for rows that name none (a Gemini body never does)."""
        if self.model is None or (row.body is not None and row.body.get("model")):
            return None
        return self.model


async def run_batch(
    input_path: Path,
    output_path: Path,
    *,
    client: Sender,
    input_format: str = "openai",
    model: str | None = None,
    concurrency: int = 64,
    on_progress: ProgressHook | None = None,
    progress_interval: float = 0.25,
    retries: Callable[[], int] = lambda: 0,
) -> BatchSummary:
    """Send every row of ``input_path`` not yet in ``output_path``; append the results."""
    if concurrency < 1:
        raise InvalidInputError("concurrency must be at least 1", path="concurrency")
    if _same_file(input_path, output_path):
        # Its results would be read back as more input, without end.
        raise InvalidInputError("the output file is the input file", path="output")
    done_ids = completed_ids(output_path)
    progress = BatchProgress(total=count_rows(input_path), started=time.monotonic())
    slots = asyncio.Semaphore(concurrency)  # noqa: TID251 -- asyncio-bound, see the module doc
    with ResultWriter(output_path) as writer:
        job = _Job(client, writer, progress, model, retries)

        async def one(row: Row) -> None:
            FANNED_OUT.set(True)  # a row waits its turn at the limiters untimed
            try:
                await job.run_row(row)
            finally:
                slots.release()

        reporter = None
        if on_progress is not None:
            reporter = asyncio.ensure_future(_report(on_progress, progress, progress_interval))
        try:
            async with asyncio.TaskGroup() as group:
                for row in read_rows(input_path, input_format):
                    if row.resume_key in done_ids:
                        progress.skipped += 1
                        continue
                    await slots.acquire()
                    group.create_task(one(row))
        except BaseExceptionGroup as failed:
            # Rows fail one by one into the output; what ends the job (the output cannot be
            # written: a full disk) fails every row in flight alike. Its first cause says it.
            raise _first_cause(failed) from None
        finally:
            if reporter is not None:
                reporter.cancel()
    if on_progress is not None:
        on_progress(progress)
    return BatchSummary(
        total=progress.total,
        ok=progress.ok,
        failed=progress.failed,
        skipped=progress.skipped,
        retries=retries(),
        input_tokens=job.tokens[0],
        output_tokens=job.tokens[1],
        cached_tokens=job.tokens[2],
        wall_time=progress.elapsed,
        latency_p50=_percentile(job.latencies, 0.50),
        latency_p95=_percentile(job.latencies, 0.95),
        latency_p99=_percentile(job.latencies, 0.99),
    )


def _same_file(first: Path, second: Path) -> bool:
    return first.exists() and second.exists() and first.samefile(second)


def _first_cause(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception in ``group`` (depth first) that is not a cancellation."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            exc = _first_cause(exc)
        if not isinstance(exc, asyncio.CancelledError):
            return exc
    return group


async def _report(hook: ProgressHook, progress: BatchProgress, interval: float) -> None:
    while True:
        hook(progress)
        await asyncio.sleep(interval)
