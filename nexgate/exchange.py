"""One upstream exchange with retries: limits, auth, HTTP, and the retry loop around them.

An exchange is retried only while nothing has reached the caller: a non-streamed body is
read whole inside the loop; a stream is retried until its first chunk has arrived.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import anyio

from .auth import PROTECTED_HEADERS, auth_parts
from .errors import APIStatusError, InvalidInputError, NexgateError, RateLimitError
from .formats import get_format
from .formats._json import dump_json
from .limits import LimiterSet, Permit
from .options import CallOptions, check_headers
from .redact import RedactingFilter, redact_url
from .retry import RetryBudget, decide
from .routing import Plan
from .transport import Transport, UpstreamResponse

logger = logging.getLogger("nexgate.dispatch")
# Defense in depth: nothing here logs a key, but a record that did would be blanked.
logger.addFilter(RedactingFilter())


@dataclass(slots=True)
class Opened:
    """An exchange that succeeded: the response, its permit, and (streams) the first chunk."""

    response: UpstreamResponse
    permit: Permit
    body: bytes = b""
    first_chunk: bytes = b""
    chunks: AsyncIterator[bytes] | None = None


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
    def __init__(
        self, transport: Transport, limits: LimiterSet, budget: RetryBudget, stats: Stats
    ) -> None:
        self.transport = transport
        self.limits = limits
        self.budget = budget
        self.stats = stats

    def _headers(
        self, plan: Plan, key: Any, options: CallOptions
    ) -> tuple[dict[str, str], dict[str, str]]:
        provider = plan.provider
        headers = {"Content-Type": "application/json", **provider.headers}
        extra = options.extra_headers or {}
        check_headers(extra, "extra_headers")
        for name, value in extra.items():
            if name.lower() in PROTECTED_HEADERS:
                raise InvalidInputError(
                    f"extra header {name!r} may not override authentication", path="extra_headers"
                )
            headers[name] = value
        auth_headers, query = auth_parts(
            plan.format, key, provider.auth, anthropic_version=provider.anthropic_version
        )
        headers.update(auth_headers)
        return headers, {**(options.extra_query or {}), **query}

    @asynccontextmanager
    async def exchange(
        self,
        plan: Plan,
        body: dict[str, Any],
        *,
        stream: bool,
        options: CallOptions,
        estimated_tokens: float,
    ) -> AsyncIterator[Opened]:
        fmt = get_format(plan.format)
        extra = (options.extra_body or {}).get(plan.format)
        data = dump_json({**body, **extra} if extra else body)
        url = plan.provider.url(fmt.request_path(plan.model, stream))
        attempt = 0
        self.budget.record_request()  # once per call: the budget compares retries with calls
        while True:
            stack = AsyncExitStack()
            permit: Permit | None = None
            try:
                key_id, key = stack.enter_context(plan.provider.lease_key())
                headers, query = self._headers(plan, key, options)
                permit = await stack.enter_async_context(
                    self.limits.acquire(
                        provider=plan.provider.name,
                        key_id=key_id,
                        model=plan.model,
                        estimated_tokens=estimated_tokens,
                    )
                )
                self.stats.requests += 1
                logger.debug("POST %s (attempt %d)", redact_url(url), attempt + 1)
                response = await stack.enter_async_context(
                    self.transport.post(
                        url, body=data, headers=headers, params=query, timeouts=options.timeouts
                    )
                )
                permit.update_from_headers(response.headers)
                opened = await self._open(
                    response, permit, plan, stream, options.timeouts.first_byte
                )
            except NexgateError as exc:
                if isinstance(exc, RateLimitError) and permit is not None:
                    permit.penalize(exc.retry_after)
                await stack.aclose()
                decision = decide(exc, attempt, options.retry, output_started=False)
                if decision.retry and _past(options.deadline, decision.delay):
                    # Sleeping would only end in the total timeout: the real cause is better.
                    decision = replace(decision, retry=False, reason="no time left for a retry")
                if not decision.retry or not self.budget.allow_retry():
                    logger.debug("not retried: %s", decision.reason or "retry budget spent")
                    raise
                self.budget.record_retry()
                self.stats.retries += 1
                logger.debug("retrying in %.3fs: %s", decision.delay, decision.reason)
                await anyio.sleep(decision.delay)
                attempt += 1
                continue
            except BaseException:
                await stack.aclose()
                raise
            async with stack:
                yield opened
                permit.succeeded()
            return

    async def _open(
        self,
        response: UpstreamResponse,
        permit: Permit,
        plan: Plan,
        stream: bool,
        first_byte: float,
    ) -> Opened:
        if response.status >= 400:
            raw = await response.read()
            error = get_format(plan.format).decode_error(response.status, raw, response.headers)
            error.provider = plan.provider.name
            error.format = plan.format
            if error.request_id is None:
                error.request_id = response.headers.get("x-request-id") or response.headers.get(
                    "request-id"
                )
            raise _scrubbed(error, plan)
        if not stream:
            return Opened(response, permit, body=await response.read())
        chunks = response.chunks(first_byte=first_byte)
        first = b""
        async for chunk in chunks:
            first = chunk
            break
        return Opened(response, permit, first_chunk=first, chunks=chunks)


def _past(deadline: float | None, delay: float) -> bool:
    return deadline is not None and anyio.current_time() + delay >= deadline


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
