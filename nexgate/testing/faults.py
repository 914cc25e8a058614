"""Faults the mock upstream can inject, on demand, for the next matching requests."""

from __future__ import annotations

import msgspec

#: Every fault kind the mock knows.
FAULT_KINDS = frozenset(
    {
        "rate_limit",
        "quota",
        "status",
        "reset_before_headers",
        "reset_mid_stream",
        "stall_after_headers",
        "slow_drip",
        "truncated_stream",
        "malformed_chunk",
        "oversize_body",
        "redirect",
        "stream_error_event",
        "delay",
    }
)


class Fault(msgspec.Struct, kw_only=True):
    """One injected fault.

    ``hint`` chooses how a 429 says when to retry: ``"retry-after"`` (seconds),
    ``"retry-after-date"`` (an HTTP date), ``"retry-after-ms"`` or ``"retry-info"`` (Gemini's
    ``RetryInfo.retryDelay`` in the body). ``events`` is how many stream events go out before
    a mid-stream fault; ``seconds`` is the stall, drip or delay time; ``size`` the oversize
    body length.
    """

    kind: str
    status: int = 500
    retry_after: float = 1.0
    hint: str = "retry-after"
    events: int = 2
    seconds: float = 0.05
    size: int = 8 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")


def parse_fault(text: str) -> Fault:
    """A fault from a header value such as ``rate_limit;retry_after=2;hint=retry-after-ms``."""
    kind, *options = [piece.strip() for piece in text.split(";") if piece.strip()]
    fields: dict[str, object] = {}
    for option in options:
        name, _, value = option.partition("=")
        if name in ("status", "events", "size"):
            fields[name] = int(value)
        elif name in ("retry_after", "seconds"):
            fields[name] = float(value)
        elif name == "hint":
            fields[name] = value
    return Fault(kind=kind, **fields)  # type: ignore[arg-type]
