"""Every fault really happens on the socket, observed with plain aiohttp."""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime

import aiohttp
import msgspec
import pytest
from testing.conftest import FORMATS, body, headers, path, post, sse_data

from nexgate.testing import Fault, MockUpstream, parse_fault

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("fmt", FORMATS)
async def test_rate_limit_hints_in_headers(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    mock.inject(Fault("rate_limit", retry_after=1.5))
    mock.inject(Fault("rate_limit", retry_after=1.5, hint="retry-after-ms"))
    mock.inject(Fault("rate_limit", retry_after=30, hint="retry-after-date"))
    status, got, raw = await post(session, mock, fmt)
    assert status == 429 and got["retry-after"] == "1.5"
    assert b"rate" in raw.lower() or b"RESOURCE_EXHAUSTED" in raw
    status, got, _ = await post(session, mock, fmt)
    assert status == 429 and got["retry-after-ms"] == "1500" and "retry-after" not in got
    status, got, _ = await post(session, mock, fmt)
    wait = parsedate_to_datetime(got["retry-after"]).timestamp() - time.time()
    assert status == 429 and 29 <= wait <= 32
    status, _, _ = await post(session, mock, fmt)
    assert status == 200


async def test_gemini_retry_info_in_the_body(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    mock.inject(Fault("rate_limit", retry_after=2.5, hint="retry-info"))
    status, got, raw = await post(session, mock, "gemini")
    assert status == 429 and "retry-after" not in got
    error = msgspec.json.decode(raw)["error"]
    assert error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    infos = [d for d in error["details"] if d["@type"].endswith("google.rpc.RetryInfo")]
    assert infos == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}]


@pytest.mark.parametrize(
    ("fmt", "status", "marker"),
    [
        ("openai", 429, b'"insufficient_quota"'),
        ("claude", 402, b'"billing_error"'),
        ("gemini", 429, b"PerDay"),
    ],
)
async def test_quota_in_each_providers_way(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, status: int, marker: bytes
) -> None:
    mock.inject(Fault("quota"))
    got, _, raw = await post(session, mock, fmt)
    assert got == status and marker in raw


@pytest.mark.parametrize("code", [500, 502, 503, 504, 529])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_status_faults_send_the_status_asked_for(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, code: int
) -> None:
    mock.inject(Fault("status", status=code))
    status, _, raw = await post(session, mock, fmt, stream=True)
    assert status == code
    error = msgspec.json.decode(raw)
    overloaded = code in (503, 529)
    if fmt == "claude":
        assert error["type"] == "error"
        assert (error["error"]["type"] == "overloaded_error") == overloaded
    elif fmt == "gemini":
        assert error["error"]["code"] == code
        assert (error["error"]["status"] == "UNAVAILABLE") == overloaded
    else:
        assert error["error"]["type"] == "server_error"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_reset_before_headers(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, stream: bool
) -> None:
    mock.inject(Fault("reset_before_headers"))
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await post(session, mock, fmt, stream=stream)
    assert mock.stats.requests == 1
    status, _, _ = await post(session, mock, fmt, stream=stream)
    assert status == 200


