"""A canary key through every fault in every format never shows up anywhere; hostile input."""

from __future__ import annotations

import logging
import pickle
import traceback

import pytest
from dispatch.conftest import FORMATS, body, make_client

import nexgate
from nexgate.providers import Provider, Route
from nexgate.redact import Secret, redact_url
from nexgate.testing import FAULT_KINDS, Fault, MockUpstream
from nexgate.transport import Timeouts

pytestmark = pytest.mark.anyio
CANARY = "sk-CANARY-7f3a9c1e5b2d4f6a8c0e"


def _leaks(text: str) -> bool:
    return CANARY in text or CANARY[3:] in text


async def _exercise(client: nexgate.Client, fmt: str, stream: bool) -> BaseException | None:
    try:
        if stream:
            async with client.send_stream(body(fmt, stream=True), format=fmt, model="m") as chunks:
                async for chunk in chunks:
                    assert not _leaks(chunk.decode("utf-8", "replace"))
        else:
            out = await client.send(body(fmt), format=fmt, model="m")
            assert not _leaks(repr(out))
    except nexgate.NexgateError as exc:
        return exc
    return None


@pytest.mark.parametrize("fmt", FORMATS)
async def test_canary_key_never_leaks(fmt: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    async with MockUpstream(keys=[CANARY]) as mock:
        for kind in sorted(FAULT_KINDS - {"delay"}):
            for stream in (False, True):
                # Gemini-format custom upstreams authenticate with ?key=: the riskiest case.
                client = make_client(
                    mock,
                    fmt,
                    key=CANARY,
                    max_response_bytes=1_000_000,
                    timeouts=Timeouts(connect=1, first_byte=0.3, idle=0.3, total=5),
                )
                mock.inject(Fault(kind=kind, seconds=0.5, size=2_000_000), times=3)
                async with client:
                    error = await _exercise(client, fmt, stream)
                    assert not _leaks(repr(client))
                if error is not None:
                    errors.append(error)
        wrong = make_client(mock, fmt, key="sk-wrong-" + CANARY[3:])
        async with wrong:
            error = await _exercise(wrong, fmt, False)
        assert isinstance(error, nexgate.AuthenticationError)
        errors.append(error)
    assert len(errors) >= 8
    for error in errors:
        for text in (str(error), repr(error), "".join(traceback.format_exception(error))):
            assert not _leaks(text), text
        assert not _leaks(repr(vars(error)))
        assert not _leaks(repr(pickle.dumps(error)))
    for record in caplog.records:
        assert not _leaks(record.getMessage()) and not _leaks(repr(record.args))


@pytest.mark.parametrize("caller", FORMATS)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_key_echoed_in_a_stream_error_is_blanked(fmt: str, caller: str) -> None:
    echo = Fault(kind="stream_error_event", events=2, message=f"Incorrect API key: {CANARY}")
    async with MockUpstream(keys=[CANARY]) as mock:
        client = make_client(mock, fmt, key=CANARY)
        async with client:
            mock.inject(echo, times=1)
            async with client.send_stream(
                body(caller, stream=True), format=caller, model="m"
            ) as chunks:
                out = b"".join([chunk async for chunk in chunks])
            assert b"Incorrect API key" in out and CANARY.encode() not in out
            mock.inject(echo, times=1)
            request = nexgate.translate.decode_request(body(caller), format=caller, model="m")
            with pytest.raises(nexgate.NexgateError) as caught:
                async with client.stream(request) as events:
                    async for _ in events:
                        pass
            assert "Incorrect API key" in str(caught.value) and not _leaks(str(caught.value))


def test_secret_never_prints_its_value() -> None:
    secret = Secret(CANARY)
    assert CANARY not in repr(secret) and CANARY not in str(secret) and CANARY not in f"{secret}"
    assert CANARY.encode() not in pickle.dumps(secret)
    provider = Provider("p", "http://127.0.0.1:1", "gemini", keys=[CANARY])
    assert CANARY not in repr(provider)
    assert redact_url(f"http://h/v1beta/models/m:generateContent?key={CANARY}") == (
        "http://h/v1beta/models/m:generateContent"
    )


@pytest.mark.parametrize(
    "model",
    [
        "../../v1/files",
        "%2e%2e/%2e%2e/admin",
        "x?key=other#frag",
        "a\r\nInjected: 1",
        "..",
        "m/../../x",
        "",
    ],
)
async def test_hostile_model_ids_are_rejected(mock: MockUpstream, model: str) -> None:
    async with make_client(mock, "gemini") as client:
        with pytest.raises(nexgate.InvalidInputError):
            await client.send(body("gemini"), format="gemini", model=model)
    assert mock.stats.requests == 0


async def test_gemini_model_ids_stay_inside_their_path_segment(mock: MockUpstream) -> None:
    async with make_client(mock, "gemini") as client:
        out = await client.send(body("gemini"), format="gemini", model="aws/claude-haiku-4-5")
    assert out["modelVersion"] == "aws/claude-haiku-4-5"


async def test_extra_headers_cannot_override_authentication(mock: MockUpstream) -> None:
    async with make_client(mock, "openai") as client:
        for name in ("Authorization", "x-api-key", "X-Goog-Api-Key", "anthropic-version"):
            with pytest.raises(nexgate.InvalidInputError):
                await client.send(body("openai"), format="openai", extra_headers={name: "Bearer x"})
        await client.send(body("openai"), format="openai", extra_headers={"x-trace": "1"})
    assert mock.stats.requests == 1


async def test_each_format_authenticates_by_its_own_convention(mock: MockUpstream) -> None:
    strict = MockUpstream(
        keys=["k"], require_auth={"openai": "bearer", "claude": "x-api-key", "gemini": "query"}
    )
    async with strict:
        for fmt in FORMATS:
            async with nexgate.Client(
                providers=[Provider("p", strict.base_url, fmt, keys=["k"])], environ={}
            ) as c:
                await c.send(body(fmt), format=fmt, model="m", route=Route("p"))
        header = Provider("g", strict.base_url, "gemini", keys=["k"], auth="x-goog-api-key")
        async with nexgate.Client(providers=[header], environ={}) as client:
            with pytest.raises(nexgate.AuthenticationError):
                await client.send(body("gemini"), format="gemini", model="m")
    assert strict.stats.requests == 3
