"""OpenAI request messages decoded into internal messages (encoding: :mod:`.messages_encode`).

Decoding reads content parts, tool calls and the reasoning extensions (responses reuse
:func:`decode_assistant`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from ...errors import InvalidInputError
from ...schema import (
    CacheControl,
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
from .._json import convert, dump_args, parse_args
from .._media import guess_media_type, parse_data_url
from . import wire

#: ``input_audio.format`` values and their media types.
AUDIO_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg"}
_PLAIN_ROLES = frozenset({"system", "developer", "user"})
#: The key of the raw part that carries an assistant turn's ``audio`` (a message field).
AUDIO_ANSWER = "_audio_answer"
#: The key of the raw part that carries a custom tool's call (``type: "custom"``), which only
#: OpenAI has: kept for it, among the turn's calls, and a loss elsewhere.
CUSTOM_CALL = "_custom_call"
#: The key of the raw part that carries the ``tool`` message answering a custom tool's call.
CUSTOM_RESULT = "_custom_result"


# --------------------------------------------------------------------------- parts


def _cache(breakpoint: wire.CacheBreakpoint | None, path: str) -> CacheControl | None:
    """A ``prompt_cache_breakpoint`` as the schema's cache breakpoint (its ``ttl`` is kept as
    written: each encoder checks it against its own format's lifetimes)."""
    if breakpoint is None:
        return None
    if breakpoint.mode != "explicit":
        raise InvalidInputError(
            f"unknown prompt_cache_breakpoint mode {breakpoint.mode!r}",
            path=f"{path}.prompt_cache_breakpoint.mode",
        )
    return CacheControl(ttl=breakpoint.ttl)


def _text(item: JSONObject, path: str) -> TextPart:
    text = convert(item, wire.TextContent, "text part", path)
    cache = _cache(text.prompt_cache_breakpoint, path)
    return (
        TextPart(text=text.text) if cache is None else TextPart(text=text.text, cache_control=cache)
    )


def _image(item: JSONObject, path: str) -> ImagePart:
    content = convert(item, wire.ImageContent, "image_url part", path)
    image, cache = content.image_url, _cache(content.prompt_cache_breakpoint, path)
    inline = parse_data_url(image.url)
    if inline is not None:
        return ImagePart(
            media_type=inline.media_type, data=inline.data, detail=image.detail, cache_control=cache
        )
    return ImagePart(url=image.url, detail=image.detail, cache_control=cache)


def _file(item: JSONObject, path: str) -> Part:
    content = convert(item, wire.FileContent, "file part", path)
    file, cache = content.file, _cache(content.prompt_cache_breakpoint, path)
    if file.file_data is None:
        return RawPart(format="openai", data=item)  # a file_id only OpenAI can resolve
    inline = parse_data_url(file.file_data)
    if inline is not None:
        media, data = inline.media_type, inline.data
    else:
        # Bare base64 (no data: prefix): the type comes from the file name.
        media, data = guess_media_type(file.filename, "application/pdf"), file.file_data
    return DocumentPart(media_type=media, data=data, filename=file.filename, cache_control=cache)


def _audio(item: JSONObject, path: str) -> DocumentPart:
    content = convert(item, wire.AudioContent, "input_audio part", path)
    audio, cache = content.input_audio, _cache(content.prompt_cache_breakpoint, path)
    media = AUDIO_FORMATS.get(audio.format, f"audio/{audio.format}")
    return DocumentPart(media_type=media, data=audio.data, cache_control=cache)


def content_part(item: JSONObject, path: str) -> Part:
    """One content part; unknown types become a :class:`RawPart` kept for OpenAI."""
    kind = item.get("type")
    if kind == "text":
        return _text(item, path)
    if kind == "refusal":
        return TextPart(text=convert(item, wire.RefusalContent, "refusal part", path).refusal)
    if kind == "image_url":
        return _image(item, path)
    if kind == "file":
        return _file(item, path)
    if kind == "input_audio":
        return _audio(item, path)
    if not isinstance(kind, str):
        raise InvalidInputError("content part needs a string `type`", path=f"{path}.type")
    return RawPart(format="openai", data=item)


def content_parts(content: wire.Content, path: str) -> list[Part]:
    """Message content (a string or a list of parts); empty text is dropped."""
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(text=content)] if content else []
    parts: list[Part] = []
    for i, item in enumerate(content):
        # A plain text part (no breakpoint, nothing else) is checked by hand: the path of a
        # part is formatted only for the others.
        text = item.get("text") if item.get("type") == "text" and len(item) == 2 else None
        if type(text) is not str:
            part = content_part(item, f"{path}[{i}]")
            if isinstance(part, TextPart) and not part.text:
                continue
            parts.append(part)
        elif text:
            parts.append(TextPart(text=text))
    return parts


