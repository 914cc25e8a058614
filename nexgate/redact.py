"""Keeping API keys out of every string nexgate produces: a Secret type, URL and log redaction."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

REDACTED = "***"
_KEY_QUERY = re.compile(r"([?&](?:key|api_key|api-key)=)[^&#\s]*", re.IGNORECASE)
_AUTH_HEADER = re.compile(
    r"((?:authorization|x-api-key|x-goog-api-key|api-key)['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+)?[^'\",\s}]+",
    re.IGNORECASE,
)


class Secret:
    """An API key. ``str`` and ``repr`` show ``***``; only :meth:`reveal` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("an API key must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:  # pickling never carries the key
        return (Secret, (REDACTED,))


def redact_url(url: str) -> str:
    """Scheme, host and path only: the query (where Gemini's ``?key=`` lives) is dropped."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with key-looking query parameters, auth headers and the given secrets blanked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _KEY_QUERY.sub(rf"\1{REDACTED}", text)
    return _AUTH_HEADER.sub(rf"\1{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Defense in depth for log handlers: blanks keys in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
