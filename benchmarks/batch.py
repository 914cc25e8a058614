"""Batch jobs: ``nexgate batch`` on 20,000 (and 100,000) rows next to a raw-aiohttp script.

Both read the same JSONL file, send every row to the mock upstream (a separate process) at
the same concurrency and write the same kind of output line; the table reports wall time,
client CPU (user + system of the job process) and peak RSS, medians of the repeats.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mockproc import mock_process
from _timing import table

KEY = "bench-key"
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))

RAW_SCRIPT = r"""
import asyncio, sys, aiohttp, msgspec
src, dst, url, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
async def main():
    sem = asyncio.Semaphore(concurrency)
    headers = {"Authorization": "Bearer bench-key", "Content-Type": "application/json"}
    out = open(dst, "ab", buffering=0)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency + 16)) as session:
        async def one(line):
            try:
                row = msgspec.json.decode(line)
                async with session.post(url + "/v1/chat/completions", data=msgspec.json.encode(row["body"]),
                                        headers=headers) as resp:
                    body = msgspec.json.decode(await resp.read())
                    result = {"custom_id": row["custom_id"], "response": {"status_code": resp.status,
                              "body": body}, "error": None}
            finally:
                sem.release()
            out.write(msgspec.json.encode(result) + b"\n")
        tasks = set()
        with open(src, "rb") as handle:
            for line in handle:
                await sem.acquire()
                task = asyncio.ensure_future(one(line))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        while tasks:
            await asyncio.sleep(0.01)
asyncio.run(main())
"""


def _input(path: Path, rows: int) -> None:
    with path.open("wb") as handle:
        for i in range(rows):
            body = {
                "model": "m",
                "messages": [{"role": "user", "content": f"row {i} of the batch"}],
            }
            handle.write(msgspec.json.encode({"custom_id": f"r{i}", "body": body}) + b"\n")


def _run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, check=True, env={**os.environ, "BENCH_KEY": KEY}, stdout=subprocess.DEVNULL
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def main() -> None:
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp, mock_process() as url:
        for rows in (20_000, 100_000):
            src = Path(tmp) / f"in-{rows}.jsonl"
            _input(src, rows)
            for concurrency in (64, 256):
                if rows == 100_000 and concurrency == 64:
                    continue
                samples: dict[str, list[tuple[float, float, float]]] = {
                    "raw aiohttp": [],
                    "nexgate batch": [],
                }
                for repeat in range(REPEATS if rows == 20_000 else 1):
                    out = Path(tmp) / f"raw-{rows}-{concurrency}-{repeat}.jsonl"
                    samples["raw aiohttp"].append(
                        _run(
                            [
                                sys.executable,
                                "-c",
                                RAW_SCRIPT,
                                str(src),
                                str(out),
                                url,
                                str(concurrency),
                            ]
                        )
                    )
                    out = Path(tmp) / f"nx-{rows}-{concurrency}-{repeat}.jsonl"
                    samples["nexgate batch"].append(
                        _run(
                            [
                                sys.executable,
                                "-m",
                                "nexgate",
                                "batch",
                                str(src),
                                "-o",
                                str(out),
                                "--base-url",
                                url,
                                "--format",
                                "openai",
                                "--api-key-env",
                                "BENCH_KEY",
                                "--concurrency",
                                str(concurrency),
                                "--quiet",
                            ]
                        )
                    )
                    assert out.read_bytes().count(b"\n") == rows
                raw_cpu = statistics.median(s[1] for s in samples["raw aiohttp"])
                for name, values in samples.items():
                    wall = statistics.median(v[0] for v in values)
                    cpu = statistics.median(v[1] for v in values)
                    rss = max(v[2] for v in values)
                    rows_out.append(
                        [
                            f"{rows:,}",
                            str(concurrency),
                            name,
                            f"{wall:.1f}",
                            f"{cpu:.1f}",
                            f"{cpu / raw_cpu:.2f}x",
                            f"{rss:.0f}",
                        ]
                    )
    print(table(["rows", "conc", "job", "wall s", "CPU s", "CPU vs raw", "peak RSS MB"], rows_out))
    print(
        "\n(peak RSS is the largest child RSS seen so far in the run: compare 20,000 vs 100,000 rows)"
    )


if __name__ == "__main__":
    main()
