"""Putting an answer on the socket, letting a fault bend it on the way."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from .faults import Fault


async def pause(request: web.Request, seconds: float, closing: asyncio.Event) -> bool:
    """Wait like a slow or hung upstream, but stop once the client hangs up or the mock closes.
    Returns whether the client is still there to answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not closing.is_set():
        left = deadline - loop.time()
        transport = request.transport
        if transport is None or transport.is_closing():
            return False
        if left <= 0:
            return True
        await asyncio.sleep(min(left, 0.02))
    return False


def abort(request: web.Request) -> None:
    """Drop the TCP connection without a proper end (the client sees a reset)."""
    if request.transport is not None:
        request.transport.abort()


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


_BODY_FAULTS = frozenset(
    {"stall_after_headers", "slow_drip", "reset_mid_stream", "truncated_stream", "malformed_chunk"}
)


async def send_json(
    request: web.Request, body: bytes, fault: Fault | None, closing: asyncio.Event
) -> web.StreamResponse:
    """A non-streaming answer; stream-shaped faults act on the body bytes."""
    if fault is None or fault.kind not in _BODY_FAULTS:
        return web.Response(body=body, content_type="application/json")
    if fault.kind == "malformed_chunk":
        return web.Response(body=b'{"broken": ' + body[:-1], content_type="application/json")
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    with contextlib.suppress(ConnectionResetError):  # the client hung up: nothing to tell it
        await response.prepare(request)
        await _write_json(request, response, body, fault, closing)
    return response


async def _write_json(
    request: web.Request,
    response: web.StreamResponse,
    body: bytes,
    fault: Fault,
    closing: asyncio.Event,
) -> None:
    if fault.kind == "stall_after_headers":
        await pause(request, fault.wait, closing)
    elif fault.kind in ("reset_mid_stream", "truncated_stream"):
        await response.write(body[: len(body) // 2])
        if fault.kind == "reset_mid_stream":
            return abort(request)
        return await response.write_eof()
    pieces = _pieces(body, fault.piece or 16) if fault.kind == "slow_drip" else [body]
    for piece in pieces:
        if fault.kind == "slow_drip":
            await pause(request, fault.wait, closing)
        if closing.is_set():
            return abort(request)
        await response.write(piece)
    await response.write_eof()


def split_events(chunk: bytes) -> list[bytes]:
    """``chunk`` cut into its SSE events (an encoder may write several at once)."""
    events = chunk.split(b"\n\n")
    return [event + b"\n\n" for event in events[:-1] if event] + (
        [events[-1]] if events[-1] else []
    )


def sse_payloads(chunk: bytes) -> list[bytes]:
    """The ``data:`` payloads of the SSE events in ``chunk``."""
    out = []
    for event in chunk.replace(b"\r\n", b"\n").split(b"\n\n"):
        lines = [line[5:].lstrip(b" ") for line in event.split(b"\n") if line.startswith(b"data:")]
        if lines:
            out.append(b"\n".join(lines))
    return out


def as_json_array(chunks: list[bytes]) -> list[bytes]:
    """Gemini's non-SSE stream form: the same payloads as pieces of one JSON array."""
    payloads = [p for chunk in chunks for p in sse_payloads(chunk)]
    out = [(b"[" if i == 0 else b",\r\n") + p for i, p in enumerate(payloads)]
    return [*(out or [b"["]), b"]"]


async def send_stream(
    request: web.Request,
    chunks: list[bytes],
    fault: Fault | None,
    closing: asyncio.Event,
    *,
    sse: bool,
) -> web.StreamResponse:
    """Write ``chunks`` (one per event, already shaped by the fault) and apply socket faults."""
    content_type = "text/event-stream" if sse else "application/json"
    response = web.StreamResponse(headers={"Content-Type": content_type})
    if sse:
        response.headers["Cache-Control"] = "no-cache"
    with contextlib.suppress(ConnectionResetError):  # the client hung up: nothing to tell it
        await response.prepare(request)
        await _write_stream(request, response, chunks, fault, closing, sse)
    return response


async def _write_stream(
    request: web.Request,
    response: web.StreamResponse,
    chunks: list[bytes],
    fault: Fault | None,
    closing: asyncio.Event,
    sse: bool,
) -> None:
    kind = fault.kind if fault is not None else None
    if fault is not None and kind == "stall_after_headers":
        await pause(request, fault.wait, closing)
    if fault is not None and kind == "slow_drip" and fault.piece:
        chunks = _pieces(b"".join(chunks), fault.piece)
    broken = b'data: {"broken": \n\n' if sse else b',\r\n{"broken": '
    if sse and chunks and chunks[0].startswith(b"event:"):
        # Claude names its events, and clients dispatch on the name: an unnamed one is skipped.
        broken = b"event: content_block_delta\n" + broken
    # A fault past the reply's end strikes before its last event: it must strike, and a
    # stream whose terminal event went out would read as whole.
    strike = min(fault.events, len(chunks) - 1) if fault is not None else -1
    for i, chunk in enumerate(chunks):
        if i == strike:
            if kind == "reset_mid_stream":
                return abort(request)
            if kind == "malformed_chunk":
                await response.write(broken)
        if fault is not None and kind == "slow_drip":
            await pause(request, fault.wait, closing)
        if closing.is_set():
            return abort(request)
        await response.write(chunk)
    await response.write_eof()
