"""Gemini parts and contents decoded into internal parts and messages (the other direction
is :mod:`.parts_encode`)."""

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
from .._ids import digest, synthetic_call_id
from .._json import convert, dump_json
from .._media import guess_media_type
from . import wire
from .fastpath import Unusual, json_object, optional_str


def _signature(part: JSONObject) -> Signature | None:
    value = part.get("thoughtSignature")
    return Signature(format="gemini", value=value) if isinstance(value, str) and value else None


def _media(
    mime: str | None, data: str | None = None, url: str | None = None
) -> ImagePart | DocumentPart:
    if mime is not None and mime.startswith("image/"):
        return ImagePart(media_type=mime, data=data, url=url)
    return DocumentPart(media_type=mime, data=data, url=url)


def result_content(response: JSONObject) -> tuple[list[TextPart | ImagePart | DocumentPart], bool]:
    """A ``functionResponse.response`` object as result content, and whether it is an error."""
    if len(response) == 1:
        if isinstance(response.get("result"), str):
            return [TextPart(text=response["result"])], False
        if isinstance(response.get("error"), str):
            return [TextPart(text=response["error"])], True
    return [TextPart(text=dump_json(response).decode())], False


class CallIds:
    """Synthesizes ids for calls without one and links id-less results to them by name.

    The seed of a call is its own turn (not the whole conversation), so a call keeps its id
    when later turns are added to the conversation. A turn's seed is a digest of its parts
    (and, for a turn equal to earlier ones, how many came before), computed only when an id
    must actually be synthesized: calls usually carry their own id.
    """

    __slots__ = ("_seed", "_seeds", "_turn_parts", "count", "pending")

    def __init__(self, seed: str) -> None:
        self._seed: str | None = seed
        self._turn_parts: list[JSONObject] = []
        #: How many earlier turns had each digest: equal turns (the same call repeated, as a
        #: polling client does) must not repeat ids, which Claude refuses.
        self._seeds: dict[str, int] = {}
        self.count = 0
        self.pending: list[tuple[str, str]] = []

    @property
    def seed(self) -> str:
        if self._seed is None:
            turn = digest(dump_json(self._turn_parts).decode("utf-8", "replace"))
            earlier = self._seeds.get(turn, 0)
            self._seeds[turn] = earlier + 1
            self._seed = f"{turn}:{earlier}" if earlier else turn
        return self._seed

    def turn(self, parts: list[JSONObject]) -> None:
        """Start a new model turn: ids are numbered from 0 with the turn's own seed."""
        self._seed = None
        self._turn_parts = parts
        self.count = 0

    def call(self, call: wire.FunctionCall) -> str:
        return self.named_call(call.id, call.name)

    def named_call(self, call_id: str | None, name: str) -> str:
        call_id = call_id or synthetic_call_id(f"{self.seed}:{name}", self.count)
        self.count += 1
        self.pending.append((call_id, name))
        return call_id

    def result(self, response: wire.FunctionResponse) -> str:
        return self.named_result(response.id, response.name)

    def named_result(self, call_id: str | None, name: str) -> str:
        if call_id:
            if self.pending:
                self.pending = [p for p in self.pending if p[0] != call_id]
            return call_id
        for i, (pending_id, pending_name) in enumerate(self.pending):
            if pending_name == name:
                del self.pending[i]
                return pending_id
        return synthetic_call_id(f"{self.seed}:result:{name}", self.count)


def _file_mime(file: wire.FileData) -> str | None:
    if file.mime_type:
        return file.mime_type
    guessed = guess_media_type(file.file_uri, "")
    return guessed or None


def whole_part(part: RawPart) -> Part:
    """A part a stream carried raw, as a whole response decodes it: media (events have no
    media part) become an image or document; anything else stays raw."""
    data = part.data
    if "inlineData" in data or "fileData" in data:
        try:
            decoded = decode_part(data, "$", CallIds(""))
        except InvalidInputError:
            return part  # a malformed one: kept as it came
        if decoded is not None:
            return decoded
    return part


#: The keys a text part may have. A part is one kind of data (a oneof), but some servers send
#: an empty ``text`` beside another kind (a call, an image, code): that kind is the part.
TEXT_KEYS = frozenset({"text", "thought", "thoughtSignature"})


def decode_part(part: JSONObject, path: str, ids: CallIds) -> Part | None:
    """One Gemini part; ``None`` for an empty text part (a signature alone is kept)."""
    signature = _signature(part)
    text = part.get("text", "")
    if not isinstance(text, str):
        raise InvalidInputError("`text` must be a string", path=f"{path}.text")
    if "text" in part and (text or TEXT_KEYS.issuperset(part)):
        if not text and signature is None:
            return None
        if part.get("thought") is True:
            return ReasoningPart(text=text, signature=signature)
        return TextPart(text=text, signature=signature)
    if "inlineData" in part:
        blob = convert(part["inlineData"], wire.Blob, "inlineData", f"{path}.inlineData")
        return _media(blob.mime_type, data=blob.data)
    if "fileData" in part:
        file = convert(part["fileData"], wire.FileData, "fileData", f"{path}.fileData")
        return _media(_file_mime(file), url=file.file_uri)
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
        return _decode_result(part["functionResponse"], f"{path}.functionResponse", ids)
    return RawPart(format="gemini", data=part)


