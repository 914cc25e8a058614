"""``nexgate mock``: run the embedded upstream (all three formats) until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

import anyio


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("mock", help="run the embedded mock upstream on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument(
        "--key", action="append", help="accepted API key (repeatable; default: any)"
    )
    parser.add_argument("--delay-ms", type=float, default=0.0, help="delay before every answer")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(_serve, args)
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from ..testing import MockUpstream

    async with MockUpstream(
        keys=args.key, delay=args.delay_ms / 1000, host=args.host, port=args.port
    ) as mock:
        print(f"nexgate mock upstream listening on {mock.base_url}", flush=True)
        print("  openai: POST /v1/chat/completions   claude: POST /v1/messages", flush=True)
        print("  gemini: POST /v1beta/models/{model}:generateContent", flush=True)
        sys.stdout.flush()
        await anyio.sleep_forever()