def _content(content: wire.Content, path_template: str, index: int) -> list[Part]:
    """:func:`content_parts`; the path, ``path_template.format(index)``, is made only for a list.

    String content, the common case, can raise no error, so it needs no path.
    """
    if isinstance(content, list):
        return content_parts(content, path_template.format(index))
    return [TextPart(text=content)] if content else []


# --------------------------------------------------------------------------- assistant


def reasoning_parts(
    blocks: Sequence[wire.ThinkingBlock | wire.RedactedThinkingBlock] | None,
    reasoning_content: str | None,
) -> list[Part]:
    """Claude thinking carried by the ``thinking_blocks`` / ``reasoning_content`` extensions.

    With blocks present, ``reasoning_content`` is their joined text and adds nothing.
    """
    parts: list[Part] = []
    for block in blocks or ():
        if isinstance(block, wire.RedactedThinkingBlock):
            claude = Signature(format="claude", value="")  # marks the issuer, as Claude's decoder
            parts.append(ReasoningPart(redacted_data=block.data, signature=claude))
        else:
            signature = (
                Signature(format="claude", value=block.signature) if block.signature else None
            )
            parts.append(ReasoningPart(text=block.thinking, signature=signature))
    if not parts and reasoning_content:
        parts.append(ReasoningPart(text=reasoning_content))
    return parts


def tool_call_part(call: wire.ToolCall, spellings: dict[str, str]) -> ToolCallPart:
    """A tool call; arguments that are not a JSON object are kept raw beside ``{}``.

    The argument string is parsed once, here; an object not written compactly also goes to
    ``spellings`` (by call id), as :func:`argument_spellings` would record it.
    """
    assert call.function is not None  # see call_part
    text = call.function.arguments
    arguments = parse_args(text)
    if arguments is None:
        part = ToolCallPart(id=call.id, name=call.function.name, raw_arguments=text)
    else:
        if dump_args(arguments) != text:
            spellings[call.id] = text
        part = ToolCallPart(id=call.id, name=call.function.name, arguments=arguments)
    if call.extra_content is not None:
        google = call.extra_content.google
        thought = google.thought_signature if google is not None else None
        if thought:
            part.signature = Signature(format="gemini", value=thought)
    return part


def call_part(call: wire.ToolCall, path: str, spellings: dict[str, str]) -> Part:
    """A function call as a :class:`ToolCallPart`; a custom tool's, kept raw for OpenAI."""
    if call.function is not None:
        return tool_call_part(call, spellings)
    if call.type != "custom" or call.custom is None:
        raise InvalidInputError("a tool call needs `function` (or, custom, `custom`)", path=path)
    custom: JSONObject = {"id": call.id, "type": call.type, "custom": call.custom}
    extra = msgspec.to_builtins(call.extra_content) if call.extra_content is not None else None
    if extra:  # kept with the call, which goes to OpenAI only
        custom["extra_content"] = extra
    return custom_call_part(custom)


def custom_call_part(call: JSONObject) -> RawPart:
    """The raw part that carries a custom tool's call (as the wire has it) for OpenAI."""
    return RawPart(format="openai", data={CUSTOM_CALL: call})


def custom_call_of(part: Part) -> JSONObject | None:
    """The custom tool's call a part carries (see :func:`custom_call_part`), else ``None``."""
    if isinstance(part, RawPart) and part.format == "openai":
        call = part.data.get(CUSTOM_CALL)
        return call if isinstance(call, dict) else None
    return None


def decode_assistant(
    message: wire.ChatMessage | wire.ResponseMessage,
    content_path: str,
    index: int,
    spellings: dict[str, str],
) -> list[Part]:
    """Reasoning first, then content, the refusal text and the tool calls, in that order.

    ``content_path.format(index)`` is the JSON path of the content, made only when needed.
    """
    if message.thinking_blocks is None and message.reasoning_content is None:
        parts: list[Part] = []  # no reasoning: the usual case skips reasoning_parts
    else:
        parts = reasoning_parts(message.thinking_blocks, message.reasoning_content)
    content = message.content
    if type(content) is str:  # the usual, which needs no path: one text, unless empty
        if content:
            parts.append(TextPart(text=content))
    elif content is not None:  # absent beside tool calls
        parts += content_parts(content, content_path.format(index))
    if message.refusal:
        parts.append(TextPart(text=message.refusal))
    if message.tool_calls:
        for j, call in enumerate(message.tool_calls):
            if call.function is not None:  # the usual: no path to format
                parts.append(tool_call_part(call, spellings))
            else:
                where = content_path.format(index).rsplit(".", 1)[0] + f".tool_calls[{j}]"
                parts.append(call_part(call, where, spellings))
    return parts