@pytest.mark.parametrize("fmt", FORMATS)
async def test_reset_mid_stream_after_some_events(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    mock.inject(Fault("reset_mid_stream", events=2))
    url = mock.base_url + path(fmt, stream=True)
    received = b""
    async with session.post(url, json=body(fmt, stream=True), headers=headers(fmt)) as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            async for piece in response.content.iter_any():
                received += piece
    assert len(sse_data(received)) == 2


async def test_reset_mid_body_of_a_json_answer(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    mock.inject(Fault("reset_mid_stream"))
    with pytest.raises(aiohttp.ClientPayloadError):
        await post(session, mock, "claude")


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_stall_after_headers_is_caught_by_a_read_timeout(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, stream: bool
) -> None:
    mock.inject(Fault("stall_after_headers"))
    url = mock.base_url + path(fmt, stream=stream)
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(sock_read=0.3)
    async with session.post(
        url, json=body(fmt, stream=stream), headers=headers(fmt), timeout=timeout
    ) as response:
        assert response.status == 200  # headers arrived...
        with pytest.raises(asyncio.TimeoutError):
            await response.read()  # ...the body never does
    assert time.monotonic() - started < 2


async def test_a_bounded_stall_then_answers(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    mock.inject(Fault("stall_after_headers", seconds=0.3))
    started = time.monotonic()
    status, _, raw = await post(session, mock, "claude", stream=True)
    assert status == 200 and b"message_stop" in raw
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("fmt", FORMATS)
async def test_slow_drip_sends_small_pieces_with_pauses(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    status, _, clean = await post(session, mock, fmt, stream=True)
    assert status == 200
    mock.inject(Fault("slow_drip", seconds=0.02, piece=40))
    url = mock.base_url + path(fmt, stream=True)
    arrivals: list[float] = []
    received = b""
    async with session.post(url, json=body(fmt, stream=True), headers=headers(fmt)) as response:
        async for piece in response.content.iter_any():
            arrivals.append(time.monotonic())
            received += piece
            assert len(piece) <= 80
    # The same stream (but for the response number), only dripped.
    assert received.replace(b"mock-2", b"mock-1").replace(b"700000002", b"700000001") == clean
    assert len(arrivals) >= len(clean) // 40 // 2
    assert arrivals[-1] - arrivals[0] >= 0.02 * (len(clean) // 40 - 2)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_truncated_stream_ends_cleanly_without_its_terminal_event(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    mock.inject(Fault("truncated_stream"))
    status, _, raw = await post(session, mock, fmt, stream=True)
    assert status == 200 and sse_data(raw)
    terminal = {"openai": b"[DONE]", "claude": b"message_stop", "gemini": b"finishReason"}[fmt]
    assert terminal not in raw and b"error" not in raw


async def test_truncated_json_answer(mock: MockUpstream, session: aiohttp.ClientSession) -> None:
    mock.inject(Fault("truncated_stream"))
    status, _, raw = await post(session, mock, "openai")
    assert status == 200
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(raw)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_malformed_chunk_is_a_data_line_with_broken_json(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    mock.inject(Fault("malformed_chunk", events=1))
    _, _, raw = await post(session, mock, fmt, stream=True)
    data = sse_data(raw)
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(data[1])
    msgspec.json.decode(data[0])


async def test_malformed_chunk_in_the_gemini_array_form(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    status, _, clean = await post(session, mock, "gemini", stream=True, sse=False)
    msgspec.json.decode(clean)
    mock.inject(Fault("malformed_chunk"))
    status, _, raw = await post(session, mock, "gemini", stream=True, sse=False)
    assert status == 200
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(raw)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_oversize_body(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str, stream: bool
) -> None:
    mock.inject(Fault("oversize_body", size=3_000_000))
    status, _, raw = await post(session, mock, fmt, stream=stream)
    assert status == 200 and len(raw) > 3_000_000


@pytest.mark.parametrize("fmt", FORMATS)
async def test_redirect_points_at_another_origin(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    mock.inject(Fault("redirect"))
    url = mock.base_url + path(fmt)
    async with session.post(
        url, json=body(fmt), headers=headers(fmt), allow_redirects=False
    ) as response:
        assert response.status == 307
        location = response.headers["Location"]
    assert not location.startswith(mock.base_url) and location.endswith(path(fmt))
    mock.inject(Fault("redirect", location="http://example.invalid/x"))
    async with session.post(
        url, json=body(fmt), headers=headers(fmt), allow_redirects=False
    ) as response:
        assert response.headers["Location"] == "http://example.invalid/x"


@pytest.mark.parametrize("fmt", FORMATS)
async def test_stream_error_event_in_the_format_shape(
    mock: MockUpstream, session: aiohttp.ClientSession, fmt: str
) -> None:
    mock.inject(Fault("stream_error_event", events=2))
    status, _, raw = await post(session, mock, fmt, stream=True)
    assert status == 200
    data = sse_data(raw)
    assert len(data) == 3
    error = msgspec.json.decode(data[-1])
    if fmt == "claude":
        assert b"event: error" in raw
        assert error["type"] == "error" and error["error"]["type"] == "overloaded_error"
    elif fmt == "gemini":
        assert error["error"]["code"] in (503, 529)
    else:
        assert "error" in error and b"[DONE]" not in raw


async def test_delay_fault_and_constructor_delay(session: aiohttp.ClientSession) -> None:
    async with MockUpstream(delay=0.2) as mock:
        started = time.monotonic()
        assert (await post(session, mock, "openai"))[0] == 200
        assert time.monotonic() - started >= 0.2
        mock.inject(Fault("delay", seconds=0.3))
        started = time.monotonic()
        assert (await post(session, mock, "openai"))[0] == 200
        assert time.monotonic() - started >= 0.5


async def test_header_directives_for_a_separate_process(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    extra = {"x-mock-fault": "rate_limit;retry_after=2;hint=retry-after-ms"}
    status, got, _ = await post(session, mock, "claude", extra=extra)
    assert status == 429 and got["retry-after-ms"] == "2000"
    started = time.monotonic()
    status, _, _ = await post(session, mock, "claude", extra={"x-mock-delay-ms": "250"})
    assert status == 200 and time.monotonic() - started >= 0.25
    status, _, raw = await post(session, mock, "gemini", extra={"x-mock-fault": "nonsense"})
    assert status == 400 and b"nonsense" in raw
    assert parse_fault("status; status=503") == Fault("status", status=503)


async def test_faults_match_format_model_and_times(
    mock: MockUpstream, session: aiohttp.ClientSession
) -> None:
    mock.inject(Fault("status", status=503), times=2, format="claude")
    mock.inject(Fault("status", status=502), model="special")
    assert (await post(session, mock, "openai"))[0] == 200
    assert (await post(session, mock, "claude"))[0] == 503
    assert (await post(session, mock, "claude"))[0] == 503
    assert (await post(session, mock, "claude"))[0] == 200
    special = body("openai")
    special["model"] = "special"
    assert (await post(session, mock, "openai", special))[0] == 502
    assert (await post(session, mock, "openai", special))[0] == 200
    mock.inject(Fault("status", status=500), model="g-model")
    url = mock.base_url + "/v1beta/models/g-model:generateContent"
    async with session.post(url, json=body("gemini"), headers=headers("gemini")) as response:
        assert response.status == 500
    assert mock.stats.faults == {"status": 4}


def test_bad_faults_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("gremlins")
    with pytest.raises(ValueError, match="retry hint"):
        Fault("rate_limit", hint="someday")
    with pytest.raises(ValueError, match="unknown fault option"):
        parse_fault("delay;sconds=1")
