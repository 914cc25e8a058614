"""Internal messages encoded as OpenAI request messages.

Encoding writes what an OpenAI request can carry and records the rest as losses:

- reasoning and provider signatures are never sent in a request (OpenAI issued none);
- a tool result's images and documents move into a user message right after the ``tool``
  messages (OpenAI tool messages hold text only), recorded as emulated;
- ``is_error`` becomes an ``Error: `` prefix on the result text, recorded as emulated;
- documents given by URL and other formats' raw blocks are dropped;
- a cache breakpoint becomes a ``prompt_cache_breakpoint`` on a text, image, file or audio
  part, and is dropped elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...schema import (
    CacheControl,
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    RawPart,
    ReasoningPart,
    Request,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from .._context import TranslationContext
from .._json import dump_args, parse_args
from .._media import canonical_media_type, data_url
from .messages import AUDIO_ANSWER, AUDIO_FORMATS, CUSTOM_RESULT, custom_call_of

# --------------------------------------------------------------------------- encode

_AUDIO_MEDIA = {media: fmt for fmt, media in AUDIO_FORMATS.items()}
_MOVED_INTRO = "Content returned by tool call {id}:"


#: The lifetimes a ``prompt_cache_breakpoint`` may ask for.
CACHE_TTLS = frozenset({"30m", "12h"})


def _check_cache(part: Part, path: str, ctx: TranslationContext) -> None:
    """Only text, image, file and audio parts carry a breakpoint (see :func:`_with_breakpoint`)."""
    if getattr(part, "cache_control", None) is not None:
        ctx.lose(
            "cache_control_unsupported",
            f"{path}.cache_control",
            f"OpenAI has no prompt-cache breakpoint on a {type(part).__name__}",
        )


def _with_breakpoint(
    out: JSONObject, cache: CacheControl | None, path: str, ctx: TranslationContext
) -> JSONObject:
    """``out`` marked as the end of a cached prefix, as ``cache`` (another format's cache
    breakpoint, or OpenAI's own) asks. Another format's lifetime, which OpenAI does not offer,
    is left to the request's default, recorded as emulated (an OpenAI caller's own goes as
    written)."""
    if cache is not None:
        breakpoint: JSONObject = {"mode": "explicit"}
        if cache.ttl in CACHE_TTLS or (cache.ttl is not None and ctx.source == "openai"):
            breakpoint["ttl"] = cache.ttl
        elif cache.ttl is not None:
            ctx.emulate(
                "cache_ttl_unsupported",
                f"{path}.cache_control.ttl",
                f"OpenAI breakpoints last 30m or 12h, not {cache.ttl}: the request's default",
            )
        out["prompt_cache_breakpoint"] = breakpoint
    return out


def _check_signature(signature: Signature | None, path: str, ctx: TranslationContext) -> None:
    if signature is not None:
        ctx.lose(
            "signature_not_replayable",
            f"{path}.signature",
            f"a {signature.format} signature is replayed only to {signature.format}",
        )


def _image_part(part: ImagePart, path: str, ctx: TranslationContext) -> JSONObject | None:
    url = data_url(part.media_type, part.data) if part.data is not None else part.url
    if not url:
        ctx.lose("empty_image", path, "an image with neither data nor URL")
        return None
    image: JSONObject = {"url": url}
    if part.detail is not None:
        image["detail"] = part.detail
    return _with_breakpoint(
        {"type": "image_url", "image_url": image}, part.cache_control, path, ctx
    )


def _document_part(part: DocumentPart, path: str, ctx: TranslationContext) -> JSONObject | None:
    if part.data is None:
        ctx.lose("document_url_unsupported", path, "OpenAI takes documents inline only")
        return None
    media = part.media_type or "application/pdf"
    audio = _AUDIO_MEDIA.get(canonical_media_type(media) or media)
    if audio is not None:
        out = {"type": "input_audio", "input_audio": {"data": part.data, "format": audio}}
        return _with_breakpoint(out, part.cache_control, path, ctx)
    if media.startswith(("video/", "audio/", "image/")):
        # File parts carry documents: OpenAI refuses or ignores other media there.
        ctx.lose("unsupported_media_type", path, f"OpenAI takes no {media} content")
        return None
    filename = part.filename
    if filename is None:
        filename = "document.pdf" if media == "application/pdf" else "document"
        ctx.emulate("document_filename_defaulted", path, "OpenAI file parts need a filename")
    file = {"filename": filename, "file_data": data_url(media, part.data)}
    return _with_breakpoint({"type": "file", "file": file}, part.cache_control, path, ctx)


def _part(part: Part, path: str, ctx: TranslationContext, media: bool) -> JSONObject | None:
    """One content part; ``media`` says whether the role accepts images and files."""
    if isinstance(part, TextPart):
        _check_signature(part.signature, path, ctx)
        if not part.text:
            return None
        return _with_breakpoint({"type": "text", "text": part.text}, part.cache_control, path, ctx)
    if not (media and isinstance(part, ImagePart | DocumentPart)):
        _check_cache(part, path, ctx)
    if isinstance(part, RawPart) and part.format == "openai":
        return part.data
    if media and isinstance(part, ImagePart):
        return _image_part(part, path, ctx)
    if media and isinstance(part, DocumentPart):
        return _document_part(part, path, ctx)
    if isinstance(part, RawPart):
        ctx.lose("unsupported_part", path, f"a {part.format} block has no OpenAI equivalent")
    elif isinstance(part, ReasoningPart):
        kind = "signature_not_replayable" if part.signature else "reasoning_dropped"
        ctx.lose(kind, path, "OpenAI requests carry no reasoning or foreign signatures")
    else:
        ctx.lose("unsupported_part", path, f"{type(part).__name__} cannot appear in this message")
    return None


def encode_content(
    parts: Sequence[Part], path: str, ctx: TranslationContext, *, media: bool = True
) -> str | list[JSONObject] | None:
    """A single text becomes a string; anything else a list of parts; nothing becomes None."""
    encoded = [
        e for i, p in enumerate(parts) if (e := _part(p, f"{path}[{i}]", ctx, media)) is not None
    ]
    if not encoded:
        return None
    if len(encoded) == 1 and encoded[0].keys() == {"type", "text"} and encoded[0]["type"] == "text":
        return str(encoded[0]["text"])
    return encoded


def arguments_text(part: ToolCallPart, spellings: Mapping[str, Any] | None) -> str:
    """The argument string: the raw one, else the caller's own spelling of the same object."""
    if part.raw_arguments is not None:
        return part.raw_arguments
    if spellings:  # usually none: arguments are mostly written compactly
        spelled = spellings.get(part.id)
        if isinstance(spelled, str) and parse_args(spelled) == part.arguments:
            return spelled
    return dump_args(part.arguments)


