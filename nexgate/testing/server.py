"""MockUpstream: a real aiohttp server on 127.0.0.1 that speaks all three formats.

It authenticates each format by its own convention, answers deterministically (echo, tool
calls, scripted replies, with usage), injects faults on demand and counts requests and
concurrency per key. Tests, ``nexgate demo``, the batch job and the benchmarks run against it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web

from ..errors import InvalidInputError
from ..events import MessageEnd, StreamError, StreamEvent
from ..formats import TranslationContext, format_name, get_format
from ..formats._json import dump_json
from ..formats._names import fitted_name
from ..schema import FormatName, Request, Response, TextPart, ToolCallPart, Usage
from . import errors
from .auth import FORMS, auth_problem, presented_key
from .faults import Fault, FaultQueue, parse_fault
from .replies import Scripted, build_response, default_reply, stream_events
from .stats import MockStats
from .writing import abort, as_json_array, pause, send_json, send_stream, split_events

#: Faults answered before any reply is built.
_EARLY = frozenset({"rate_limit", "quota", "status", "reset_before_headers", "redirect"})


def _hung_up(request: web.Request) -> web.Response:
    """The end of a pause that the client or the mock's closing cut short. A client that hung
    up gets nothing of the answer (its transport is gone; unlike a write to a closed
    connection, this logs no traceback). A client still there sees the connection drop, as a
    dying upstream's would: never an answer it could take for the upstream's (a 499)."""
    abort(request)
    return web.Response(status=499)


def _checked_format(name: str) -> FormatName:
    try:
        return format_name(name)
    except InvalidInputError as exc:
        raise ValueError(exc.message) from None


def _checked_auth_forms(forms: Mapping[str, str]) -> dict[FormatName, str]:
    """``require_auth`` by format id, each form one its format accepts (else ``ValueError``:
    a misspelt form would turn every request away, a foreign one let the wrong one in)."""
    checked: dict[FormatName, str] = {}
    for name, form in forms.items():
        fmt = _checked_format(name)
        if form not in FORMS[fmt]:
            accepted = ", ".join(FORMS[fmt])
            raise ValueError(f"{fmt} takes no auth form {form!r}; one of: {accepted}")
        checked[fmt] = form
    return checked


class MockUpstream:
    """The embedded upstream: ``async with MockUpstream() as mock:`` then ``mock.base_url``.

    ``keys=None`` accepts any non-empty key; ``delay`` (seconds) is waited before every answer;
    ``require_auth`` narrows a format to one auth form, e.g. ``{"gemini": "query"}`` (forms:
    openai ``bearer``; claude ``x-api-key`` or ``bearer``; gemini ``query`` or
    ``x-goog-api-key``). ``port=0`` picks a free port.
    """

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
        self.require_auth = _checked_auth_forms(require_auth or {})
        self.host, self.port = host, port
        self.stats = MockStats(self.open_connections)
        self._faults = FaultQueue()
        self._scripts: deque[Scripted] = deque()
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._count = 0

    # ------------------------------------------------------------------ control

    @property
    def base_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:50123`` (an IPv6 host in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def inject(
        self,
        fault: Fault,
        *,
        times: int = 1,
        format: str | None = None,
        model: str | None = None,
    ) -> None:
        """Apply ``fault`` to the next ``times`` requests (of ``format`` / ``model`` if given).

        ``format`` takes the usual spellings (``"anthropic"`` is ``"claude"``); an unknown
        one raises ``ValueError``, as it would otherwise never strike."""
        fmt = _checked_format(format) if format is not None else None
        self._faults.add(fault, times, fmt, model)

    def clear_faults(self) -> None:
        """Forget faults that have not struck yet."""
        self._faults.clear()

    def script_text(self, text: str, *, usage: Usage | None = None) -> None:
        """The next request (in arrival order) is answered with ``text``."""
        self._scripts.append(Scripted([TextPart(text=text)], usage))

    def script_tool_calls(
        self,
        calls: list[tuple[str, dict[str, Any]]],
        *,
        text: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        """The next request is answered with these tool calls (after ``text``, if given)."""
        self._count += 1
        parts: list[TextPart | ToolCallPart] = [TextPart(text=text)] if text else []
        parts += [
            ToolCallPart(id=f"call_script_{self._count}_{i}", name=name, arguments=dict(args))
            for i, (name, args) in enumerate(calls)
        ]
        self._scripts.append(Scripted(parts, usage))

    def reset_stats(self) -> None:
        """Start the counters over. Requests still running stay counted as in flight (and
        as the new peak), so that they leave the new counters as they entered the old."""
        old, self.stats = self.stats, MockStats(self.open_connections)
        self.stats.carry_inflight(old)

    def open_connections(self) -> int:
        """TCP connections currently open at the server."""
        server = self._runner.server if self._runner is not None else None
        return len(server.connections) if server is not None else 0

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("MockUpstream is already running")
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(
            _app(self), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:  # the port is taken (or the start cancelled): not running
            runner, self._runner = self._runner, None
            await runner.cleanup()
            raise
        if self.port == 0:
            for address in self._runner.addresses:
                self.port = int(address[1])
                break

    async def close(self) -> None:
        """Stop: stalled answers give up, open connections are closed."""
        if self._runner is None:
            return
        self._closing.set()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> MockUpstream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"MockUpstream(base_url={self.base_url!r})"

    # ------------------------------------------------------------------ handlers

    async def handle(
        self, request: web.Request, fmt: FormatName, gemini: tuple[str, bool] | None
    ) -> web.StreamResponse:
        key = presented_key(request, fmt, self.require_auth.get(fmt))
        problem = auth_problem(request, fmt, key, self.keys)
        if problem is not None or key is None:
            self.stats.rejected += 1
            return errors.error_response(fmt, 401, "authentication", problem or "no key")
        self.stats.enter(key)
        try:
            return await self._answer(request, fmt, gemini)
        finally:
            self.stats.leave(key)

    async def _answer(
        self, request: web.Request, fmt: FormatName, gemini: tuple[str, bool] | None
    ) -> web.StreamResponse:
        body = await request.read()
        model = gemini[0] if gemini else None
        try:
            parsed = _decode(fmt, body, model)
            header = request.headers.get("x-mock-fault")
            fault = parse_fault(header) if header else self._faults.take(fmt, model or parsed.model)
            delay = self.delay + float(request.headers.get("x-mock-delay-ms", "0")) / 1000
        except (InvalidInputError, ValueError) as exc:
            return errors.error_response(fmt, 400, "bad_request", f"invalid request: {exc}")
        for tool in parsed.tools:  # as the real APIs do: a name outside the format's pattern
            if fitted_name(tool.name, fmt) != tool.name:
                problem = f"invalid request: tool name {tool.name!r} does not match the pattern"
                return errors.error_response(fmt, 400, "bad_request", problem)
        if delay > 0 and not await pause(request, delay, self._closing):
            return _hung_up(request)  # nobody left to answer (writing would only fail)
        if fault is not None:
            self.stats.fault(fault.kind)
            if fault.kind == "delay":
                if not await pause(request, fault.wait, self._closing):
                    return _hung_up(request)
            elif fault.kind in _EARLY:
                return self._early(request, fmt, fault)
        response = self._reply(parsed, len(body), fault)
        stream = gemini[1] if gemini else parsed.stream
        if not stream:
            ctx = TranslationContext(source=fmt, target=fmt, model=model, request=parsed)
            encoded = dump_json(get_format(fmt).encode_response(response, ctx))
            return await send_json(request, encoded, fault, self._closing)
        chunks = _encode_stream(fmt, parsed, model, stream_events(response), fault)
        sse = gemini is None or request.query.get("alt") == "sse"
        if not sse:
            chunks = as_json_array(chunks)
        return await send_stream(request, chunks, fault, self._closing, sse=sse)

    def _reply(self, parsed: Request, body_size: int, fault: Fault | None) -> Response:
        self._count += 1
        script = self._scripts.popleft() if self._scripts else None
        parts = script.parts if script else default_reply(parsed, self._count)
        if fault is not None and fault.kind == "oversize_body":
            parts = [TextPart(text="x" * fault.size)]
        usage = script.usage if script else None
        return build_response(parsed, parts, number=self._count, body_size=body_size, usage=usage)

    def _early(self, request: web.Request, fmt: FormatName, fault: Fault) -> web.StreamResponse:
        if fault.kind == "rate_limit":
            return errors.rate_limited(fmt, fault)
        if fault.kind == "quota":
            return errors.quota_exceeded(fmt, fault)
        if fault.kind == "status":
            return errors.status_error(fmt, fault)
        if fault.kind == "redirect":
            # Another origin: same port on another loopback address, where nothing listens.
            location = fault.location or f"http://127.0.0.2:{self.port}{request.path_qs}"
            return web.Response(status=307, headers={"Location": location})
        abort(request)  # reset_before_headers
        return web.Response(status=500)


def _decode(fmt: FormatName, body: bytes, model: str | None) -> Request:
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise InvalidInputError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError("body must be a JSON object")
    ctx = TranslationContext(source=fmt, target=fmt, model=model)
    return get_format(fmt).decode_request(data, ctx)


def _encode_stream(
    fmt: FormatName,
    parsed: Request,
    model: str | None,
    events: list[StreamEvent],
    fault: Fault | None,
) -> list[bytes]:
    """The SSE bytes of each event, with the event-level faults applied."""
    if fmt == "openai" and not parsed.include_usage:
        # Like OpenAI: the usage chunk only when stream_options.include_usage asked for it.
        parsed = msgspec.structs.replace(parsed, include_usage=False)
    ctx = TranslationContext(source=fmt, target=fmt, model=model or parsed.model, request=parsed)
    encoder = get_format(fmt).stream_encoder(ctx)
    kind = fault.kind if fault is not None else None
    if kind == "truncated_stream":
        chunks = [encoder.encode(e) for e in events if not isinstance(e, MessageEnd)]
    elif fault is not None and kind == "stream_error_event":
        error = StreamError(status=529, kind="overloaded", message=fault.message or "Overloaded")
        kept = [e for c in (encoder.encode(e) for e in events[:-1]) for e in split_events(c)]
        chunks = [*kept[: fault.events], encoder.encode(error)]
    else:
        chunks = [*(encoder.encode(e) for e in events), encoder.close()]
    return [event for chunk in chunks for event in split_events(chunk)]


def _app(mock: MockUpstream) -> web.Application:
    async def openai(request: web.Request) -> web.StreamResponse:
        return await mock.handle(request, "openai", None)

    async def claude(request: web.Request) -> web.StreamResponse:
        return await mock.handle(request, "claude", None)

    async def gemini(request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["target"].rpartition(":")
        if method not in ("generateContent", "streamGenerateContent") or not model:
            raise web.HTTPNotFound()
        return await mock.handle(request, "gemini", (model, method == "streamGenerateContent"))

    app = web.Application(client_max_size=64 * 1024 * 1024)
    for base in ("", "/{base:.+}"):
        app.router.add_post(base + "/v1/chat/completions", openai)
        app.router.add_post(base + "/v1/messages", claude)
        app.router.add_post(base + "/v1beta/{collection}/{target}", gemini)
        app.router.add_post(base + "/v1/{collection}/{target}", gemini)  # google-genai >= 3
    return app
