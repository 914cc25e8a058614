"""``nexgate translate error`` without ``--status``: the status the body states or implies.

It assumed 400, so a Gemini 429 reached OpenAI and Claude callers as a 400 carrying a
rate-limit body, while ``--to gemini`` answered 429 for the same input.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import msgspec
import pytest

from nexgate.cli import main

GEMINI_429 = {"error": {"code": 429, "message": "exhausted", "status": "RESOURCE_EXHAUSTED"}}
CLAUDE_OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
OPENAI_QUOTA = {
    "error": {"message": "no credit", "type": "insufficient_quota", "code": "insufficient_quota"}
}
OPENAI_BAD = {"error": {"message": "bad", "type": "invalid_request_error", "code": None}}


def _translate(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    body: bytes,
    *argv: str,
) -> dict[str, Any]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    assert main(["translate", "error", *argv]) == 0
    out: dict[str, Any] = msgspec.json.decode(capsys.readouterr().out)
    return out


@pytest.mark.parametrize(
    ("source", "body", "target", "status"),
    [
        ("gemini", GEMINI_429, "openai", 429),
        ("gemini", GEMINI_429, "claude", 429),
        ("gemini", GEMINI_429, "gemini", 429),
        ("claude", CLAUDE_OVERLOADED, "claude", 529),
        ("claude", CLAUDE_OVERLOADED, "gemini", 503),
        ("openai", OPENAI_QUOTA, "claude", 429),
        ("openai", OPENAI_BAD, "claude", 400),
    ],
)
def test_the_status_comes_from_the_body(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    body: dict[str, Any],
    target: str,
    status: int,
) -> None:
    data = msgspec.json.encode(body)
    out = _translate(monkeypatch, capsys, data, "--from", source, "--to", target)
    assert out["status"] == status


def test_an_explicit_status_wins_and_a_page_is_400(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = msgspec.json.encode(GEMINI_429)
    out = _translate(
        monkeypatch, capsys, data, "--from", "gemini", "--to", "openai", "--status", "503"
    )
    assert out["status"] == 503
    page = b"<html>bad gateway</html>"
    assert (
        _translate(monkeypatch, capsys, page, "--from", "openai", "--to", "claude")["status"] == 400
    )
