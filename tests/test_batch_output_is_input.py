"""An input file given as the output by mistake (``-o`` a copy of an input) is not taken for
results: its lines have no ``response``, so the rows are sent, not skipped as done."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nexgate
from nexgate.batch import run_batch

pytestmark = pytest.mark.anyio


def test_input_lines_are_not_taken_for_results(tmp_path: Path) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"custom_id": c, "body": body}) + "\n" for c in "ab"))
    other = tmp_path / "previous_input.jsonl"
    other.write_text(src.read_text())  # e.g. a copy of an input file given as -o by mistake
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexgate",
            "batch",
            str(src),
            "-o",
            str(other),
            "--provider",
            "mock",
        ],
        capture_output=True,
        timeout=60,
    )
    err = proc.stderr.decode()
    # Either refuse the file or send the rows; not "ok 0 ... skipped 2 (already done)".
    assert "skipped 2 (already done)" not in err, err


async def test_the_input_file_itself_as_the_output_is_refused(tmp_path: Path) -> None:
    """Its results would be read back as more input without end (the file grew by hundreds
    of thousands of lines a second)."""
    src = tmp_path / "in.jsonl"
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    src.write_text(json.dumps({"custom_id": "a", "body": body}) + "\n")
    async with nexgate.Client(environ={}) as client:
        with pytest.raises(nexgate.InvalidInputError, match="output file is the input file"):
            await run_batch(src, src, client=client)
    assert src.read_text().count("\n") == 1
