"""The caller-format layer of :class:`~nexgate.Client`: a body in the caller's wire format in,
the answer in the same format out, whatever format the route's upstream speaks.

``Client.send`` and ``Client.send_stream`` are these functions. A call whose one plan speaks
the caller's format is forwarded (the body as written, the answer as the upstream wrote it);
any other is decoded, translated for its plan, and its answer translated back. Errors raised
before the first byte carry their status and body in the caller's format.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from .errors import APIStatusError
from .formats import DEFAULT_MAX_TOKENS, Format, TranslationContext, get_format
from .formats._json import load_object
from .passthrough import same_format_body
from .schema import JSONObject, Loss, Request, Response
from .streaming import forwarded, relayed
from .translate import decode_request

if TYPE_CHECKING:
    from .dispatch import Client


def _decoded(
    body: Mapping[str, Any] | bytes, format: str, model: str | None
) -> tuple[Format, JSONObject, Request, Sequence[Loss]]:
    """The caller's format, its body as an object and as a request, and what decoding it lost
    (nothing reaches the upstream lost while the body goes as written; a translation of it
    loses this too)."""
    caller = get_format(format)
    obj = load_object(body, "request body")
    ctx = TranslationContext(source=caller.name, target=caller.name, model=model)
    request = decode_request(obj, format=caller.name, model=model, ctx=ctx)
    return caller, obj, request, ctx.losses


async def relay(
    client: Client,
    body: Mapping[str, Any] | bytes,
    format: str,
    model: str | None,
    overrides: Mapping[str, Any],
    *,
    decode: bool,
) -> tuple[Response | None, JSONObject]:
    """The answer to ``body`` in its own ``format``; with ``decode``, the internal response
    too (else ``None`` when the call was only forwarded)."""
    caller, obj, request, decoded = _decoded(body, format, model)
    plans = client._plans(request, overrides)
    try:
        if not decode and client._forwards(plans, caller.name):
            plan = plans[0]
            options = client._options(overrides)
            upstream = same_format_body(
                plan.format, obj, model=plan.model, default_max_tokens=DEFAULT_MAX_TOKENS
            )
            data, url = client._setup().prepare(plan, upstream, False, options)
            # The request has validated the body and chosen the route, and the body is
            # encoded: none of them is needed while the call waits, and objects kept alive
            # across the wait cost the garbage collector more than making them did. (A caller
            # that passed a dict keeps that alive itself.)
            del request, obj, upstream
            return None, await client._forward(plan, data, url, options)
        response, answer = await client._call(
            request, caller.name, obj, overrides, decode, plans, decoded
        )
    except APIStatusError as exc:
        exc.status, exc.body = caller.encode_error(exc)
        raise
    if answer is not None:
        return response, answer
    assert response is not None  # a translated answer was decoded
    ctx = TranslationContext(
        source=caller.name,
        target=caller.name,
        model=request.model,
        request=request,
        on_loss=overrides.get("on_loss"),  # checked with the other options by Client._call
    )
    return response, caller.encode_response(response, ctx)


@asynccontextmanager
async def relay_stream(
    client: Client,
    body: Mapping[str, Any] | bytes,
    format: str,
    model: str | None,
    overrides: Mapping[str, Any],
) -> AsyncIterator[AsyncIterator[bytes]]:
    """The streamed answer to ``body``, as SSE bytes in its own ``format``."""
    caller, obj, request, decoded = _decoded(body, format, model)
    try:
        async with client._open_stream(request, overrides, caller.name, obj, decoded) as (
            opened,
            decoding,
            plan,
            as_written,
        ):
            ctx = TranslationContext(
                source=plan.format,
                target=caller.name,
                model=request.model,
                request=request,
                on_loss=overrides.get("on_loss"),  # checked with the other options
            )
            pipe = forwarded if as_written else relayed
            yield pipe(opened, decoding, caller.stream_encoder(ctx))
    except APIStatusError as exc:
        exc.status, exc.body = caller.encode_error(exc)
        raise
