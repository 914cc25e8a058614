"""Dispatch cost: client CPU per request and requests/s against the mock in another process.

Side by side in one run: raw aiohttp + msgspec against the OpenAI and the Claude endpoint (the
floors: same body bytes, a semaphore for the cap, SSE parsing and per-event decode for
streams), nexgate same-format and cross-format (OpenAI-format caller, Claude-format upstream,
compared with the raw client of the Claude endpoint, which moves the same bytes), and — when
installed (``pip install -e ".[bench]"``) — the openai and anthropic SDK clients and litellm
(which run a twentieth of the calls: CPU per call is what is compared). Interleaved repeats:
"vs floor" is the median of each repeat's ratio to the floor measured in the same repeat, "range"
the lowest and highest of those ratios.
"""

from __future__ import annotations

import asyncio
import compileall
import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mockproc import mock_process
from _timing import table

import nexgate
from nexgate.providers import Provider, Route

# LiteLLM reads these when it is imported (by _available): no network fetch of its cost map,
# and no per-call warnings in the table's output.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOG", "ERROR")

KEY = "bench-key"
BODY = {
    "model": "m",
    "messages": [{"role": "user", "content": "benchmark " * 20}],
    "max_tokens": 64,
}
#: Calls per sample of the floors and nexgate. Samples of a second or more: shorter ones let
#: the shared machine's bursts of load swing single ratios by a third.
REQUESTS = {1: 2000, 64: 8000, 512: 8000}
#: Interleaved repeats: the shared floor definition asks for medians of at least five.
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))

Factory = Callable[[str, bool], Awaitable[Callable[[], Awaitable[Any]]]]


#: Path and auth headers of a raw call in each upstream format the benchmark uses.
_RAW_UPSTREAMS = {
    "openai": ("/v1/chat/completions", {"Authorization": f"Bearer {KEY}"}),
    "claude": ("/v1/messages", {"x-api-key": KEY, "anthropic-version": "2023-06-01"}),
}


async def _raw(
    url: str, stream: bool, upstream: str = "openai"
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=600))
    data = msgspec.json.encode({**BODY, "stream": True} if stream else BODY)
    path, auth = _RAW_UPSTREAMS[upstream]
    headers = {**auth, "Content-Type": "application/json"}

    async def call() -> Any:
        async with session.post(url + path, data=data, headers=headers) as resp:
            if not stream:
                return msgspec.json.decode(await resp.read())
            buffer = b""
            async for chunk in resp.content.iter_any():
                buffer += chunk
                *events, buffer = buffer.split(b"\n\n")
                for event in events:
                    data_at = event.find(b"data: ")
                    if data_at >= 0 and not event.endswith(b"[DONE]"):
                        msgspec.json.decode(event[data_at + 6 :])
            return None

    return call, session.close


