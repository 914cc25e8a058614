"""Each injected fault over real sockets, with the same post-conditions after every one:
no connection left open at the server, no limiter slot borrowed, nothing waiting."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from dispatch.conftest import FORMATS, assert_released, body, make_client, settle, tasks_now

import nexgate
from nexgate.testing import Fault, MockUpstream
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio


async def _call(client: nexgate.Client, fmt: str, stream: bool) -> Any:
    if not stream:
        return await client.send(body(fmt, "fault test"), format=fmt, model="m")
    async with client.send_stream(
        body(fmt, "fault test", stream=True), format=fmt, model="m"
    ) as chunks:
        return b"".join([chunk async for chunk in chunks])


_BASELINE: dict[str, set[Any]] = {"tasks": set()}


@pytest.fixture(autouse=True)
async def _tasks_before(mock: MockUpstream) -> None:
    """The tasks alive when a test starts (the mock's included): none may be added for good."""
    _BASELINE["tasks"] = tasks_now()


async def _after(client: nexgate.Client, mock: MockUpstream) -> None:
    await assert_released(client, mock, _BASELINE["tasks"])


@pytest.mark.parametrize(
    "hint", ["retry-after", "retry-after-ms", "retry-after-date", "retry-info"]
)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_rate_limit_hints_are_honoured(mock: MockUpstream, fmt: str, hint: str) -> None:
    wait = 1.0 if hint == "retry-after-date" else 0.3  # an HTTP date has 1-second resolution
    mock.inject(Fault(kind="rate_limit", retry_after=wait, hint=hint), times=1)
    client = make_client(mock, fmt)
    started = time.monotonic()
    await _call(client, fmt, stream=False)
    elapsed = time.monotonic() - started
    assert mock.stats.requests == 2 and client.stats.retries == 1
    if hint != "retry-after-date":
        assert elapsed >= wait * 0.9
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_quota_is_not_retried(mock: MockUpstream, fmt: str) -> None:
    mock.inject(Fault(kind="quota"), times=5)
    client = make_client(mock, fmt)
    with pytest.raises(nexgate.QuotaExceededError) as caught:
        await _call(client, fmt, stream=False)
    assert mock.stats.requests == 1
    assert caught.value.retryable is False
    await _after(client, mock)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, nexgate.ServerError),
        (503, nexgate.OverloadedError),
        (529, nexgate.OverloadedError),
        (502, nexgate.ServerError),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_server_errors_are_retried_then_raised(
    mock: MockUpstream, fmt: str, status: int, error: type
) -> None:
    mock.inject(Fault(kind="status", status=status), times=10)
    client = make_client(mock, fmt)
    with pytest.raises(error):
        await _call(client, fmt, stream=False)
    assert mock.stats.requests == 3  # one attempt and two retries
    await _after(client, mock)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_reset_before_headers_is_retried(mock: MockUpstream, fmt: str, stream: bool) -> None:
    mock.inject(Fault(kind="reset_before_headers"), times=1)
    client = make_client(mock, fmt)
    out = await _call(client, fmt, stream)
    assert out
    assert mock.stats.requests == 2
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_reset_mid_stream_is_not_retried(mock: MockUpstream, fmt: str) -> None:
    from nexgate import Message, Request, TextPart

    mock.inject(Fault(kind="reset_mid_stream", events=2), times=1)
    client = make_client(mock, fmt)
    seen = []
    request = Request(
        model="m", messages=[Message(role="user", parts=[TextPart(text="a b c d e f")])]
    )
    with pytest.raises(nexgate.StreamInterruptedError):
        async with client.stream(request) as events:
            async for event in events:
                seen.append(event)
    assert seen, "the events before the reset reached the caller"
    assert mock.stats.requests == 1
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_stall_after_headers_fires_the_first_token_timeout(
    mock: MockUpstream, fmt: str
) -> None:
    mock.inject(Fault(kind="stall_after_headers", seconds=30), times=5)
    client = make_client(
        mock, fmt, timeouts=Timeouts(connect=2, first_byte=0.3, idle=0.3, total=20)
    )
    started = time.monotonic()
    with pytest.raises(nexgate.APITimeoutError) as caught:
        await _call(client, fmt, stream=True)
    assert caught.value.kind == "first_byte"
    assert time.monotonic() - started < 3
    assert mock.stats.requests == 3  # nothing reached the caller yet: retried
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_slow_drip_under_the_idle_timeout_completes(mock: MockUpstream, fmt: str) -> None:
    mock.inject(Fault(kind="slow_drip", seconds=0.05), times=1)
    client = make_client(mock, fmt, timeouts=Timeouts(connect=2, first_byte=5, idle=0.5, total=20))
    out = await _call(client, fmt, stream=True)
    assert b"fault" in out and b'"error"' not in out
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_body_slower_than_the_idle_timeout_but_never_idle_completes(
    mock: MockUpstream, fmt: str
) -> None:
    # 16 bytes every 0.05 s: the whole body takes seconds, no gap reaches the idle timeout.
    mock.inject(Fault(kind="slow_drip", seconds=0.05, piece=16), times=1)
    client = make_client(mock, fmt, timeouts=Timeouts(connect=2, first_byte=5, idle=0.4, total=20))
    started = time.monotonic()
    out = await _call(client, fmt, stream=False)
    assert "fault test" in repr(out)
    assert time.monotonic() - started > 0.4 and mock.stats.requests == 1
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_gap_over_the_idle_timeout_fails_a_body(mock: MockUpstream, fmt: str) -> None:
    mock.inject(Fault(kind="slow_drip", seconds=0.5, piece=16), times=1)
    client = make_client(mock, fmt, timeouts=Timeouts(connect=2, first_byte=5, idle=0.2, total=20))
    with pytest.raises(nexgate.APITimeoutError) as caught:
        await _call(client, fmt, stream=False)
    assert caught.value.kind == "idle"
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_gap_over_the_idle_timeout_breaks_the_stream(mock: MockUpstream, fmt: str) -> None:
    mock.inject(Fault(kind="slow_drip", seconds=0.5), times=1)
    client = make_client(mock, fmt, timeouts=Timeouts(connect=2, first_byte=5, idle=0.2, total=20))
    started = time.monotonic()
    out = await _call(client, fmt, stream=True)
    assert b"in time (idle)" in out  # the caller format's error event says which deadline
    assert time.monotonic() - started < 2
    assert mock.stats.requests == 1  # output had reached the caller: not retried
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_the_total_deadline_mid_stream_ends_it_with_the_callers_error_event(
    mock: MockUpstream, fmt: str
) -> None:
    mock.inject(Fault(kind="slow_drip", seconds=0.2), times=1)
    client = make_client(mock, fmt, timeouts=Timeouts(connect=2, first_byte=5, idle=2, total=0.5))
    started = time.monotonic()
    out = await _call(client, fmt, stream=True)  # no exception: the stream had begun
    assert b"total deadline of 0.5s" in out
    assert time.monotonic() - started < 2 and mock.stats.requests == 1
    await _after(client, mock)


