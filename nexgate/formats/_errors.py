"""Retry hints and error-kind rules shared by the three formats' error adapters."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ._json import load_json


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header value by case-insensitive name."""
    if not headers:
        return None
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lower:
            return candidate
    return None


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date).

    Garbage, negative, infinite and NaN values give ``None``.
    """
    millis = header(headers, "retry-after-ms")
    if millis is not None:
        seconds = _number(millis)
        if seconds is not None:
            return seconds / 1000.0
    value = header(headers, "retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = _parse_http_date(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    delay = when.timestamp() - (time.time() if now is None else now)
    return max(delay, 0.0)


def parse_duration(value: Any) -> float | None:
    """A protobuf JSON duration such as ``"17s"`` or ``"0.5s"`` in seconds."""
    if not isinstance(value, str) or not value.endswith("s"):
        return None
    return _number(value[:-1])


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value) or value < 0:
        return None
    return value


def error_object(body: Any) -> Any:
    """The parsed error body: JSON bytes or text decoded; anything unparseable as text."""
    if isinstance(body, bytes | bytearray | memoryview | str):
        raw = bytes(body) if not isinstance(body, str) else body.encode("utf-8", "replace")
        try:
            return load_json(raw, "error body")
        except Exception:
            return raw.decode("utf-8", "replace")
    return body


def text_snippet(text: str, limit: int = 300) -> str:
    """A short single-line excerpt of a non-JSON error body (e.g. an HTML 502 page)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


CONTEXT_MARKERS = (
    "context_length_exceeded",
    "context length",
    "context window",
    "prompt is too long",
    "maximum context",
    "input token count",
    "too many tokens",
)

QUOTA_MARKERS = (
    "insufficient_quota",
    "credit balance",
    "billing",
    "quota exceeded for quota metric",
    "perday",
    "per day",
    "exceeded your current quota",
)


def looks_like(message: str, markers: tuple[str, ...]) -> bool:
    """Whether an upstream message mentions one of ``markers`` (case-insensitive)."""
    lowered = message.lower()
    return any(marker in lowered for marker in markers)


def _parse_http_date(value: str) -> datetime:
    # Imported here: email.utils costs ~15 ms at import and is needed only for HTTP dates.
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(value)