def argument_spellings(calls: Iterable[wire.ToolCall]) -> dict[str, str]:
    """Argument strings that are JSON objects written other than compactly, by call id."""
    out: dict[str, str] = {}
    for call in calls:
        if call.function is None:
            continue  # a custom tool's call: no arguments
        parsed = parse_args(call.function.arguments)
        if parsed is not None and dump_args(parsed) != call.function.arguments:
            out[call.id] = call.function.arguments
    return out


# --------------------------------------------------------------------------- messages


_MESSAGE_PATH = "$.messages[{}]"
_CONTENT_PATH = _MESSAGE_PATH + ".content"


def _tool_result(message: wire.ChatMessage, index: int) -> ToolResultPart:
    if message.tool_call_id is None:
        path = _MESSAGE_PATH.format(index)
        raise InvalidInputError("a tool message needs `tool_call_id`", path=f"{path}.tool_call_id")
    if type(message.content) is str:  # the usual: one text, nothing to check
        text = message.content
        return ToolResultPart(
            call_id=message.tool_call_id, content=[TextPart(text=text)] if text else []
        )
    content: list[TextPart | ImagePart | DocumentPart] = []
    for i, part in enumerate(_content(message.content, _CONTENT_PATH, index)):
        if not isinstance(part, TextPart | ImagePart | DocumentPart):
            path = _MESSAGE_PATH.format(index)
            raise InvalidInputError(
                "tool message content must be text", path=f"{path}.content[{i}]"
            )
        content.append(part)
    return ToolResultPart(call_id=message.tool_call_id, content=content)


_TEXT_ONLY_ROLES = frozenset({"system", "developer", "user", "assistant"})


def _decode_message(message: wire.ChatMessage, index: int, spellings: dict[str, str]) -> Message:
    """A system, developer, user or assistant message (not ``tool``)."""
    role = message.role
    if role == "assistant":
        parts = decode_assistant(message, _CONTENT_PATH, index, spellings)
        if message.audio is not None:
            # Only OpenAI can resolve the audio answer it issued: a part kept for it alone.
            parts.append(RawPart(format="openai", data={AUDIO_ANSWER: message.audio}))
        return Message(role="assistant", parts=parts, name=message.name)
    if role not in _PLAIN_ROLES:
        path = _MESSAGE_PATH.format(index)
        raise InvalidInputError(f"unknown message role {role!r}", path=f"{path}.role")
    if message.tool_calls:  # ignored on this role, but their spellings count as before
        spellings.update(argument_spellings(message.tool_calls))
    parts = _content(message.content, _CONTENT_PATH, index)
    return Message(role=role, parts=parts, name=message.name)  # type: ignore[arg-type]


def decode_messages(
    messages: Sequence[wire.ChatMessage], spellings: dict[str, str]
) -> list[Message]:
    """OpenAI messages as internal turns; consecutive ``tool`` messages become one user turn.

    ``spellings`` receives the tool calls' argument spellings (see :func:`tool_call_part`).
    """
    out: list[Message] = []
    previous_tool = False
    custom: set[str] = set()  # the ids of custom tools' calls: their results stay raw too
    for index, message in enumerate(messages):
        content = message.content
        # A text-only message (string content, nothing but a role and maybe a name) is
        # decoded in place: most messages are, and the test is inlined because a call per
        # message was a tenth of a typical request's decoding.
        if (
            type(content) is str
            and message.role in _TEXT_ONLY_ROLES
            and message.tool_calls is None
            and message.refusal is None
            and message.reasoning_content is None
            and message.thinking_blocks is None
            and message.audio is None
        ):
            parts: list[Part] = [TextPart(text=content)] if content else []
            out.append(Message(role=message.role, parts=parts, name=message.name))  # type: ignore[arg-type]
            previous_tool = False
            continue
        if message.role != "tool":
            out.append(_decode_message(message, index, spellings))
            previous_tool = False
            if message.tool_calls:
                custom.update(call.id for call in message.tool_calls if call.function is None)
            continue
        if message.tool_calls:  # ignored on a tool message, but their spellings count
            spellings.update(argument_spellings(message.tool_calls))
        result: Part = _tool_result(message, index)
        if custom and message.tool_call_id in custom:
            tool = {
                "role": "tool",
                "tool_call_id": message.tool_call_id,
                "content": message.content,
            }
            result = RawPart(format="openai", data={CUSTOM_RESULT: tool})
        if previous_tool:
            out[-1].parts.append(result)
        else:
            out.append(Message(role="user", parts=[result]))
        previous_tool = True
    return out
