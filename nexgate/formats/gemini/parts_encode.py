"""Internal parts and messages encoded as Gemini parts and contents (for requests and
responses); the decoding direction is :mod:`.parts`."""

from __future__ import annotations

from collections.abc import Mapping

from ...errors import InvalidInputError
from ...schema import (
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    ReasoningPart,
    Signature,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from .._context import TranslationContext
from .._ids import is_synthetic_call_id
from .._json import parse_args
from .._media import guess_media_type, parse_data_url

#: The URL schemes Gemini's ``fileData.fileUri`` takes (Files API, YouTube, public HTTPS, GCS).
_URL_SCHEMES = ("http://", "https://", "gs://")
_NO_CACHE = "Gemini has no cache breakpoints"


class Encoder:
    """Internal parts to Gemini parts, for a request (``response=False``) or a response.

    ``names`` maps call ids to tool names, so that a result without a name gets its call's.
    """

    __slots__ = ("ctx", "names", "native", "response")

    def __init__(
        self, ctx: TranslationContext, names: Mapping[str, str], *, response: bool = False
    ) -> None:
        self.ctx = ctx
        self.names = names
        self.response = response
        self.native = ctx.source == "gemini"

    def signature(self, out: JSONObject, signature: Signature | None, path: str) -> JSONObject:
        if signature is not None:
            if signature.format == "gemini":
                out["thoughtSignature"] = signature.value
            else:
                self.ctx.lose(
                    "signature_not_replayable",
                    f"{path}.signature",
                    f"a {signature.format} signature goes only to {signature.format}",
                )
        return out

    def common(self, part: Part) -> JSONObject | None:
        """A part of a common shape that cannot lose anything, encoded; ``None`` otherwise.

        Text, tool calls and text-only tool results are nearly every part of real traffic:
        they skip the general path, which checks every kind of loss and needs the part's JSON
        path. ``None`` means "take :meth:`part`" (which may also return ``None``).
        """
        if isinstance(part, TextPart):
            if part.cache_control is not None or not part.text:
                return None
            return self._signed({"text": part.text}, part.signature)
        if isinstance(part, ToolCallPart):
            if part.raw_arguments is not None or part.cache_control is not None:
                return None
            call: JSONObject = {"name": part.name, "args": part.arguments}
            if not is_synthetic_call_id(part.id):
                call["id"] = part.id
            return self._signed({"functionCall": call}, part.signature)
        if isinstance(part, ToolResultPart):
            return self._text_result(part)
        return None

    @staticmethod
    def _signed(out: JSONObject, signature: Signature | None) -> JSONObject | None:
        """``out`` with its Gemini signature; ``None`` for another format's (a loss)."""
        if signature is None:
            return out
        if signature.format != "gemini":
            return None
        out["thoughtSignature"] = signature.value
        return out

    def _text_result(self, part: ToolResultPart) -> JSONObject | None:
        """A tool result whose content is text only (no media to encode or lose)."""
        if part.cache_control is not None:
            return None
        for item in part.content:
            if not isinstance(item, TextPart) or item.cache_control is not None:
                return None
        name = part.name or self.names.get(part.call_id)
        if name is None:
            return None  # the general path reports it
        response: JSONObject = {}
        if not is_synthetic_call_id(part.call_id):
            response["id"] = part.call_id
        response["name"] = name
        response["response"] = response_object(part)
        return {"functionResponse": response}

    def part(self, part: Part, path: str) -> JSONObject | None:
        if getattr(part, "cache_control", None) is not None:
            self.ctx.lose("cache_control_unsupported", f"{path}.cache_control", _NO_CACHE)
        if isinstance(part, TextPart):
            if not part.text and part.signature is None:
                return None
            return self.signature({"text": part.text}, part.signature, path)
        if isinstance(part, ReasoningPart):
            return self.reasoning(part, path)
        if isinstance(part, ImagePart | DocumentPart):
            return self.media(part, path)
        if isinstance(part, ToolCallPart):
            return self.call(part, path)
        if isinstance(part, ToolResultPart):
            return self.result(part, path)
        if part.format == "gemini":
            return part.data
        self.ctx.lose("unsupported_part", path, f"a {part.format} block has no Gemini equivalent")
        return None

    def reasoning(self, part: ReasoningPart, path: str) -> JSONObject | None:
        if part.redacted_data is not None:
            self.ctx.lose("reasoning_dropped", f"{path}.redacted_data", "redacted thinking")
        ours = part.signature is not None and part.signature.format == "gemini"
        # A request replays thoughts only to their issuer; a response may show any reasoning.
        if not (ours or self.response or (self.native and part.signature is None)):
            self.ctx.lose(
                "reasoning_dropped", path, "reasoning from another provider cannot go to gemini"
            )
            return None
        if not part.text and not ours:
            return None
        return self.signature({"text": part.text, "thought": True}, part.signature, path)

    def media(self, part: ImagePart | DocumentPart, path: str) -> JSONObject | None:
        if isinstance(part, ImagePart) and part.detail is not None:
            self.ctx.lose("image_detail_unsupported", f"{path}.detail", "Gemini has no detail")
        if isinstance(part, DocumentPart) and part.filename is not None:
            self.ctx.lose("filename_unsupported", f"{path}.filename", "Gemini has no file name")
        if part.data is not None:
            mime = part.media_type or "application/octet-stream"
            return {"inlineData": {"mimeType": mime, "data": part.data}}
        url = part.url or ""
        inline = parse_data_url(url)
        if inline is not None:
            return {"inlineData": {"mimeType": inline.media_type, "data": inline.data}}
        mime = part.media_type or guess_media_type(url, "")
        if self.native:
            file: JSONObject = {"mimeType": mime} if mime else {}
            return {"fileData": {**file, "fileUri": url}}
        if not mime or not url.startswith(_URL_SCHEMES):
            self.ctx.lose("media_url_unsupported", path, "Gemini needs a media type for a URL")
            return None
        self.ctx.emulate("media_url_as_file_data", path, "URL sent as fileData (not fetched)")
        return {"fileData": {"mimeType": mime, "fileUri": url}}

    def call(self, part: ToolCallPart, path: str) -> JSONObject:
        if part.raw_arguments is not None:
            self.ctx.lose(
                "tool_arguments_invalid",
                f"{path}.arguments",
                "arguments were not a JSON object; sent as {}",
            )
        call: JSONObject = {"name": part.name, "args": part.arguments}
        if not is_synthetic_call_id(part.id):
            call["id"] = part.id
        return self.signature({"functionCall": call}, part.signature, path)

    def result(self, part: ToolResultPart, path: str) -> JSONObject:
        name = part.name or self.names.get(part.call_id)
        if name is None:
            raise InvalidInputError(
                f"tool result {part.call_id!r} matches no earlier tool call", path=path
            )
        response: JSONObject = {}
        if not is_synthetic_call_id(part.call_id):
            response["id"] = part.call_id
        response["name"] = name
        response["response"] = response_object(part)
        media: list[JSONObject] = []
        for i, item in enumerate(part.content):
            if item.cache_control is not None:
                where = f"{path}.content[{i}].cache_control"
                self.ctx.lose("cache_control_unsupported", where, _NO_CACHE)
            if isinstance(item, ImagePart | DocumentPart):
                encoded = self.media(item, f"{path}.content[{i}]")
                if encoded is not None:
                    media.append(encoded)
        if media:
            response["parts"] = media
        return {"functionResponse": response}


def response_object(part: ToolResultPart) -> JSONObject:
    """A result's content as the object ``functionResponse.response`` requires."""
    content = part.content
    if len(content) == 1 and type(content[0]) is TextPart:
        text = content[0].text  # one text, the usual result: no join
    else:
        text = "".join(p.text for p in content if isinstance(p, TextPart))
    if not part.is_error:
        parsed = parse_args(text) if text.lstrip().startswith("{") else None
        if parsed is not None:
            return parsed
    return {"error" if part.is_error else "result": text}


def encode_contents(messages: list[Message], ctx: TranslationContext) -> list[JSONObject]:
    """Gemini contents: roles user/model, adjacent same-role turns merged, results in call order."""
    #: Tool names by call id, of the calls seen so far: a result without a name gets its call's.
    names: dict[str, str] = {}
    encoder = Encoder(ctx, names)
    contents: list[JSONObject] = []
    #: The tool results of each content that has some (by its index): they go first.
    ranked: dict[int, list[tuple[str, JSONObject]]] = {}
    last_role = ""  # the role of the last content written: an adjacent same-role turn joins it
    for i, message in enumerate(messages):
        if message.name is not None:
            ctx.lose("message_name_unsupported", f"$.messages[{i}].name", "Gemini has no names")
        role = "model" if message.role == "assistant" else "user"
        merged = role == last_role
        text = _only_text(message.parts)
        if text is not None:  # one plain text, the commonest message: no part loop
            if merged:
                contents[-1]["parts"].append({"text": text})
            else:
                contents.append({"role": role, "parts": [{"text": text}]})
                last_role = role
            continue
        plain: list[JSONObject] = contents[-1]["parts"] if merged else []
        results = ranked.get(len(contents) - 1, []) if merged else []
        for j, part in enumerate(message.parts):
            if (
                type(part) is TextPart
                and part.text
                and part.signature is None
                and part.cache_control is None
            ):
                plain.append({"text": part.text})  # the commonest part, inlined
                continue
            if type(part) is ToolCallPart:
                names[part.id] = part.name
            item = encoder.common(part)
            if item is None:
                # The path is built here only: the general path may report a loss.
                item = encoder.part(part, f"$.messages[{i}].parts[{j}]")
                if item is None:
                    continue
            if type(part) is ToolResultPart:
                results.append((part.call_id, item))
            else:
                plain.append(item)
        if results:
            ranked[len(contents) - (1 if merged else 0)] = results
        if not merged and (results or plain):
            contents.append({"role": role, "parts": plain})
            last_role = role
    for index, content_results in ranked.items():
        content = contents[index]
        content["parts"] = _ordered(content_results, content["parts"], names)
    return contents


def _only_text(parts: list[Part]) -> str | None:
    """The text of a message made of one non-empty text part with nothing else to encode."""
    if len(parts) != 1:
        return None
    part = parts[0]
    if (
        type(part) is TextPart
        and part.text
        and part.signature is None
        and part.cache_control is None
    ):
        return part.text
    return None


def _ordered(
    results: list[tuple[str, JSONObject]], plain: list[JSONObject], names: dict[str, str]
) -> list[JSONObject]:
    """All results of one call turn go first, in the order of the calls (Gemini requires it).

    ``names`` holds every call id, in the order each first appeared.
    """
    if len(results) > 1:
        order = {call_id: i for i, call_id in enumerate(names)}
        results.sort(key=lambda result: order.get(result[0], -1))
    return [item for _, item in results] + plain
