"""`nexgate batch` input rows: a bad line is known by its number apart from real ids (a real
id may be `line-2`), a line with an id keeps it, and a UTF-8 BOM costs nothing."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

import nexgate
from nexgate.batch import run_batch
from nexgate.providers import Provider, Route
from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio
BODY = {"model": "m", "messages": [{"role": "user", "content": "x"}]}


async def _job(tmp_path: Path, data: bytes) -> list[dict]:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(data)
    async with MockUpstream(keys=["k"]) as mock:
        provider = Provider("mock", mock.base_url, "openai", keys=["k"])
        async with nexgate.Client(providers=[provider], default=Route("mock"), environ={}) as c:
            await run_batch(src, out, client=c)
    return [json.loads(line) for line in out.read_text().splitlines()]


async def test_a_bad_lines_fallback_id_never_blocks_a_real_row(tmp_path: Path) -> None:
    # Line 1 is broken, so it is "known by its line number" (line-1). Line 2 is a valid row
    # whose own custom_id happens to be "line-1" (ids numbered from 0/1 by a script).
    data = b"not json\n" + json.dumps({"custom_id": "line-1", "body": BODY}).encode() + b"\n"
    lines = await _job(tmp_path, data)
    sent = [ln for ln in lines if ln["response"] is not None]
    assert len(sent) == 1, [ln["error"] for ln in lines]


async def test_a_utf8_bom_does_not_cost_the_first_row(tmp_path: Path) -> None:
    # Files saved by Windows tools often start with a UTF-8 BOM.
    rows = [{"custom_id": c, "body": BODY} for c in ("a", "b")]
    data = b"\xef\xbb\xbf" + b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    lines = await _job(tmp_path, data)
    by_id = {ln["custom_id"]: ln for ln in lines}
    assert set(by_id) == {"a", "b"}, by_id
    assert by_id["a"]["response"]["status_code"] == 200


async def test_a_row_with_a_custom_id_but_a_bad_body_keeps_its_id(tmp_path: Path) -> None:
    # API.md: "A line without `custom_id` is known by its line number" -- this one has one.
    data = (
        json.dumps({"custom_id": "ok-1", "body": BODY}).encode()
        + b"\n"
        + json.dumps({"custom_id": "req-42", "body": "oops, a string"}).encode()
        + b"\n"
    )
    lines = await _job(tmp_path, data)
    assert {ln["custom_id"] for ln in lines} == {"ok-1", "req-42"}, [
        ln["custom_id"] for ln in lines
    ]


async def test_a_real_row_is_not_lost_on_resume_to_a_later_bad_lines_fallback_id(
    tmp_path: Path,
) -> None:
    # Line 1 is a valid row whose id is "line-2"; line 2 is broken and is "known by its line
    # number": line-2 too. Its error row is written at once; if the job stops while line 1 is
    # in flight, the resume takes "line-2" for done and line 1 is never sent.
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(json.dumps({"custom_id": "line-2", "body": BODY}).encode() + b"\n{oops\n")
    async with MockUpstream(keys=["k"], delay=2.0) as mock:
        provider = Provider("mock", mock.base_url, "openai", keys=["k"])
        async with nexgate.Client(providers=[provider], default=Route("mock"), environ={}) as c:
            with anyio.move_on_after(0.5):  # stopped while line 1 is in flight
                await run_batch(src, out, client=c)
            mock.delay = 0.0
            await run_batch(src, out, client=c)  # resume
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [ln for ln in lines if ln["response"] is not None], lines


async def test_a_resumed_job_leaves_one_line_per_input_line(tmp_path: Path) -> None:
    """The repeat's error row, written while the first 'a' was still in flight, is not
    written again by the resume that then sends that first 'a'."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [{"custom_id": "a", "body": BODY}, {"custom_id": "a", "body": {**BODY, "seed": 1}}]
    src.write_text("".join(json.dumps(row) + "\n" for row in rows))
    async with MockUpstream(keys=["k"], delay=2.0) as mock:
        provider = Provider("up", mock.base_url, "openai", keys=["k"])
        async with nexgate.Client(providers=[provider], default=Route("up"), environ={}) as c:
            with anyio.move_on_after(0.5):  # the job stops while row 1 is in flight
                await run_batch(src, out, client=c)
            mock.delay = 0.0
            await run_batch(src, out, client=c)  # resume
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    codes = sorted((ln["error"] or {}).get("code") or "ok" for ln in lines)
    assert codes == ["ok", "repeated_custom_id"]


async def test_a_bad_line_repeating_a_good_rows_id_never_completes_it(tmp_path: Path) -> None:
    """The bad line's error row is written at once; if the job stops while the good row with
    the same id is in flight, the resume must still send the good row."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [{"custom_id": "a", "body": BODY}, {"custom_id": "a", "body": "oops"}]
    src.write_text("".join(json.dumps(row) + "\n" for row in rows))
    async with MockUpstream(keys=["k"], delay=2.0) as mock:
        provider = Provider("mock", mock.base_url, "openai", keys=["k"])
        async with nexgate.Client(providers=[provider], default=Route("mock"), environ={}) as c:
            with anyio.move_on_after(0.5):  # stopped while the good row is in flight
                await run_batch(src, out, client=c)
            mock.delay = 0.0
            await run_batch(src, out, client=c)  # resume
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((ln["error"] or {}).get("code") or "ok" for ln in lines) == [
        "invalid_line",
        "ok",
    ]
