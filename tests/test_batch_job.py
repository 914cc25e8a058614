"""``nexgate batch`` end to end: a real job process against the mock, killed and resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest

from nexgate import Client, LimitConfig, Timeouts
from nexgate.batch import run_batch
from nexgate.providers import Provider, Route
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio
KEY = "sk-batch-test"


def _row(i: int, fmt: str) -> dict[str, Any]:
    text = f"row {i}"
    if fmt == "openai":
        return {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": [{"role": "user", "content": text}]},
        }
    if fmt == "claude":
        return {
            "custom_id": f"r{i}",
            "params": {
                "model": "m",
                "max_tokens": 32,
                "messages": [{"role": "user", "content": text}],
            },
        }
    return {
        "custom_id": f"r{i}",
        "body": {"contents": [{"role": "user", "parts": [{"text": text}]}]},
    }


def _write(path: Path, rows: list[dict[str, Any]], extra: list[bytes] = ()) -> None:  # type: ignore[assignment]
    path.write_bytes(b"".join(msgspec.json.encode(r) + b"\n" for r in rows) + b"".join(extra))


def _command(src: Path, out: Path, url: str, upstream: str, *extra: str) -> list[str]:
    return [
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
        upstream,
        "--api-key-env",
        "NEXGATE_TEST_KEY",
        "--quiet",
        *extra,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "NEXGATE_TEST_KEY": KEY}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [msgspec.json.decode(line) for line in path.read_bytes().splitlines() if line.strip()]


async def _run(cmd: list[str]) -> subprocess.CompletedProcess[bytes]:
    return await anyio.run_process(cmd, env=_env(), check=False)


async def test_killed_job_resumes_without_sending_a_row_twice(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [_row(i, "openai") for i in range(2000)])
    async with MockUpstream(keys=[KEY], delay=0.02) as mock:
        cmd = _command(src, out, mock.base_url, "claude", "--concurrency", "20")
        process = await anyio.open_process(cmd, env=_env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await anyio.sleep(0.05)
            if out.exists() and out.read_bytes().count(b"\n") >= 400:
                break
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await process.aclose()
        done_before = {row["custom_id"] for row in _lines(out) if row["response"]}
        assert 400 <= len(done_before) < 2000
        mock.reset_stats()
        result = await _run(cmd)
        assert result.returncode == 0, result.stderr
        second_run = mock.stats.requests
    rows = _lines(out)
    ids = [row["custom_id"] for row in rows]
    assert sorted(ids) == sorted(f"r{i}" for i in range(2000))  # every row exactly once
    assert all(row["response"]["status_code"] == 200 for row in rows)
    # Only the rows missing from the output went out again (the in-flight ones included).
    assert second_run == 2000 - len(done_before)


@pytest.mark.parametrize(
    ("caller", "upstream"), [("openai", "claude"), ("claude", "gemini"), ("gemini", "openai")]
)
async def test_each_input_format_against_another_upstream(
    tmp_path: Path, caller: str, upstream: str
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [_row(i, caller) for i in range(20)])
    async with MockUpstream(keys=[KEY]) as mock:
        result = await _run(
            _command(src, out, mock.base_url, upstream, "--input-format", caller, "--model", "m")
        )
    assert result.returncode == 0, result.stderr
    rows = {row["custom_id"]: row for row in _lines(out)}
    assert len(rows) == 20
    body = rows["r3"]["response"]["body"]
    text = {
        "openai": lambda b: b["choices"][0]["message"]["content"],
        "claude": lambda b: b["content"][0]["text"],
        "gemini": lambda b: b["candidates"][0]["content"]["parts"][0]["text"],
    }[caller](body)
    assert text == "echo: row 3"


async def test_bad_lines_become_error_rows_and_the_job_goes_on(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    bad = [
        b"this is not json\n",
        b'{"custom_id": "no-body"}\n',
        b'{"custom_id": "wrong", "body": {"model": 5}}\n',
        b'{"custom_id": "empty", "body": {"model": "m", "messages": []}}\n',
    ]
    _write(src, [_row(i, "openai") for i in range(10)], bad)
    async with MockUpstream(keys=[KEY]) as mock:
        result = await _run(_command(src, out, mock.base_url, "openai"))
    assert result.returncode == 0, result.stderr
    rows = {row["custom_id"]: row for row in _lines(out)}
    assert len(rows) == 14
    errors = {cid: row["error"] for cid, row in rows.items() if row["error"]}
    assert set(errors) == {"line-11", "no-body", "wrong", "empty"}
    assert "not a JSON object" in errors["line-11"]["message"]
    assert "$.model" in errors["wrong"]["message"]
    assert all(rows[f"r{i}"]["response"]["status_code"] == 200 for i in range(10))


async def test_upstream_errors_are_rows_with_the_body_in_the_input_format(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [_row(i, "openai") for i in range(3)])
    async with MockUpstream(keys=["another-key"]) as mock:
        result = await _run(_command(src, out, mock.base_url, "gemini"))
    assert result.returncode == 0
    for row in _lines(out):
        assert row["response"]["status_code"] == 401
        assert row["response"]["body"]["error"]["type"] == "authentication_error"


async def test_a_job_stopped_with_a_repeated_id_in_flight_still_sends_it_on_resume(
    tmp_path: Path,
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    first = _row(0, "openai")
    _write(src, [first, {**first, "body": {**first["body"], "seed": 1}}])  # the same custom_id
    async with MockUpstream(keys=[KEY], delay=2.0) as mock:
        provider = Provider("up", mock.base_url, "openai", keys=[KEY])
        async with Client(providers=[provider], default=Route("up"), environ={}) as client:
            with anyio.move_on_after(0.5):  # stopped while the first row is in flight
                await run_batch(src, out, client=client)
            assert [row["error"]["code"] for row in _lines(out)] == ["repeated_custom_id"]
            mock.delay = 0.0
            summary = await run_batch(src, out, client=client)
    assert summary.ok == 1
    sent = [row for row in _lines(out) if row["response"]]
    assert [(row["custom_id"], row["response"]["status_code"]) for row in sent] == [("r0", 200)]


async def test_rows_paced_by_a_rate_limit_are_delayed_not_timed_out(tmp_path: Path) -> None:
    """30 rows at 20 requests a second under a half-second total deadline: every row waits
    its turn and is sent (the deadline counts from admission), none is written as a timeout
    that a resume would then skip."""
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    rows = [{"custom_id": f"r{i}", "body": body} for i in range(30)]
    source.write_bytes(b"".join(msgspec.json.encode(row) + b"\n" for row in rows))
    async with MockUpstream(keys=[KEY]) as mock:
        client = Client(
            providers=[Provider("p", mock.base_url, "openai", keys=[KEY])],
            default=Route("p"),
            environ={},
            limits=LimitConfig(max_concurrency=64, rpm=1200, max_queue=None, burst_seconds=0.1),
            timeouts=Timeouts(total=0.5),
        )
        async with client:
            await run_batch(source, output, client=client, concurrency=64)
        assert mock.stats.requests == 30
    lines = [msgspec.json.decode(line) for line in output.read_bytes().splitlines()]
    assert sorted(line["custom_id"] for line in lines) == sorted(row["custom_id"] for row in rows)
    assert [line["error"] for line in lines if line["error"]] == []
