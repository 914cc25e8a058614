"""``nexgate chat --model M [--stream] PROMPT``: one prompt, the reply on stdout."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..events import TextDelta
from ..schema import Message, Request, TextPart
from . import loop
from .connection import add_connection_args, connect
from .numbers import int_in


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("chat", help="send one prompt and print the reply")
    add_connection_args(parser)
    parser.add_argument("--model", required=True)
    parser.add_argument("--system", help="a system prompt")
    parser.add_argument("--max-tokens", type=int_in(1), default=1024)
    parser.add_argument("--stream", action="store_true", help="print the reply as it arrives")
    parser.add_argument("prompt")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return loop.run(_chat, args)


async def _chat(args: argparse.Namespace) -> int:
    request = Request(
        model=args.model,
        system=[TextPart(text=args.system)] if args.system else [],
        messages=[Message(role="user", parts=[TextPart(text=args.prompt)])],
        max_tokens=args.max_tokens,
    )
    async with connect(args) as client:
        if args.stream:
            async with client.stream(request) as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        sys.stdout.write(event.text)
                        sys.stdout.flush()
            sys.stdout.write("\n")
        else:
            response = await client.complete(request)
            sys.stdout.write(response.text + "\n")
    return 0