def _call_object(part: ToolCallPart, spellings: Mapping[str, Any] | None) -> JSONObject:
    arguments = arguments_text(part, spellings)
    return {
        "id": part.id,
        "type": "function",
        "function": {"name": part.name, "arguments": arguments},
    }


def _tool_call(
    part: ToolCallPart, path: str, ctx: TranslationContext, spellings: Mapping[str, Any] | None
) -> JSONObject:
    _check_cache(part, path, ctx)
    _check_signature(part.signature, path, ctx)
    return _call_object(part, spellings)


def _assistant(
    message: Message, path: str, ctx: TranslationContext, spellings: Mapping[str, Any] | None
) -> JSONObject | None:
    calls: list[JSONObject] = []
    audio: Any = None  # an audio answer replayed by id (a raw part, see ``messages``)
    rest: list[Part] = []
    for i, part in enumerate(message.parts):
        if isinstance(part, ToolCallPart):
            calls.append(_tool_call(part, f"{path}.parts[{i}]", ctx, spellings))
        elif (custom := custom_call_of(part)) is not None:
            calls.append(custom)  # a custom tool's call, among the others
        elif isinstance(part, RawPart) and part.format == "openai" and AUDIO_ANSWER in part.data:
            audio = part.data[AUDIO_ANSWER]
        else:
            rest.append(part)
    if calls and _content_after_a_call(message.parts):
        ctx.emulate(
            "content_reordered", f"{path}.parts", "OpenAI sends a turn's content before its calls"
        )
    content = encode_content(rest, f"{path}.parts", ctx, media=False)
    if content is None and not calls and audio is None:
        return None
    out: JSONObject = {"role": "assistant"}
    if content is not None:  # omitted beside tool calls, as OpenAI's own clients send it
        out["content"] = content
    if message.name is not None:
        out["name"] = message.name
    if calls:
        out["tool_calls"] = calls
    if audio is not None:
        out["audio"] = audio
    return out


