"""Test helpers shipped with nexgate: the embedded mock upstream.

Importing this module loads aiohttp (the mock is an aiohttp server).
"""

from __future__ import annotations

from .faults import FAULT_KINDS, Fault, parse_fault
from .server import MockStats, MockUpstream

__all__ = ("FAULT_KINDS", "Fault", "MockStats", "MockUpstream", "parse_fault")
