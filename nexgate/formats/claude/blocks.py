"""Claude content blocks to and from internal parts."""

from __future__ import annotations

import base64
from typing import Any

from ...errors import InvalidInputError
from ...schema import (
    CacheControl,
    DocumentPart,
    ImagePart,
    JSONObject,
    Part,
    RawPart,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from .._context import TranslationContext
from .._ids import claude_safe_id
from .._json import convert
from .._media import CLAUDE_IMAGE_TYPES, canonical_media_type
from . import wire


def _cache(value: JSONObject | None) -> CacheControl | None:
    if value is None:
        return None
    return CacheControl(type=str(value.get("type", "ephemeral")), ttl=value.get("ttl"))


def _media(block: wire.MediaBlock, kind: str, path: str) -> ImagePart | DocumentPart:
    source = block.source
    cache = _cache(block.cache_control)
    if source.type == "url":
        if kind == "image":
            return ImagePart(url=source.url, cache_control=cache)
        return DocumentPart(url=source.url, filename=block.title, cache_control=cache)
    if source.type in ("base64", "text") and source.data is not None:
        if kind == "image":
            return ImagePart(media_type=source.media_type, data=source.data, cache_control=cache)
        media = source.media_type or ("text/plain" if source.type == "text" else None)
        if source.type == "text":
            data = base64.b64encode(source.data.encode()).decode()
            return DocumentPart(
                media_type=media, data=data, filename=block.title, cache_control=cache
            )
        return DocumentPart(
            media_type=media, data=source.data, filename=block.title, cache_control=cache
        )
    raise InvalidInputError(f"unsupported {kind} source {source.type!r}", path=f"{path}.source")


#: What a ``tool_use`` block's ``caller`` is on an ordinary call (the model's own).
DIRECT_CALLER = {"type": "direct"}


def lose_caller(caller: Any, path: str, ctx: TranslationContext) -> None:
    """A tool call made by another tool (programmatic tool calling) cannot be carried: the
    internal schema has no place for who called, so only the model's own calls pass quietly."""
    if caller is not None and caller != DIRECT_CALLER:
        ctx.lose("tool_caller_dropped", f"{path}.caller", "only a direct tool caller is carried")


def decode_block(block: JSONObject, path: str) -> Part | None:
    """One content block as an internal part (empty text gives ``None``)."""
    kind = block.get("type")
    if kind == "text":
        text = convert(block, wire.TextBlock, "text block", path)
        if not text.text:
            return None
        return TextPart(text=text.text, cache_control=_cache(text.cache_control))
    if kind in ("image", "document"):
        return _media(convert(block, wire.MediaBlock, f"{kind} block", path), kind, path)
    if kind == "tool_use":
        use = convert(block, wire.ToolUseBlock, "tool_use block", path)
        return ToolCallPart(
            id=use.id, name=use.name, arguments=use.input, cache_control=_cache(use.cache_control)
        )
    if kind == "tool_result":
        return _tool_result(convert(block, wire.ToolResultBlock, "tool_result block", path), path)
    if kind == "thinking":
        thinking = convert(block, wire.ThinkingBlock, "thinking block", path)
        signature = (
            Signature(format="claude", value=thinking.signature) if thinking.signature else None
        )
        return ReasoningPart(text=thinking.thinking, signature=signature)
    if kind == "redacted_thinking":
        redacted = convert(block, wire.RedactedThinkingBlock, "redacted_thinking block", path)
        return ReasoningPart(
            redacted_data=redacted.data, signature=Signature(format="claude", value="")
        )
    if not isinstance(kind, str):
        raise InvalidInputError("content block has no string `type`", path=f"{path}.type")
    return RawPart(format="claude", data=block)


def _tool_result(block: wire.ToolResultBlock, path: str) -> ToolResultPart:
    content: list[TextPart | ImagePart | DocumentPart] = []
    if isinstance(block.content, str):
        if block.content:
            content.append(TextPart(text=block.content))
    else:
        for i, item in enumerate(block.content or ()):
            where = f"{path}.content[{i}]"
            # A nested tool_result is refused before it is decoded: it could nest without end.
            if item.get("type") == "tool_result":
                raise InvalidInputError("unsupported block inside tool_result", path=where)
            part = decode_block(item, where)
            if isinstance(part, TextPart | ImagePart | DocumentPart):
                content.append(part)
            elif part is not None:
                raise InvalidInputError("unsupported block inside tool_result", path=where)
    return ToolResultPart(
        call_id=block.tool_use_id,
        content=content,
        is_error=bool(block.is_error),
        cache_control=_cache(block.cache_control),
    )


# --------------------------------------------------------------------------- encode


#: The lifetimes Claude's breakpoints take.
CLAUDE_TTLS = frozenset({"5m", "1h"})
#: OpenAI's breakpoint lifetimes (minimums) as Claude's: its longest, one hour, is the nearest.
FOREIGN_TTLS = {"30m": "1h", "12h": "1h"}


def encode_cache(
    cache: CacheControl | None,
    out: JSONObject,
    path: str = "",
    ctx: TranslationContext | None = None,
) -> JSONObject:
    """``out`` with ``cache`` as its ``cache_control``. Another format's lifetime becomes
    Claude's nearest, or the default (one a Claude caller wrote goes as written), recorded in
    ``ctx``: the plain paths, which pass none, leave such a part to the general path (see
    :func:`_plain_cache`)."""
    if cache is not None:
        control: JSONObject = {"type": cache.type}
        ttl = cache.ttl
        if ttl and ttl not in CLAUDE_TTLS and ctx is not None and ctx.source != "claude":
            ttl = FOREIGN_TTLS.get(ttl)
            sent = f"sent as {ttl}" if ttl else "left to the default (5m)"
            ctx.emulate(
                "cache_ttl_unsupported",
                f"{path}.cache_control.ttl",
                f"Claude caches for 5m or 1h: {cache.ttl} {sent}",
            )
        if ttl:
            control["ttl"] = ttl
        out["cache_control"] = control
    return out


def _plain_cache(cache: CacheControl | None) -> bool:
    """Whether a plain path may write ``cache`` (no lifetime to rewrite and record)."""
    return cache is None or cache.ttl is None or cache.ttl in CLAUDE_TTLS


def _encode_image(part: ImagePart, path: str, ctx: TranslationContext) -> JSONObject | None:
    if part.data is not None:
        media_type = canonical_media_type(part.media_type)
        if media_type not in CLAUDE_IMAGE_TYPES:
            ctx.lose("unsupported_media_type", path, f"Claude takes no {part.media_type} images")
            return None
        source: JSONObject = {"type": "base64", "media_type": media_type, "data": part.data}
    else:
        source = {"type": "url", "url": part.url or ""}
    if part.detail is not None:
        ctx.lose("image_detail_unsupported", f"{path}.detail", "Claude has no image detail setting")
    return encode_cache(part.cache_control, {"type": "image", "source": source}, path, ctx)


def _encode_document(part: DocumentPart, path: str, ctx: TranslationContext) -> JSONObject | None:
    media = part.media_type or "application/pdf"
    if part.data is None:
        source: JSONObject = {"type": "url", "url": part.url or ""}
    elif media in ("application/pdf",):
        source = {"type": "base64", "media_type": media, "data": part.data}
    elif media == "text/plain":
        text = base64.b64decode(part.data).decode("utf-8", "replace")
        source = {"type": "text", "media_type": media, "data": text}
    else:
        ctx.lose("unsupported_media_type", path, f"Claude takes no {media} documents")
        return None
    out: JSONObject = {"type": "document", "source": source}
    if part.filename is not None:
        out["title"] = part.filename
    return encode_cache(part.cache_control, out, path, ctx)


def encode_content(
    part: TextPart | ImagePart | DocumentPart, path: str, ctx: TranslationContext
) -> JSONObject | None:
    if isinstance(part, TextPart):
        if not part.text:
            return None
        if part.signature is not None:
            ctx.lose(
                "signature_not_replayable",
                f"{path}.signature",
                "a gemini signature goes only to gemini",
            )
        return encode_cache(part.cache_control, {"type": "text", "text": part.text}, path, ctx)
    if isinstance(part, ImagePart):
        return _encode_image(part, path, ctx)
    return _encode_document(part, path, ctx)


def encode_tool_call(part: ToolCallPart, path: str, ctx: TranslationContext) -> JSONObject:
    if part.signature is not None:
        ctx.lose(
            "signature_not_replayable",
            f"{path}.signature",
            "a gemini signature goes only to gemini",
        )
    if part.raw_arguments is not None:
        ctx.lose(
            "tool_arguments_invalid",
            f"{path}.arguments",
            "arguments were not a JSON object; sent as {}",
        )
    out: JSONObject = {
        "type": "tool_use",
        "id": claude_safe_id(part.id),
        "name": part.name,
        "input": part.arguments,
    }
    return encode_cache(part.cache_control, out, path, ctx)


def encode_tool_result(part: ToolResultPart, path: str, ctx: TranslationContext) -> JSONObject:
    content: list[JSONObject] = []
    for i, item in enumerate(part.content):
        encoded = encode_content(item, f"{path}.content[{i}]", ctx)
        if encoded is not None:
            content.append(encoded)
    out: JSONObject = {"type": "tool_result", "tool_use_id": claude_safe_id(part.call_id)}
    if content:
        out["content"] = content
    if part.is_error:
        out["is_error"] = True
    return encode_cache(part.cache_control, out, path, ctx)


def encode_reasoning(part: ReasoningPart, path: str, ctx: TranslationContext) -> JSONObject | None:
    if part.signature is None or part.signature.format != "claude":
        issuer = part.signature.format if part.signature else "no provider"
        ctx.lose(
            "reasoning_dropped", path, f"reasoning signed by {issuer} cannot be replayed to claude"
        )
        return None
    if part.redacted_data is not None:
        return {"type": "redacted_thinking", "data": part.redacted_data}
    return {"type": "thinking", "thinking": part.text, "signature": part.signature.value}


# --------------------------------------------------------------------------- plain parts
# Text, tool calls and tool results of text make up almost every conversation. These build
# their blocks directly and give ``None`` for anything that might record a loss (a foreign
# signature, unparsed arguments, media, empty text): the caller then takes the general path
# above, which needs the part's JSON path, so that path is formatted only in that case.


def safe_id(call_id: str) -> str:
    """:func:`claude_safe_id`, with the usual id told without its regex: an ASCII identifier
    holds only ``[A-Za-z0-9_]``."""
    if call_id.isascii() and call_id.isidentifier():
        return call_id
    return claude_safe_id(call_id)


def encode_plain_part(part: Part) -> JSONObject | None:
    """A plain text, tool-call or tool-result part as a request block, else ``None``."""
    if type(part) is TextPart:
        return _plain_text(part)
    if type(part) is ToolCallPart:
        return _plain_tool_call(part)
    if type(part) is ToolResultPart:
        return _plain_tool_result(part)
    return None


def _plain_text(part: TextPart) -> JSONObject | None:
    if not part.text or part.signature is not None or not _plain_cache(part.cache_control):
        return None
    block: JSONObject = {"type": "text", "text": part.text}
    if part.cache_control is not None:
        encode_cache(part.cache_control, block)
    return block


def _plain_tool_call(part: ToolCallPart) -> JSONObject | None:
    if part.signature is not None or part.raw_arguments is not None:
        return None
    if not _plain_cache(part.cache_control):
        return None
    block: JSONObject = {
        "type": "tool_use",
        "id": safe_id(part.id),
        "name": part.name,
        "input": part.arguments,
    }
    if part.cache_control is not None:
        encode_cache(part.cache_control, block)
    return block


def _plain_tool_result(part: ToolResultPart) -> JSONObject | None:
    if not _plain_cache(part.cache_control):
        return None
    content: list[JSONObject] = []
    for item in part.content:
        if type(item) is not TextPart or item.signature is not None:
            return None
        if not _plain_cache(item.cache_control):
            return None
        if item.text:
            text: JSONObject = {"type": "text", "text": item.text}
            if item.cache_control is not None:
                encode_cache(item.cache_control, text)
            content.append(text)
    block: JSONObject = {"type": "tool_result", "tool_use_id": safe_id(part.call_id)}
    if content:
        block["content"] = content
    if part.is_error:
        block["is_error"] = True
    if part.cache_control is not None:
        encode_cache(part.cache_control, block)
    return block