#: The keys of the part shapes the fast decoder reads (a text's: ``TEXT_KEYS``); any other
#: key takes the general path.
_CALL_PART_KEYS = frozenset({"functionCall", "thoughtSignature"})
_CALL_KEYS = frozenset({"name", "args", "id"})
_RESULT_KEYS = frozenset({"name", "response", "id"})


def decode_common_part(part: Any, ids: CallIds) -> Part | None:
    """One part of a common shape (text, thought, functionCall, functionResponse) or
    :class:`~.fastpath.Unusual`; the same result as :func:`decode_part` on those shapes.

    It exists because text, calls and results are nearly every part of real traffic, and the
    general decoder validates each through ``msgspec.convert`` and builds its JSON path.
    """
    if type(part) is not dict:
        raise Unusual
    text = part.get("text")
    if type(text) is str:
        if len(part) == 1:  # plain text, by far the commonest part
            return TextPart(text=text) if text else None
        return _common_text(part, text)
    if "functionCall" in part:
        return _common_call(part, ids)
    if "functionResponse" in part and len(part) == 1:
        return _common_result(part["functionResponse"], ids)
    raise Unusual


def _common_signature(part: JSONObject) -> Signature | None:
    value = part.get("thoughtSignature")
    if value is None:
        return None
    if type(value) is not str:
        raise Unusual
    return Signature(format="gemini", value=value) if value else None


def _common_text(part: JSONObject, text: str) -> TextPart | ReasoningPart | None:
    if not TEXT_KEYS.issuperset(part) or type(part.get("thought", False)) is not bool:
        raise Unusual
    signature = _common_signature(part)
    if not text and signature is None:
        return None
    if part.get("thought") is True:
        return ReasoningPart(text=text, signature=signature)
    return TextPart(text=text, signature=signature)


def _common_call(part: JSONObject, ids: CallIds) -> ToolCallPart:
    call = part["functionCall"]
    if not _CALL_PART_KEYS.issuperset(part) or type(call) is not dict:
        raise Unusual
    if not _CALL_KEYS.issuperset(call):
        raise Unusual
    name = call.get("name")
    if type(name) is not str or not name:
        raise Unusual
    args = call.get("args")
    if args is not None and type(args) is not dict:
        raise Unusual
    arguments = json_object(args) if args else {}
    call_id = ids.named_call(optional_str(call.get("id")), name)
    return ToolCallPart(
        id=call_id, name=name, arguments=arguments, signature=_common_signature(part)
    )


def _common_result(result: Any, ids: CallIds) -> ToolResultPart:
    if type(result) is not dict or not _RESULT_KEYS.issuperset(result):
        raise Unusual
    name = result.get("name")
    if type(name) is not str:
        raise Unusual
    raw = result.get("response")
    response = {} if raw is None and "response" not in result else json_object(raw)
    call_id = optional_str(result.get("id"))
    content, is_error = result_content(response)
    return ToolResultPart(
        call_id=ids.named_result(call_id, name), name=name, content=content, is_error=is_error
    )


def _decode_result(raw: Any, path: str, ids: CallIds) -> ToolResultPart:
    response = convert(raw, wire.FunctionResponse, "functionResponse", path)
    content, is_error = result_content(response.response)
    for i, extra in enumerate(response.parts or ()):
        where = f"{path}.parts[{i}]"
        if "inlineData" in extra:
            blob = convert(extra["inlineData"], wire.Blob, "inlineData", f"{where}.inlineData")
            content.append(_media(blob.mime_type, data=blob.data))
        elif "fileData" in extra:
            file = convert(extra["fileData"], wire.FileData, "fileData", f"{where}.fileData")
            content.append(_media(_file_mime(file), url=file.file_uri))
    return ToolResultPart(
        call_id=ids.result(response), name=response.name, content=content, is_error=is_error
    )


def decode_contents(contents: list[wire.Content], path: str = "$.contents") -> list[Message]:
    """Gemini contents as messages; call ids are synthesized from each model turn's own parts."""
    ids = CallIds("")
    out: list[Message] = []
    for i, content in enumerate(contents):
        role = content.role or "user"
        if role not in ("user", "model"):
            raise InvalidInputError(f"unknown role {role!r}", path=f"{path}[{i}].role")
        if role == "model":
            ids.turn(content.parts)
        parts = [
            decode_part(p, f"{path}[{i}].parts[{j}]", ids) for j, p in enumerate(content.parts)
        ]
        kept = [p for p in parts if p is not None]
        if kept:
            out.append(Message(role="assistant" if role == "model" else "user", parts=kept))
    return out
