"""Each format's own authentication convention, and 401s in each format's error shape."""

from __future__ import annotations

import aiohttp
import msgspec
import pytest
from testing.conftest import FORMATS, KEY, body, path, post

from nexgate.testing import MockUpstream

pytestmark = pytest.mark.anyio


def _assert_401_shape(fmt: str, raw: bytes) -> None:
    error = msgspec.json.decode(raw)
    if fmt == "openai":
        assert error["error"]["type"] == "authentication_error"
    elif fmt == "claude":
        assert error["type"] == "error" and error["error"]["type"] == "authentication_error"
    else:
        assert error["error"]["code"] == 401 and error["error"]["status"] == "UNAUTHENTICATED"
    assert KEY not in raw.decode()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "sk-wrong", ""])
async def test_missing_or_wrong_key_is_401_in_the_format_shape(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, key: str | None
) -> None:
    status, _, raw = await post(session, mock, fmt, key=key)
    assert status == 401
    _assert_401_shape(fmt, raw)
    assert mock.stats.requests == 0 and mock.stats.rejected == 1


async def _status(
    session: aiohttp.ClientSession, mock: MockUpstream, fmt: str, sent: dict[str, str], query: str
) -> int:
    url = mock.base_url + path(fmt) + query
    async with session.post(url, json=body(fmt), headers=sent) as response:
        await response.read()
        return response.status


async def test_every_documented_form_is_accepted(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    version = {"anthropic-version": "2023-06-01"}
    assert await _status(session, mock, "openai", {"Authorization": f"Bearer {KEY}"}, "") == 200
    assert await _status(session, mock, "claude", {"x-api-key": KEY, **version}, "") == 200
    sent = {"Authorization": f"Bearer {KEY}", **version}
    assert await _status(session, mock, "claude", sent, "") == 200
    assert await _status(session, mock, "gemini", {}, f"?key={KEY}") == 200
    assert await _status(session, mock, "gemini", {"x-goog-api-key": KEY}, "") == 200
    assert mock.stats.requests_by_key == {KEY: 5}


async def test_forms_of_other_formats_are_refused(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    version = {"anthropic-version": "2023-06-01"}
    assert await _status(session, mock, "openai", {"x-api-key": KEY}, f"?key={KEY}") == 401
    assert await _status(session, mock, "claude", {"x-goog-api-key": KEY, **version}, "") == 401
    assert await _status(session, mock, "gemini", {"Authorization": f"Bearer {KEY}"}, "") == 401
    assert await _status(session, mock, "openai", {"Authorization": KEY}, "") == 401


async def test_claude_needs_the_anthropic_version_header(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    status = await _status(session, mock, "claude", {"x-api-key": KEY}, "")
    assert status == 401


async def test_any_non_empty_key_when_no_keys_are_given(session: aiohttp.ClientSession) -> None:
    async with MockUpstream() as mock:
        for fmt in FORMATS:
            status, _, _ = await post(session, mock, fmt, key="anything")
            assert status == 200
            status, _, _ = await post(session, mock, fmt, key=None)
            assert status == 401
        assert mock.stats.requests_by_key == {"anything": 3}


async def test_require_auth_narrows_each_format_to_one_form(
    session: aiohttp.ClientSession,
) -> None:
    required = {"openai": "bearer", "claude": "x-api-key", "gemini": "query"}
    async with MockUpstream(keys=[KEY], require_auth=required) as mock:
        version = {"anthropic-version": "2023-06-01"}
        assert await _status(session, mock, "gemini", {"x-goog-api-key": KEY}, "") == 401
        assert await _status(session, mock, "gemini", {}, f"?key={KEY}") == 200
        sent = {"Authorization": f"Bearer {KEY}", **version}
        assert await _status(session, mock, "claude", sent, "") == 401
        assert await _status(session, mock, "claude", {"x-api-key": KEY, **version}, "") == 200
    async with MockUpstream(require_auth={"gemini": "x-goog-api-key"}) as mock:
        assert await _status(session, mock, "gemini", {}, "?key=k") == 401
        assert await _status(session, mock, "gemini", {"x-goog-api-key": "k"}, "") == 200


async def test_the_key_itself_is_never_in_repr(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    status, _, _ = await post(session, mock, "gemini")
    assert status == 200 and mock.stats.requests_by_key == {KEY: 1}
    assert KEY not in repr(mock.stats) and KEY not in repr(mock)
