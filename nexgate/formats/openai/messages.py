"""OpenAI chat messages and content parts to and from internal messages."""

from __future__ import annotations

from ...errors import InvalidInputError
from ...schema import (
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
from .._json import convert, dump_args, parse_args
from .._media import data_url, parse_data_url
from . import wire

_AUDIO_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg"}
_AUDIO_MEDIA = {media: fmt for fmt, media in _AUDIO_FORMATS.items()}
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


# --------------------------------------------------------------------------- decode


def _content_part(item: JSONObject, path: str) -> Part:
    kind = item.get("type")
    if kind == "text":
        return TextPart(text=convert(item, wire.TextContent, "text part", path).text)
    if kind == "refusal":
        return TextPart(text=str(item.get("refusal", "")))
    if kind == "image_url":
        image = convert(item, wire.ImageContent, "image part", path).image_url
        inline = parse_data_url(image.url)
        if inline is not None:
            return ImagePart(media_type=inline.media_type, data=inline.data, detail=image.detail)
        return ImagePart(url=image.url, detail=image.detail)
    if kind == "file":
        file = convert(item, wire.FileContent, "file part", path).file
        inline = parse_data_url(file.file_data) if file.file_data else None
        if inline is not None:
            return DocumentPart(
                media_type=inline.media_type, data=inline.data, filename=file.filename
            )
        return RawPart(format="openai", data=item)
    if kind == "input_audio":
        audio = convert(item, wire.AudioContent, "audio part", path).input_audio
        media = _AUDIO_FORMATS.get(audio.format, f"audio/{audio.format}")
        return DocumentPart(media_type=media, data=audio.data)
    if not isinstance(kind, str):
        raise InvalidInputError("content part has no string `type`", path=f"{path}.type")
    return RawPart(format="openai", data=item)


def _content(content: str | list[JSONObject] | None, path: str) -> list[Part]:
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(text=content)] if content else []
    parts = [_content_part(item, f"{path}[{i}]") for i, item in enumerate(content)]
    return [p for p in parts if not (isinstance(p, TextPart) and not p.text)]


def _reasoning_parts(message: wire.ChatMessage) -> list[Part]:
    """Claude thinking carried on an OpenAI-format message by the extension fields."""
    parts: list[Part] = []
    for block in message.thinking_blocks or ():
        if block.get("type") == "redacted_thinking":
            data = str(block.get("data", ""))
            parts.append(
                ReasoningPart(redacted_data=data, signature=Signature(format="claude", value=""))
            )
        else:
            signature = block.get("signature")
            parts.append(
                ReasoningPart(
                    text=str(block.get("thinking", "")),
                    signature=Signature(format="claude", value=signature) if signature else None,
                )
            )
    if not parts and message.reasoning_content:
        parts.append(ReasoningPart(text=message.reasoning_content))
    return parts


def _tool_call(call: wire.ToolCall) -> ToolCallPart:
    arguments = parse_args(call.function.arguments)
    google = (call.extra_content or {}).get("google")
    thought = google.get("thought_signature") if isinstance(google, dict) else None
    return ToolCallPart(
        id=call.id,
        name=call.function.name,
        arguments=arguments if arguments is not None else {},
        raw_arguments=None if arguments is not None else call.function.arguments,
        signature=Signature(format="gemini", value=thought) if isinstance(thought, str) else None,
    )


def _assistant(message: wire.ChatMessage, path: str) -> Message:
    parts = _reasoning_parts(message)
    parts += _content(message.content, f"{path}.content")
    if message.refusal:
        parts.append(TextPart(text=message.refusal))
    parts += [_tool_call(call) for call in message.tool_calls or ()]
    return Message(role="assistant", parts=parts, name=message.name)


def _tool_result(message: wire.ChatMessage, path: str) -> ToolResultPart:
    if message.tool_call_id is None:
        raise InvalidInputError("tool message needs `tool_call_id`", path=f"{path}.tool_call_id")
    content = [p for p in _content(message.content, f"{path}.content") if isinstance(p, TextPart)]
    return ToolResultPart(call_id=message.tool_call_id, content=list(content))


def decode_messages(messages: list[wire.ChatMessage]) -> list[Message]:
    """OpenAI messages as internal turns; consecutive ``tool`` messages become one user turn."""
    out: list[Message] = []
    for i, message in enumerate(messages):
        path = f"$.messages[{i}]"
        role = message.role
        if role not in _ROLES:
            raise InvalidInputError(f"unknown message role {role!r}", path=f"{path}.role")
        if role == "tool":
            result = _tool_result(message, path)
            last = out[-1] if out else None
            if (
                last is not None
                and last.role == "user"
                and all(isinstance(p, ToolResultPart) for p in last.parts)
            ):
                last.parts.append(result)
            else:
                out.append(Message(role="user", parts=[result]))
        elif role == "assistant":
            out.append(_assistant(message, path))
        else:
            parts = _content(message.content, f"{path}.content")
            out.append(Message(role=role, parts=parts, name=message.name))  # type: ignore[arg-type]
    return out


# --------------------------------------------------------------------------- encode


def _encode_text_parts(
    parts: list[TextPart], path: str, ctx: TranslationContext
) -> str | list[JSONObject]:
    for i, part in enumerate(parts):
        if part.cache_control is not None:
            ctx.lose(
                "cache_control_unsupported",
                f"{path}[{i}].cache_control",
                "OpenAI has no prompt-cache breakpoints",
            )
    if len(parts) == 1:
        return parts[0].text
    return [{"type": "text", "text": part.text} for part in parts]


