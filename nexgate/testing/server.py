"""MockUpstream: a real aiohttp server on 127.0.0.1 that speaks all three formats.

It authenticates each format by its own convention, answers deterministically (echo, scripted
text, scripted tool calls, with usage), injects faults on demand and counts requests and
concurrency per key. Tests, the ``nexgate demo`` job and the benchmarks run against it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import msgspec
from aiohttp import web

from ..errors import InvalidInputError, api_error
from ..events import MessageEnd, StreamError, StreamEvent
from ..formats import TranslationContext, get_format
from ..formats._json import dump_json
from ..schema import FormatName, Request, TextPart, ToolCallPart
from .auth import auth_problem, presented_key
from .faults import Fault, parse_fault
from .replies import build_response, default_reply, stream_events


class MockStats:
    """What the mock saw: requests and in-flight concurrency, overall and per key."""

    def __init__(self) -> None:
        self.requests = 0
        self.requests_by_key: dict[str, int] = {}
        self.inflight = 0
        self.peak_inflight = 0
        self.inflight_by_key: dict[str, int] = {}
        self.peak_inflight_by_key: dict[str, int] = {}
        self.open_connections = 0

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

    def __repr__(self) -> str:
        return f"MockStats(requests={self.requests}, peak_inflight={self.peak_inflight})"


class _Queued(msgspec.Struct):
    fault: Fault
    times: int
    format: str | None
    model: str | None


class MockUpstream:
    """The embedded upstream. Use ``async with MockUpstream() as mock:`` then ``mock.base_url``."""

    def __init__(
        self,
        *,
        keys: list[str] | tuple[str, ...] | None = None,
        delay: float = 0.0,
        require_auth: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.keys = frozenset(keys) if keys is not None else None
        self.delay = delay
        self.require_auth = dict(require_auth or {})
        self.host, self.port = host, port
        self.stats = MockStats()
        self._faults: list[_Queued] = []
        self._scripts: deque[list[TextPart | ToolCallPart]] = deque()
        self._runner: web.AppRunner | None = None
        self._count = 0

    # ------------------------------------------------------------------ control

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def inject(
        self, fault: Fault, *, times: int = 1, format: str | None = None, model: str | None = None
    ) -> None:
        """Apply ``fault`` to the next ``times`` requests (of ``format`` / ``model`` if given)."""
        self._faults.append(_Queued(fault, times, format, model))

    def script_text(self, text: str) -> None:
        """The next request is answered with ``text``."""
        self._scripts.append([TextPart(text=text)])

    def script_tool_calls(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        """The next request is answered with these tool calls."""
        self._count += 1
        parts: list[TextPart | ToolCallPart] = [
            ToolCallPart(id=f"call_script_{self._count}_{i}", name=name, arguments=args)
            for i, (name, args) in enumerate(calls)
        ]
        self._scripts.append(parts)

    def reset_stats(self) -> None:
        self.stats = MockStats()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/messages", self._claude)
        app.router.add_post("/v1beta/{collection}/{target}", self._gemini)
        app.router.add_post("/v1/{collection}/{target}", self._gemini)  # google-genai >= 3
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or ()
        if self.port == 0 and sockets:
            self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MockUpstream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def open_connections(self) -> int:
        """TCP connections currently open at the server."""
        server = self._runner.server if self._runner is not None else None
        return len(server.connections) if server is not None else 0

    def __repr__(self) -> str:
        return f"MockUpstream(base_url={self.base_url!r})"

    # ------------------------------------------------------------------ handlers

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, "openai", None)

    async def _claude(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, "claude", None)

    async def _gemini(self, request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["target"].rpartition(":")
        if method not in ("generateContent", "streamGenerateContent"):
            raise web.HTTPNotFound()
        return await self._handle(request, "gemini", (model, method == "streamGenerateContent"))

    def _take_fault(self, request: web.Request, fmt: FormatName, model: str | None) -> Fault | None:
        header = request.headers.get("x-mock-fault")
        if header:
            return parse_fault(header)
        for queued in self._faults:
            if queued.format not in (None, fmt) or queued.model not in (None, model):
                continue
            queued.times -= 1
            if queued.times <= 0:
                self._faults.remove(queued)
            return queued.fault
        return None

    async def _handle(
        self, request: web.Request, fmt: FormatName, gemini: tuple[str, bool] | None
    ) -> web.StreamResponse:
        self.stats.open_connections = self.open_connections()
        key = presented_key(request, fmt, self.require_auth.get(fmt))
        problem = auth_problem(request, fmt, key, self.keys)
        if problem is not None:
            return self._error(fmt, 401, "authentication", problem)
        assert key is not None
        self.stats.enter(key)
        try:
            return await self._answer(request, fmt, gemini)
        finally:
            self.stats.leave(key)

    async def _answer(
        self, request: web.Request, fmt: FormatName, gemini: tuple[str, bool] | None
    ) -> web.StreamResponse:
        body = await request.read()
        delay = self.delay + float(request.headers.get("x-mock-delay-ms", "0")) / 1000
        if delay > 0:
            await _sleep_while_connected(request, delay)
        model = gemini[0] if gemini else None
        try:
            ctx = TranslationContext(source=fmt, target=fmt, model=model)
            parsed = get_format(fmt).decode_request(msgspec.json.decode(body), ctx)
        except (InvalidInputError, msgspec.DecodeError, RecursionError) as exc:
            return self._error(fmt, 400, "bad_request", f"invalid request: {exc}")
        stream = gemini[1] if gemini else parsed.stream
        fault = self._take_fault(request, fmt, parsed.model)
        early = await self._early_fault(request, fmt, fault)
        if early is not None:
            return early
        self._count += 1
        parts = self._scripts.popleft() if self._scripts else default_reply(parsed, self._count)
        response = build_response(parsed, parts, number=self._count, body_size=len(body))
        if fault is not None and fault.kind == "oversize_body":
            response.choices[0].parts = [TextPart(text="x" * fault.size)]
        if not stream:
            ctx = TranslationContext(source=fmt, target=fmt, model=model)
            return web.Response(
                body=dump_json(get_format(fmt).encode_response(response, ctx)),
                content_type="application/json",
            )
        sse = gemini is None or request.query.get("alt") == "sse"
        return await self._stream(request, fmt, parsed, stream_events(response), fault, sse)

    async def _early_fault(
        self, request: web.Request, fmt: FormatName, fault: Fault | None
    ) -> web.StreamResponse | None:
        if fault is None:
            return None
        kind = fault.kind
        if kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif kind == "rate_limit":
            return self._rate_limited(fmt, fault)
        elif kind == "quota":
            return self._quota(fmt)
        elif kind == "status":
            kind_name = {529: "overloaded", 503: "overloaded"}.get(fault.status)
            return self._error(fmt, fault.status, kind_name, f"mock upstream error {fault.status}")
        elif kind == "reset_before_headers":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        elif kind == "redirect":
            location = f"http://127.0.0.2:{self.port}{request.path_qs}"
            return web.Response(status=307, headers={"Location": location})
        return None

    def _error(
        self, fmt: FormatName, status: int, kind: str | None, message: str, **context: Any
    ) -> web.Response:
        error = api_error(message, status=status, kind=kind, **context)
        code, body = get_format(fmt).encode_error(error)
        headers = context.pop("headers", None) or {}
        return web.json_response(
            body, status=code, headers=headers, dumps=lambda o: dump_json(o).decode()
        )

    def _rate_limited(self, fmt: FormatName, fault: Fault) -> web.Response:
        headers: dict[str, str] = {}
        seconds = fault.retry_after
        retry_after: float | None = None
        if fault.hint == "retry-after":
            headers["retry-after"] = f"{seconds:g}"
        elif fault.hint == "retry-after-ms":
            headers["retry-after-ms"] = f"{seconds * 1000:g}"
        elif fault.hint == "retry-after-date":
            import time
            from email.utils import formatdate

            headers["retry-after"] = formatdate(time.time() + seconds, usegmt=True)
        elif fault.hint == "retry-info":
            retry_after = seconds  # the Gemini encoder writes it as RetryInfo.retryDelay
        error = api_error(
            "rate limited by the mock upstream",
            status=429,
            kind="rate_limit",
            retry_after=retry_after,
        )
        code, body = get_format(fmt).encode_error(error)
        return web.Response(
            body=dump_json(body), status=code, headers=headers, content_type="application/json"
        )

    def _quota(self, fmt: FormatName) -> web.Response:
        if fmt == "gemini":
            body = {
                "error": {
                    "code": 429,
                    "status": "RESOURCE_EXHAUSTED",
                    "message": "Quota exceeded for quota metric: per day",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                            "violations": [
                                {"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}
                            ],
                        }
                    ],
                }
            }
            return web.Response(body=dump_json(body), status=429, content_type="application/json")
        if fmt == "claude":
            return self._error(
                fmt, 402, "quota", "Your credit balance is too low to access the API."
            )
        body = {
            "error": {
                "message": "You exceeded your current quota.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        }
        return web.Response(body=dump_json(body), status=429, content_type="application/json")

    async def _stream(
        self,
        request: web.Request,
        fmt: FormatName,
        parsed: Request,
        events: list[StreamEvent],
        fault: Fault | None,
        sse: bool,
    ) -> web.StreamResponse:
        ctx = TranslationContext(source=fmt, target=fmt, model=parsed.model, request=parsed)
        encoder = get_format(fmt).stream_encoder(ctx)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream" if sse else "application/json"}
        )
        await response.prepare(request)
        kind = fault.kind if fault else None
        if kind == "stall_after_headers":
            await _sleep_while_connected(
                request, fault.seconds if fault and fault.seconds > 1 else 3600
            )
            return response
        chunks = [
            encoder.encode(e)
            for e in events
            if not (kind == "truncated_stream" and isinstance(e, MessageEnd))
        ]
        if kind == "stream_error_event" and fault is not None:
            error = StreamError(status=529, kind="overloaded", message="Overloaded")
            chunks = [*chunks[: fault.events], encoder.encode(error)]
        elif kind != "truncated_stream":
            chunks.append(encoder.close())
        chunks = [c for c in chunks if c]
        if not sse:
            chunks = _as_json_array(chunks)
        for i, chunk in enumerate(chunks):
            if fault is not None and kind == "reset_mid_stream" and i == fault.events:
                if request.transport is not None:
                    request.transport.abort()
                return response
            if fault is not None and kind == "malformed_chunk" and i == fault.events:
                await response.write(b'data: {"broken": \n\n')
            if fault is not None and kind == "slow_drip":
                await asyncio.sleep(fault.seconds)
            await response.write(chunk)
        await response.write_eof()
        return response


async def _sleep_while_connected(request: web.Request, seconds: float) -> None:
    """Stall like a hung upstream, but let go once the client has hung up."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.02)


def _as_json_array(chunks: list[bytes]) -> list[bytes]:
    """Gemini's non-SSE stream form: the same chunks as one JSON array."""
    payloads = [c.strip()[len(b"data: ") :] for c in chunks]
    out = [b"[" + payloads[0]] if payloads else [b"["]
    out += [b",\r\n" + p for p in payloads[1:]]
    return [*out, b"]"]
