"""A mock upstream per test, and plain-aiohttp helpers that speak each format by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from nexgate.testing import MockUpstream

KEY = "sk-mock-test-key-42"
FORMATS = ("openai", "claude", "gemini")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def mock() -> AsyncIterator[MockUpstream]:
    async with MockUpstream(keys=[KEY]) as upstream:
        yield upstream
    assert upstream.open_connections() == 0


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def path(fmt: str, *, stream: bool = False, model: str = "m", sse: bool = True) -> str:
    if fmt == "openai":
        return "/v1/chat/completions"
    if fmt == "claude":
        return "/v1/messages"
    if stream:
        return f"/v1beta/models/{model}:streamGenerateContent" + ("?alt=sse" if sse else "")
    return f"/v1beta/models/{model}:generateContent"


def headers(fmt: str, key: str | None = KEY) -> dict[str, str]:
    out = {"content-type": "application/json"}
    if fmt == "claude":
        out["anthropic-version"] = "2023-06-01"
    if key is not None:
        if fmt == "openai":
            out["authorization"] = f"Bearer {key}"
        elif fmt == "claude":
            out["x-api-key"] = key
        else:
            out["x-goog-api-key"] = key
    return out


def body(fmt: str, text: str = "hello there", *, stream: bool = False) -> dict[str, Any]:
    if fmt == "gemini":
        return {"contents": [{"role": "user", "parts": [{"text": text}]}]}
    out: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": text}]}
    if fmt == "claude":
        out["max_tokens"] = 100
    if stream:
        out["stream"] = True
    return out


async def post(
    session: aiohttp.ClientSession,
    mock: MockUpstream,
    fmt: str,
    payload: dict[str, Any] | None = None,
    *,
    stream: bool = False,
    key: str | None = KEY,
    extra: dict[str, str] | None = None,
    sse: bool = True,
) -> tuple[int, CIMultiDict[str], bytes]:
    """One request; returns status, headers and the whole body."""
    url = mock.base_url + path(fmt, stream=stream, sse=sse)
    sent = payload if payload is not None else body(fmt, stream=stream)
    async with session.post(url, json=sent, headers={**headers(fmt, key), **(extra or {})}) as r:
        return r.status, CIMultiDict(r.headers), await r.read()


def sse_data(raw: bytes) -> list[bytes]:
    """The data payloads of an SSE body, in order."""
    out = []
    for event in raw.replace(b"\r\n", b"\n").split(b"\n\n"):
        lines = [ln[5:].strip() for ln in event.split(b"\n") if ln.startswith(b"data:")]
        if lines:
            out.append(b"\n".join(lines))
    return out
