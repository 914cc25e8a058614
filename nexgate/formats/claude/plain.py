"""Fast paths for the plain Claude bodies that make up almost all traffic.

``msgspec.convert`` into the wire types validates a whole body and then every content block
again (each conversion copies the object); for a typical request that costs more than parsing
the JSON. The checks here recognise the common shapes by hand. They never raise and never
record a loss: a body or block they do not recognise gets ``None`` and goes to the general
decoder, which produces the same result for plain input and the typed error (with its JSON
path) for bad input.

Two rules keep the result identical to the general path:

* A value is plain only with exactly the Python type the wire type would give it
  (``type(v) is float``: an ``int`` temperature is converted by msgspec, so it is not plain).
* A dict is plain only when all its keys are known field names (counted with ``len``) or
  checked to be strings: ``msgspec.convert`` rejects non-string keys, which a Python caller
  (not JSON) could pass. Dicts that become values of the internal schema are copied, as
  ``convert`` copies them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ...schema import (
    DocumentPart,
    ImagePart,
    JSONObject,
    Message,
    Part,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
)

_MAX_COUNT = 2**31 - 1  # the bound of wire.Count
_ROLES = ("user", "assistant", "system")
_CHOICE_FIELDS = frozenset({"type", "name", "disable_parallel_tool_use"})
_CHOICE_TYPES = ("auto", "any", "none", "tool")
#: Exact types (``map(type, ...)`` against these): a subclass is left to ``msgspec.convert``.
_ONLY_DICT = frozenset({dict})
_ONLY_STR = frozenset({str})
_NONE = type(None)


# --------------------------------------------------------------------------- value checks


def _is_count(value: int) -> bool:
    return 0 <= value <= _MAX_COUNT


def _is_dict_list(value: list[Any]) -> bool:
    return _ONLY_DICT.issuperset(map(type, value))


def _is_str_list(value: list[Any]) -> bool:
    return _ONLY_STR.issuperset(map(type, value))


def _has_str_keys(obj: JSONObject) -> bool:
    return _ONLY_STR.issuperset(map(type, obj))


def string_keyed_copy(value: Any) -> JSONObject | None:
    """A shallow copy of a dict with string keys (what ``convert`` gives), else ``None``."""
    if type(value) is not dict or not _has_str_keys(value):
        return None
    return value.copy()


# --------------------------------------------------------------------------- request


def _is_plain_system(value: Any) -> bool:
    return type(value) is str or _is_dict_list(value)


def _is_plain_tool_choice(value: JSONObject) -> bool:
    """A tool choice the general decoder accepts without an error."""
    if not value.keys() <= _CHOICE_FIELDS:
        return False
    kind, name = value.get("type"), value.get("name")
    if type(kind) is not str or kind not in _CHOICE_TYPES:
        return False
    if name is not None and type(name) is not str:
        return False
    if kind == "tool" and not name:
        return False
    return type(value.get("disable_parallel_tool_use")) in (bool, _NONE)


#: The exact types a plain request may give each field ``wire.MessagesRequest`` models:
#: what msgspec would keep as it is (it converts an int temperature to float, for one).
#: ``messages`` is checked by :func:`scan_messages`; a non-null ``metadata``, ``thinking``
#: or ``output_config`` is left to the general decoder. Most fields need only their type;
#: the others are checked further by ``_REQUEST_CONTENT_CHECKS``.
_REQUEST_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "messages": (list,),
    "max_tokens": (int, _NONE),
    "system": (str, list, _NONE),
    "temperature": (float, _NONE),
    "top_p": (float, _NONE),
    "top_k": (int, _NONE),
    "stop_sequences": (list, _NONE),
    "stream": (bool, _NONE),
    "tools": (list, _NONE),
    "tool_choice": (dict, _NONE),
    "metadata": (_NONE,),
    "thinking": (_NONE,),
    "output_config": (_NONE,),
}

_REQUEST_CONTENT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "max_tokens": _is_count,
    "top_k": _is_count,
    "system": _is_plain_system,
    "stop_sequences": _is_str_list,
    "tools": _is_dict_list,
    "tool_choice": _is_plain_tool_choice,
}


def plain_request_unknown_fields(obj: JSONObject) -> JSONObject | None:
    """The fields of a plain request body that ``wire.MessagesRequest`` does not model (in
    body order), or ``None`` when the body needs the general decoder.

    Plain means: ``model`` present and every modeled field of a type in ``_REQUEST_TYPES``.
    """
    if "model" not in obj:
        return None
    unknown: JSONObject = {}
    for key, value in obj.items():
        types = _REQUEST_TYPES.get(key)
        if types is None:
            if type(key) is not str:
                return None
            unknown[key] = value
        elif type(value) not in types:
            return None
        elif value is not None:
            check = _REQUEST_CONTENT_CHECKS.get(key)
            if check is not None and not check(value):
                return None
    return unknown


class ScannedMessages(NamedTuple):
    """Messages decoded by :func:`scan_messages`.

    ``general`` lists the messages whose blocks are not all plain: their ``parts`` are left
    empty, for the general decoder to fill in once the whole body is known to be valid (it
    may record losses or raise, which must happen in the general path's order).
    """

    messages: list[Message]
    general: list[int]


def scan_messages(value: list[Any]) -> ScannedMessages | None:
    """Check and decode the messages in one pass; ``None`` unless every message is
    ``{"role", "content"}`` with a known role and string or block-list content (what
    ``wire.MessagesRequest`` accepts and ``request._messages`` does not reject).

    It only builds values (no loss, no error), so the caller may still fall back to the
    general decoder after it.
    """
    messages: list[Message] = []
    general: list[int] = []
    for message in value:
        if type(message) is not dict or len(message) != 2:
            return None
        role, content = message.get("role"), message.get("content")
        if role not in _ROLES or type(role) is not str:
            return None
        if type(content) is str:
            parts: list[Part] = [TextPart(text=content)] if content else []
        elif type(content) is list:
            plain = _plain_blocks(content)
            if plain is None:
                if not _is_dict_list(content):
                    return None
                general.append(len(messages))
                plain = []
            parts = plain
        else:
            return None
        messages.append(Message(role=role, parts=parts))  # type: ignore[arg-type]
    return ScannedMessages(messages, general)


def _plain_blocks(blocks: list[Any]) -> list[Part] | None:
    parts: list[Part] = []
    for block in blocks:
        if type(block) is not dict:
            return None
        # The text case of decode_plain_block, inlined: most blocks are text.
        text = block.get("text")
        if type(text) is str and text and len(block) == 2 and block.get("type") == "text":
            parts.append(TextPart(text=text))
            continue
        part = decode_plain_block(block)
        if part is None:
            return None
        parts.append(part)
    return parts


def plain_tool(item: JSONObject) -> Tool | None:
    """``{"name", "description"?, "input_schema"}`` as a tool, else ``None``."""
    name = item.get("name")
    description = item.get("description")
    schema = string_keyed_copy(item.get("input_schema"))
    if type(name) is not str or schema is None:
        return None
    if description is None:
        if len(item) != 2:
            return None
    elif type(description) is not str or len(item) != 3:
        return None
    return Tool(name=name, description=description, parameters=schema)


# --------------------------------------------------------------------------- blocks


def _plain_text(block: JSONObject) -> TextPart | None:
    """``{"type": "text", "text": <non-empty>}`` (no citations, no cache_control)."""
    text = block.get("text")
    if len(block) != 2 or type(text) is not str or not text:
        return None
    return TextPart(text=text)


def _plain_tool_use(block: JSONObject) -> ToolCallPart | None:
    call_id, name = block.get("id"), block.get("name")
    if len(block) != 4 or type(call_id) is not str or type(name) is not str:
        return None
    arguments = string_keyed_copy(block.get("input"))
    if arguments is None:
        return None
    return ToolCallPart(id=call_id, name=name, arguments=arguments)


def _plain_tool_result(block: JSONObject) -> ToolResultPart | None:
    """A tool result of a string or of plain text blocks, optionally with ``is_error``."""
    call_id = block.get("tool_use_id")
    is_error = block.get("is_error", False)
    if type(call_id) is not str or type(is_error) is not bool:
        return None
    if "content" not in block or len(block) != 3 + ("is_error" in block):
        return None
    content = _plain_result_content(block["content"])
    if content is None:
        return None
    return ToolResultPart(call_id=call_id, content=content, is_error=is_error)


def _plain_result_content(content: Any) -> list[TextPart | ImagePart | DocumentPart] | None:
    if type(content) is str:
        return [TextPart(text=content)] if content else []
    if type(content) is not list:
        return None
    parts: list[TextPart | ImagePart | DocumentPart] = []
    for item in content:
        if type(item) is not dict or item.get("type") != "text":
            return None
        part = _plain_text(item)
        if part is None:
            return None
        parts.append(part)
    return parts


def decode_plain_block(block: JSONObject) -> Part | None:
    """A plain text, tool_use or tool_result block as a part, else ``None`` (the general
    decoder then handles it, including empty text and every error)."""
    kind = block.get("type")
    if kind == "text":
        return _plain_text(block)
    if kind == "tool_use":
        return _plain_tool_use(block)
    if kind == "tool_result":
        return _plain_tool_result(block)
    return None


def plain_system_block(block: JSONObject) -> TextPart | None:
    """A plain system text block (the general path validates it as ``wire.TextBlock``)."""
    if block.get("type") != "text":
        return None
    return _plain_text(block)
