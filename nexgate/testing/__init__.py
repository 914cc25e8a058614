"""Test helpers shipped with nexgate: the embedded mock upstream.

Importing this module loads aiohttp (the mock is an aiohttp server).
"""

from __future__ import annotations

from .faults import FAULT_KINDS, RETRY_HINTS, Fault, parse_fault
from .server import MockUpstream
from .stats import MockStats
from .thread import mock_in_thread

__all__ = (
    "FAULT_KINDS",
    "RETRY_HINTS",
    "Fault",
    "MockStats",
    "MockUpstream",
    "mock_in_thread",
    "parse_fault",
)
