"""The separate-process forms (`nexgate mock`, `python -m nexgate.testing`) and the thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

import msgspec
import pytest

from nexgate.testing import Fault, mock_in_thread


def _post(url: str, headers: dict[str, str], payload: Mapping[str, object]) -> tuple[int, bytes]:
    data = msgspec.json.encode(payload)
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "nexgate", "mock"],
        [sys.executable, "-m", "nexgate.testing"],
    ],
)
def test_the_mock_runs_as_a_process_until_terminated(command: list[str]) -> None:
    args = [*command, "--port", "0", "--key", "proc-key", "--require-auth", "gemini=query"]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode()
        assert first.startswith("nexgate mock upstream listening on http://127.0.0.1:")
        url = first.split()[-1]
        payload = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        gemini = url + "/v1beta/models/m:generateContent"
        status, raw = _post(gemini + "?key=proc-key", {}, payload)
        assert status == 200 and b"echo: hi" in raw
        status, _ = _post(gemini, {"x-goog-api-key": "proc-key"}, payload)
        assert status == 401
        headers = {"x-goog-api-key": "x", "x-mock-fault": "status;status=503"}
        status, raw = _post(gemini + "?key=proc-key", headers, payload)
        assert status == 503 and b"UNAVAILABLE" in raw
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert b"proc-key" not in err


def test_bad_options_exit_with_one_clear_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nexgate", "mock", "--require-auth", "gemini=bearer"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0
    assert b"--require-auth" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_mock_in_a_thread_for_synchronous_code() -> None:
    with mock_in_thread(keys=["t"]) as mock:
        mock.inject(Fault("status", status=502))
        url = mock.base_url + "/v1/chat/completions"
        headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        payload = {"model": "m", "messages": [{"role": "user", "content": "sync"}]}
        assert _post(url, headers, payload)[0] == 502
        status, raw = _post(url, headers, payload)
        assert status == 200 and b"echo: sync" in raw
        assert mock.stats.requests_by_key == {"t": 2}
    assert mock.open_connections() == 0
