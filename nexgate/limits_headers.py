"""Provider rate-limit headers, read into what a limiter needs: what is left and when it resets.

OpenAI sends ``x-ratelimit-remaining-requests`` / ``-tokens`` and ``x-ratelimit-reset-requests``
/ ``-tokens`` as Go-style durations (``1s``, ``6m0s``, ``20ms``). Anthropic sends
``anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{remaining,reset}`` with RFC
3339 reset times. Either may send ``retry-after``. Pure functions; the wall clock is a parameter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from .formats._errors import parse_retry_after

_DURATION = re.compile(
    r"(?:(?P<h>\d+(?:\.\d+)?)h)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?"
    r"(?:(?P<ms>\d+(?:\.\d+)?)ms)?"
)
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}

#: (header-name pattern, window) for each header family; ``{}`` is remaining / reset.
_FAMILIES: tuple[tuple[str, str], ...] = (
    ("x-ratelimit-{}-requests", "requests"),
    ("x-ratelimit-{}-tokens", "tokens"),
    ("anthropic-ratelimit-requests-{}", "requests"),
    ("anthropic-ratelimit-tokens-{}", "tokens"),
    ("anthropic-ratelimit-input-tokens-{}", "tokens"),
    ("anthropic-ratelimit-output-tokens-{}", "tokens"),
)


class RateLimitHints(msgspec.Struct, frozen=True):
    """What the headers of one response say; None where they say nothing usable."""

    #: Fewest requests / tokens left in any window the headers describe.
    remaining_requests: float | None = None
    remaining_tokens: float | None = None
    #: Seconds until admission may resume: a used-up window's reset, or ``retry-after``.
    pause: float | None = None


def parse_duration_text(value: str) -> float | None:
    """A Go-style duration (``"6m0s"``, ``"1.5s"``, ``"20ms"``, ``"1h"``) or bare seconds."""
    text = value.strip()
    if not text:
        return None
    number = _finite(text)
    if number is not None:
        return number
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.groupdict().values()):
        return None
    return sum(float(part) * _UNITS[unit] for unit, part in match.groupdict().items() if part)


def parse_reset(value: str, *, now: float) -> float | None:
    """Seconds until a reset given as a duration or an RFC 3339 time; ``now`` is Unix time."""
    seconds = parse_duration_text(value)
    if seconds is not None:
        return seconds
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


#: Every header name the families and ``retry-after`` use, lower case.
_RELEVANT = frozenset(
    [pattern.format(part) for pattern, _ in _FAMILIES for part in ("remaining", "reset")]
    + ["retry-after", "retry-after-ms"]
)
#: What headers without any rate-limit or retry hint say (one shared instance).
NO_HINTS = RateLimitHints()


_RETRY_NAMES = ("retry-after-ms", "retry-after")
#: (remaining header, reset header, window) of each family, spelled out once.
_FAMILY_NAMES = tuple(
    (pattern.format("remaining"), pattern.format("reset"), window) for pattern, window in _FAMILIES
)


def read_rate_limit_headers(headers: Mapping[str, str], *, now: float) -> RateLimitHints:
    """The remaining counts and the pause the headers imply (``now`` is Unix time)."""
    # Read on every response, which carries some twenty headers from a real provider: whether
    # any name matters is found in C, and only then are the few that do picked out.
    if _RELEVANT.isdisjoint(map(str.lower, headers.keys())):
        return NO_HINTS
    lower = {low: value for name, value in headers.items() if (low := name.lower()) in _RELEVANT}
    remaining: dict[str, float] = {}
    pause: float | None = None
    for remaining_name, reset_name, window in _FAMILY_NAMES:
        left_text = lower.get(remaining_name)
        left = _finite(left_text) if left_text is not None else None
        if left is None:
            continue
        remaining[window] = min(left, remaining.get(window, math.inf))
        reset_text = lower.get(reset_name)
        if left < 1 and reset_text is not None:
            reset = parse_reset(reset_text, now=now)
            if reset is not None:
                pause = reset if pause is None else max(pause, reset)
    # Only the retry headers, so that the helper's case-insensitive scan of a missing name
    # (the usual case) goes over nothing.
    retry = {name: lower[name] for name in _RETRY_NAMES if name in lower}
    hinted = parse_retry_after(retry, now=now) if retry else None
    if hinted is not None:
        pause = hinted if pause is None else max(pause, hinted)
    return RateLimitHints(remaining.get("requests"), remaining.get("tokens"), pause)


def _finite(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
