"""The README's Python examples run as shown (each ```python block, in order)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks() -> list[str]:
    return BLOCK.findall(README.read_text())


def test_readme_has_examples() -> None:
    assert len(_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    code = _blocks()[index]
    namespace: dict[str, object] = {"__name__": "__readme__"}
    exec(compile(code, f"README.md block {index}", "exec"), namespace)
    expected = re.findall(r"^# prints: (.*)$", code, re.MULTILINE)
    out = capsys.readouterr().out
    for line in expected:
        assert line in out
