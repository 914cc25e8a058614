"""The ``nexgate`` command on bad options: a usage error or one line on stderr, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nexgate.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", "in.jsonl", "-o", "out.jsonl", "--rpm", "0"],
        ["batch", "in.jsonl", "-o", "out.jsonl", "--tpm", "-5"],
        ["batch", "in.jsonl", "-o", "out.jsonl", "--tpm", "nan"],
        ["batch", "in.jsonl", "-o", "out.jsonl", "--retries", "-1"],
        ["batch", "in.jsonl", "-o", "out.jsonl", "--concurrency", "0"],
        ["chat", "--model", "m", "--max-tokens", "0", "hi"],
        ["demo", "--rows", "0"],
        ["mock", "--port", "99999"],
        ["mock", "--port", "-1"],
        ["mock", "--delay-ms", "-3"],
        ["translate", "error", "--from", "openai", "--to", "claude", "--status", "99999"],
    ],
)
def test_an_out_of_range_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "out of range" in err and "Traceback" not in err


def test_an_output_file_that_cannot_be_written_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"custom_id": "a", "body": {"model": "m", "messages": []}}\n')
    code = main(["batch", str(src), "-o", str(tmp_path / "missing" / "out.jsonl"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("nexgate: FileNotFoundError") and err.count("\n") == 1


@pytest.mark.timeout(30)
def test_a_port_already_taken_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = main(["mock", "--port", str(taken.getsockname()[1])])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("nexgate: OSError") and err.count("\n") == 1


@pytest.mark.anyio
async def test_api_key_env_wins_over_the_providers_own_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nexgate._cli.connection import connect
    from nexgate.cli import build_parser

    monkeypatch.setenv("OPENAI_API_KEY", "sk-default-key")
    monkeypatch.setenv("MY_OTHER_KEY", "sk-chosen-key")
    args = build_parser().parse_args(
        ["chat", "--provider", "openai", "--api-key-env", "MY_OTHER_KEY", "--model", "m", "hi"]
    )
    async with connect(args) as client:
        assert client.providers["openai"].secrets() == ("sk-chosen-key",)


def test_an_empty_api_key_env_for_a_named_provider_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-default-key")  # set, but not the one asked for
    monkeypatch.delenv("EMPTY_KEY_VAR", raising=False)
    code = main(
        ["chat", "--provider", "openai", "--api-key-env", "EMPTY_KEY_VAR", "--model", "m", "hi"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "EMPTY_KEY_VAR" in err and len(err.strip().splitlines()) == 1
    assert "sk-default-key" not in err


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["--provider", "anthropic", "--format", "gemini"], "anthropic speaks claude"),
        (["--provider", "mock", "--base-url", "http://127.0.0.1:1", "--format", "openai"], "two"),
        (["--provider", "openai", "--base-url", "http://127.0.0.1:1"], "two"),
    ],
)
def test_contradicting_upstream_options_are_refused(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    word: str,
) -> None:
    """They were half ignored: a Gemini body sent to Anthropic's endpoint, or the embedded
    mock answering while the URL given was never tried."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert main(["chat", *argv, "--model", "m", "hi"]) == 2
    captured = capsys.readouterr()
    assert word in captured.err and "Traceback" not in captured.err
    assert captured.out == ""
