"""The body a plan sends upstream: the caller's own, or the request translated for it."""

from __future__ import annotations

from collections.abc import Sequence

from msgspec.structs import replace

from .formats import DEFAULT_MAX_TOKENS, TranslationContext, get_format
from .formats._names import fit_tool_names
from .passthrough import same_format_body
from .request_check import ENCODING_SLIPS, explain_failure
from .routing import Plan
from .schema import FormatName, JSONObject, Loss, Request, TextPart

#: What a same-format call loses: nothing (shared, so that no call allocates it).
_NO_LOSSES: tuple[Loss, ...] = ()


def encode_upstream(
    request: Request, plan: Plan, *, stream: bool, source: FormatName | None, strict: bool
) -> tuple[JSONObject, TranslationContext]:
    """The request in ``plan``'s format; what the target cannot carry (e.g. another
    provider's signatures) is dropped and recorded as losses on the returned context."""
    ctx = TranslationContext(
        source=source or plan.format,
        target=plan.format,
        model=plan.model,
        strict=strict,
        gemini_schema=plan.provider.gemini_schema,
    )
    upstream = replace(request, model=plan.model, stream=stream)
    if stream and plan.format == "openai":
        upstream.include_usage = True  # so that usage (and the TPM reconcile) is known
    try:
        body = get_format(plan.format).encode_request(fit_tool_names(upstream, ctx), ctx)
    except ENCODING_SLIPS:
        mistake = explain_failure(request)
        if mistake is None:
            raise  # a well-formed request: the failure is nexgate's own
        raise mistake from None
    ctx.finish()
    return body, ctx


def upstream_body(
    request: Request,
    plan: Plan,
    source: FormatName | None,
    body: JSONObject | None,
    *,
    stream: bool,
    strict: bool,
) -> tuple[JSONObject, Sequence[Loss]]:
    """What goes upstream for ``plan`` and what it lost: the caller's own ``body`` (in
    ``source`` format) when the plan speaks that format too, else the translation."""
    if body is not None and plan.format == source:
        upstream = same_format_body(
            plan.format,
            body,
            model=plan.model,
            default_max_tokens=DEFAULT_MAX_TOKENS,
            stream=stream,
        )
        return upstream, _NO_LOSSES
    upstream, ctx = encode_upstream(request, plan, stream=stream, source=source, strict=strict)
    return upstream, ctx.losses


def estimate_tokens(request: Request) -> float:
    """Tokens to pre-charge a tokens-per-minute bucket with, before the real usage is known:
    the prompt's text length / 4 plus the output allowance."""
    prompt = 0
    for message in request.messages:
        for part in message.parts:
            if isinstance(part, TextPart):
                prompt += len(part.text)
    return prompt / 4 + (request.max_tokens or 256)


__all__ = ("encode_upstream", "estimate_tokens", "upstream_body")
