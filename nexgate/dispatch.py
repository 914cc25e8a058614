"""``nexgate.Client``: routes, authenticates, limits, retries and translates every call.

::

    async with nexgate.Client(routes={"fast": Route("anthropic", "claude-haiku-4-5")}) as client:
        response = await client.complete(request)              # internal Request -> Response
        body = await client.send(openai_body, format="openai") # caller format in and out
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidInputError,
    NexgateError,
)
from .events import StreamEvent
from .exchange import Exchanger, Opened, Stats
from .fanout import BatchItem, Result, fan_out
from .formats import TranslationContext, get_format
from .formats._context import LossHook
from .formats._json import load_object
from .limits import LimitConfig, LimiterSet
from .options import FANNED_OUT, CallOptions, call_options
from .providers import Provider, Route, load_providers
from .redact import redact_url
from .relay import relay, relay_stream
from .request_check import check_request
from .retry import RetryBudget, RetryPolicy
from .routing import Plan, PlanCache, resolve, route_override
from .schema import (
    FormatName,
    JSONObject,
    Loss,
    Request,
    Response,
)
from .stream_translate import StreamDecoding
from .streaming import raising, stream_events, total_timeout
from .translate import decode_response
from .transport import Timeouts, Transport
from .upstream import estimate_tokens, upstream_body

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Models whose plans a client keeps (the cache starts over when full).
PLAN_CACHE_SIZE = 1024
#: Spare sockets above the concurrency cap (a closing connection may still hold one).
POOL_HEADROOM = 16

logger = logging.getLogger("nexgate.dispatch")


def _fallback_worthy(error: NexgateError) -> bool:
    """Alternates are tried when the primary failed before the first byte, transiently."""
    if isinstance(error, APIStatusError):
        return error.retryable or error.kind in ("overloaded", "quota", "rate_limit")
    if isinstance(error, APITimeoutError):
        return error.kind in ("connect", "first_byte")
    return isinstance(error, APIConnectionError) and error.retryable


class Client:
    """The async dispatcher. Use it as an async context manager.

    ``providers`` adds or replaces providers (the built-ins are ``openai``, ``anthropic``,
    ``gemini`` and ``nexllm``); ``routes`` maps model aliases to providers; ``default`` is the
    route for models not in the table (a provider name, or a :class:`Route`). ``timeouts``,
    ``retry`` and ``limits`` are client-wide defaults; every call method also takes the
    per-call keyword overrides listed in :mod:`nexgate.options`. ``environ`` replaces
    ``os.environ`` as the source of keys. ``max_response_bytes`` bounds every answer, a
    stream's too (:class:`~nexgate.ResponseTooLargeError`; a stream breaks off there).

    ``strict=True`` refuses a request whose translation would drop information
    (:class:`~nexgate.TranslationError`, before anything is sent). An answer is never refused
    after the upstream gave it: what its translation lost goes to the call's ``on_loss`` and,
    for :meth:`complete`, ``Response.losses``.
    """

    def __init__(
        self,
        *,
        providers: Sequence[Provider] | None = None,
        routes: Mapping[str, Route] | None = None,
        default: str | Route | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        limits: LimitConfig | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        strict: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.providers = load_providers(providers, os.environ if environ is None else environ)
        self.routes = dict(routes or {})
        if isinstance(default, str):
            default = Route(default)
        if default is None and providers and len(providers) == 1:
            default = Route(providers[0].name)
        self.default = default
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.limits = limits or LimitConfig(max_concurrency=256)
        self.strict = strict
        self.max_response_bytes = max_response_bytes
        self.stats = Stats()
        self._transport = Transport(
            connections=self._pool_size(),
            timeouts=self.timeouts,
            max_response_bytes=max_response_bytes,
        )
        self._limiters: LimiterSet | None = None
        self._exchanger: Exchanger | None = None
        self._plan_cache = PlanCache(PLAN_CACHE_SIZE)

    def _pool_size(self) -> int:
        """Sized above every concurrency cap, so no admitted call waits for a socket.

        Without a global cap the pool is unbounded (0): the limiters alone bound it.
        """
        if self.limits.max_concurrency is None:
            return 0
        caps = [self.limits.max_concurrency]
        caps += [p.limits.max_concurrency or 0 for p in self.providers.values() if p.limits]
        return max(caps) + POOL_HEADROOM

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.providers))
        return f"Client(providers=[{names}], routes={len(self.routes)})"

    def __del__(self) -> None:
        # aiohttp warns too, but about a session the caller never made: this says what to do.
        transport: Transport | None = getattr(self, "_transport", None)
        if transport is not None and transport.open_sessions:
            warnings.warn(
                f"unclosed nexgate {self!r}: use `async with` or `await client.aclose()`",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Client:
        self._setup()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session of the running event loop (the client may be reused)."""
        await self._transport.close()

    def _setup(self) -> Exchanger:
        if self._exchanger is None:
            provider_limits = {n: p.limits for n, p in self.providers.items() if p.limits}
            key_limits = {n: p.key_limits for n, p in self.providers.items() if p.key_limits}
            self._limiters = LimiterSet(self.limits, provider_limits, key_limits)
            budget = RetryBudget(self.retry.budget_ratio, self.retry.budget_min_retries)
            self._exchanger = Exchanger(self._transport, self._limiters, budget, self.stats)
        return self._exchanger

    @property
    def limiters(self) -> LimiterSet:
        """The client's limiters (global, per provider, per key and model)."""
        self._setup()
        assert self._limiters is not None
        return self._limiters

    @property
    def _counts_tokens(self) -> bool:
        """Whether some scope has a tokens-per-minute bucket: only then are a call's token
        estimate and its answer's usage needed (the limiters are built on first use)."""
        return self.limiters.counts_tokens

    # ------------------------------------------------------------------ helpers

    def _options(self, overrides: Mapping[str, Any]) -> CallOptions:
        if not overrides:  # the common call: the client's defaults, nothing to validate
            return CallOptions(self.timeouts, self.retry, total_from_admission=FANNED_OUT.get())
        return call_options(overrides, timeouts=self.timeouts, retry=self.retry)

    def _plans(self, request: Request, overrides: Mapping[str, Any]) -> list[Plan]:
        override = route_override(overrides) if overrides else None
        if override is not None:
            return resolve(
                request.model,
                routes=self.routes,
                providers=self.providers,
                default=self.default,
                override=override,
            )
        return self._plan_cache.plans(
            request.model, routes=self.routes, providers=self.providers, default=self.default
        )

    def _upstream_body(
        self,
        request: Request,
        plan: Plan,
        source: FormatName | None,
        body: JSONObject | None,
        *,
        stream: bool,
        primary: Plan,
        decoded: Sequence[Loss],
    ) -> tuple[JSONObject, Sequence[Loss], bool]:
        return upstream_body(
            request,
            plan,
            source,
            body,
            stream=stream,
            strict=self.strict,
            alternate=plan.provider.name != primary.provider.name,
            needs_usage=self._counts_tokens,
            decoded=decoded,
        )

    def _falls_back(
        self, error: NexgateError, number: int, plans: Sequence[Plan], closings: int
    ) -> bool:
        """Whether plan ``number`` failing with ``error`` leaves the next plan to try
        (``closings``: the transport's count when the call began; a call ``aclose()`` cut off
        is not sent again, to an alternate on a new session that nothing would close)."""
        if (
            number + 1 == len(plans)
            or not _fallback_worthy(error)
            or self._transport.closings != closings
        ):
            return False
        self.stats.fallbacks += 1
        logger.debug("falling back from %s: %s", plans[number].provider.name, type(error).__name__)
        return True

    def _estimate(self, request: Request) -> float:
        """Tokens to pre-charge (see :func:`~nexgate.upstream.estimate_tokens`); zero when no
        scope has a tokens-per-minute bucket, as is usual: then nothing reads it."""
        if not self._counts_tokens:
            return 0.0
        return estimate_tokens(request)

    # ------------------------------------------------------------------ calls

    async def complete(self, request: Request, **overrides: Any) -> Response:
        """Send an internal request; the internal response (after retries and fallbacks).

        ``Response.losses`` lists what the translations on the way could not carry.
        """
        check_request(request, "complete")
        response, _ = await self._call(request, None, None, overrides)
        assert response is not None  # decoded unless a same-format caller opts out
        return response

    async def _call(
        self,
        request: Request,
        source: FormatName | None,
        body: JSONObject | None,
        overrides: Mapping[str, Any],
        decode: bool = True,
        plans: list[Plan] | None = None,
        decoded: Sequence[Loss] = (),
    ) -> tuple[Response | None, JSONObject | None]:
        """The response of the first plan that answers; with the caller's own ``body`` (in
        ``source`` format), also the upstream's raw answer when that plan spoke ``source``.
        ``decoded``: what decoding that body lost, a loss of every plan that translates it.

        ``decode=False``: a raw answer in the caller's format is all the caller wants, so it
        is not decoded into a :class:`Response` unless a limiter needs its usage.
        """
        exchanger = self._setup()
        closings = self._transport.closings
        options = self._options(overrides)
        plans = self._plans(request, overrides) if plans is None else plans
        # No timer of its own: the exchanger gives every wait of the call (admission, the
        # answer, a retry's pause) at most what is left of this deadline.
        _start_total(options)
        if len(plans) == 1:  # no alternates: nothing to fall back to
            return await self._call_once(
                exchanger, request, plans[0], plans[0], options, source, body, decode, decoded
            )
        for number, plan in enumerate(plans):
            try:
                return await self._call_once(
                    exchanger, request, plan, plans[0], options, source, body, decode, decoded
                )
            except NexgateError as exc:
                if not self._falls_back(exc, number, plans, closings):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call_once(
        self,
        exchanger: Exchanger,
        request: Request,
        plan: Plan,
        primary: Plan,
        options: CallOptions,
        source: FormatName | None,
        body: JSONObject | None,
        decode: bool,
        decoded: Sequence[Loss],
    ) -> tuple[Response | None, JSONObject | None]:
        """One plan's answer (``primary``: the route's first plan, whose provider the
        request's signatures were meant for)."""
        same_format = body is not None and plan.format == source
        upstream, losses, _ = self._upstream_body(
            request, plan, source, body, stream=False, primary=primary, decoded=decoded
        )
        data, url = exchanger.prepare(plan, upstream, False, options)
        del upstream  # see Exchanger.prepare
        fetched, permit = await exchanger.fetch(
            plan, data, url, options=options, estimated_tokens=self._estimate(request)
        )
        try:
            if same_format and not decode and not (self._counts_tokens and permit.counts_tokens):
                raw = load_object(fetched.body, "response body")
                _report(losses, options.on_loss)  # an alternate's stripped signatures
                return None, raw
            ctx = TranslationContext(
                source=plan.format,
                target=plan.format,
                model=plan.model,
                request=request,
                # A same-format caller gets the answer as written: the decode loses it nothing.
                on_loss=None if same_format else options.on_loss,
            )
            # Decoded straight from the bytes (a typed decode, cheaper than walking the dicts);
            # the caller of a same-format call also gets the answer as the upstream wrote it.
            response = decode_response(fetched.body, format=plan.format, ctx=ctx)
            answer = load_object(fetched.body, "response body") if same_format else None
        except InvalidInputError as exc:
            raise _malformed(plan, exc) from None
        _report(losses, options.on_loss)  # what the request lost, now that this plan answered
        if response.usage is not None:
            permit.reconcile(response.usage.total_tokens)
        response.losses = _merged(losses, response.losses)
        return response, answer

    def _forwards(self, plans: list[Plan], source: FormatName) -> bool:
        """Whether a call in ``source`` format only forwards: one plan, speaking ``source``,
        and no tokens-per-minute limit that would need the answer's usage."""
        return len(plans) == 1 and plans[0].format == source and not self._counts_tokens

    async def _forward(self, plan: Plan, data: bytes, url: str, options: CallOptions) -> JSONObject:
        """The upstream's answer to a forwarded call (see :meth:`_forwards`), as it wrote it."""
        _start_total(options)
        fetched, _ = await self._setup().fetch(
            plan, data, url, options=options, estimated_tokens=0.0
        )
        try:
            return load_object(fetched.body, "response body")
        except InvalidInputError as exc:
            raise _malformed(plan, exc) from None

    @asynccontextmanager
    async def _open_stream(
        self,
        request: Request,
        overrides: Mapping[str, Any],
        source: FormatName | None,
        body: JSONObject | None = None,
        decoded: Sequence[Loss] = (),
    ) -> AsyncIterator[tuple[Opened, StreamDecoding, Plan, bool]]:
        """The first plan's stream that opens (its first chunk arrived), with its decoder,
        its plan, and whether its stream may be forwarded as written.

        With the caller's own ``body`` (in ``source`` format), a plan in that format sends it
        as written (see :mod:`nexgate.passthrough`), and its stream comes back so too, except
        where :func:`~nexgate.upstream.upstream_body` translates it."""
        exchanger = self._setup()
        closings = self._transport.closings
        options = self._options(overrides)
        plans = self._plans(request, overrides)
        total = options.timeouts.total
        options.deadline = asyncio.get_running_loop().time() + total
        deadline = asyncio.timeout_at(options.deadline)
        try:
            async with deadline:
                for number, plan in enumerate(plans):
                    upstream, losses, as_written = self._upstream_body(
                        request,
                        plan,
                        source,
                        body,
                        stream=True,
                        primary=plans[0],
                        decoded=decoded,
                    )
                    data, url = exchanger.prepare(plan, upstream, True, options)
                    del upstream  # see Exchanger.prepare
                    try:
                        opened = await exchanger.open_stream(
                            plan,
                            data,
                            url,
                            options=options,
                            estimated_tokens=self._estimate(request),
                        )
                    except NexgateError as exc:
                        if not self._falls_back(exc, number, plans, closings):
                            raise
                        continue
                    try:
                        _report(losses, options.on_loss)  # the caller's hook may raise
                    except BaseException:
                        opened.close(ok=False)
                        raise
                    decode_ctx = TranslationContext(
                        source=plan.format,
                        target=plan.format,
                        model=plan.model,
                        request=request,
                        # A stream forwarded as written loses the caller nothing.
                        on_loss=None if as_written else options.on_loss,
                    )
                    # From here the reads keep the total deadline themselves (Opened's response
                    # knows it): one that passes it ends the stream like any break-off, with
                    # the caller format's error event after what already went out.
                    deadline.reschedule(None)
                    try:
                        yield opened, StreamDecoding(decode_ctx), plan, as_written
                    except BaseException:
                        opened.close(ok=False)
                        raise
                    opened.close(ok=True)
                    return
        except TimeoutError as exc:
            if not deadline.expired() and not isinstance(exc, APITimeoutError):
                raise  # the caller's own, from the body of its ``async with``: not ours
            raise total_timeout(exc, total) from None

    @asynccontextmanager
    async def stream(
        self, request: Request, **overrides: Any
    ) -> AsyncIterator[AsyncIterator[StreamEvent]]:
        """Stream an internal request; yields internal events. Leaving early releases everything.

        An upstream error inside the stream raises its typed error; a stream that breaks off
        raises :class:`~nexgate.StreamInterruptedError` — after the events that did arrive.
        """
        check_request(request, "stream")
        async with self._open_stream(request, overrides, None) as (opened, decoding, _, _):
            yield raising(stream_events(opened, decoding))

    async def send(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        format: str,
        model: str | None = None,
        **overrides: Any,
    ) -> JSONObject:
        """A body in the caller's ``format`` in, the response in the same format out.

        An upstream error raises :class:`~nexgate.APIStatusError` whose ``.status`` and
        ``.body`` are already in the caller's format.
        """
        _, out = await relay(self, body, format, model, overrides, decode=False)
        return out

    async def _send(
        self,
        body: Mapping[str, Any] | bytes,
        format: str,
        model: str | None,
        overrides: Mapping[str, Any],
    ) -> tuple[Response, JSONObject]:
        """:meth:`send` that also returns the internal response (for fan-out and batches)."""
        response, out = await relay(self, body, format, model, overrides, decode=True)
        assert response is not None  # decode=True always decodes
        return response, out

    def send_stream(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        format: str,
        model: str | None = None,
        **overrides: Any,
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Stream a body in the caller's ``format``; yields SSE bytes in that format.

        Errors inside the stream (and a stream that breaks off) arrive as the caller format's
        error event; errors before the first byte raise as in :meth:`send`.
        """
        return relay_stream(self, body, format, model, overrides)

    @asynccontextmanager
    async def map(
        self, items: Iterable[BatchItem], *, concurrency: int = 64, **overrides: Any
    ) -> AsyncIterator[AsyncIterator[Result]]:
        """Fan out ``items`` (internal requests or ``(body, format)`` pairs); results as completed.

        Each result carries its input ``index`` and either a response or a typed error: one
        failing item never cancels the others. Leaving the block cancels what is still running.
        An item's total deadline starts when the limiters admit it: items paced by a rate
        limit wait their turn (the limits' ``max_queue`` still bounds how many may wait).
        """
        self._options(overrides)  # a bad keyword fails here, not once per item
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidInputError(
                f"concurrency must be an integer of at least 1, got {concurrency!r}",
                path="concurrency",
            )
        async with fan_out(self, items, concurrency=concurrency, overrides=overrides) as results:
            yield results

    async def batch(
        self, items: Iterable[BatchItem], *, concurrency: int = 64, **overrides: Any
    ) -> list[Result]:
        """Like :meth:`map`, but waits for all and returns the results in input order."""
        collected: list[Result] = []
        async with self.map(items, concurrency=concurrency, **overrides) as results:
            async for result in results:
                collected.append(result)
        collected.sort(key=lambda r: r.index)
        return collected

    def url_for(self, plan: Plan, stream: bool = False) -> str:
        """The (redacted) URL a plan posts to; for logs and error messages."""
        return redact_url(
            plan.provider.url(get_format(plan.format).request_path(plan.model, stream))
        )


def _malformed(plan: Plan, error: InvalidInputError) -> APIConnectionError:
    """An upstream answer that is not a response of its format: the upstream's fault, not the
    caller's input (a proxy's HTML page with a 200, a cut body); worth an alternate."""
    return APIConnectionError(
        f"{plan.provider.name} answered with a malformed {plan.format} response: {error.message}"
    )


def _start_total(options: CallOptions) -> None:
    """Start the call's total deadline now, or at its first admission (a fan-out item)."""
    if not options.total_from_admission:
        options.deadline = asyncio.get_running_loop().time() + options.timeouts.total


def _report(losses: Sequence[Loss], on_loss: LossHook | None) -> None:
    if on_loss is not None:
        for loss in losses:
            on_loss(loss)


def _merged(first: Sequence[Loss], second: list[Loss]) -> list[Loss]:
    return [*first, *second] if first else second


__all__ = ("Client",)