@pytest.mark.parametrize("kind", ["truncated_stream", "malformed_chunk", "stream_error_event"])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_broken_streams_end_in_the_callers_error_event(
    mock: MockUpstream, fmt: str, kind: str
) -> None:
    mock.inject(Fault(kind=kind, events=2), times=1)
    client = make_client(mock, fmt)
    out = await _call(client, fmt, stream=True)
    assert b"error" in out
    if fmt == "openai":
        assert b"[DONE]" not in out
    assert mock.stats.requests == 1
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_stream_that_opens_with_an_error_is_retried(mock: MockUpstream, fmt: str) -> None:
    # Nothing reached the caller yet: an overloaded stream is an error answer like a 529.
    mock.inject(Fault(kind="stream_error_event", events=0), times=1)
    client = make_client(mock, fmt)
    out = await _call(client, fmt, stream=True)
    ending = {"openai": b"[DONE]", "claude": b"message_stop", "gemini": b'"finishReason":"STOP"'}
    assert ending[fmt] in out and b"Overloaded" not in out
    assert mock.stats.requests == 2 and client.stats.retries == 1
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_stream_that_keeps_opening_with_an_error_raises_it_typed(
    mock: MockUpstream, fmt: str
) -> None:
    mock.inject(Fault(kind="stream_error_event", events=0), times=10)
    client = make_client(mock, fmt)
    with pytest.raises(nexgate.OverloadedError) as caught:
        await _call(client, fmt, stream=True)
    assert caught.value.body is not None  # in the caller's format, as for an HTTP 529
    assert mock.stats.requests == 3  # the first try and two retries
    await _after(client, mock)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_oversize_body_is_refused(mock: MockUpstream, fmt: str) -> None:
    mock.inject(Fault(kind="oversize_body", size=2_000_000), times=1)
    client = make_client(mock, fmt, max_response_bytes=1_000_000)
    with pytest.raises(nexgate.ResponseTooLargeError):
        await _call(client, fmt, stream=False)
    assert mock.stats.requests == 1
    await _after(client, mock)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_redirects_are_not_followed_nor_retried(
    mock: MockUpstream, fmt: str, stream: bool
) -> None:
    mock.inject(Fault(kind="redirect"), times=5)
    client = make_client(mock, fmt)
    with pytest.raises(nexgate.APIConnectionError, match="redirects are not followed"):
        await _call(client, fmt, stream=stream)
    assert mock.stats.requests == 1  # a redirect would only be answered again
    await _after(client, mock)


