"""Providers (where calls go, with which keys) and routes (which provider serves a model)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Literal, TypeAlias
from urllib.parse import urlsplit

import msgspec

from .auth import DEFAULT_ANTHROPIC_VERSION, AuthHook, AuthStyle
from .errors import InvalidInputError
from .formats import format_name
from .formats._context import GeminiSchema, check_gemini_schema
from .limits import LimitConfig
from .redact import Secret, redact_url
from .schema import FormatName

#: How a provider with several keys picks one for each call.
KeyStrategy: TypeAlias = Literal["round_robin", "least_inflight"]

#: Key ids of the first keys, made once (a call names its key's limiter scope by it).
_KEY_IDS = tuple(f"key{i}" for i in range(64))
#: How long a key the upstream refused (401) is passed over while the provider has others.
REFUSED_KEY_PAUSE = 300.0

_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$")


def check_model_id(model: str) -> str:
    """Model ids go into URL paths (Gemini): refuse anything that could leave its segment."""
    if not isinstance(model, str) or not _MODEL_ID.match(model) or ".." in model.split("/"):
        raise InvalidInputError(f"invalid model id {model!r}", path="$.model")
    if any(part in (".", "..") for part in model.split("/")) or "%" in model:
        raise InvalidInputError(f"invalid model id {model!r}", path="$.model")
    return model


#: The version segments a base URL may end in (the format's own path starts with one).
_VERSIONS = ("/v1beta", "/v1")


def _checked_base_url(name: str, base_url: str) -> str:
    """``base_url`` if it is an http(s) URL with a host and a valid port; a typed error that
    names the provider otherwise (not the URL, which may carry a key)."""
    problem = None
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 -- raises on a port out of range or not a number
    except (ValueError, TypeError) as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "the scheme must be http or https"
        elif not parts.hostname:
            problem = "it has no host"
    if problem is not None:
        raise InvalidInputError(
            f"provider {name!r}: base_url is not a usable URL ({problem})", path="base_url"
        )
    return base_url


class Provider:
    """An upstream: base URL (server root), wire format, keys and how they are sent.

    ``format`` is ``None`` for a gateway that speaks every format (NexLLM): the route picks.
    ``auth`` is a style name, a callable returning headers, or ``None`` for the format's
    documented default. Keys are :class:`~nexgate.redact.Secret` and never printed; with
    several keys, ``key_strategy`` spreads calls over them (``"round_robin"``, or
    ``"least_inflight"``: the key with the fewest calls running). ``gemini_schema`` is how
    JSON Schemas go to it in Gemini format: as JSON Schema, or ``"openapi"`` for an endpoint
    that takes only the OpenAPI subset (``parameters``, ``responseSchema``).
    """

    __slots__ = (
        "_inflight",
        "_next",
        "_refused_until",
        "_secrets",
        "anthropic_version",
        "auth",
        "base_url",
        "format",
        "gemini_schema",
        "headers",
        "key_env",
        "key_limits",
        "key_strategy",
        "keys",
        "limits",
        "name",
    )

    def __init__(
        self,
        name: str,
        base_url: str,
        format: FormatName | None = None,
        keys: Sequence[str | Secret] = (),
        key_env: str | None = None,
        auth: AuthStyle | AuthHook | None = None,
        anthropic_version: str = DEFAULT_ANTHROPIC_VERSION,
        headers: Mapping[str, str] | None = None,
        limits: LimitConfig | None = None,
        key_limits: LimitConfig | None = None,
        key_strategy: KeyStrategy = "round_robin",
        gemini_schema: GeminiSchema = "json_schema",
    ) -> None:
        if key_strategy not in ("round_robin", "least_inflight"):
            raise InvalidInputError(f"unknown key strategy {key_strategy!r}", path="key_strategy")
        self.name = name
        self.base_url = _checked_base_url(name, base_url).rstrip("/")
        self.format: FormatName | None = format_name(format) if format is not None else None
        self.key_env = key_env
        self.auth = auth
        self.anthropic_version = anthropic_version
        self.headers: Mapping[str, str] = dict(headers or {})
        self.limits = limits
        self.key_limits = key_limits
        self.key_strategy: KeyStrategy = key_strategy
        self.gemini_schema: GeminiSchema = check_gemini_schema(gemini_schema)
        self._next = 0
        self._set_keys(tuple(k if isinstance(k, Secret) else Secret(k) for k in keys))
        self.keys: Sequence[str | Secret] = ()  # only the Secrets are kept

    def _set_keys(self, secrets: tuple[Secret, ...]) -> None:
        self._secrets: tuple[Secret, ...] = secrets
        self._inflight: list[int] = [0] * len(secrets)
        #: Per key, until when (monotonic) it is passed over after the upstream refused it.
        self._refused_until: list[float] = [0.0] * len(secrets)

    def load_keys(self, environ: Mapping[str, str]) -> None:
        """Take keys from the environment when none were given explicitly."""
        if not self._secrets and self.key_env:
            raw = environ.get(self.key_env, "")
            self._set_keys(tuple(Secret(k.strip()) for k in raw.split(",") if k.strip()))

    @property
    def key_count(self) -> int:
        return len(self._secrets)

    def _pick(self) -> int:
        count = len(self._secrets)
        start = self._next % count
        self._next = start + 1
        if self.key_strategy == "round_robin":
            return start
        # Fewest calls running; ties go round-robin so idle keys share the load too.
        order = [(start + offset) % count for offset in range(count)]
        return min(order, key=self._inflight.__getitem__)

    def take_key(self, paused: Callable[[int], bool] | None = None) -> int:
        """Pick the key for one attempt (-1: the provider has none), counted as in flight
        until :meth:`return_key`.

        ``paused`` tells the keys whose limits are paused (a 429's cooldown): the strategy's
        pick is passed over for the next key that is not, while there is one. A call then
        never waits out one key's cooldown while another key is free.
        """
        if not self._secrets:
            return -1
        index = self._pick()
        if self._avoided(index, paused):
            count = len(self._secrets)
            for offset in range(1, count):
                other = (index + offset) % count
                if not self._avoided(other, paused):
                    index = other
                    break
        self._inflight[index] += 1
        return index

    def _avoided(self, index: int, paused: Callable[[int], bool] | None) -> bool:
        refused = self._refused_until[index]
        if refused and refused > time.monotonic():
            return True
        return paused is not None and paused(index)

    def refuse_key(self, index: int) -> bool:
        """The upstream refused key ``index`` (a 401): pass it over for a while. Whether
        another key remains to try (the call may then go again at once, on that key)."""
        if index < 0 or len(self._secrets) < 2:
            return False
        now = time.monotonic()
        self._refused_until[index] = now + REFUSED_KEY_PAUSE
        return any(until <= now for until in self._refused_until)

    def return_key(self, index: int) -> None:
        if index >= 0:
            self._inflight[index] -= 1

    def key_at(self, index: int) -> tuple[str, Secret | None]:
        """(key id for limits, key) of a taken key."""
        if index < 0:
            return "nokey", None
        return _KEY_IDS[index] if index < len(_KEY_IDS) else f"key{index}", self._secrets[index]

    @contextmanager
    def lease_key(self) -> Iterator[tuple[str, Secret | None]]:
        """(key id for limits, key) for one attempt, counted as in flight until it ends."""
        index = self.take_key()
        try:
            yield self.key_at(index)
        finally:
            self.return_key(index)

    def keys_in_flight(self) -> tuple[int, ...]:
        """Calls running on each key, in key order."""
        return tuple(self._inflight)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s.reveal() for s in self._secrets)

    def url(self, path: str) -> str:
        """``base_url`` + ``path``; a base that ends in a version segment keeps its own (a
        Gemini base ending in Google's stable ``/v1`` is not sent to ``/v1/v1beta``)."""
        if self.base_url.endswith(_VERSIONS):
            for version in _VERSIONS:
                if path.startswith(version + "/"):
                    return self.base_url + path[len(version) :]
        return self.base_url + path

    def __repr__(self) -> str:
        fmt = self.format or "any"
        url = redact_url(self.base_url)
        return f"Provider({self.name!r}, {url!r}, format={fmt!r}, keys={self.key_count})"


class Route(msgspec.Struct, frozen=True):
    """Which provider serves a model alias, in which format, under which upstream model id."""

    provider: str
    model: str | None = None
    format: FormatName | None = None
    fallbacks: tuple[Route, ...] = ()


def builtin_providers() -> dict[str, Provider]:
    """The providers known by name; keys come from their environment variables."""
    return {
        "openai": Provider("openai", "https://api.openai.com", "openai", key_env="OPENAI_API_KEY"),
        "anthropic": Provider(
            "anthropic", "https://api.anthropic.com", "claude", key_env="ANTHROPIC_API_KEY"
        ),
        # Google's endpoint takes the key as a header too; a key in a URL leaks into logs.
        "gemini": Provider(
            "gemini",
            "https://generativelanguage.googleapis.com",
            "gemini",
            key_env="GEMINI_API_KEY",
            auth="x-goog-api-key",
        ),
        "nexllm": Provider("nexllm", "https://www.nexllm.ai", None, key_env="NEXLLM_API_KEY"),
    }


def load_providers(
    providers: Sequence[Provider] | None, environ: Mapping[str, str] | None = None
) -> dict[str, Provider]:
    """Built-in providers, overridden or extended by ``providers``; keys loaded from the env."""
    table = builtin_providers()
    for provider in providers or ():
        table[provider.name] = provider
    env = os.environ if environ is None else environ
    for provider in table.values():
        provider.load_keys(env)
    return table
