"""A dict body nested thousands deep gives a nexgate error, never a raw ``RecursionError`` (a
Claude tool result inside tool results, a snake_case Gemini body's unknown field): the JSON text
path refused such depth, a dict body did not.

Found by the review of the day's diff (an older problem)."""

from __future__ import annotations

import contextlib

import pytest

from nexgate import translate_request
from nexgate.errors import NexgateError


def _deep(depth: int) -> dict:
    block: dict = {"type": "text", "text": "x"}
    for _ in range(depth):
        block = {"type": "tool_result", "tool_use_id": "a", "content": [block]}
    return block


@pytest.mark.parametrize("fmt", ["claude", "gemini"])
def test_deep_dict_body_gives_a_nexgate_error(fmt: str) -> None:
    if fmt == "claude":
        body = {
            "model": "m",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": [_deep(900)]}],
        }
    else:
        body = {"contents": [{"role": "user", "parts": [{"text": "x", "extra_field": _deep(900)}]}]}
    with contextlib.suppress(NexgateError):  # a typed error naming the path is fine; so is success
        translate_request(body, source=fmt, target=fmt)
