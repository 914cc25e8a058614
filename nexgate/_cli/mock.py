"""``nexgate mock``: run the embedded upstream (all three formats) until interrupted.

The first line on stdout is ``nexgate mock upstream listening on <URL>``; with ``--port 0``
the URL names the port that was picked. Keys are never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
from typing import Any

import anyio

from ..errors import InvalidInputError
from . import loop
from .numbers import float_over, int_in

_FORMS = {
    "openai": ("bearer",),
    "claude": ("x-api-key", "bearer"),
    "gemini": ("query", "x-goog-api-key"),
}


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("mock", help="run the embedded mock upstream on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int_in(0, 65535), default=8080, help="0 picks a free port")
    parser.add_argument(
        "--key", action="append", help="accepted API key (repeatable; default: any non-empty key)"
    )
    parser.add_argument(
        "--delay-ms",
        type=float_over(0, inclusive=True),
        default=0.0,
        help="delay before every answer",
    )
    parser.add_argument(
        "--require-auth",
        action="append",
        metavar="FORMAT=FORM",
        help="accept one auth form only, e.g. gemini=query or claude=x-api-key (repeatable)",
    )
    parser.set_defaults(run=run)


def _require_auth(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or ():
        fmt, _, form = value.partition("=")
        if form not in _FORMS.get(fmt, ()):
            raise InvalidInputError(
                f"--require-auth {value!r}: expected FORMAT=FORM, one of "
                + ", ".join(f"{f}={x}" for f, forms in _FORMS.items() for x in forms)
            )
        out[fmt] = form
    return out


def run(args: argparse.Namespace) -> int:
    if args.delay_ms < 0:
        raise InvalidInputError("--delay-ms must not be negative")
    required = _require_auth(args.require_auth)
    with contextlib.suppress(KeyboardInterrupt):
        loop.run(_serve, args, required)
    return 0


async def _serve(args: argparse.Namespace, required: dict[str, str]) -> None:
    from ..testing import MockUpstream

    async with MockUpstream(
        keys=args.key,
        delay=args.delay_ms / 1000,
        require_auth=required,
        host=args.host,
        port=args.port,
    ) as mock:
        print(f"nexgate mock upstream listening on {mock.base_url}", flush=True)
        print("  openai: POST /v1/chat/completions   claude: POST /v1/messages", flush=True)
        print("  gemini: POST /v1beta/models/{model}:generateContent", flush=True)
        # SIGTERM (how scripts stop it) closes the server cleanly, like Ctrl-C.
        with anyio.open_signal_receiver(signal.SIGTERM) as signals:
            async for _ in signals:
                return
