"""How translations report losses in the log: one line per kind of loss and call, WARNING for
what was dropped and DEBUG for what was emulated, and no memory across calls."""

from __future__ import annotations

import logging

import pytest

import nexgate

BODY = {
    "model": "m",
    "seed": 7,
    "user": "u-1",
    "messages": [
        {"role": "system", "content": "one"},
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "two"},
        {"role": "system", "content": "three"},
    ],
}


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "nexgate.translate"]


def test_each_kind_of_loss_is_logged_once_per_call_at_its_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="nexgate.translate")
    out = nexgate.translate_request(BODY, source="openai", target="claude")
    kinds = [loss.kind for loss in out.losses]
    assert kinds.count("unsupported_parameter") == 1  # seed; user goes as metadata.user_id
    assert kinds.count("system_message_hoisted") == 2  # "two" and "three"
    records = _records(caplog)
    dropped = [text for level, text in records if level == logging.WARNING]
    emulated = [text for level, text in records if level == logging.DEBUG]
    assert len(dropped) == 1 and "unsupported_parameter at $.seed" in dropped[0]
    assert sum("system_message_hoisted" in text for text in emulated) == 1
    assert all(text.startswith("openai -> claude: ") for _, text in records)

    caplog.clear()
    nexgate.translate_request(BODY, source="openai", target="claude")
    assert _records(caplog) == records  # the next call logs again: no process-wide memory


def test_a_translation_without_losses_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="nexgate.translate")
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    assert not nexgate.translate_request(body, source="openai", target="claude").losses
    assert _records(caplog) == []