def _encode_part(part: Part, path: str, ctx: TranslationContext) -> JSONObject | None:
    if isinstance(part, TextPart):
        if part.cache_control is not None:
            ctx.lose(
                "cache_control_unsupported",
                f"{path}.cache_control",
                "OpenAI has no cache breakpoints",
            )
        return {"type": "text", "text": part.text} if part.text else None
    if isinstance(part, ImagePart):
        url = data_url(part.media_type, part.data) if part.data is not None else part.url
        image: JSONObject = {"url": url or ""}
        if part.detail is not None:
            image["detail"] = part.detail
        return {"type": "image_url", "image_url": image}
    if isinstance(part, DocumentPart):
        return _encode_document(part, path, ctx)
    if isinstance(part, RawPart):
        if part.format == "openai":
            return part.data
        ctx.lose("unsupported_part", path, f"a {part.format} block has no OpenAI equivalent")
        return None
    ctx.lose("unsupported_part", path, f"{type(part).__name__} cannot appear in this message")
    return None


def _encode_document(part: DocumentPart, path: str, ctx: TranslationContext) -> JSONObject | None:
    if part.data is None:
        ctx.lose("document_url_unsupported", path, "OpenAI takes documents inline only")
        return None
    media = part.media_type or "application/pdf"
    if media in _AUDIO_MEDIA:
        return {
            "type": "input_audio",
            "input_audio": {"data": part.data, "format": _AUDIO_MEDIA[media]},
        }
    file: JSONObject = {
        "filename": part.filename or "document.pdf",
        "file_data": data_url(media, part.data),
    }
    if part.filename is None:
        ctx.emulate("document_filename_defaulted", path, "OpenAI file parts need a filename")
    return {"type": "file", "file": file}


def _encode_content(
    parts: list[Part], path: str, ctx: TranslationContext
) -> str | list[JSONObject] | None:
    if parts and all(isinstance(p, TextPart) for p in parts):
        texts = [p for p in parts if isinstance(p, TextPart) and p.text]
        return _encode_text_parts(texts, path, ctx) if texts else None
    encoded = [
        e for i, p in enumerate(parts) if (e := _encode_part(p, f"{path}[{i}]", ctx)) is not None
    ]
    return encoded or None


def _encode_tool_call(part: ToolCallPart, path: str, ctx: TranslationContext) -> JSONObject:
    if part.signature is not None:
        ctx.lose(
            "signature_not_replayable",
            f"{path}.signature",
            f"a {part.signature.format} signature is replayed only to {part.signature.format}",
        )
    arguments = part.raw_arguments if part.raw_arguments is not None else dump_args(part.arguments)
    return {
        "id": part.id,
        "type": "function",
        "function": {"name": part.name, "arguments": arguments},
    }


def _encode_assistant(message: Message, path: str, ctx: TranslationContext) -> JSONObject:
    content: list[Part] = []
    calls: list[JSONObject] = []
    for i, part in enumerate(message.parts):
        where = f"{path}.parts[{i}]"
        if isinstance(part, ToolCallPart):
            calls.append(_encode_tool_call(part, where, ctx))
        elif isinstance(part, ReasoningPart):
            ctx.lose(
                "reasoning_dropped", where, "OpenAI requests cannot carry reasoning or signatures"
            )
        else:
            content.append(part)
    out: JSONObject = {
        "role": "assistant",
        "content": _encode_content(content, f"{path}.content", ctx),
    }
    if message.name is not None:
        out["name"] = message.name
    if calls:
        out["tool_calls"] = calls
    return out


def _encode_tool_result(part: ToolResultPart, path: str, ctx: TranslationContext) -> JSONObject:
    texts: list[str] = []
    for i, item in enumerate(part.content):
        if isinstance(item, TextPart):
            texts.append(item.text)
        else:
            ctx.lose(
                "tool_result_media_dropped",
                f"{path}.content[{i}]",
                "OpenAI tool messages hold text only",
            )
    text = "".join(texts)
    if part.is_error:
        ctx.emulate(
            "tool_result_error_flag", f"{path}.is_error", "OpenAI has no error flag; text prefixed"
        )
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": part.call_id, "content": text}


def _encode_message(message: Message, index: int, ctx: TranslationContext) -> list[JSONObject]:
    path = f"$.messages[{index}]"
    if message.role == "assistant":
        return [_encode_assistant(message, path, ctx)]
    results = [p for p in message.parts if isinstance(p, ToolResultPart)]
    rest: list[Part] = [p for p in message.parts if not isinstance(p, ToolResultPart)]
    out = [_encode_tool_result(p, f"{path}.parts[{i}]", ctx) for i, p in enumerate(results)]
    content = _encode_content(rest, f"{path}.content", ctx)
    if content is not None:
        encoded: JSONObject = {"role": message.role, "content": content}
        if message.name is not None:
            encoded["name"] = message.name
        out.append(encoded)
    return out


def encode_messages(request: Request, ctx: TranslationContext) -> list[JSONObject]:
    out: list[JSONObject] = []
    if request.system:
        out.append(
            {"role": "system", "content": _encode_text_parts(request.system, "$.system", ctx)}
        )
    for index, message in enumerate(request.messages):
        out.extend(_encode_message(message, index, ctx))
    return out
