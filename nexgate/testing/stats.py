"""What the mock upstream saw: requests and concurrency, overall and per key.

Keys are kept in memory as dictionary keys (tests ask "how many calls did key K make?") but
never appear in ``repr`` or any log line.
"""

from __future__ import annotations

from collections.abc import Callable


def _no_connections() -> int:
    return 0


class MockStats:
    """Counters for one :class:`~nexgate.testing.MockUpstream` (reset with ``reset_stats``)."""

    def __init__(self, connections: Callable[[], int] = _no_connections) -> None:
        #: Authenticated requests that reached a handler.
        self.requests = 0
        self.requests_by_key: dict[str, int] = {}
        #: Requests turned away with 401 (missing or wrong key).
        self.rejected = 0
        #: Requests whose answer was shaped by an injected fault, by fault kind.
        self.faults: dict[str, int] = {}
        self.inflight = 0
        self.peak_inflight = 0
        self.inflight_by_key: dict[str, int] = {}
        self.peak_inflight_by_key: dict[str, int] = {}
        self._connections = connections

    @property
    def open_connections(self) -> int:
        """TCP connections currently open at the server (live, not a snapshot)."""
        return self._connections()

    def enter(self, key: str) -> None:
        self.requests += 1
        self.requests_by_key[key] = self.requests_by_key.get(key, 0) + 1
        self.inflight += 1
        self.peak_inflight = max(self.peak_inflight, self.inflight)
        now = self.inflight_by_key[key] = self.inflight_by_key.get(key, 0) + 1
        self.peak_inflight_by_key[key] = max(self.peak_inflight_by_key.get(key, 0), now)

    def leave(self, key: str) -> None:
        self.inflight -= 1
        self.inflight_by_key[key] -= 1

    def carry_inflight(self, old: MockStats) -> None:
        """Take over the requests ``old`` still counts as running."""
        self.inflight = self.peak_inflight = old.inflight
        self.inflight_by_key = {key: n for key, n in old.inflight_by_key.items() if n}
        self.peak_inflight_by_key = dict(self.inflight_by_key)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def __repr__(self) -> str:
        return (
            f"MockStats(requests={self.requests}, rejected={self.rejected}, "
            f"peak_inflight={self.peak_inflight}, keys={len(self.requests_by_key)})"
        )