async def _nexgate(
    url: str, stream: bool, upstream: str
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    provider = Provider("bench", url, upstream, keys=[KEY])
    client = nexgate.Client(
        providers=[provider],
        default=Route("bench"),
        environ={},
        limits=nexgate.LimitConfig(max_concurrency=600),
    )
    await client.__aenter__()
    body = {**BODY, "stream": True} if stream else BODY

    async def call() -> Any:
        if not stream:
            return await client.send(body, format="openai")
        async with client.send_stream(body, format="openai") as chunks:
            async for _ in chunks:
                pass
        return None

    return call, client.aclose


async def _openai_sdk(
    url: str, stream: bool
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    import openai

    client = openai.AsyncOpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0)

    async def call() -> Any:
        if not stream:
            return await client.chat.completions.create(**BODY)
        async for _ in await client.chat.completions.create(**BODY, stream=True):
            pass
        return None

    return call, client.close


async def _anthropic_sdk(
    url: str, stream: bool
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    import anthropic

    client = anthropic.AsyncAnthropic(base_url=url, api_key=KEY, max_retries=0)

    async def call() -> Any:
        if not stream:
            return await client.messages.create(**BODY)
        async for _ in await client.messages.create(**BODY, stream=True):
            pass
        return None

    return call, client.close


async def _litellm(
    url: str, stream: bool
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    import litellm

    async def call() -> Any:
        response = await litellm.acompletion(
            model="openai/m",
            api_base=url + "/v1",
            api_key=KEY,
            messages=BODY["messages"],
            max_tokens=64,
            stream=stream,
        )
        if stream:
            async for _ in response:
                pass
        return None

    async def done() -> None:
        return None

    return call, done


OPENAI_FLOOR = "raw aiohttp -> openai (floor)"
CLAUDE_FLOOR = "raw aiohttp -> claude (floor)"
#: Each contender is compared with the raw client of the upstream it talks to: the same
#: bytes cross the wire (how the mock's Claude and OpenAI answers arrive differs).
CLAUDE_UPSTREAM = ("nexgate openai->claude", "anthropic SDK", CLAUDE_FLOOR)


def _available() -> dict[str, Callable[[str, bool], Awaitable[Any]]]:
    contenders: dict[str, Callable[[str, bool], Awaitable[Any]]] = {
        OPENAI_FLOOR: _raw,
        CLAUDE_FLOOR: lambda u, s: _raw(u, s, "claude"),
        "nexgate openai->openai": lambda u, s: _nexgate(u, s, "openai"),
        "nexgate openai->claude": lambda u, s: _nexgate(u, s, "claude"),
    }
    for name, module, factory in (
        ("openai SDK", "openai", _openai_sdk),
        ("anthropic SDK", "anthropic", _anthropic_sdk),
        ("litellm", "litellm", _litellm),
    ):
        try:
            __import__(module)
        except ImportError:
            continue
        contenders[name] = factory
    return contenders


IMPORT_REPEATS = 20

#: The peers cost 8-50x more per call: they run a twentieth of the calls (CPU per call is what
#: is compared), so that a full run takes minutes, not an hour.
PEER_SHARE = 20


async def _measure(
    factory: Callable[[str, bool], Awaitable[Any]],
    url: str,
    stream: bool,
    concurrency: int,
    share: int = 1,
) -> tuple[float, float]:
    call, close = await factory(url, stream)
    total = max(concurrency, REQUESTS[concurrency] // share)
    semaphore = asyncio.Semaphore(concurrency)
    for _ in range(min(20, total)):  # warm up connections and imports
        await call()

    async def one() -> None:
        async with semaphore:
            await call()

    # All contenders share this process: freezing the heap first keeps what the previous ones
    # left behind (LiteLLM's and the SDKs' modules and caches) out of this one's collections.
    gc.collect()
    gc.freeze()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(total):
                group.create_task(one())
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        gc.unfreeze()
    await close()
    return cpu * 1e6 / total, total / wall


def _paired_ratios(
    values: list[tuple[float, float, int]], floor: list[tuple[float, float, int]]
) -> list[float]:
    """CPU per call over the floor's, repeat by repeat: the two ran back to back, so the
    machine's drift between repeats cancels out; their spread shows the noise left."""
    floor_by_repeat = {repeat: cpu for cpu, _, repeat in floor}
    return [cpu / floor_by_repeat[r] for cpu, _, r in values if r in floor_by_repeat]


def _imports() -> tuple[float, float]:
    # aiohttp, msgspec and anyio were byte-compiled when pip installed them; an editable
    # nexgate is compiled on first import unless PYTHONDONTWRITEBYTECODE is set (it is on
    # some CI images). Compile it up front so that both sides load bytecode.
    compileall.compile_dir(str(Path(nexgate.__file__).parent), quiet=1)

    def seconds(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    ours: list[float] = []
    base: list[float] = []
    for _ in range(IMPORT_REPEATS):  # interleaved, so that drift in load hits both alike
        ours.append(seconds("import nexgate; nexgate.Client"))
        base.append(seconds("import aiohttp, msgspec, anyio"))
    return statistics.median(ours) * 1000, statistics.median(base) * 1000


async def _run() -> None:
    contenders = _available()
    rows = []
    with mock_process() as url:
        for stream in (False, True):
            for concurrency in (1, 64, 512):
                # (CPU µs per call, calls per second, repeat) of each contender.
                samples: dict[str, list[tuple[float, float, int]]] = {n: [] for n in contenders}
                for repeat in range(REPEATS):
                    for name, factory in contenders.items():
                        share = 1 if name.startswith(("raw", "nexgate")) else PEER_SHARE
                        try:
                            cpu, rate = await _measure(factory, url, stream, concurrency, share)
                            samples[name].append((cpu, rate, repeat))
                        except Exception as exc:
                            print(f"({name} failed at c={concurrency}: {type(exc).__name__})")
                for name, values in samples.items():
                    if not values:
                        continue
                    floor = samples[CLAUDE_FLOOR if name in CLAUDE_UPSTREAM else OPENAI_FLOOR]
                    ratios = _paired_ratios(values, floor)
                    cpu = statistics.median(v[0] for v in values)
                    rate = statistics.median(v[1] for v in values)
                    rows.append(
                        [
                            "stream" if stream else "unary",
                            str(concurrency),
                            name,
                            f"{cpu:.0f}",
                            f"{statistics.median(ratios):.2f}x" if ratios else "-",
                            f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-",
                            f"{rate:.0f}",
                        ]
                    )
                    print(" | ".join(rows[-1]), flush=True)  # progress: the table comes last
    header = ["mode", "conc", "client", "CPU µs/req", "vs floor", "range", "req/s"]
    print(table(header, rows))
    ours, base = _imports()
    print(
        f"\nimport nexgate + Client: {ours:.0f} ms; import aiohttp, msgspec, anyio: {base:.0f} ms "
        f"({ours / base:.2f}x), medians of {IMPORT_REPEATS} interleaved fresh processes"
    )


if __name__ == "__main__":
    asyncio.run(_run())
