"""Per-call settings: the client's defaults, overridden by keyword arguments of each call.

The keyword arguments every call method of :class:`~nexgate.Client` accepts:

- ``timeouts``: a :class:`~nexgate.Timeouts`; ``timeout``: seconds for the total deadline
  (or a ``Timeouts``);
- ``retry``: a :class:`~nexgate.RetryPolicy`; ``max_retries``: just the attempt count;
- ``extra_headers``, ``extra_query``: added to the HTTP request (never over the auth headers);
- ``extra_body``: fields merged into the upstream body, per target format
  (``{"openai": {"service_tier": "flex"}}``) so that a fallback in another format is unharmed;
- ``route`` (a :class:`~nexgate.Route` or a provider name) or ``provider``: where to send;
- ``on_loss``: called with each :class:`~nexgate.Loss` of the call's translations (the request
  as sent to the upstream that answered, its answer, a stream's events), as the translate
  functions' ``on_loss`` is. A call that crosses no format loses nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import msgspec

from .errors import InvalidInputError
from .formats._context import LossHook
from .retry import RetryPolicy
from .transport import Timeouts

OVERRIDES = frozenset(
    {
        "timeouts",
        "timeout",
        "retry",
        "max_retries",
        "extra_headers",
        "extra_query",
        "extra_body",
        "route",
        "provider",
        "on_loss",
    }
)

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class CallOptions(msgspec.Struct):
    """The settings of one call, retries included."""

    timeouts: Timeouts
    retry: RetryPolicy
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, str] | None = None
    extra_body: Mapping[str, Mapping[str, Any]] | None = None
    on_loss: LossHook | None = None
    #: The absolute (``anyio.current_time()``) end of the whole call, retries included.
    deadline: float | None = None
    #: The total deadline starts when the limiters first admit the call (a fan-out item:
    #: waiting its turn behind a rate limit is not the call taking too long).
    total_from_admission: bool = False


#: Set in the tasks of a fan-out (``Client.map`` / ``batch``, ``nexgate batch``): their calls
#: count the total deadline from admission. Per task, so a call made elsewhere is unaffected.
FANNED_OUT: ContextVar[bool] = ContextVar("nexgate_fanned_out", default=False)


def check_headers(headers: Any, path: str) -> None:
    """Refuse header names that are not HTTP tokens and values holding CR, LF or NUL.

    aiohttp would refuse them too, but with a ``ValueError`` that may quote the value.
    """
    if not isinstance(headers, Mapping):
        raise InvalidInputError("headers must be a mapping of names to strings", path=path)
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise InvalidInputError(f"invalid header name {name!r}", path=path)
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            raise InvalidInputError(
                f"header {name!r} must be a string without control characters", path=path
            )


def _check_query(query: Any) -> None:
    if not isinstance(query, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in query.items()
    ):
        raise InvalidInputError("extra_query maps names to strings", path="extra_query")
    if any(k.lower() == "key" for k in query):
        raise InvalidInputError("extra_query may not set the key parameter", path="extra_query")


def _check_extra_body(extra_body: Any) -> None:
    if not isinstance(extra_body, Mapping) or not all(
        isinstance(v, Mapping) for v in extra_body.values()
    ):
        raise InvalidInputError(
            "extra_body maps a format id to the fields to add, e.g. {'openai': {...}}",
            path="extra_body",
        )


def _timeouts(defaults: Timeouts, overrides: Mapping[str, Any]) -> Timeouts:
    timeouts = overrides.get("timeouts")
    if timeouts is None:
        timeouts = defaults
    elif not isinstance(timeouts, Timeouts):  # 0 or False included: not the defaults
        raise InvalidInputError("timeouts must be a nexgate.Timeouts", path="timeouts")
    timeout = overrides.get("timeout")
    if isinstance(timeout, Timeouts):
        return timeout
    if timeout is not None:
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not (math.isfinite(timeout) and timeout > 0)
        ):
            raise InvalidInputError("timeout must be a positive number of seconds", path="timeout")
        return msgspec.structs.replace(timeouts, total=float(timeout))
    return timeouts


def _retry(defaults: RetryPolicy, overrides: Mapping[str, Any]) -> RetryPolicy:
    retry = overrides.get("retry")
    if retry is None:
        retry = defaults
    elif not isinstance(retry, RetryPolicy):  # retry=0 included: it would silently retry
        raise InvalidInputError("retry must be a nexgate.RetryPolicy", path="retry")
    count = overrides.get("max_retries")
    if count is not None:
        if not isinstance(count, int) or count < 0:
            raise InvalidInputError("max_retries must be an integer >= 0", path="max_retries")
        retry = retry.with_(max_retries=count)
    return retry


def call_options(
    overrides: Mapping[str, Any], *, timeouts: Timeouts, retry: RetryPolicy
) -> CallOptions:
    """Validated settings for one call: ``timeouts`` and ``retry`` are the client defaults."""
    unknown = set(overrides) - OVERRIDES
    if unknown:
        raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
    extra_headers = overrides.get("extra_headers")
    if extra_headers is not None:
        check_headers(extra_headers, "extra_headers")
    extra_query = overrides.get("extra_query")
    if extra_query is not None:
        _check_query(extra_query)
    extra_body = overrides.get("extra_body")
    if extra_body is not None:
        _check_extra_body(extra_body)
    on_loss = overrides.get("on_loss")
    if on_loss is not None and not callable(on_loss):
        raise InvalidInputError("on_loss must be a callable taking a nexgate.Loss", path="on_loss")
    return CallOptions(
        timeouts=_timeouts(timeouts, overrides),
        retry=_retry(retry, overrides),
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        on_loss=on_loss,
        total_from_admission=FANNED_OUT.get(),
    )


__all__ = ("FANNED_OUT", "OVERRIDES", "CallOptions", "call_options", "check_headers")
