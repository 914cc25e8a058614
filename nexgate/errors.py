"""The nexgate exception tree. Context travels as attributes, never inside URLs or headers.

::

    NexgateError
    ├── InvalidInputError (also ValueError)      malformed caller input; .path names the field
    ├── TranslationError                         strict mode refused a lossy translation; .losses
    ├── APIStatusError                           the upstream answered with an error
    │   ├── BadRequestError                      400, 413, 422
    │   │   └── ContextLengthError               the prompt does not fit the model's window
    │   ├── AuthenticationError                  401
    │   ├── PermissionDeniedError                403
    │   ├── NotFoundError                        404
    │   ├── RateLimitError                       429 (.retry_after)
    │   ├── QuotaExceededError                   402, insufficient_quota, per-day quotas
    │   ├── OverloadedError                      529, 503
    │   └── ServerError                          other 5xx
    ├── APIConnectionError                       no usable HTTP answer (refused, reset, protocol)
    │   └── ResponseTooLargeError                the body or one event passed its size limit
    ├── APITimeoutError (also TimeoutError)      .kind: connect, first_byte, idle, total
    ├── StreamInterruptedError                   a stream broke off after output reached the caller
    └── QueueFullError                           a limiter's wait queue is full

Every error has ``retryable``. Messages never contain URLs with queries, headers or keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from .events import StreamError
    from .schema import Loss

TimeoutKind = Literal["connect", "first_byte", "idle", "total", "queue"]

#: Status codes worth another attempt: 408, 409, 429 and the server errors, as the official
#: SDKs retry them (Anthropic's 529 and a CDN's 520-524 among them), except the two that say
#: the server will never serve the call (501 Not Implemented, 505 HTTP Version).
RETRYABLE_STATUSES = frozenset({408, 409, 429, *range(500, 600)} - {501, 505})


class NexgateError(Exception):
    """Base of every error nexgate raises."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only arguments, which Exception's pickling does not pass:
        # an error is rebuilt from its message and attributes (to cross a process boundary).
        return _rebuilt, (type(self), self.message, self.__dict__)


def _rebuilt(cls: type[NexgateError], message: str, state: dict[str, Any]) -> NexgateError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class InvalidInputError(NexgateError, ValueError):
    """The caller's input is malformed; ``path`` is the JSON path of the offending field."""

    def __init__(self, message: str, *, path: str = "$") -> None:
        super().__init__(f"{message} (at {path})" if path and path not in message else message)
        self.path = path


class TranslationError(NexgateError):
    """Strict mode refused to return a translation that would lose information."""

    def __init__(self, losses: Sequence[Loss]) -> None:
        self.losses: tuple[Loss, ...] = tuple(losses)
        listed = "; ".join(f"{loss.kind} at {loss.path}: {loss.detail}" for loss in self.losses)
        super().__init__(f"translation would lose information: {listed}")


class APIStatusError(NexgateError):
    """The upstream (or a translated upstream) answered with an HTTP error.

    ``kind`` is the normalized error class (``"rate_limit"``, ``"overloaded"`` ...), ``code``
    the upstream's own type or status string, ``body`` the parsed error body as received.
    """

    default_kind: ClassVar[str] = "api_error"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        kind: str | None = None,
        code: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        provider: str | None = None,
        format: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind or self.default_kind
        self.code = code
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.retry_after = retry_after
        self.request_id = request_id
        self.provider = provider
        self.format = format

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status in RETRYABLE_STATUSES and self.kind != "quota"

    def __str__(self) -> str:
        where = f" from {self.provider}" if self.provider else ""
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        return f"{self.status} {self.kind}{where}: {self.message}{rid}"

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status}, kind={self.kind!r}, message={self.message!r})"


class BadRequestError(APIStatusError):
    default_kind = "bad_request"


class ContextLengthError(BadRequestError):
    default_kind = "context_length"


class AuthenticationError(APIStatusError):
    default_kind = "authentication"


class PermissionDeniedError(APIStatusError):
    default_kind = "permission"


class NotFoundError(APIStatusError):
    default_kind = "not_found"


class RateLimitError(APIStatusError):
    default_kind = "rate_limit"


class QuotaExceededError(APIStatusError):
    default_kind = "quota"


class OverloadedError(APIStatusError):
    default_kind = "overloaded"


class ServerError(APIStatusError):
    default_kind = "server"


class APIConnectionError(NexgateError):
    """No usable HTTP answer: refused, reset, a protocol fault or a redirect.

    Retryable unless it says otherwise (a redirect would only be answered again).
    """

    retryable = True

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class ResponseTooLargeError(APIConnectionError):
    retryable = False


class APITimeoutError(NexgateError, TimeoutError):
    """A deadline fired; ``kind`` says which one."""

    def __init__(self, message: str, *, kind: TimeoutKind) -> None:
        super().__init__(message)
        self.kind: TimeoutKind = kind

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.kind in ("connect", "first_byte")


class StreamInterruptedError(NexgateError):
    """A stream ended without its terminal event, or broke after output reached the caller."""

    def __init__(self, message: str, *, partial: bool = True) -> None:
        super().__init__(message)
        self.partial = partial


class QueueFullError(NexgateError):
    """Too many calls are already waiting for a concurrency or rate-limit slot."""


#: The error class for each normalized kind; unknown kinds use :class:`APIStatusError`.
KIND_CLASSES: dict[str, type[APIStatusError]] = {
    "bad_request": BadRequestError,
    "request_too_large": BadRequestError,
    "context_length": ContextLengthError,
    "authentication": AuthenticationError,
    "permission": PermissionDeniedError,
    "not_found": NotFoundError,
    "rate_limit": RateLimitError,
    "quota": QuotaExceededError,
    "overloaded": OverloadedError,
    "server": ServerError,
    "timeout": ServerError,
}

#: The kind an HTTP status means when the body says nothing more precise.
STATUS_KINDS: dict[int, str] = {
    400: "bad_request",
    401: "authentication",
    402: "quota",
    403: "permission",
    404: "not_found",
    408: "timeout",
    413: "request_too_large",
    422: "bad_request",
    429: "rate_limit",
    500: "server",
    502: "server",
    503: "overloaded",
    504: "timeout",
    529: "overloaded",
}


def kind_for_status(status: int) -> str:
    """The normalized kind of an HTTP error status."""
    if status in STATUS_KINDS:
        return STATUS_KINDS[status]
    return "server" if status >= 500 else "bad_request"


def api_error(
    message: str, *, status: int, kind: str | None = None, **context: Any
) -> APIStatusError:
    """Build the right :class:`APIStatusError` subclass for ``kind`` (or for ``status``)."""
    kind = kind or kind_for_status(status)
    cls = KIND_CLASSES.get(kind, APIStatusError)
    return cls(message, status=status, kind=kind, **context)


def stream_api_error(event: StreamError, **context: Any) -> APIStatusError:
    """The typed error an upstream's error event inside a stream stands for."""
    return api_error(
        event.message,
        status=event.status,
        kind=event.kind,
        code=event.code,
        retry_after=event.retry_after,
        **context,
    )


__all__ = (
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContextLengthError",
    "InvalidInputError",
    "NexgateError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "QueueFullError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "StreamInterruptedError",
    "TranslationError",
)
