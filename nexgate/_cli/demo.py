"""``nexgate demo``: the main job end to end on the embedded upstream — no key, no network.

Callers in each of the three formats fan out to an upstream of another format (OpenAI-format
requests to a Claude-format upstream, Claude to Gemini, Gemini to OpenAI), streamed and not,
with one injected 429 to show the retry layer at work.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import anyio

from ..formats._json import dump_json
from . import loop
from .numbers import int_in

# (caller format, upstream format)
DIRECTIONS = (("openai", "claude"), ("claude", "gemini"), ("gemini", "openai"))
PROMPTS = (
    "What is the capital of France?",
    "Name three prime numbers.",
    "call get_weather for Paris",
    "Translate 'good morning' to Italian.",
)
WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
}


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("demo", help="run the main job end to end on the embedded upstream")
    parser.add_argument("--rows", type=int_in(1), default=12, help="requests per direction")
    parser.set_defaults(run=run)


def _body(fmt: str, prompt: str) -> dict[str, Any]:
    """One request in the caller's format, with a tool it may be told to call."""
    if fmt == "openai":
        tool = {"type": "function", "function": WEATHER}
        return {
            "model": "demo-model",
            "messages": [{"role": "user", "content": prompt}],
            "tools": [tool],
        }
    if fmt == "claude":
        tool = {
            "name": WEATHER["name"],
            "description": WEATHER["description"],
            "input_schema": WEATHER["parameters"],
        }
        return {
            "model": "demo-model",
            "max_tokens": 256,
            "messages": [{"role": "user", "content": prompt}],
            "tools": [tool],
        }
    declaration = {
        "name": WEATHER["name"],
        "description": WEATHER["description"],
        "parameters": {"type": "OBJECT", "properties": {"query": {"type": "STRING"}}},
    }
    return {
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "tools": [{"functionDeclarations": [declaration]}],
    }


def _reply(fmt: str, body: dict[str, Any]) -> str:
    """The reply text (or tool call) from a response body in ``fmt``."""
    from ..formats import TranslationContext, get_format

    response = get_format(fmt).decode_response(body, TranslationContext(source=fmt, target=fmt))  # type: ignore[arg-type]
    calls = [f"{c.name}({dump_json(c.arguments).decode()})" for c in response.tool_calls]
    return response.text or " ".join(calls)


def run(args: argparse.Namespace) -> int:
    return loop.run(_demo, args.rows)


async def _demo(rows: int) -> int:
    from ..dispatch import Client
    from ..providers import Provider, Route
    from ..retry import RetryPolicy
    from ..testing import Fault, MockUpstream

    started = time.monotonic()
    async with MockUpstream(keys=["demo-key"], delay=0.01) as mock:
        providers = [
            Provider(f"mock-{fmt}", mock.base_url, fmt, keys=["demo-key"])
            for fmt in ("openai", "claude", "gemini")
        ]
        routes = {
            f"to-{upstream}": Route(f"mock-{upstream}", model="demo-model")
            for _, upstream in DIRECTIONS
        }
        print(f"embedded upstream: {mock.base_url} (speaks openai, claude and gemini)\n")
        mock.inject(Fault(kind="rate_limit", retry_after=0.05, hint="retry-after-ms"), times=1)
        async with Client(
            providers=providers, routes=routes, retry=RetryPolicy(base_delay=0.05)
        ) as client:
            items: list[tuple[dict[str, Any], str]] = []
            labels: list[tuple[str, str, str]] = []
            for caller, upstream in DIRECTIONS:
                for i in range(rows):
                    items.append((_body(caller, PROMPTS[i % len(PROMPTS)]), caller))
                    labels.append((caller, upstream, f"to-{upstream}"))
            latencies: list[float] = []
            ok = failed = 0
            print(f"fan-out: {len(items)} requests, concurrency 16")
            async with anyio.create_task_group() as group:
                results: list[tuple[int, str]] = []

                async def one(index: int) -> None:
                    nonlocal ok, failed
                    body, caller = items[index]
                    t0 = time.monotonic()
                    try:
                        out = await client.send(
                            body,
                            format=caller,
                            model="demo-model",
                            route=Route(f"mock-{labels[index][1]}", model="demo-model"),
                        )
                        results.append((index, _reply(caller, out)))
                        ok += 1
                    except Exception as exc:
                        results.append((index, f"ERROR {type(exc).__name__}: {exc}"))
                        failed += 1
                    latencies.append(time.monotonic() - t0)

                limiter = anyio.CapacityLimiter(16)

                async def limited(index: int) -> None:
                    async with limiter:
                        await one(index)

                for index in range(len(items)):
                    group.start_soon(limited, index)
            for index, text in sorted(results):
                if index % rows < len(PROMPTS):  # the first prompts of each direction
                    caller, upstream, _ = labels[index]
                    print(f"  {caller:>6} caller -> {upstream:<6} upstream: {text}")
            print(f"  ... ({len(results)} results)\n")
            print("streaming, each caller format from a different upstream:")
            for caller, upstream in DIRECTIONS:
                body = _body(caller, "Stream a short greeting please")
                if caller != "gemini":
                    body["stream"] = True
                chunks: list[bytes] = []
                async with client.send_stream(
                    body,
                    format=caller,
                    model="demo-model",
                    route=Route(f"mock-{upstream}", model="demo-model"),
                ) as stream:
                    async for chunk in stream:
                        chunks.append(chunk)
                events = sum(c.count(b"data:") for c in chunks)
                size = sum(map(len, chunks))
                print(
                    f"  {caller:>6} caller <- {upstream:<6} upstream: {events} events, {size} bytes"
                )
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
        print("\nsummary")
        retries, stats = client.stats.retries, mock.stats
        print(f"  requests ok {ok}  failed {failed}  retries {retries}  (one 429 was injected)")
        print(f"  upstream saw {stats.requests} requests, peak {stats.peak_inflight} in flight")
        print(
            f"  latency p50 {p50:.0f} ms  p95 {p95:.0f} ms  wall {time.monotonic() - started:.2f} s"
        )
    return 0 if failed == 0 else 1
