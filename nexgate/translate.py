"""The translation API: a body in one wire format in, the same body in another format out."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .errors import APIStatusError
from .formats import DEFAULT_MAX_TOKENS, Format, TranslationContext, get_format
from .formats._context import GeminiSchema, LossHook, check_gemini_schema, check_max_tokens
from .formats._json import load_object, utf8_of
from .formats._names import fit_tool_names, restore_tool_names
from .schema import Loss, Request, Response

Body = bytes | bytearray | str | Mapping[str, Any]


class Translated(dict[str, Any]):
    """A translated body (a plain ``dict``) that also lists what the translation lost.

    ``headers`` are the HTTP headers a translated error answer should carry: the retry hint
    (``retry-after``, ``retry-after-ms``), which OpenAI and Claude bodies have no slot for.
    """

    losses: tuple[Loss, ...] = ()
    headers: Mapping[str, str] = MappingProxyType({})


def _result(body: dict[str, Any], ctx: TranslationContext) -> Translated:
    out = Translated(body)
    if ctx.losses:  # else the class default (): nothing to check, log or store per body
        ctx.finish()
        out.losses = tuple(ctx.losses)
    return out


def _decode_request(fmt: Format, body: Body, ctx: TranslationContext) -> Request:
    if fmt.decode_request_json is not None and isinstance(
        body, bytes | bytearray | memoryview | str
    ):
        if isinstance(body, str):
            body = utf8_of(body, "request body")
        return fmt.decode_request_json(body, ctx)
    return fmt.decode_request(load_object(body, "request body"), ctx)


def _decode_response(fmt: Format, body: Body, ctx: TranslationContext) -> Response:
    if fmt.decode_response_json is not None and isinstance(
        body, bytes | bytearray | memoryview | str
    ):
        if isinstance(body, str):
            body = utf8_of(body, "response body")
        response = fmt.decode_response_json(body, ctx)
    else:
        response = fmt.decode_response(load_object(body, "response body"), ctx)
    if ctx.request is not None:
        restore_tool_names(response, ctx)  # the caller's own names, if the upstream got others
    return response


def decode_request(
    body: Body, *, format: str, model: str | None = None, ctx: TranslationContext | None = None
) -> Request:
    """Decode a request body of ``format`` into the internal :class:`Request`."""
    fmt = get_format(format)
    ctx = ctx or TranslationContext(source=fmt.name, target=fmt.name, model=model)
    request = _decode_request(fmt, body, ctx)
    if model is not None:
        request.model = model
    return request


def decode_response(
    body: Body, *, format: str, model: str | None = None, ctx: TranslationContext | None = None
) -> Response:
    """Decode a response body of ``format`` into the internal :class:`Response`."""
    fmt = get_format(format)
    ctx = ctx or TranslationContext(source=fmt.name, target=fmt.name, model=model)
    return _decode_response(fmt, body, ctx)


def translate_request(
    body: Body,
    *,
    source: str,
    target: str,
    model: str | None = None,
    strict: bool = False,
    on_loss: LossHook | None = None,
    default_max_tokens: int = DEFAULT_MAX_TOKENS,
    gemini_schema: GeminiSchema = "json_schema",
) -> Translated:
    """Translate a request body from the ``source`` format to the ``target`` format.

    ``model`` sets the model (a Gemini body has none: its model lives in the URL). With
    ``strict=True`` a translation that would drop information raises
    :class:`~nexgate.TranslationError`; otherwise the losses are listed on the result.
    A Claude target requires ``max_tokens``: a source without one gets ``default_max_tokens``
    (4096 unless set). ``gemini_schema="openapi"`` sends a Gemini target's JSON Schemas in the
    OpenAPI subset (``parameters``, ``responseSchema``) instead of as JSON Schema.
    """
    src, dst = get_format(source), get_format(target)
    check_gemini_schema(gemini_schema)
    check_max_tokens(default_max_tokens)
    ctx = TranslationContext(
        source=src.name,
        target=dst.name,
        model=model,
        strict=strict,
        on_loss=on_loss,
        default_max_tokens=default_max_tokens,
        gemini_schema=gemini_schema,
    )
    request = _decode_request(src, body, ctx)
    if model is not None:
        request.model = model
    if src is not dst:  # an identity keeps the caller's names, as it keeps everything
        request = fit_tool_names(request, ctx)
    return _result(dst.encode_request(request, ctx), ctx)


def translate_response(
    body: Body,
    *,
    source: str,
    target: str,
    model: str | None = None,
    strict: bool = False,
    on_loss: LossHook | None = None,
    request: Body | None = None,
) -> Translated:
    """Translate a response body from the upstream ``source`` format to the ``target`` format.

    ``request`` is the caller's original request body (in ``target`` format), when known: it
    lets the translation restore what the request decided, such as tool-call ids.
    """
    src, dst = get_format(source), get_format(target)
    original = decode_request(request, format=dst.name, model=model) if request else None
    ctx = TranslationContext(
        source=src.name,
        target=dst.name,
        model=model,
        strict=strict,
        on_loss=on_loss,
        request=original,
    )
    response = _decode_response(src, body, ctx)
    if model is not None and not response.model:
        response.model = model
    return _result(dst.encode_response(response, ctx), ctx)


def decode_error(
    status: int, body: Any, *, format: str, headers: Mapping[str, str] | None = None
) -> APIStatusError:
    """The typed error an upstream error response of ``format`` means."""
    return get_format(format).decode_error(status, body, headers)


def translate_error(
    status: int,
    body: Any,
    *,
    source: str,
    target: str,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Translate an upstream error (status and body of ``source``) to ``target``'s shape.

    Non-JSON bodies (an HTML 502 page) are accepted. Retry hints in ``headers``
    (``retry-after``, ``retry-after-ms``) and in the body (Gemini's ``RetryInfo``) are kept:
    in the body where the target has a slot for them, and always in the returned body's
    ``headers`` (see :class:`Translated`), for the answer to the caller.
    """
    error = decode_error(status, body, format=source, headers=headers)
    out_status, out_body = get_format(target).encode_error(error)
    translated = Translated(out_body)
    if error.retry_after is not None:
        translated.headers = {
            "retry-after": str(math.ceil(error.retry_after)),  # HTTP takes whole seconds
            "retry-after-ms": str(round(error.retry_after * 1000)),
        }
    return out_status, translated


__all__ = (
    "Translated",
    "decode_error",
    "decode_request",
    "decode_response",
    "translate_error",
    "translate_request",
    "translate_response",
)
