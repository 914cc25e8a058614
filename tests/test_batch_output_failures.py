"""`nexgate batch` when the output cannot be written: one line, exit 1, no traceback; a
device as the output is written to, never read "for resume"."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

NEXGATE = [sys.executable, "-m", "nexgate"]


def _input(path: Path, n: int) -> Path:
    rows = [
        {
            "custom_id": f"r{i}",
            "body": {"model": "m", "messages": [{"role": "user", "content": f"hi {i}"}]},
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _limit_file_size() -> None:
    # The output file system "fills up" after 8 KiB: os.write raises EFBIG (like ENOSPC).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))


def test_a_full_disk_mid_job_is_one_clean_error_not_a_traceback(tmp_path: Path) -> None:
    src = _input(tmp_path / "in.jsonl", 200)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [*NEXGATE, "batch", str(src), "-o", str(out), "--provider", "mock", "--quiet"],
        capture_output=True,
        timeout=60,
        preexec_fn=_limit_file_size,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "Traceback" not in err, err[:600]
    assert err.startswith("nexgate: OSError"), err[:600]


def test_output_on_a_device_that_never_ends_does_not_hang(tmp_path: Path) -> None:
    # /dev/full: every write fails with ENOSPC -- the canonical unwritable output. The job
    # must fail (or finish) promptly; it must not read the device "for resume" forever.
    src = _input(tmp_path / "in.jsonl", 3)
    try:
        proc = subprocess.run(
            [*NEXGATE, "batch", str(src), "-o", "/dev/full", "--provider", "mock", "--quiet"],
            capture_output=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("nexgate batch -o /dev/full still running after 20 s") from None
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr.decode()
