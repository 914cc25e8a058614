"""snake_case Gemini input (as the Python SDK writes it) to the proto-JSON camelCase of the wire.

Only structural keys are renamed: the payloads below keep their keys exactly, since they are
the caller's data (tool arguments, tool results, JSON schemas, labels).
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInputError

_OPAQUE = frozenset(
    {
        "args",
        "response",
        "parameters",
        "parametersJsonSchema",
        "responseSchema",
        "responseJsonSchema",
        "labels",
        "metadata",
    }
)


def _camel(key: str) -> str:
    if "_" not in key:
        return key
    head, *rest = key.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _snake(obj: Any) -> bool:
    return isinstance(obj, dict) and any("_" in key for key in obj)


def _list(obj: Any) -> list[Any]:
    return obj if isinstance(obj, list) else []


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _part_is_snake(part: Any) -> bool:
    # A part's own keys, and one level down (``inlineData.mime_type``, ``willContinue``...).
    if not isinstance(part, dict):
        return False
    return _snake(part) or any(
        _snake(value) for key, value in part.items() if key not in ("functionCall",)
    )


def has_snake_keys(obj: dict[str, Any]) -> bool:
    """Whether the body uses snake_case structural keys.

    Only the levels where Gemini's own field names live are looked at (the body, contents and
    parts, tools and declarations, configs), so the check costs little on large bodies.
    Malformed shapes are left to the decoder, which names the offending field.
    """
    if _snake(obj):
        return True
    for content in _list(obj.get("contents")):
        if any(_part_is_snake(part) for part in _list(_get(content, "parts"))):
            return True
    for tool in _list(obj.get("tools")):
        if _snake(tool) or any(map(_snake, _list(_get(tool, "functionDeclarations")))):
            return True
    config = obj.get("generationConfig")
    tool_config = obj.get("toolConfig")
    return (
        _snake(config)
        or _snake(_get(config, "thinkingConfig"))
        or _snake(tool_config)
        or _snake(_get(tool_config, "functionCallingConfig"))
        or any(_part_is_snake(p) for p in _list(_get(obj.get("systemInstruction"), "parts")))
    )


#: Nesting a structural key can be under. Past it a body is refused, as its JSON text would
#: be: a dict body nested thousands deep must not exhaust the recursion limit.
MAX_DEPTH = 256


def camelize(obj: Any, depth: int = 0) -> Any:
    """A copy of ``obj`` with structural keys in camelCase."""
    if depth > MAX_DEPTH:
        raise InvalidInputError("body is nested too deeply", path="$")
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            name = _camel(key)
            out[name] = value if name in _OPAQUE else camelize(value, depth + 1)
        return out
    if isinstance(obj, list):
        return [camelize(item, depth + 1) for item in obj]
    return obj
