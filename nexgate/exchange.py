"""One upstream exchange with retries: limits, auth, HTTP, and the retry loop around them.

An exchange is retried only while nothing has reached the caller: a non-streamed body is
read whole inside the loop; a stream is retried until its first chunk has arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping
from typing import Any, TypeAlias

import anyio
import msgspec

from .auth import PROTECTED_HEADERS, auth_parts
from .errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    InvalidInputError,
    NexgateError,
    RateLimitError,
    stream_api_error,
)
from .events import MessageStart, StreamError, UsageUpdate
from .formats import TranslationContext, get_format
from .formats._json import dump_json
from .limits import LimiterSet, Permit
from .options import CallOptions, check_headers
from .providers import Provider
from .redact import REDACTED, RedactingFilter, redact_text, redact_url
from .retry import RetryBudget, RetryDecision, decide
from .routing import Plan
from .stream_translate import StreamDecoding
from .transport import Fetched, Transport, UpstreamResponse, total_deadline_error

logger = logging.getLogger("nexgate.dispatch")
# Defense in depth: nothing here logs a key, but a record that did would be blanked.
logger.addFilter(RedactingFilter())


#: A call's auth: its headers (with the provider's own), query, and the protected names.
_Auth: TypeAlias = tuple[dict[str, str], dict[str, str], frozenset[str]]

#: URLs an exchanger keeps (one per provider, format, model and stream flag).
URL_CACHE_SIZE = 4096


class Opened:
    """A stream that opened: its response, permit and key, and its chunks from the first on
    (the first one was read already, to know the stream needs no retry).

    It holds the key, the limiter slots and the connection until :meth:`close`.
    """

    __slots__ = ("_closed", "_index", "_provider", "chunks", "permit", "response")

    def __init__(
        self,
        response: UpstreamResponse,
        permit: Permit,
        provider: Provider,
        index: int,
        chunks: AsyncGenerator[bytes, None],
    ) -> None:
        self.response = response
        self.permit = permit
        self._provider = provider
        self._index = index
        self.chunks = chunks
        self._closed = False

    def scrubbed(self, error: StreamError) -> StreamError:
        """``error`` without the provider's keys in its message (an upstream may echo one,
        as in ``Incorrect API key provided: sk-...``)."""
        message = redact_text(error.message, self._provider.secrets())
        if message == error.message:
            return error
        return msgspec.structs.replace(error, message=message)

    def scrubbed_bytes(self, data: bytes) -> bytes:
        """``data`` (the upstream's own event bytes) without the provider's keys."""
        for secret in self._provider.secrets():
            if secret:
                data = data.replace(secret.encode(), REDACTED.encode())
        return data

    async def ended(self) -> None:
        """The stream's terminal event was read: stop reading, let the body end."""
        await self.chunks.aclose()
        await self.response.settle()

    def close(self, *, ok: bool) -> None:
        """Release everything (once); ``ok``: the stream was consumed without an error."""
        if self._closed:
            return
        self._closed = True
        try:
            if ok:
                self.permit.succeeded()
        finally:
            self.response.finish(ok=ok)
            self.permit.release()
            self._provider.return_key(self._index)


class Stats:
    """Counters of a client: calls sent upstream, retries and fallbacks taken."""

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.fallbacks = 0

    def __repr__(self) -> str:
        return (
            f"Stats(requests={self.requests}, retries={self.retries}, fallbacks={self.fallbacks})"
        )


class Exchanger:
    """Sends one call's attempts: key, limits, auth, HTTP and the retry decisions between them."""

    def __init__(
        self, transport: Transport, limits: LimiterSet, budget: RetryBudget, stats: Stats
    ) -> None:
        self.transport = transport
        self.limits = limits
        self.budget = budget
        self.stats = stats
        # Auth headers per (provider, format, key index): they are the same for every call
        # (an auth hook is asked every time instead: its headers may rotate).
        self._auth: dict[tuple[Provider, str, int], _Auth] = {}
        # URLs per (provider, format, model, stream), built once.
        self._urls: dict[tuple[Provider, str, str, bool], str] = {}

    def _headers(
        self, plan: Plan, index: int, options: CallOptions
    ) -> tuple[dict[str, str], dict[str, str]]:
        provider = plan.provider
        cache_key = (provider, plan.format, index)
        cached = self._auth.get(cache_key)
        if cached is None:
            cached = self._auth_headers(plan, index)
            if not callable(provider.auth):
                self._auth[cache_key] = cached
        headers, query, protected = cached
        if options.extra_headers is None and options.extra_query is None:
            return headers, query
        return _with_extras(headers, query, protected, options)

    @staticmethod
    def _auth_headers(plan: Plan, index: int) -> _Auth:
        provider = plan.provider
        _, key = provider.key_at(index)
        if key is None and provider.auth != "none" and not callable(provider.auth):
            # Sent without credentials it would only come back as an anonymous 401.
            where = f"set {provider.key_env}" if provider.key_env else "pass keys=[...]"
            raise InvalidInputError(
                f"no API key for provider {provider.name!r}: {where}"
                ' (an upstream that takes no key: auth="none")',
                path=f"providers.{provider.name}",
            )
        auth_headers, query = auth_parts(
            plan.format, key, provider.auth, anthropic_version=provider.anthropic_version
        )
        headers = {"Content-Type": "application/json", **provider.headers, **auth_headers}
        # An auth hook may use any header: the names it set are as protected as the usual ones.
        protected = PROTECTED_HEADERS.union(name.lower() for name in auth_headers)
        return headers, query, protected

    def prepare(
        self, plan: Plan, body: dict[str, Any], stream: bool, options: CallOptions
    ) -> tuple[bytes, str]:
        """The encoded body and URL of a call, done once before its attempts.

        The callers drop the body's dicts once it is encoded: a translated body is dozens
        of containers, and kept alive while the call waits they cost the garbage collector
        more than encoding them did.
        """
        extra = (options.extra_body or {}).get(plan.format)
        data = dump_json({**body, **extra} if extra else body)
        url = self._urls.get((plan.provider, plan.format, plan.model, stream))
        if url is None:
            url = plan.provider.url(get_format(plan.format).request_path(plan.model, stream))
            if len(self._urls) < URL_CACHE_SIZE:
                self._urls[plan.provider, plan.format, plan.model, stream] = url
        self.budget.record_request()  # once per call: the budget compares retries with calls
        return data, url

    async def _retry_or_raise(
        self, error: NexgateError, attempt: int, options: CallOptions, closings: int
    ) -> None:
        """Wait before the next attempt, or re-raise ``error`` when there is none.

        ``closings``: the transport's count when the call began. A call the client's
        ``aclose()`` cut off is not sent again (on a new session nothing would close).
        """
        if self.transport.closings != closings:
            logger.debug("not retried: the client was closed during the call")
            raise error
        decision = decide(error, attempt, options.retry, output_started=False)
        if decision.retry and _past(options.deadline, decision.delay):
            # Sleeping would only end in the total timeout: the real cause is better.
            decision = RetryDecision(False, 0.0, "no time left for a retry")
        if not decision.retry or not self.budget.allow_retry():
            logger.debug("not retried: %s", decision.reason or "retry budget spent")
            raise error
        self.budget.record_retry()
        self.stats.retries += 1
        logger.debug("retrying in %.3fs: %s", decision.delay, decision.reason)
        await anyio.sleep(decision.delay)

    def _take_key(self, plan: Plan) -> int:
        """The key for an attempt: the provider's pick, passing over keys in a cooldown."""
        provider = plan.provider
        if provider.key_count < 2:
            return provider.take_key()
        limits, name, model = self.limits, provider.name, plan.model
        return provider.take_key(lambda i: limits.key_paused(name, provider.key_at(i)[0], model))

    async def _admit(
        self, plan: Plan, index: int, estimated_tokens: float, options: CallOptions
    ) -> Permit:
        """Limiter admission for an attempt on key ``index``, waiting no longer than the
        call's total deadline allows; the attempt counts as a request sent."""
        deadline = options.deadline
        left = None if deadline is None else deadline - asyncio.get_running_loop().time()
        try:
            permit = await self.limits.admit(
                provider=plan.provider.name,
                key_id=plan.provider.key_at(index)[0],
                model=plan.model,
                estimated_tokens=estimated_tokens,
                max_wait=left,
            )
        except TimeoutError:
            raise total_deadline_error(options.timeouts.total) from None
        if deadline is None and options.total_from_admission:
            options.deadline = asyncio.get_running_loop().time() + options.timeouts.total
        self.stats.requests += 1
        return permit

    async def fetch(
        self,
        plan: Plan,
        data: bytes,
        url: str,
        *,
        options: CallOptions,
        estimated_tokens: float,
    ) -> tuple[Fetched, Permit]:
        """A non-streamed call (``data`` and ``url`` from :meth:`prepare`), retried until it
        succeeds or may not go again.

        Returns the answer and its (already released) permit, for the usage reconcile.
        """
        provider = plan.provider
        attempt = 0
        closings = self.transport.closings
        while True:
            index = self._take_key(plan)
            permit: Permit | None = None
            error: NexgateError | None = None
            try:
                headers, query = self._headers(plan, index, options)
                permit = await self._admit(plan, index, estimated_tokens, options)
                _log_attempt(url, attempt)
                fetched = await self.transport.fetch(
                    url,
                    body=data,
                    headers=headers,
                    params=query,
                    timeouts=options.timeouts,
                    deadline=options.deadline,
                )
                # Every answer's rate-limit headers count: a 429's say how long the window
                # stays shut, which its retry-after (if any) need not repeat.
                permit.update_from_headers(fetched.headers)
                if fetched.status >= 400:
                    raise _status_error(plan, fetched.status, fetched.headers, fetched.body)
            except NexgateError as exc:
                error = exc
                _brake(exc, permit)
            finally:
                if permit is not None:
                    permit.release()
                provider.return_key(index)
            if error is None:
                assert permit is not None
                permit.succeeded()
                return fetched, permit
            if not _another_key(error, provider, index):
                await self._retry_or_raise(error, attempt, options, closings)
            attempt += 1

    async def open_stream(
        self,
        plan: Plan,
        data: bytes,
        url: str,
        *,
        options: CallOptions,
        estimated_tokens: float,
    ) -> Opened:
        """A streamed call (``data`` and ``url`` from :meth:`prepare`), retried until its
        first chunk arrives (nothing has reached the caller before that). The caller must
        :meth:`Opened.close` what this returns."""
        provider = plan.provider
        attempt = 0
        closings = self.transport.closings
        while True:
            index = self._take_key(plan)
            permit: Permit | None = None
            response: UpstreamResponse | None = None
            try:
                headers, query = self._headers(plan, index, options)
                permit = await self._admit(plan, index, estimated_tokens, options)
                _log_attempt(url, attempt)
                response = await self.transport.open(
                    url, body=data, headers=headers, params=query, timeouts=options.timeouts
                )
                permit.update_from_headers(response.headers)  # a 429's too (see fetch)
                if response.status >= 400:
                    raw = await response.read()
                    raise _status_error(plan, response.status, response.headers, raw)
                response.deadline = options.deadline
                first = await response.first_chunk(options.timeouts.first_byte)
                if not first or first.lstrip()[:1] == b"<":
                    # A 200 with no stream at all (an empty body, a proxy's HTML page):
                    # nothing reached the caller, so another attempt or alternate may serve.
                    raise APIConnectionError(
                        f"{provider.name} answered a streamed call with "
                        + ("an empty body" if not first else "a page that is not a stream")
                    )
                if b"error" in first:  # rare: only then is the chunk decoded here
                    opening = _opening_error(plan, first)
                    if opening is not None:
                        raise opening
                return Opened(response, permit, provider, index, response.chunks())
            except BaseException as exc:
                if isinstance(exc, NexgateError):
                    _brake(exc, permit)
                if response is not None:
                    response.finish(ok=False)
                if permit is not None:
                    permit.release()
                provider.return_key(index)
                if not isinstance(exc, NexgateError):
                    raise
                error = exc
            if not _another_key(error, provider, index):
                await self._retry_or_raise(error, attempt, options, closings)
            attempt += 1


def _log_attempt(url: str, attempt: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):  # redacting the URL is not free: only when logged
        logger.debug("POST %s (attempt %d)", redact_url(url), attempt + 1)


def _another_key(error: NexgateError, provider: Provider, index: int) -> bool:
    """Whether a call refused for its key (a 401) goes again at once on another key of the
    provider: one revoked key among several must not fail the calls it is handed."""
    if not isinstance(error, AuthenticationError) or not provider.refuse_key(index):
        return False
    logger.debug("%s refused %s: trying another key", provider.name, provider.key_at(index)[0])
    return True


def _brake(error: NexgateError, permit: Permit | None) -> None:
    """A 429 slows the key that got it down (while its slot is still held)."""
    if isinstance(error, RateLimitError) and permit is not None:
        permit.penalize(error.retry_after)


def _past(deadline: float | None, delay: float) -> bool:
    """Whether a retry after ``delay`` would start past the call's total deadline (loop time)."""
    if deadline is None:
        return False
    return asyncio.get_running_loop().time() + delay >= deadline


def _with_extras(
    headers: dict[str, str],
    query: dict[str, str],
    protected: frozenset[str],
    options: CallOptions,
) -> tuple[dict[str, str], dict[str, str]]:
    """The auth headers and query plus the call's extras, which may not replace the auth
    (``protected``: the lower-case names of the headers that carry it)."""
    extra = options.extra_headers or {}
    check_headers(extra, "extra_headers")
    merged = dict(headers)
    for name, value in extra.items():
        if name.lower() in protected:
            raise InvalidInputError(
                f"extra header {name!r} may not override authentication", path="extra_headers"
            )
        merged[name] = value
    return merged, {**(options.extra_query or {}), **query}


def _status_error(
    plan: Plan, status: int, headers: Mapping[str, str], raw: bytes
) -> APIStatusError:
    """The typed error of an upstream error answer, tagged with where it came from."""
    lowered = {name.lower(): value for name, value in headers.items()}
    error = get_format(plan.format).decode_error(status, raw, lowered)
    error.provider = plan.provider.name
    error.format = plan.format
    if error.request_id is None:
        error.request_id = lowered.get("x-request-id") or lowered.get("request-id")
    return _scrubbed(error, plan)


def _opening_error(plan: Plan, first: bytes) -> APIStatusError | None:
    """The error a stream opens with, before any output: then it is an error answer like an
    HTTP one, retried or failed over (an overloaded Claude stream says so this way)."""
    ctx = TranslationContext(source=plan.format, target=plan.format, model=plan.model)
    try:
        events = StreamDecoding(ctx).feed(first)
    except NexgateError:
        return None  # a malformed chunk is the stream's own business, as before
    for event in events:
        if isinstance(event, StreamError):
            error = stream_api_error(event, provider=plan.provider.name, format=plan.format)
            return _scrubbed(error, plan)
        if not isinstance(event, MessageStart | UsageUpdate):
            return None  # output began: the error belongs to the stream
    return None


def _scrubbed(error: APIStatusError, plan: Plan) -> APIStatusError:
    """An upstream may echo the key in its message (``Incorrect API key: sk-...``): blank it."""
    for secret in plan.provider.secrets():
        if secret and secret in error.message:
            error.message = error.message.replace(secret, "***")
            error.args = (error.message,)
    if isinstance(error.body, str | bytes) or error.body is not None:
        text = (
            dump_json(error.body).decode()
            if not isinstance(error.body, str | bytes)
            else str(error.body)
        )
        if any(s and s in text for s in plan.provider.secrets()):
            error.body = None
    return error
