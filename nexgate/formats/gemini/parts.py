"""Gemini parts and contents to and from internal parts and messages."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInputError
from ...schema import (
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    RawPart,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from .._context import TranslationContext
from .._ids import is_synthetic_call_id, synthetic_call_id
from .._json import convert, dump_json, parse_args
from .._media import guess_media_type
from . import wire

_KNOWN = ("text", "inlineData", "fileData", "functionCall", "functionResponse")


def _signature(part: JSONObject) -> Signature | None:
    value = part.get("thoughtSignature")
    return Signature(format="gemini", value=value) if isinstance(value, str) and value else None


def _media(mime: str, data: str | None = None, url: str | None = None) -> ImagePart | DocumentPart:
    if mime.startswith("image/"):
        return ImagePart(media_type=mime, data=data, url=url)
    return DocumentPart(media_type=mime, data=data, url=url)


def result_content(response: JSONObject) -> tuple[list[TextPart | ImagePart | DocumentPart], bool]:
    """A ``functionResponse.response`` object as result content, and whether it is an error."""
    if set(response) == {"result"} and isinstance(response["result"], str):
        return [TextPart(text=response["result"])], False
    if set(response) == {"error"} and isinstance(response["error"], str):
        return [TextPart(text=response["error"])], True
    return [TextPart(text=dump_json(response).decode())], False


class CallIds:
    """Synthesizes ids for calls without one and links id-less results to them by name."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.count = 0
        self.pending: list[tuple[str, str]] = []

    def call(self, call: wire.FunctionCall) -> str:
        call_id = call.id or synthetic_call_id(f"{self.seed}:{call.name}", self.count)
        self.count += 1
        self.pending.append((call_id, call.name))
        return call_id

    def result(self, response: wire.FunctionResponse) -> str:
        if response.id:
            self.pending = [p for p in self.pending if p[0] != response.id]
            return response.id
        for i, (call_id, name) in enumerate(self.pending):
            if name == response.name:
                del self.pending[i]
                return call_id
        return synthetic_call_id(f"{self.seed}:result:{response.name}", self.count)


def decode_part(part: JSONObject, path: str, ids: CallIds) -> Part | None:
    signature = _signature(part)
    if "text" in part:
        text = part["text"]
        if not isinstance(text, str):
            raise InvalidInputError("`text` must be a string", path=f"{path}.text")
        if part.get("thought"):
            return ReasoningPart(text=text, signature=signature)
        if not text and signature is None:
            return None
        return TextPart(text=text, signature=signature)
    if "inlineData" in part:
        blob = convert(part["inlineData"], wire.Blob, "inlineData", f"{path}.inlineData")
        return _media(blob.mime_type, data=blob.data)
    if "fileData" in part:
        file = convert(part["fileData"], wire.FileData, "fileData", f"{path}.fileData")
        return _media(file.mime_type or guess_media_type(file.file_uri), url=file.file_uri)
    if "functionCall" in part:
        call = convert(
            part["functionCall"], wire.FunctionCall, "functionCall", f"{path}.functionCall"
        )
        if not call.name:
            raise InvalidInputError("functionCall needs a name", path=f"{path}.functionCall.name")
        return ToolCallPart(
            id=ids.call(call), name=call.name, arguments=call.args or {}, signature=signature
        )
    if "functionResponse" in part:
        response = convert(
            part["functionResponse"],
            wire.FunctionResponse,
            "functionResponse",
            f"{path}.functionResponse",
        )
        content, is_error = result_content(response.response)
        for i, extra in enumerate(response.parts or ()):
            media = decode_part(extra, f"{path}.functionResponse.parts[{i}]", ids)
            if isinstance(media, ImagePart | DocumentPart):
                content.append(media)
        return ToolResultPart(
            call_id=ids.result(response), name=response.name, content=content, is_error=is_error
        )
    return RawPart(format="gemini", data=part)


def decode_contents(
    contents: list[wire.Content], seed: str, path: str = "$.contents"
) -> list[Message]:
    ids = CallIds(seed)
    out: list[Message] = []
    for i, content in enumerate(contents):
        role = content.role or "user"
        if role not in ("user", "model"):
            raise InvalidInputError(f"unknown role {role!r}", path=f"{path}[{i}].role")
        parts = [
            decode_part(p, f"{path}[{i}].parts[{j}]", ids) for j, p in enumerate(content.parts)
        ]
        kept = [p for p in parts if p is not None]
        out.append(Message(role="assistant" if role == "model" else "user", parts=kept))
    return out


# --------------------------------------------------------------------------- encode


def _with_signature(
    out: JSONObject, signature: Signature | None, path: str, ctx: TranslationContext
) -> JSONObject:
    if signature is not None:
        if signature.format == "gemini":
            out["thoughtSignature"] = signature.value
        else:
            ctx.lose(
                "signature_not_replayable",
                f"{path}.signature",
                f"a {signature.format} signature goes only to {signature.format}",
            )
    return out


