"""Timing helpers shared by the benchmarks: interleaved repeats, medians, ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def per_call_us(fn: Callable[[], object], *, number: int) -> float:
    """Microseconds per call of ``fn`` over ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) * 1e6 / number


def calibrate(fn: Callable[[], object], *, target_s: float = 0.05) -> int:
    """How many calls of ``fn`` take about ``target_s`` seconds."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= target_s / 4:
            return max(1, int(number * target_s / elapsed))
        number *= 4


def interleaved_medians(
    contenders: dict[str, Callable[[], object]], *, repeats: int = 7, target_s: float = 0.05
) -> dict[str, float]:
    """Median µs per call of each contender, measured in interleaved rounds (noise-fair)."""
    numbers = {name: calibrate(fn, target_s=target_s) for name, fn in contenders.items()}
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            samples[name].append(per_call_us(fn, number=numbers[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])
