"""Command-line options that say where calls go, shared by ``chat`` and ``batch``."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ..errors import InvalidInputError
from ..formats import FORMAT_ALIASES, format_name

PROVIDERS = ("openai", "anthropic", "gemini", "nexllm", "mock")
MOCK_KEY = "mock-key"


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("upstream")
    where.add_argument(
        "--provider", choices=PROVIDERS, help="a known provider (mock: the embedded upstream)"
    )
    where.add_argument(
        "--base-url", help="server root of a custom upstream, e.g. http://127.0.0.1:8080"
    )
    where.add_argument(
        "--format", choices=sorted(FORMAT_ALIASES), help="wire format the upstream speaks"
    )
    where.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the key")


@asynccontextmanager
async def connect(args: argparse.Namespace, **client_options: Any) -> AsyncIterator[Any]:
    """A :class:`~nexgate.Client` for the options (starting the embedded upstream for ``mock``)."""
    from ..dispatch import Client
    from ..providers import Provider, Route, builtin_providers

    fmt = format_name(args.format) if args.format else None
    _check_consistent(args, fmt)
    if args.provider == "mock" or (args.provider is None and args.base_url is None):
        from ..testing import MockUpstream

        async with MockUpstream() as mock:
            provider = Provider("mock", mock.base_url, fmt or "openai", keys=[MOCK_KEY])
            async with Client(
                providers=[provider], default=Route("mock"), **client_options
            ) as client:
                yield client
        return
    env = args.api_key_env
    if env and not os.environ.get(env):
        raise InvalidInputError(f"environment variable {env} is empty", path="--api-key-env")
    if args.base_url:
        if fmt is None:
            raise InvalidInputError("--base-url needs --format", path="--format")
        # Without --api-key-env, a server that takes no key (a local one, say).
        provider = Provider("custom", args.base_url, fmt, key_env=env, auth=None if env else "none")
        async with Client(
            providers=[provider], default=Route("custom"), **client_options
        ) as client:
            yield client
        return
    named = None
    if env:
        # The built-in provider, reading its key from the variable given instead of its own
        # (which may be set too: its key must not be the one sent).
        named = builtin_providers()[args.provider]
        named.key_env = env
    async with Client(providers=[named] if named else None, **client_options) as client:
        chosen = client.providers[args.provider]
        if chosen.key_count == 0:
            raise InvalidInputError(
                f"no API key for {args.provider}: set {chosen.key_env}", path="--api-key-env"
            )
        if chosen.format is None and fmt is None:
            raise InvalidInputError(
                f"{args.provider} speaks every format: pass --format", path="--format"
            )
        client.default = Route(args.provider, format=fmt)
        yield client


def _check_consistent(args: argparse.Namespace, fmt: str | None) -> None:
    """Options that contradict each other are refused, not half ignored: a provider and
    another base URL (which one is meant?), or a known provider and a format it does not
    speak (its endpoint would be sent another format's body)."""
    from ..providers import builtin_providers

    if args.provider is not None and args.base_url is not None:
        raise InvalidInputError(
            f"--provider {args.provider} and --base-url name two upstreams: pass one",
            path="--base-url",
        )
    known = builtin_providers().get(args.provider or "")
    if known is not None and known.format is not None and fmt not in (None, known.format):
        raise InvalidInputError(
            f"{args.provider} speaks {known.format}, not {fmt}: leave out --format",
            path="--format",
        )