async def test_total_deadline_spans_the_retries(mock: MockUpstream) -> None:
    mock.inject(Fault(kind="status", status=503), times=100)
    client = make_client(
        mock,
        "openai",
        timeouts=Timeouts(total=0.5),
        retry=nexgate.RetryPolicy(
            max_retries=50, base_delay=0.2, max_delay=0.2, budget_min_retries=100
        ),
    )
    started = time.monotonic()
    # Ends by the deadline: with the real cause once no retry fits in the time left, or
    # as the total timeout if the deadline passes while an attempt runs.
    with pytest.raises((nexgate.OverloadedError, nexgate.APITimeoutError)) as caught:
        await _call(client, "openai", stream=False)
    assert time.monotonic() - started < 0.8
    assert mock.stats.requests >= 2
    if isinstance(caught.value, nexgate.APITimeoutError):
        assert caught.value.kind == "total"
    await _after(client, mock)


async def test_wrong_key_is_an_authentication_error_in_each_format(mock: MockUpstream) -> None:
    for fmt in FORMATS:
        client = make_client(mock, fmt, key="sk-wrong-key")
        with pytest.raises(nexgate.AuthenticationError):
            await _call(client, fmt, stream=False)
        await _after(client, mock)


async def test_cancellation_releases_slots_and_connections(mock: MockUpstream) -> None:
    slow = MockUpstream(keys=[(mock.keys and next(iter(mock.keys))) or ""], delay=5)
    async with slow:
        client = make_client(slow, "openai", limits=nexgate.LimitConfig(max_concurrency=2))
        async with client:
            with anyio.move_on_after(0.3):
                async with anyio.create_task_group() as group:
                    for _ in range(5):  # 2 sending, 3 queued on the limiter
                        group.start_soon(_call, client, "openai", False)
            assert client.limiters.in_flight == 0 and client.limiters.waiting == 0
        await settle(slow)
        assert slow.open_connections() == 0


async def test_cancellation_mid_stream_and_during_retry_sleep(mock: MockUpstream) -> None:
    client = make_client(
        mock, "claude", retry=nexgate.RetryPolicy(max_retries=3, base_delay=10, max_delay=10)
    )
    mock.inject(Fault(kind="slow_drip", seconds=0.5), times=1)
    with anyio.move_on_after(0.3):
        await _call(client, "claude", stream=True)
    mock.inject(Fault(kind="status", status=500), times=1)
    with anyio.move_on_after(0.3):  # cancelled while sleeping before the retry
        await _call(client, "claude", stream=False)
    await _after(client, mock)