def _encode_media(
    part: ImagePart | DocumentPart, path: str, ctx: TranslationContext
) -> JSONObject | None:
    if isinstance(part, ImagePart) and part.detail is not None:
        ctx.lose(
            "image_detail_unsupported", f"{path}.detail", "Gemini has no per-image detail here"
        )
    if part.data is not None:
        mime = part.media_type or "application/octet-stream"
        return {"inlineData": {"mimeType": mime, "data": part.data}}
    url = part.url or ""
    mime = part.media_type or guess_media_type(url, "")
    if not mime:
        ctx.lose("media_url_unsupported", path, "Gemini needs a media type for a file URL")
        return None
    ctx.emulate("media_url_as_file_data", path, "URL sent as fileData; Gemini may not fetch it")
    return {"fileData": {"mimeType": mime, "fileUri": url}}


def response_object(part: ToolResultPart) -> JSONObject:
    """A result's content as the object ``functionResponse.response`` requires."""
    text = "".join(p.text for p in part.content if isinstance(p, TextPart))
    if not part.is_error:
        parsed = parse_args(text) if text.strip().startswith("{") else None
        if parsed is not None:
            return parsed
    return {"error" if part.is_error else "result": text}


def encode_part(
    part: Part, path: str, ctx: TranslationContext, names: dict[str, str]
) -> JSONObject | None:
    if isinstance(part, TextPart):
        if part.cache_control is not None:
            ctx.lose(
                "cache_control_unsupported",
                f"{path}.cache_control",
                "Gemini has no cache breakpoints",
            )
        if not part.text and part.signature is None:
            return None
        return _with_signature({"text": part.text}, part.signature, path, ctx)
    if isinstance(part, ReasoningPart):
        if part.signature is None or part.signature.format != "gemini":
            ctx.lose(
                "reasoning_dropped",
                path,
                "reasoning from another provider cannot be replayed to gemini",
            )
            return None
        return {"text": part.text, "thought": True, "thoughtSignature": part.signature.value}
    if isinstance(part, ImagePart | DocumentPart):
        return _encode_media(part, path, ctx)
    if isinstance(part, ToolCallPart):
        if part.raw_arguments is not None:
            ctx.lose(
                "tool_arguments_invalid",
                f"{path}.arguments",
                "arguments were not a JSON object; sent as {}",
            )
        call: JSONObject = {"name": part.name, "args": part.arguments}
        if not is_synthetic_call_id(part.id):
            call["id"] = part.id
        return _with_signature({"functionCall": call}, part.signature, path, ctx)
    if isinstance(part, ToolResultPart):
        return _encode_result(part, path, ctx, names)
    if part.format == "gemini":
        return part.data
    ctx.lose("unsupported_part", path, f"a {part.format} block has no Gemini equivalent")
    return None


def _encode_result(
    part: ToolResultPart, path: str, ctx: TranslationContext, names: dict[str, str]
) -> JSONObject:
    name = part.name or names.get(part.call_id)
    if name is None:
        raise InvalidInputError(
            f"tool result {part.call_id!r} matches no earlier tool call", path=path
        )
    response: JSONObject = {"name": name, "response": response_object(part)}
    if not is_synthetic_call_id(part.call_id):
        response["id"] = part.call_id
    media = [
        encoded
        for i, item in enumerate(part.content)
        if isinstance(item, ImagePart | DocumentPart)
        and (encoded := _encode_media(item, f"{path}.content[{i}]", ctx)) is not None
    ]
    if media:
        response["parts"] = media
    return {"functionResponse": response}


def encode_contents(messages: list[Message], ctx: TranslationContext) -> list[JSONObject]:
    """Gemini contents: roles user/model, adjacent same-role turns merged, results in call order."""
    names = {p.id: p.name for m in messages for p in m.parts if isinstance(p, ToolCallPart)}
    order = {call_id: i for i, call_id in enumerate(names)}
    out: list[JSONObject] = []
    for i, message in enumerate(messages):
        role = "model" if message.role == "assistant" else "user"
        encoded: list[tuple[Any, JSONObject]] = []
        for j, part in enumerate(message.parts):
            item = encode_part(part, f"$.messages[{i}].parts[{j}]", ctx, names)
            if item is not None:
                rank = order.get(part.call_id, -1) if isinstance(part, ToolResultPart) else None
                encoded.append((rank, item))
        if not encoded:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["_items"].extend(encoded)
        else:
            out.append({"role": role, "_items": encoded})
    for content in out:
        items = content.pop("_items")
        results = sorted((it for it in items if it[0] is not None), key=lambda it: it[0])
        content["parts"] = [it[1] for it in results] + [it[1] for it in items if it[0] is None]
    return out