def _content_after_a_call(parts: list[Part]) -> bool:
    called = False
    for part in parts:
        if isinstance(part, ToolCallPart):
            called = True
        elif called and isinstance(part, TextPart) and part.text:
            return True
    return False


def _tool_message(
    part: ToolResultPart, path: str, ctx: TranslationContext
) -> tuple[JSONObject, list[Part]]:
    """The ``tool`` message for a result, and the media it cannot hold."""
    _check_cache(part, path, ctx)
    texts = [p for p in part.content if isinstance(p, TextPart) and p.text]
    media: list[Part] = [p for p in part.content if not isinstance(p, TextPart)]
    for text in texts:
        _check_signature(text.signature, path, ctx)
    if part.is_error and texts:
        ctx.emulate("tool_result_error_flag", f"{path}.is_error", "sent as an 'Error: ' prefix")
        texts[0] = TextPart(text=f"Error: {texts[0].text}", cache_control=texts[0].cache_control)
    elif part.is_error:
        ctx.emulate("tool_result_error_flag", f"{path}.is_error", "sent as an 'Error: ' prefix")
        texts = [TextPart(text="Error: ")]
    content: str | list[JSONObject]
    if len(texts) > 1 or any(t.cache_control is not None for t in texts):
        # A breakpoint rides on a text part: the content must be a list of them.
        content = [
            _with_breakpoint({"type": "text", "text": t.text}, t.cache_control, path, ctx)
            for t in texts
        ]
    else:
        content = texts[0].text if texts else ""
    if media:
        ctx.emulate(
            "tool_result_media_moved",
            f"{path}.content",
            "OpenAI tool messages hold text only; media sent in the next user message",
        )
        media = [TextPart(text=_MOVED_INTRO.format(id=part.call_id)), *media]
    return {"role": "tool", "tool_call_id": part.call_id, "content": content}, media


def _plain(message: Message, path: str, ctx: TranslationContext) -> list[JSONObject]:
    out: list[JSONObject] = []
    moved: list[Part] = []
    rest: list[Part] = []
    for i, part in enumerate(message.parts):
        if isinstance(part, ToolResultPart):
            tool, media = _tool_message(part, f"{path}.parts[{i}]", ctx)
            out.append(tool)
            moved += media
        elif isinstance(part, RawPart) and part.format == "openai" and CUSTOM_RESULT in part.data:
            out.append(part.data[CUSTOM_RESULT])  # a custom tool's result, among the others
        else:
            rest.append(part)
    media_ok = message.role == "user"
    content = encode_content(moved + rest, f"{path}.parts", ctx, media=media_ok)
    if content is not None:
        encoded: JSONObject = {"role": message.role, "content": content}
        if message.name is not None:
            encoded["name"] = message.name
        out.append(encoded)
    return out


# --------------------------------------------------------------------------- encode fast path
#
# Nearly every message is plain text, tool calls, or tool results holding plain text. Such
# parts cannot lose anything in OpenAI, so these functions encode them without the per-part
# loss checks and without the JSON paths the general path formats for its loss reports. On
# any other part they give up (return None / False, having produced nothing) and the caller
# runs the general path, which alone decides about losses.


def _plain_texts(parts: Sequence[Part]) -> list[str] | None:
    """The non-empty texts of parts that are all unadorned text, else None."""
    texts: list[str] = []
    for part in parts:
        if type(part) is not TextPart or part.cache_control is not None:
            return None
        if part.signature is not None:
            return None
        if part.text:
            texts.append(part.text)
    return texts


