"""The Client's call surface: overrides, URLs, auth placement, keys, losses and fan-out edges.

A small recording upstream (aiohttp, loopback) shows exactly what went over the wire.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
from aiohttp import web
from dispatch.conftest import KEY, assert_released, body, make_client, serve, tasks_now

import nexgate
from nexgate import Message, Request, TextPart
from nexgate.fanout import BatchItem
from nexgate.providers import Provider, Route
from nexgate.schema import FormatName, ReasoningPart, Signature, ToolResultPart
from nexgate.testing import Fault, MockUpstream
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio

OPENAI_REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "recorded"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}
GEMINI_REPLY = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": "recorded"}]}, "finishReason": "STOP"}
    ],
    "modelVersion": "m",
}


class Recorder:
    """Answers every POST with a canned body and remembers what it received."""

    def __init__(self) -> None:
        self.seen: list[web.Request] = []
        self.bodies: list[bytes] = []
        self.base_url = ""
        self.delay = 0.0
        self.garbled = False  # answer 200 with an HTML page, as a misbehaving proxy does

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append(request)
        self.bodies.append(await request.read())
        if self.delay:
            await anyio.sleep(self.delay)
        if self.garbled:
            return web.Response(text="<html>gateway page</html>", content_type="text/html")
        reply = GEMINI_REPLY if "/models/" in request.path else OPENAI_REPLY
        return web.json_response(reply)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    rec = Recorder()
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    rec.base_url = f"http://127.0.0.1:{port}"
    yield rec
    await runner.cleanup()


def _request(text: str = "hi", model: str = "m") -> Request:
    return Request(model=model, messages=[Message(role="user", parts=[TextPart(text=text)])])


# ---------------------------------------------------------------- URLs and auth placement


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
async def test_base_url_is_the_server_root_and_v1_is_not_doubled(
    recorder: Recorder, suffix: str
) -> None:
    provider = Provider("p", recorder.base_url + suffix, "openai", keys=["k"])
    async with nexgate.Client(providers=[provider], environ={}) as client:
        await client.send(body("openai"), format="openai")
    assert recorder.seen[0].path == "/v1/chat/completions"


async def test_gemini_base_ending_in_v1beta_and_model_quoted_in_the_path(
    recorder: Recorder,
) -> None:
    provider = Provider("g", recorder.base_url + "/v1beta", "gemini", keys=[KEY])
    async with nexgate.Client(providers=[provider], environ={}) as client:
        await client.send(body("gemini"), format="gemini", model="aws/claude:x")
        async with client.send_stream(body("gemini"), format="gemini", model="m") as chunks:
            async for _ in chunks:
                pass
    first, second = recorder.seen
    # The slash stays encoded: the model id cannot leave its path segment.
    assert first.raw_path.startswith("/v1beta/models/aws%2Fclaude:x:generateContent")
    assert first.query["key"] == KEY  # custom Gemini-format upstreams: ?key=
    assert second.path == "/v1beta/models/m:streamGenerateContent"
    assert second.query["alt"] == "sse"


@pytest.mark.parametrize(
    ("suffix", "path"),
    [("/v1beta", "/v1beta/models/m:generateContent"), ("/v1", "/v1/models/m:generateContent")],
)
async def test_a_gemini_base_keeps_the_version_it_ends_in(
    recorder: Recorder, suffix: str, path: str
) -> None:
    provider = Provider("g", recorder.base_url + suffix, "gemini", keys=[KEY])
    async with nexgate.Client(providers=[provider], environ={}) as client:
        await client.send(body("gemini"), format="gemini", model="m")
    assert recorder.seen[0].path == path


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:99999", "http://[::1", "ftp://host", "http://", "127.0.0.1:80"]
)
def test_a_base_url_that_cannot_work_is_refused_when_the_provider_is_made(base_url: str) -> None:
    with pytest.raises(nexgate.InvalidInputError, match="'p': base_url") as caught:
        Provider("p", base_url, "openai", keys=[KEY])
    assert caught.value.path == "base_url"


@pytest.mark.parametrize(
    ("fmt", "provider_auth", "expect"),
    [
        ("openai", None, ("Authorization", f"Bearer {KEY}")),
        ("claude", None, ("x-api-key", KEY)),
        ("gemini", "x-goog-api-key", ("x-goog-api-key", KEY)),
    ],
)
async def test_auth_goes_where_each_format_wants_it(
    recorder: Recorder, fmt: str, provider_auth: Any, expect: tuple[str, str]
) -> None:
    provider = Provider("p", recorder.base_url, fmt, keys=[KEY], auth=provider_auth)
    async with nexgate.Client(providers=[provider], environ={}) as client:
        # The canned body may not parse as this format; the request is what counts.
        with contextlib.suppress(nexgate.NexgateError):
            await client.send(body(fmt), format=fmt, model="m")
    seen = recorder.seen[0]
    assert seen.headers[expect[0]] == expect[1]
    assert "key" not in seen.query
    if fmt == "claude":
        assert seen.headers["anthropic-version"] == "2023-06-01"


async def test_builtin_gemini_provider_sends_the_key_in_a_header() -> None:
    client = nexgate.Client(environ={"GEMINI_API_KEY": KEY, "NEXLLM_API_KEY": KEY})
    assert client.providers["gemini"].auth == "x-goog-api-key"
    assert client.providers["nexllm"].auth is None  # Gemini-format nexllm: the ?key= default
    assert client.providers["gemini"].key_count == 1
    assert KEY not in repr(client) and KEY not in repr(client.providers)


async def test_a_callable_authenticates_anything_else(recorder: Recorder) -> None:
    def azure(key: nexgate.Secret | None) -> dict[str, str]:
        assert key is not None
        return {"api-key": key.reveal()}

    provider = Provider("az", recorder.base_url, "openai", keys=[KEY], auth=azure)
    async with nexgate.Client(providers=[provider], environ={}) as client:
        await client.send(body("openai"), format="openai")
    assert recorder.seen[0].headers["api-key"] == KEY
    assert "Authorization" not in recorder.seen[0].headers


@pytest.mark.parametrize("name", ["X-Auth-Token", "x-auth-token"])
async def test_extra_headers_cannot_replace_what_an_auth_hook_set(
    recorder: Recorder, name: str
) -> None:
    provider = Provider(
        "hooked", recorder.base_url, "openai", keys=[KEY], auth=lambda _: {"X-Auth-Token": "t"}
    )
    async with nexgate.Client(providers=[provider], environ={}) as client:
        with pytest.raises(nexgate.InvalidInputError, match="may not override authentication"):
            await client.send(body("openai"), format="openai", extra_headers={name: "other"})
    assert recorder.seen == []


# ---------------------------------------------------------------- per-call overrides


async def test_extra_headers_query_and_body_per_target_format(recorder: Recorder) -> None:
    provider = Provider("p", recorder.base_url, "openai", keys=["k"])
    async with nexgate.Client(providers=[provider], environ={}) as client:
        await client.send(
            body("claude"),
            format="claude",
            extra_headers={"x-trace": "t1"},
            extra_query={"api-version": "2024"},
            extra_body={"openai": {"service_tier": "flex"}, "gemini": {"ignored": True}},
        )
    seen = recorder.seen[0]
    assert seen.headers["x-trace"] == "t1" and seen.query["api-version"] == "2024"
    sent = recorder.bodies[0]
    assert b'"service_tier":"flex"' in sent and b"ignored" not in sent


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ok": "a\r\nInjected: 1"},
        {"x-ok": "a\nb"},
        {"bad name": "v"},
        {"x-nul": "a\0b"},
        {"x-ok": 5},
    ],
)
async def test_control_characters_in_headers_are_refused(
    recorder: Recorder, headers: dict[str, Any]
) -> None:
    provider = Provider("p", recorder.base_url, "openai", keys=["k"])
    async with nexgate.Client(providers=[provider], environ={}) as client:
        with pytest.raises(nexgate.InvalidInputError):
            await client.send(body("openai"), format="openai", extra_headers=headers)
    assert recorder.seen == []


async def test_extra_query_may_not_carry_a_key(recorder: Recorder) -> None:
    provider = Provider("p", recorder.base_url, "gemini", keys=["k"])
    async with nexgate.Client(providers=[provider], environ={}) as client:
        with pytest.raises(nexgate.InvalidInputError):
            await client.send(body("gemini"), format="gemini", model="m", extra_query={"key": "x"})
        with pytest.raises(TypeError, match="unexpected keyword"):
            await client.send(body("gemini"), format="gemini", model="m", retries=3)
    assert recorder.seen == []


async def test_max_retries_and_timeout_overrides(mock: MockUpstream) -> None:
    mock.inject(Fault(kind="status", status=500), times=10)
    async with make_client(mock, "openai") as client:
        with pytest.raises(nexgate.ServerError):
            await client.complete(_request(), max_retries=0)
        assert mock.stats.requests == 1
        mock.clear_faults()
        mock.inject(Fault(kind="stall_after_headers", seconds=30), times=1)
        with pytest.raises(nexgate.APITimeoutError) as caught:
            await client.complete(_request(), timeout=0.3)
        assert caught.value.kind == "total"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 0.0, True, "5"])
async def test_a_timeout_that_cannot_be_a_deadline_is_refused(
    mock: MockUpstream, value: Any
) -> None:
    # A NaN deadline is never reached, and disorders the event loop's timers.
    async with make_client(mock, "openai") as client:
        with pytest.raises(nexgate.InvalidInputError, match="timeout"):
            await client.complete(_request(), timeout=value)
    assert mock.stats.requests == 0
    if not isinstance(value, str):
        for name in ("connect", "first_byte", "idle", "total"):
            with pytest.raises(ValueError, match=name):
                Timeouts(**{name: value})


async def test_provider_override_picks_the_upstream(mock: MockUpstream) -> None:
    async with make_client(mock, "openai") as client:
        response = await client.complete(_request("via gemini"), provider="mock-gemini")
        with pytest.raises(TypeError):
            await client.complete(_request(), provider="mock-gemini", route="mock-claude")
        with pytest.raises(nexgate.InvalidInputError, match="unknown provider"):
            await client.complete(_request(), provider="nope")
    assert response.text == "echo: via gemini"


async def test_a_retry_hint_beyond_the_deadline_fails_fast_with_the_real_error(
    mock: MockUpstream,
) -> None:
    mock.inject(Fault(kind="rate_limit", retry_after=5), times=1)
    started = anyio.current_time()
    async with make_client(mock, "claude", timeouts=Timeouts(total=1)) as client:
        with pytest.raises(nexgate.RateLimitError) as caught:
            await client.send(body("claude"), format="claude")
    assert anyio.current_time() - started < 0.9
    assert caught.value.retry_after == 5
    assert mock.stats.requests == 1


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize("strategy", ["round_robin", "least_inflight"])
async def test_several_keys_share_the_load(strategy: str) -> None:
    keys = ["k-a", "k-b", "k-c"]
    async with MockUpstream(keys=keys, delay=0.02) as mock:
        provider = Provider("p", mock.base_url, "openai", keys=keys, key_strategy=strategy)  # type: ignore[arg-type]
        async with nexgate.Client(providers=[provider], environ={}) as client:
            results = await client.batch([_request(str(i)) for i in range(30)], concurrency=9)
            assert provider.keys_in_flight() == (0, 0, 0)
    assert all(r.ok for r in results)
    assert sorted(mock.stats.requests_by_key) == keys
    assert all(8 <= n <= 12 for n in mock.stats.requests_by_key.values())
    if strategy == "round_robin":
        assert set(mock.stats.requests_by_key.values()) == {10}


async def test_least_inflight_avoids_the_busy_key() -> None:
    keys = ["k-a", "k-b"]
    async with MockUpstream(keys=keys) as mock:
        provider = Provider("p", mock.base_url, "openai", keys=keys, key_strategy="least_inflight")
        async with nexgate.Client(providers=[provider], environ={}) as client:
            with provider.lease_key() as (busy, _):  # one key is held by a long call
                for _ in range(4):
                    await client.complete(_request())
    assert busy == "key0"
    assert mock.stats.requests_by_key == {"k-b": 4}


def test_keys_from_the_environment_comma_separated() -> None:
    client = nexgate.Client(environ={"OPENAI_API_KEY": "a, b ,c"})
    assert client.providers["openai"].key_count == 3
    assert client.providers["anthropic"].key_count == 0


# ---------------------------------------------------------------- fallbacks and losses


async def test_cross_format_fallback_drops_signatures_and_records_the_loss(
    mock: MockUpstream,
) -> None:
    providers = [
        Provider("primary", mock.base_url, "claude", keys=[KEY]),
        Provider("backup", mock.base_url, "gemini", keys=[KEY]),
    ]
    route = Route("primary", model="m", fallbacks=(Route("backup", model="m"),))
    request = Request(
        model="smart",
        messages=[
            Message(role="user", parts=[TextPart(text="think")]),
            Message(
                role="assistant",
                parts=[
                    ReasoningPart(text="hmm", signature=Signature(format="claude", value="sig")),
                    TextPart(text="thought"),
                ],
            ),
            Message(role="user", parts=[TextPart(text="again")]),
        ],
    )
    mock.inject(Fault(kind="status", status=529), times=1, format="claude")
    async with nexgate.Client(
        providers=providers, routes={"smart": route}, environ={}, retry=nexgate.RetryPolicy(0)
    ) as client:
        response = await client.complete(request)
        assert client.stats.fallbacks == 1
    assert response.text.startswith("echo:")
    dropped = [loss for loss in response.losses if loss.severity == "dropped"]
    assert {loss.kind for loss in dropped} & {"reasoning_dropped", "signature_not_replayable"}


async def test_no_fallback_for_a_caller_error(mock: MockUpstream) -> None:
    providers = [
        Provider("primary", mock.base_url, "claude", keys=[KEY]),
        Provider("backup", mock.base_url, "openai", keys=[KEY]),
    ]
    route = Route("primary", model="m", fallbacks=(Route("backup", model="m"),))
    mock.inject(Fault(kind="status", status=400), times=1)
    async with nexgate.Client(providers=providers, routes={"x": route}, environ={}) as client:
        with pytest.raises(nexgate.BadRequestError):
            await client.complete(_request(model="x"))
        assert client.stats.fallbacks == 0
    assert mock.stats.requests == 1


# ---------------------------------------------------------------- streams and fan-out edges


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
async def test_stream_without_its_terminal_event_raises(mock: MockUpstream, fmt: str) -> None:
    before = tasks_now()
    mock.inject(Fault(kind="truncated_stream", events=2), times=1)
    client = make_client(mock, fmt)
    seen = 0
    with pytest.raises(nexgate.StreamInterruptedError):
        async with client.stream(_request("one two three four")) as events:
            async for _ in events:
                seen += 1
    assert seen > 0
    await assert_released(client, mock, before)


async def test_fan_out_pairs_carry_the_internal_response_too(mock: MockUpstream) -> None:
    items: list[BatchItem] = [
        (body("gemini", "g"), "gemini", "m"),
        _request("internal"),
        (body("claude", "c"), "claude"),
    ]
    async with make_client(mock, "openai") as client:
        results = await client.batch(items)
    assert [r.index for r in results] == [0, 1, 2]
    assert all(r.response is not None and r.error is None for r in results)
    assert results[0].body is not None and "candidates" in results[0].body
    assert results[1].body is None
    assert results[2].body is not None and results[2].body["type"] == "message"


async def test_an_exception_inside_the_map_block_comes_out_as_itself(mock: MockUpstream) -> None:
    before = tasks_now()
    client = make_client(mock, "openai")
    with pytest.raises(KeyError):  # not an ExceptionGroup
        async with client.map([_request(str(i)) for i in range(20)], concurrency=4) as results:
            async for _ in results:
                raise KeyError("caller bug")
    await assert_released(client, mock, before)


async def test_a_failing_items_iterator_comes_out_as_itself(mock: MockUpstream) -> None:
    def items() -> Iterator[Request]:
        yield _request("a")
        raise RuntimeError("bad input file")

    client = make_client(mock, "openai")
    with pytest.raises(RuntimeError, match="bad input file"):
        await client.batch(items())
    await client.aclose()


async def test_cancelling_the_caller_of_map_cancels_everything() -> None:
    async with MockUpstream(keys=[KEY], delay=5) as slow:
        before = tasks_now()
        client = make_client(slow, "openai")
        with anyio.move_on_after(0.3) as scope:
            await client.batch([_request(str(i)) for i in range(50)], concurrency=10)
        assert scope.cancelled_caught
        await assert_released(client, slow, before)


async def test_bad_fan_out_arguments_fail_before_anything_is_sent(mock: MockUpstream) -> None:
    async with make_client(mock, "openai") as client:
        with pytest.raises(TypeError):
            await client.batch([_request()], bogus=1)
        with pytest.raises(nexgate.InvalidInputError):
            await client.batch([_request()], concurrency=0)
        results = await client.batch([("not a pair",)])  # type: ignore[list-item]
    assert isinstance(results[0].error, nexgate.InvalidInputError)
    assert mock.stats.requests == 0


# ---------------------------------------------------------------- logging


def test_the_dispatch_logger_blanks_keys_as_a_last_resort(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import nexgate.exchange  # noqa: F401  (installs the filter)

    caplog.set_level(logging.DEBUG, logger="nexgate.dispatch")
    log = logging.getLogger("nexgate.dispatch")
    log.debug("GET %s", f"http://h/v1beta/models/m:generateContent?key={KEY}")
    log.debug("headers %s", {"Authorization": f"Bearer {KEY}", "x-api-key": KEY})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert len(caplog.records) == 2
    assert KEY not in text and "***" in text


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
async def test_leaving_a_stream_early_releases_everything(mock: MockUpstream, fmt: str) -> None:
    before = tasks_now()
    mock.inject(Fault(kind="slow_drip", seconds=0.2), times=2)
    client = make_client(mock, fmt)
    async with client.stream(_request("a b c d e f g h")) as events:
        async for _ in events:
            break
    async with client.send_stream(body(fmt, "a b c d", stream=True), format=fmt, model="m") as out:
        async for _ in out:
            break
    await assert_released(client, mock, before)


@pytest.mark.parametrize("caller", ["openai", "claude"])
async def test_a_malformed_upstream_answer_is_the_upstreams_fault(
    recorder: Recorder, caller: str
) -> None:
    recorder.garbled = True
    provider = Provider("p", recorder.base_url, "openai", keys=[KEY])
    async with nexgate.Client(providers=[provider], default=Route("p"), environ={}) as client:
        with pytest.raises(nexgate.APIConnectionError, match="p answered with a malformed"):
            await client.send(body(caller), format=caller)  # passed through, or translated
        with pytest.raises(nexgate.APIConnectionError):
            await client.complete(_request())


class _CallerTimeout(TimeoutError):
    """A deadline of the caller's own, raised inside its stream block."""


