"""``nexgate chat``: the reply on stdout, streamed or not; bad input is one line on stderr."""

from __future__ import annotations

import anyio
import pytest
from dispatch.conftest import KEY

from nexgate.cli import main
from nexgate.testing import MockUpstream


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("stream", [False, True])
def test_chat_with_the_embedded_upstream(
    capsys: pytest.CaptureFixture[str], fmt: str, stream: bool
) -> None:
    argv = ["chat", "--provider", "mock", "--format", fmt, "--model", "m", "hello there"]
    code = main(argv + (["--stream"] if stream else []))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == "echo: hello there\n"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_chat_with_a_base_url_and_a_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MY_TEST_KEY", KEY)
    async with MockUpstream(keys=[KEY], require_auth={"gemini": "query"}) as mock:
        argv = [
            "chat",
            "--base-url",
            mock.base_url + "/v1beta",
            "--format",
            "gemini",
            "--api-key-env",
            "MY_TEST_KEY",
            "--model",
            "gemini-2.5-flash",
            "--stream",
            "ping",
        ]
        code = await anyio.to_thread.run_sync(main, argv)
        assert mock.stats.requests == 1
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == "echo: ping\n"
    assert KEY not in out + err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--base-url", "http://127.0.0.1:9"], "--format"),
        (["--provider", "openai", "--api-key-env", "NEXGATE_TEST_UNSET"], "NEXGATE_TEST_UNSET"),
        (["--provider", "mock", "--model", "../../admin"], "invalid model id"),
    ],
)
def test_bad_input_is_one_line_on_stderr(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    says: str,
) -> None:
    monkeypatch.delenv("NEXGATE_TEST_UNSET", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    if "--model" not in argv:
        argv = [*argv, "--model", "m"]
    code = main(["chat", *argv, "hi"])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and says in err and "Traceback" not in err


def test_unreachable_upstream_is_one_line_and_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["chat", "--base-url", "http://127.0.0.1:9", "--format", "openai", "--model", "m", "x"]
    )
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("nexgate: APIConnectionError") and err.count("\n") == 1
