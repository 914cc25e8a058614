"""``nexgate.Client``: routes, authenticates, limits, retries and translates every call.

::

    async with nexgate.Client(routes={"fast": Route("anthropic", "claude-haiku-4-5")}) as client:
        response = await client.complete(request)              # internal Request -> Response
        body = await client.send(openai_body, format="openai") # caller format in and out
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from msgspec.structs import replace

from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidInputError,
    NexgateError,
    StreamInterruptedError,
    api_error,
)
from .events import MessageEnd, StreamError, StreamEvent, UsageUpdate
from .exchange import CallOptions, Exchanger, Opened, Stats
from .fanout import BatchItem, Result, fan_out
from .formats import TranslationContext, get_format
from .formats._json import load_object
from .limits import LimitConfig, LimiterSet
from .providers import Provider, Route, load_providers
from .redact import redact_url
from .retry import RetryBudget, RetryPolicy
from .routing import Plan, resolve
from .schema import FormatName, Request, Response, TextPart
from .stream_translate import StreamDecoding
from .translate import decode_request
from .transport import Timeouts, Transport

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


def _fallback_worthy(error: NexgateError) -> bool:
    """Alternates are tried when the primary failed before the first byte, transiently."""
    if isinstance(error, APIStatusError):
        return error.retryable or error.kind in ("overloaded", "quota", "rate_limit")
    if isinstance(error, APITimeoutError):
        return error.kind in ("connect", "first_byte")
    return isinstance(error, APIConnectionError)


class Client:
    """The async dispatcher. Use it as an async context manager.

    ``providers`` adds or replaces providers (the built-ins are ``openai``, ``anthropic``,
    ``gemini`` and ``nexllm``); ``routes`` maps model aliases to providers; ``default`` is the
    route for models not in the table (a provider name, or a :class:`Route`).
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
        cap = max(
            [self.limits.max_concurrency or 256]
            + [(p.limits.max_concurrency or 0) for p in self.providers.values() if p.limits]
        )
        # Sized above every concurrency cap, so no call ever waits for a pool slot.
        self._transport = Transport(
            connections=cap + 16, timeouts=self.timeouts, max_response_bytes=max_response_bytes
        )
        self._limiters: LimiterSet | None = None
        self._exchanger: Exchanger | None = None

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.providers))
        return f"Client(providers=[{names}], routes={len(self.routes)})"

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Client:
        self._setup()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
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
        self._setup()
        assert self._limiters is not None
        return self._limiters

    # ------------------------------------------------------------------ helpers

    def _options(self, overrides: Mapping[str, Any]) -> CallOptions:
        unknown = set(overrides) - {
            "timeouts",
            "retry",
            "extra_headers",
            "extra_query",
            "extra_body",
            "route",
        }
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
        return CallOptions(
            timeouts=overrides.get("timeouts") or self.timeouts,
            retry=overrides.get("retry") or self.retry,
            extra_headers=overrides.get("extra_headers"),
            extra_query=overrides.get("extra_query"),
            extra_body=overrides.get("extra_body"),
        )

    def _plans(self, request: Request, overrides: Mapping[str, Any]) -> list[Plan]:
        route = overrides.get("route")
        if isinstance(route, str):
            route = Route(route)
        return resolve(
            request.model,
            routes=self.routes,
            providers=self.providers,
            default=self.default,
            override=route,
        )

    def _encode(
        self, request: Request, plan: Plan, *, stream: bool, source: FormatName | None
    ) -> tuple[dict[str, Any], TranslationContext]:
        ctx = TranslationContext(
            source=source or plan.format, target=plan.format, model=plan.model, strict=self.strict
        )
        upstream = replace(request, model=plan.model, stream=stream)
        if stream and plan.format == "openai":
            upstream.include_usage = True  # so that usage (and the TPM reconcile) is known
        body = get_format(plan.format).encode_request(upstream, ctx)
        ctx.finish()
        return body, ctx

    @staticmethod
    def _estimate(body: dict[str, Any], request: Request) -> float:
        """Tokens to pre-charge: the prompt's text length / 4 plus the output allowance."""
        prompt = sum(
            len(p.text) for m in request.messages for p in m.parts if isinstance(p, TextPart)
        )
        return prompt / 4 + (request.max_tokens or 256)

    # ------------------------------------------------------------------ calls

    async def complete(
        self, request: Request, *, source: FormatName | None = None, **overrides: Any
    ) -> Response:
        """Send an internal request and return the internal response (retries, fallbacks)."""
        exchanger = self._setup()
        options = self._options(overrides)
        plans = self._plans(request, overrides)
        async with _total_deadline(options.timeouts.total):
            for number, plan in enumerate(plans):
                try:
                    return await self._complete_once(exchanger, request, plan, options, source)
                except NexgateError as exc:
                    if number + 1 == len(plans) or not _fallback_worthy(exc):
                        raise
                    self.stats.fallbacks += 1
        raise AssertionError("unreachable")  # pragma: no cover

    async def _complete_once(
        self,
        exchanger: Exchanger,
        request: Request,
        plan: Plan,
        options: CallOptions,
        source: FormatName | None,
    ) -> Response:
        body, _ = self._encode(request, plan, stream=False, source=source)
        estimate = self._estimate(body, request)
        async with exchanger.exchange(
            plan, body, stream=False, options=options, estimated_tokens=estimate
        ) as opened:
            ctx = TranslationContext(
                source=plan.format, target=plan.format, model=plan.model, request=request
            )
            response = get_format(plan.format).decode_response(
                load_object(opened.body, "response body"), ctx
            )
            if response.usage is not None:
                opened.permit.reconcile(response.usage.total_tokens)
            return response

    @asynccontextmanager
    async def _events(
        self, request: Request, overrides: Mapping[str, Any], source: FormatName | None
    ) -> AsyncIterator[tuple[AsyncIterator[StreamEvent], Plan]]:
        exchanger = self._setup()
        options = self._options(overrides)
        plans = self._plans(request, overrides)
        async with _total_deadline(options.timeouts.total):
            for number, plan in enumerate(plans):
                body, _ = self._encode(request, plan, stream=True, source=source)
                estimate = self._estimate(body, request)
                stack = AsyncExitStack()
                try:
                    opened = await stack.enter_async_context(
                        exchanger.exchange(
                            plan, body, stream=True, options=options, estimated_tokens=estimate
                        )
                    )
                except NexgateError as exc:
                    await stack.aclose()
                    if number + 1 == len(plans) or not _fallback_worthy(exc):
                        raise
                    self.stats.fallbacks += 1
                    continue
                async with stack:
                    decode_ctx = TranslationContext(
                        source=plan.format, target=plan.format, model=plan.model, request=request
                    )
                    yield _stream_events(opened, StreamDecoding(decode_ctx)), plan
                return

    @asynccontextmanager
    async def stream(
        self, request: Request, **overrides: Any
    ) -> AsyncIterator[AsyncIterator[StreamEvent]]:
        """Stream an internal request; yields internal events. Leaving early releases everything.

        An upstream error inside the stream raises its typed error; a stream that breaks off
        raises :class:`~nexgate.StreamInterruptedError` — after the events that did arrive.
        """
        async with self._events(request, overrides, None) as (events, _):
            yield _raising(events)

    async def send(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        format: str,
        model: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """A body in the caller's ``format`` in, the response in the same format out.

        An upstream error raises :class:`~nexgate.APIStatusError` whose ``.status`` and
        ``.body`` are already in the caller's format.
        """
        caller = get_format(format)
        request = decode_request(body, format=caller.name, model=model)
        try:
            response = await self.complete(request, source=caller.name, **overrides)
        except APIStatusError as exc:
            exc.status, exc.body = caller.encode_error(exc)
            raise
        ctx = TranslationContext(
            source=caller.name, target=caller.name, model=request.model, request=request
        )
        return caller.encode_response(response, ctx)

    @asynccontextmanager
    async def send_stream(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        format: str,
        model: str | None = None,
        **overrides: Any,
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Stream a body in the caller's ``format``; yields SSE bytes in that format.

        Errors inside the stream (and a stream that breaks off) arrive as the caller format's
        error event; errors before the first byte raise as in :meth:`send`.
        """
        caller = get_format(format)
        request = decode_request(body, format=caller.name, model=model)
        try:
            async with self._events(request, overrides, caller.name) as (events, plan):
                ctx = TranslationContext(
                    source=plan.format, target=caller.name, model=request.model, request=request
                )
                yield _encoded(events, caller.stream_encoder(ctx))
        except APIStatusError as exc:
            exc.status, exc.body = caller.encode_error(exc)
            raise

    @asynccontextmanager
    async def map(
        self, items: Iterable[BatchItem], *, concurrency: int = 64, **overrides: Any
    ) -> AsyncIterator[AsyncIterator[Result]]:
        """Fan out ``items`` (internal requests or ``(body, format)`` pairs); results as completed.

        Each result carries its input ``index`` and either a response or a typed error: one
        failing item never cancels the others. Leaving the block cancels what is still running.
        """
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


@asynccontextmanager
async def _total_deadline(seconds: float) -> AsyncIterator[None]:
    """One overall deadline across attempts and fallbacks; the error says it was this one.

    ``asyncio.timeout`` rather than an anyio scope: the client is asyncio-only (aiohttp), and
    this runs on every call.
    """
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        if isinstance(exc, APITimeoutError):
            raise
        raise APITimeoutError(
            f"the call passed its total deadline of {seconds:g}s", kind="total"
        ) from None


async def _stream_events(opened: Opened, decoding: StreamDecoding) -> AsyncIterator[StreamEvent]:
    usage = None
    try:
        chunks = [opened.first_chunk] if opened.first_chunk else []
        for chunk in chunks:
            for event in decoding.feed(chunk):
                yield event
        assert opened.chunks is not None
        async for chunk in opened.chunks:
            for event in decoding.feed(chunk):
                if isinstance(event, UsageUpdate | MessageEnd) and event.usage is not None:
                    usage = event.usage
                yield event
    except (APIConnectionError, APITimeoutError, InvalidInputError) as exc:
        # A reset, a stall or a malformed chunk once output reached the caller: not retried.
        yield StreamError(
            status=502, kind="stream_interrupted", message=f"the stream broke off: {exc.message}"
        )
        return
    for event in decoding.close():
        yield event
    if usage is not None:
        opened.permit.reconcile(usage.total_tokens)


async def _raising(events: AsyncIterator[StreamEvent]) -> AsyncIterator[StreamEvent]:
    async for event in events:
        if isinstance(event, StreamError):
            if event.kind == "stream_interrupted":
                raise StreamInterruptedError(event.message)
            raise api_error(
                event.message,
                status=event.status,
                kind=event.kind,
                code=event.code,
                retry_after=event.retry_after,
            )
        yield event


async def _encoded(events: AsyncIterator[StreamEvent], encoder: Any) -> AsyncIterator[bytes]:
    async for event in events:
        data = encoder.encode(event)
        if data:
            yield data
    tail = encoder.close()
    if tail:
        yield tail


__all__ = ("Client",)
