"""The body a plan sends upstream: the caller's own, or the request translated for it."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from msgspec.structs import replace

from .formats import DEFAULT_MAX_TOKENS, TranslationContext, get_format
from .formats._names import fit_tool_names
from .passthrough import same_format_body
from .request_check import ENCODING_SLIPS, explain_failure
from .routing import Plan
from .schema import (
    FormatName,
    JSONObject,
    Loss,
    Message,
    Part,
    ReasoningPart,
    Request,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

#: What a same-format call loses: nothing (shared, so that no call allocates it).
_NO_LOSSES: tuple[Loss, ...] = ()


def encode_upstream(
    request: Request,
    plan: Plan,
    *,
    stream: bool,
    source: FormatName | None,
    strict: bool,
    unsigned: bool = False,
    decoded: Sequence[Loss] = (),
) -> tuple[JSONObject, TranslationContext]:
    """The request in ``plan``'s format; what the target cannot carry (e.g. another
    format's signatures) is dropped and recorded as losses on the returned context.

    ``unsigned``: the plan is an alternate on another provider than the one the request was
    meant for, so no signature is replayable there, whatever its format (each is dropped as a
    loss)."""
    ctx = TranslationContext(
        source=source or plan.format,
        target=plan.format,
        model=plan.model,
        strict=strict,
        gemini_schema=plan.provider.gemini_schema,
        losses=list(decoded),
    )
    if unsigned:
        request = _without_signatures(request, ctx)
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
    alternate: bool = False,
    needs_usage: bool = False,
    decoded: Sequence[Loss] = (),
) -> tuple[JSONObject, Sequence[Loss], bool]:
    """What goes upstream for ``plan``, what it lost, and whether it is the caller's own
    ``body`` (in ``source`` format) as written, which a plan in that format gets unless:

    - ``alternate``: the plan is a fallback on another provider than the route's primary.
      The caller's signatures were issued for the primary: a body that carries any is
      translated, which drops them with a recorded loss.
    - ``needs_usage``: the limiters need the answer's usage (a tokens-per-minute bucket),
      which an OpenAI stream reports only when asked to: a streamed body that does not ask
      is translated, which asks (the caller's encoder then leaves the usage out again).

    ``decoded``: what decoding the caller's body lost, a loss of its translation too (and
    refused under ``strict``), but not of the body as written.
    """
    unsigned = alternate and _signed(request)
    as_written = (
        body is not None
        and plan.format == source
        and not unsigned
        and not (needs_usage and stream and plan.format == "openai" and not request.include_usage)
    )
    if as_written:
        assert body is not None
        upstream = same_format_body(
            plan.format,
            body,
            model=plan.model,
            default_max_tokens=DEFAULT_MAX_TOKENS,
            stream=stream,
        )
        return upstream, _NO_LOSSES, True
    upstream, ctx = encode_upstream(
        request,
        plan,
        stream=stream,
        source=source,
        strict=strict,
        unsigned=unsigned,
        decoded=decoded,
    )
    return upstream, ctx.losses, False


def _signed(request: Request) -> bool:
    """Whether any part of the request means something only to the provider that issued it:
    a signature, or a redacted reasoning payload."""
    return any(
        _signature(part) is not None or _redacted(part)
        for message in request.messages
        for part in message.parts
    )


def _signature(part: Part) -> Signature | None:
    return part.signature if isinstance(part, TextPart | ToolCallPart | ReasoningPart) else None


def _redacted(part: Part) -> bool:
    return type(part) is ReasoningPart and part.redacted_data is not None


def _without_signatures(request: Request, ctx: TranslationContext) -> Request:
    """``request`` with every signature dropped, each a ``signature_not_replayable`` loss.

    A redacted reasoning payload means something only to its issuer: the part goes too.
    """
    messages: list[Message] = []
    for i, message in enumerate(request.messages):
        parts: list[Part] = []
        for j, part in enumerate(message.parts):
            path = f"$.messages[{i}].parts[{j}]"
            if _redacted(part):
                ctx.lose("signature_not_replayable", path, "redacted reasoning of another provider")
                continue
            signature = _signature(part)
            if signature is not None:
                ctx.lose(
                    "signature_not_replayable",
                    f"{path}.signature",
                    f"a {signature.format} signature is not replayed to an alternate provider",
                )
                part = replace(part, signature=None)
            parts.append(part)
        messages.append(replace(message, parts=parts))
    return replace(request, messages=messages)


def estimate_tokens(request: Request) -> float:
    """Tokens to pre-charge a tokens-per-minute bucket with, before the real usage is known:
    a quarter of the prompt's characters (system, turns, tool results, tool calls and tool
    schemas) plus the output allowance. Only a call under such a bucket pays for it."""
    chars = sum(len(part.text) for part in request.system)
    for message in request.messages:
        for part in message.parts:
            chars += _characters(part)
    for tool in request.tools:
        chars += len(tool.name) + len(tool.description or "")
        if tool.parameters is not None:
            chars += len(msgspec.json.encode(tool.parameters))
    return chars / 4 + (request.max_tokens or 256)


def _characters(part: Part) -> int:
    if isinstance(part, TextPart | ReasoningPart):
        return len(part.text)
    if isinstance(part, ToolResultPart):
        return sum(len(item.text) for item in part.content if isinstance(item, TextPart))
    if isinstance(part, ToolCallPart):
        return len(part.name) + len(msgspec.json.encode(part.arguments))
    return 0  # media: no character count says what they cost


__all__ = ("encode_upstream", "estimate_tokens", "upstream_body")
