"""Terminal rendering of a batch job: a live status line and the closing summary."""

from __future__ import annotations

import sys
from typing import TextIO

from ..batch import BatchProgress, BatchSummary


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class LiveProgress:
    """Redraws one status line on a terminal; prints nothing when not attached to one."""

    def __init__(self, stream: TextIO = sys.stderr, *, quiet: bool = False) -> None:
        self.stream = stream
        self.enabled = not quiet and stream.isatty()
        self._width = 0

    def __call__(self, progress: BatchProgress) -> None:
        if not self.enabled:
            return
        todo = progress.total - progress.skipped
        line = (
            f"{progress.done}/{todo} rows  {progress.rate:.1f}/s  ETA {_duration(progress.eta)}"
            f"  errors {progress.failed}  retries {progress.retries}"
        )
        if progress.skipped:
            line += f"  (skipped {progress.skipped} already done)"
        self.stream.write("\r" + line.ljust(self._width))
        self._width = len(line)
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def format_summary(summary: BatchSummary) -> str:
    """The closing summary, a few aligned lines."""
    return "\n".join(
        [
            f"rows       ok {summary.ok}  failed {summary.failed}  "
            f"skipped {summary.skipped} (already done)  of {summary.total}",
            f"retries    {summary.retries}",
            f"tokens     in {summary.input_tokens}  out {summary.output_tokens}  "
            f"cached {summary.cached_tokens}",
            f"wall time  {summary.wall_time:.2f} s",
            f"latency    p50 {_ms(summary.latency_p50)}  p95 {_ms(summary.latency_p95)}  "
            f"p99 {_ms(summary.latency_p99)}",
        ]
    )
