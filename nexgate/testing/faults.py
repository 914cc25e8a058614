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

#: How a 429 says when to retry.
RETRY_HINTS = frozenset({"retry-after", "retry-after-date", "retry-after-ms", "retry-info", "none"})

#: ``seconds`` when a fault does not give it: a stall outlives any sane client timeout.
_DEFAULT_SECONDS = {"stall_after_headers": 3600.0, "slow_drip": 0.05, "delay": 0.05}


class Fault(msgspec.Struct):
    """One injected fault: ``Fault("rate_limit", retry_after=1.5)``.

    - ``status``: the HTTP status of a ``"status"`` fault (500, 502, 503, 504, 529, ...),
      sent as given, with the body in the request's format (5xx overloaded shapes for 503/529).
    - ``retry_after`` and ``hint`` (``rate_limit``): ``"retry-after"`` (seconds),
      ``"retry-after-date"`` (an HTTP date), ``"retry-after-ms"``, ``"retry-info"`` (Gemini's
      ``RetryInfo.retryDelay`` in the body; other formats get no hint) or ``"none"``.
    - ``events``: stream events sent before ``reset_mid_stream``, ``malformed_chunk`` and
      ``stream_error_event`` strike.
    - ``seconds``: the stall (default: an hour, cut short when the client hangs up), the pause
      between ``slow_drip`` pieces (default 0.05) or the ``delay`` (default 0.05).
    - ``piece``: ``slow_drip`` piece size in bytes (0: one stream event, or 16 bytes of a JSON
      body, per piece).
    - ``size``: the ``oversize_body`` text length. ``location``: the ``redirect`` target
      (default: the same path on another loopback origin). ``message``: error text.
    """

    kind: str
    status: int = 500
    retry_after: float = 1.0
    hint: str = "retry-after"
    events: int = 2
    seconds: float | None = None
    piece: int = 0
    size: int = 8 * 1024 * 1024
    location: str = ""
    message: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")
        if self.hint not in RETRY_HINTS:
            raise ValueError(f"unknown retry hint {self.hint!r}; known: {sorted(RETRY_HINTS)}")

    @property
    def wait(self) -> float:
        """``seconds``, or this kind's default."""
        if self.seconds is not None:
            return self.seconds
        return _DEFAULT_SECONDS.get(self.kind, 0.05)


_INT_FIELDS = frozenset({"status", "events", "size", "piece"})
_FLOAT_FIELDS = frozenset({"retry_after", "seconds"})
_TEXT_FIELDS = frozenset({"hint", "location", "message"})


def parse_fault(text: str) -> Fault:
    """A fault from a header value such as ``rate_limit;retry_after=2;hint=retry-after-ms``.

    Raises ``ValueError`` for an unknown kind, option or value.
    """
    kind, *options = [piece.strip() for piece in text.split(";") if piece.strip()] or [""]
    fields: dict[str, object] = {}
    for option in options:
        name, _, value = option.partition("=")
        name = name.strip().replace("-", "_")
        value = value.strip()
        if name in _INT_FIELDS:
            fields[name] = int(value)
        elif name in _FLOAT_FIELDS:
            fields[name] = float(value)
        elif name in _TEXT_FIELDS:
            fields[name] = value
        else:
            raise ValueError(f"unknown fault option {name!r}")
    return Fault(kind, **fields)  # type: ignore[arg-type]


class _Queued(msgspec.Struct):
    fault: Fault
    times: int
    format: str | None
    model: str | None


class FaultQueue:
    """Faults waiting for their requests, matched in the order they were injected."""

    def __init__(self) -> None:
        self._queued: list[_Queued] = []

    def add(self, fault: Fault, times: int, format: str | None, model: str | None) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self._queued.append(_Queued(fault, times, format, model))

    def take(self, format: str, model: str | None) -> Fault | None:
        """The first fault that matches this request (used up after its ``times``)."""
        for queued in self._queued:
            if queued.format not in (None, format) or queued.model not in (None, model):
                continue
            queued.times -= 1
            if queued.times <= 0:
                self._queued.remove(queued)
            return queued.fault
        return None

    def clear(self) -> None:
        self._queued.clear()

    def __len__(self) -> int:
        return sum(q.times for q in self._queued)
