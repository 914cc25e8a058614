"""``nexgate batch INPUT.jsonl -o OUTPUT.jsonl``: a resumable fan-out job over a JSONL file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..formats import FORMAT_ALIASES
from . import loop
from .connection import add_connection_args, connect
from .numbers import float_over, int_in
from .progress import LiveProgress, format_summary


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "batch",
        help="run a JSONL batch job (OpenAI or Anthropic batch line format), resumable",
        description="Send each line of INPUT not yet in OUTPUT; append the results to OUTPUT.",
    )
    parser.add_argument("input", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    add_connection_args(parser)
    parser.add_argument("--input-format", default="openai", choices=sorted(FORMAT_ALIASES))
    parser.add_argument("--model", help="model for rows without one (Gemini rows)")
    parser.add_argument("--concurrency", type=int_in(1), default=64)
    parser.add_argument("--rpm", type=float_over(0), help="requests per minute")
    parser.add_argument("--tpm", type=float_over(0), help="tokens per minute")
    parser.add_argument("--retries", type=int_in(0), default=2, help="retries per row")
    parser.add_argument("--quiet", action="store_true", help="no live progress line")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.input.is_file():
        raise InvalidInputError(f"no such input file: {args.input}", path="INPUT")
    return loop.run(_batch, args)


async def _batch(args: argparse.Namespace) -> int:
    from ..batch import run_batch
    from ..limits import LimitConfig
    from ..retry import RetryPolicy

    limits = LimitConfig(
        max_concurrency=max(args.concurrency, 1), rpm=args.rpm, tpm=args.tpm, max_queue=None
    )
    progress = LiveProgress(sys.stderr, quiet=args.quiet)
    async with connect(args, limits=limits, retry=RetryPolicy(max_retries=args.retries)) as client:
        summary = await run_batch(
            args.input,
            args.output,
            client=client,
            input_format=args.input_format,
            model=args.model,
            concurrency=args.concurrency,
            on_progress=progress,
            retries=lambda: client.stats.retries,
        )
    progress.finish()
    if not args.quiet:
        print(format_summary(summary), file=sys.stderr)
    return 0
