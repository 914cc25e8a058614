"""The ``nexgate`` command: translate, chat, batch, mock and demo.

Each subcommand lives in ``nexgate/_cli/<name>.py`` with ``add_parser`` and ``run``; they are
imported only when used, so ``nexgate translate`` never loads aiohttp.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import NexgateError

COMMANDS = ("translate", "chat", "batch", "mock", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nexgate",
        description="Async gateway between the OpenAI, Claude and Gemini wire formats.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"nexgate._cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except NexgateError as exc:
        print(f"nexgate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if exc.__class__.__name__ == "InvalidInputError" else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # a file the command cannot write, a port already taken
        print(f"nexgate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
