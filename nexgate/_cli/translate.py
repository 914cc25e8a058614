"""``nexgate translate {request,response,error,stream} --from F --to F``: stdin to stdout."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..formats import FORMAT_ALIASES
from .numbers import int_in


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "translate",
        help="translate a body read from stdin between wire formats",
        description="Read a body in one wire format on stdin, write it in another on stdout.",
    )
    parser.add_argument("kind", choices=("request", "response", "error", "stream"))
    parser.add_argument("--from", dest="source", required=True, choices=sorted(FORMAT_ALIASES))
    parser.add_argument("--to", dest="target", required=True, choices=sorted(FORMAT_ALIASES))
    parser.add_argument("--model", help="model id (a Gemini body carries none)")
    parser.add_argument("--strict", action="store_true", help="fail instead of losing anything")
    parser.add_argument(
        "--status",
        type=int_in(100, 599),
        help="HTTP status of an error body (default: what the body states, else 400)",
    )
    parser.add_argument(
        "--gemini-schema",
        choices=("json_schema", "openapi"),
        default="json_schema",
        help="a Gemini request's tool schemas: as JSON Schema, or in the OpenAPI subset",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..formats._json import dump_json

    if args.kind == "stream":
        return _run_stream(args)
    data = sys.stdin.buffer.read()
    out: Any
    if args.kind == "request":
        from ..translate import translate_request

        out = translate_request(
            data,
            source=args.source,
            target=args.target,
            model=args.model,
            strict=args.strict,
            gemini_schema=args.gemini_schema,
        )
    elif args.kind == "response":
        from ..translate import translate_response

        out = translate_response(
            data, source=args.source, target=args.target, model=args.model, strict=args.strict
        )
    else:
        from ..translate import translate_error

        status = args.status if args.status is not None else _stated_status(data, args.source)
        status, body = translate_error(status, data, source=args.source, target=args.target)
        out = {"status": status, "body": body}
    sys.stdout.buffer.write(dump_json(out) + b"\n")
    return 0


#: The status each kind of error comes with, for a body given without one.
_KIND_STATUS = {"quota": 429, "overloaded": 529, "timeout": 504, "server": 500}


def _stated_status(data: bytes, source: str) -> int:
    """The status an error body states (Gemini's ``error.code``) or its kind implies
    (Claude's ``rate_limit_error``, OpenAI's ``insufficient_quota``...); else 400."""
    from ..errors import STATUS_KINDS, NexgateError
    from ..formats._json import load_json
    from ..translate import decode_error

    try:
        body = load_json(data, "error body")
    except NexgateError:
        return 400  # not JSON: translate_error words it as a page, under the usual 400
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if type(code) is int and 400 <= code <= 599:
        return code
    kind = decode_error(400, body, format=source).kind
    if kind in _KIND_STATUS:
        return _KIND_STATUS[kind]
    return next((status for status, named in STATUS_KINDS.items() if named == kind), 400)


def _run_stream(args: argparse.Namespace) -> int:
    from ..stream_translate import StreamTranslator

    translator = StreamTranslator(args.source, args.target, model=args.model, strict=args.strict)
    out = sys.stdout.buffer
    read = getattr(sys.stdin.buffer, "read1", sys.stdin.buffer.read)
    while chunk := read(65536):
        out.write(translator.feed(chunk))
        out.flush()
    out.write(translator.close())
    out.flush()
    return 0