async def test_a_timeout_of_the_callers_own_inside_a_stream_block_is_not_ours(
    mock: MockUpstream,
) -> None:
    async with make_client(mock, "openai") as client:
        with pytest.raises(_CallerTimeout):
            async with client.stream(_request("one two three")) as events:
                async for _ in events:
                    raise _CallerTimeout("processing took too long")
        with pytest.raises(TimeoutError) as caught:
            async with client.send_stream(body("openai", stream=True), format="openai") as out:
                async for _ in out:
                    with anyio.fail_after(0.01):
                        await anyio.sleep(1)
        assert not isinstance(caught.value, nexgate.APITimeoutError)


def test_a_second_event_loop_with_calls_running_on_the_first_gets_a_clear_error() -> None:
    import asyncio
    import threading
    import time

    from nexgate.testing import mock_in_thread

    outcome: dict[str, object] = {}
    with mock_in_thread(keys=[KEY]) as upstream:
        client = make_client(upstream, "openai")

        def worker(name: str, start_after: float) -> None:
            async def run() -> None:
                try:
                    call = client.send(
                        body("openai"), format="openai", extra_headers={"x-mock-delay-ms": "300"}
                    )
                    await asyncio.wait_for(call, 3)
                    outcome[name] = "ok"
                except Exception as exc:
                    outcome[name] = exc
                finally:
                    await client.aclose()  # this loop's session

            time.sleep(start_after)
            asyncio.run(run())

        threads = [
            threading.Thread(target=worker, args=("first", 0.0)),
            threading.Thread(target=worker, args=("second", 0.1)),  # while the first runs
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcome["first"] == "ok"
    assert isinstance(outcome["second"], nexgate.InvalidInputError)
    assert "one event loop at a time" in str(outcome["second"])


async def test_a_client_dropped_unclosed_warns_in_its_own_name(mock: MockUpstream) -> None:
    import gc
    import warnings

    closed = make_client(mock, "openai")
    async with closed:
        await closed.send(body("openai"), format="openai")
    unclosed = make_client(mock, "openai")
    await unclosed.send(body("openai"), format="openai")
    session = unclosed._transport.session()  # closed by the test: aiohttp would warn too
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del closed
        gc.collect()
        assert not [w for w in caught if "nexgate" in str(w.message)]
        del unclosed
        gc.collect()
    await session.close()
    ours = [w for w in caught if "unclosed nexgate Client" in str(w.message)]
    assert len(ours) == 1 and ours[0].category is ResourceWarning
    assert "aclose()" in str(ours[0].message) and KEY not in str(ours[0].message)


# ---------------------------------------------------------------- on_loss


def _kinds(losses: list[nexgate.Loss]) -> list[tuple[str, str]]:
    return [(loss.kind, loss.path) for loss in losses]


@pytest.mark.parametrize("method", ["send", "send_stream", "complete", "stream"])
async def test_on_loss_hears_what_a_cross_format_call_lost(mock: MockUpstream, method: str) -> None:
    client = make_client(mock, "claude")  # a Claude-format upstream: it has no `seed`
    heard: list[nexgate.Loss] = []
    caller_body = {**body("openai", stream=method == "send_stream"), "seed": 7}
    request = Request(model="m", seed=7, messages=[Message(role="user", parts=[TextPart("hi")])])
    if method == "send":
        reply = await client.send(caller_body, format="openai", on_loss=heard.append)
        assert reply["choices"][0]["message"]["content"].startswith("echo:")
    elif method == "send_stream":
        async with client.send_stream(caller_body, format="openai", on_loss=heard.append) as out:
            assert b"[DONE]" in b"".join([chunk async for chunk in out])
    elif method == "complete":
        response = await client.complete(request, on_loss=heard.append)
        assert ("unsupported_parameter", "$.seed") in _kinds(response.losses)
    else:
        async with client.stream(request, on_loss=heard.append) as events:
            assert [event async for event in events]
    assert ("unsupported_parameter", "$.seed") in _kinds(heard)
    await client.aclose()


@pytest.mark.parametrize("stream", [False, True])
async def test_on_loss_hears_nothing_from_a_call_that_crosses_no_format(
    mock: MockUpstream, stream: bool
) -> None:
    client = make_client(mock, "openai")
    heard: list[nexgate.Loss] = []
    caller_body = {**body("openai", stream=stream), "seed": 7}
    if stream:
        async with client.send_stream(caller_body, format="openai", on_loss=heard.append) as out:
            assert [chunk async for chunk in out]
    else:
        await client.send(caller_body, format="openai", on_loss=heard.append)
    assert heard == []
    await client.aclose()


async def test_on_loss_hears_only_the_plan_that_answered(mock: MockUpstream) -> None:
    providers = [
        Provider("primary", mock.base_url, "claude", keys=[KEY]),  # no seed: a loss
        Provider("backup", mock.base_url, "openai", keys=[KEY]),  # takes the seed
    ]
    route = Route("primary", model="m", fallbacks=(Route("backup", model="m"),))
    mock.inject(Fault(kind="status", status=529), times=1, format="claude")
    heard: list[nexgate.Loss] = []
    async with nexgate.Client(
        providers=providers, routes={"x": route}, environ={}, retry=nexgate.RetryPolicy(0)
    ) as client:
        request = _request(model="x")
        request.seed = 7
        response = await client.complete(request, on_loss=heard.append)
        assert client.stats.fallbacks == 1
    assert heard == [] and response.losses == []


async def test_on_loss_must_be_callable(mock: MockUpstream) -> None:
    client = make_client(mock, "claude")
    with pytest.raises(nexgate.InvalidInputError, match="on_loss"):
        await client.send(body("openai"), format="openai", on_loss="print")
    await client.aclose()


async def test_a_strict_client_refuses_a_lossy_request_before_sending_it(
    mock: MockUpstream,
) -> None:
    client = make_client(mock, "claude", strict=True)  # Claude has no `seed`
    lossy = {**body("openai"), "seed": 7}
    with pytest.raises(nexgate.TranslationError) as caught:
        await client.send(lossy, format="openai")
    assert [loss.path for loss in caught.value.losses] == ["$.seed"]
    assert mock.stats.requests == 0
    same = make_client(mock, "openai", strict=True)  # nothing to translate, nothing lost
    reply = await same.send(lossy, format="openai")
    assert reply["choices"][0]["message"]["content"].startswith("echo:")
    await client.aclose()
    await same.aclose()


class _Refused(Exception):
    pass


def _refuse(loss: nexgate.Loss) -> None:
    raise _Refused(loss.kind)


@pytest.mark.parametrize("method", ["stream", "send_stream", "send"])
async def test_an_on_loss_hook_that_raises_releases_the_call(
    mock: MockUpstream, method: str
) -> None:
    before = tasks_now()
    client = make_client(mock, "claude")  # Claude has no `seed`: a loss to refuse
    with pytest.raises(_Refused):
        if method == "stream":
            request = Request(
                model="m", seed=7, messages=[Message(role="user", parts=[TextPart("hi")])]
            )
            async with client.stream(request, on_loss=_refuse) as events:
                assert [event async for event in events]
        elif method == "send_stream":
            lossy = {**body("openai", stream=True), "seed": 7}
            async with client.send_stream(lossy, format="openai", on_loss=_refuse) as out:
                assert [chunk async for chunk in out]
        else:
            await client.send({**body("openai"), "seed": 7}, format="openai", on_loss=_refuse)
    assert client.providers["mock-claude"].keys_in_flight() == (0,)
    await assert_released(client, mock, before)


async def test_arguments_of_the_wrong_type_are_refused_clearly(mock: MockUpstream) -> None:
    client = make_client(mock, "openai")
    with pytest.raises(nexgate.InvalidInputError, match=r"complete\(\) takes a nexgate.Request"):
        await client.complete(body("openai"))  # type: ignore[arg-type]
    with pytest.raises(nexgate.InvalidInputError, match="route"):
        await client.send(body("openai"), format="openai", route=5)
    for name in ("retry", "timeouts"):  # falsy, but not "use the defaults"
        with pytest.raises(nexgate.InvalidInputError, match=name):
            await client.send(body("openai"), format="openai", **{name: 0})
    for concurrency in (0, 2.5, "4", True):
        with pytest.raises(nexgate.InvalidInputError, match="concurrency"):
            await client.batch([_request()], concurrency=concurrency)  # type: ignore[arg-type]
    assert mock.stats.requests == 0
    await client.aclose()


async def test_a_malformed_request_is_an_error_of_its_own_item(mock: MockUpstream) -> None:
    client = make_client(mock, "claude")
    bad_part = Request(model="m", messages=[Message(role="user", parts=["hi"])])  # type: ignore[list-item]
    bad_role = Request(model="m", messages=[Message(role="wizard", parts=[TextPart("hi")])])  # type: ignore[arg-type]
    results = await client.batch([bad_part, _request(), bad_role])
    assert [r.ok for r in results] == [False, True, False]
    assert isinstance(results[0].error, nexgate.InvalidInputError)
    assert results[0].error.path == "$.messages[0].parts[0]"
    assert isinstance(results[2].error, nexgate.InvalidInputError)
    assert results[2].error.path == "$.messages[0].role"
    with pytest.raises(nexgate.InvalidInputError):
        await client.complete(bad_part)
    assert mock.stats.requests == 1
    await client.aclose()


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
async def test_any_field_of_the_wrong_kind_is_an_error_naming_it(
    mock: MockUpstream, fmt: FormatName
) -> None:
    """Slips outside the messages surface only once an encoder fails: then they are found and
    named (``Request`` fields: a str for a struct, a dict for a Tool...), for that item only."""
    tool = {"name": "f", "description": "d", "parameters": {"type": "object"}}
    slips: list[tuple[dict[str, Any], str]] = [
        ({"tool_choice": "auto"}, "$.tool_choice"),
        ({"system": "Answer in one word."}, "$.system"),
        ({"reasoning": "high"}, "$.reasoning"),
        ({"tools": [tool]}, "$.tools[0]"),
        ({"response_format": {"type": "json"}}, "$.response_format"),
        ({"stop": "END"}, "$.stop"),  # would go out as ["E", "N", "D"]
        (
            {
                "messages": [
                    Message(role="user", parts=[ToolResultPart(call_id="c1", content="RESULT")])  # type: ignore[arg-type]
                ]
            },
            "$.messages[0].parts[0].content",  # each character would be skipped
        ),
    ]
    requests = []
    for fields, _ in slips:
        request = _request()
        for name, value in fields.items():
            setattr(request, name, value)
        requests.append(request)
    client = make_client(mock, fmt)
    results = await client.batch([*requests, _request()], concurrency=2)
    assert results[-1].ok
    for result, (_, path) in zip(results, slips, strict=False):
        assert isinstance(result.error, nexgate.InvalidInputError), result
        assert result.error.path == path, result.error
    with pytest.raises(nexgate.InvalidInputError, match=r"at \$\.tool_choice"):
        await client.complete(requests[0])
    assert mock.stats.requests == 1
    await client.aclose()


async def test_a_deeper_slip_that_breaks_an_encoder_is_found_and_named(
    mock: MockUpstream,
) -> None:
    """Not checked before the call (that would cost every call a walk of the request): found
    by a typed round trip once the encoder failed."""
    hot = _request()
    hot.temperature = "0.5"  # type: ignore[assignment]
    result = Request(
        model="m",
        messages=[Message(role="user", parts=[ToolResultPart(call_id="c1", content="x")])],  # type: ignore[arg-type]
    )
    client = make_client(mock, "claude")
    with pytest.raises(nexgate.InvalidInputError, match="float") as caught:
        await client.complete(hot)
    assert caught.value.path == "$.temperature"
    with pytest.raises(nexgate.InvalidInputError) as caught:
        await client.complete(result)
    assert caught.value.path == "$.messages[0].parts[0].content"
    assert mock.stats.requests == 0
    await client.aclose()


async def test_a_provider_without_a_key_is_refused_naming_its_variable(
    mock: MockUpstream,
) -> None:
    keyless = Provider("keyless", mock.base_url, "openai", key_env="NEXGATE_TEST_NO_SUCH_KEY")
    async with nexgate.Client(providers=[keyless], environ={}) as client:
        with pytest.raises(nexgate.InvalidInputError, match="set NEXGATE_TEST_NO_SUCH_KEY"):
            await client.send(body("openai"), format="openai")
    assert mock.stats.requests == 0
    open_server = Provider("open", mock.base_url, "openai", auth="none")
    async with nexgate.Client(providers=[open_server], environ={}) as client:
        with pytest.raises(nexgate.AuthenticationError):  # sent: the mock wants a key
            await client.send(body("openai"), format="openai", max_retries=0)
    assert (mock.stats.requests, mock.stats.rejected) == (0, 1)  # one call, refused there


async def test_on_loss_hears_nothing_of_a_primary_whose_answer_was_malformed(
    mock: MockUpstream,
) -> None:
    async def html(_: web.Request) -> web.Response:
        return web.Response(text="<html>proxy error</html>", content_type="text/html")

    async with serve("/{tail:.*}", html) as proxy:
        providers = [
            Provider("primary", proxy, "claude", keys=[KEY]),  # no seed
            Provider("backup", mock.base_url, "openai", keys=[KEY]),  # takes the seed
        ]
        route = Route("primary", model="m", fallbacks=(Route("backup", model="m"),))
        heard: list[nexgate.Loss] = []
        async with nexgate.Client(
            providers=providers, routes={"x": route}, environ={}, retry=nexgate.RetryPolicy(0)
        ) as client:
            request = _request(model="x")
            request.seed = 7
            response = await client.complete(request, on_loss=heard.append)
            assert client.stats.fallbacks == 1
        assert response.losses == [] and heard == []


async def test_aclose_under_a_running_stream_ends_it_as_a_break_off(mock: MockUpstream) -> None:
    mock.inject(Fault(kind="slow_drip", seconds=0.2), times=2)
    client = make_client(mock, "openai")
    with pytest.raises(nexgate.StreamInterruptedError):
        async with client.stream(_request("a b c d e")) as events:
            seen = 0
            async for _ in events:
                seen += 1
                if seen == 2:
                    await client.aclose()  # a shutdown handler, say
    await client.aclose()
    relay = make_client(mock, "claude")
    chunks: list[bytes] = []
    async with relay.send_stream(body("openai", "a b c d", stream=True), format="openai") as out:
        async for chunk in out:
            chunks.append(chunk)
            if len(chunks) == 2:
                await relay.aclose()
    assert b'"error"' in chunks[-1]  # the caller format's error event, not aiohttp's error
    await relay.aclose()