def _text_content(texts: list[str]) -> str | list[JSONObject] | None:
    """Message content for texts, shaped as :func:`encode_content` shapes it."""
    if not texts:
        return None
    if len(texts) == 1:
        return texts[0]
    return [{"type": "text", "text": text} for text in texts]


def _simple_assistant(message: Message, spellings: Mapping[str, Any] | None) -> JSONObject | None:
    """An assistant message of plain texts and tool calls; None for anything else or nothing."""
    texts: list[str] = []
    calls: list[JSONObject] = []
    for part in message.parts:
        if type(part) is TextPart:
            if part.cache_control is not None or part.signature is not None:
                return None
            if part.text:
                if calls:
                    return None  # text after a call: the general path reports the new order
                texts.append(part.text)
        elif type(part) is ToolCallPart:
            if part.cache_control is not None or part.signature is not None:
                return None
            calls.append(_call_object(part, spellings))
        else:
            return None
    if not texts and not calls:
        return None  # the general path decides what an empty assistant turn becomes
    out: JSONObject = {"role": "assistant"}
    content = _text_content(texts)
    if content is not None:
        out["content"] = content
    if message.name is not None:
        out["name"] = message.name
    if calls:
        out["tool_calls"] = calls
    return out


def _simple_tool_message(part: ToolResultPart) -> JSONObject | None:
    """The ``tool`` message of a result holding only text, as :func:`_tool_message` makes it."""
    if part.cache_control is not None or part.is_error:
        return None
    texts: list[str] = []
    for item in part.content:
        if type(item) is not TextPart:
            return None  # media must move to a user message: the general path does that
        if item.text:
            if item.signature is not None or item.cache_control is not None:
                return None
            texts.append(item.text)
    content = _text_content(texts)
    return {"role": "tool", "tool_call_id": part.call_id, "content": content or ""}


def _append_simple_plain(message: Message, out: list[JSONObject]) -> bool:
    """Append a non-assistant message of plain texts and text-only tool results.

    Returns False, having appended nothing, when the message needs the general path.
    """
    tools: list[JSONObject] = []
    texts: list[str] = []
    for part in message.parts:
        if type(part) is TextPart:
            if part.cache_control is not None or part.signature is not None:
                return False
            if part.text:
                texts.append(part.text)
        elif type(part) is ToolResultPart:
            tool = _simple_tool_message(part)
            if tool is None:
                return False
            tools.append(tool)
        else:
            return False
    out += tools
    content = _text_content(texts)
    if content is not None:
        encoded: JSONObject = {"role": message.role, "content": content}
        if message.name is not None:
            encoded["name"] = message.name
        out.append(encoded)
    return True


def _system_content(
    system: list[TextPart], ctx: TranslationContext
) -> str | list[JSONObject] | None:
    texts = _plain_texts(system)
    if texts is None:
        return encode_content(system, "$.system", ctx, media=False)
    return _text_content(texts)


def encode_messages(
    request: Request, ctx: TranslationContext, spellings: Mapping[str, Any] | None = None
) -> list[JSONObject]:
    """``Request.system`` first (as one system message), then the conversation in order."""
    out: list[JSONObject] = []
    system = _system_content(request.system, ctx)
    if system is not None:
        out.append({"role": "system", "content": system})
    for index, message in enumerate(request.messages):
        parts = message.parts
        # The commonest message, one unadorned non-empty text, is tested inline: a call per
        # message was a measurable share of a typical request's encoding.
        if len(parts) == 1:
            part = parts[0]
            if (
                type(part) is TextPart
                and part.text
                and part.cache_control is None
                and part.signature is None
            ):  # the same shape for every role
                lone: JSONObject = {"role": message.role, "content": part.text}
                if message.name is not None:
                    lone["name"] = message.name
                out.append(lone)
                continue
        if message.role == "assistant":
            encoded = _simple_assistant(message, spellings)
            if encoded is None:
                encoded = _assistant(message, f"$.messages[{index}]", ctx, spellings)
            if encoded is not None:
                out.append(encoded)
        elif not _append_simple_plain(message, out):
            out += _plain(message, f"$.messages[{index}]", ctx)
    return out
