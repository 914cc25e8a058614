"""Shared fixtures: async tests run on asyncio (aiohttp runs only there)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
