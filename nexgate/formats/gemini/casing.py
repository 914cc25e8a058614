"""snake_case Gemini input (as the Python SDK writes it) to the proto-JSON camelCase of the wire.

Only structural keys are renamed: the payloads below keep their keys exactly, since they are
the caller's data (tool arguments, tool results, JSON schemas, labels).
"""

from __future__ import annotations

from typing import Any

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


def has_snake_keys(obj: dict[str, Any]) -> bool:
    """Whether the body uses snake_case structural keys.

    Only the levels where Gemini's own field names live are looked at (the body, contents and
    parts, tools and declarations, configs), so the check costs little on large bodies.
    """
    if _snake(obj):
        return True
    for content in obj.get("contents") or ():
        if isinstance(content, dict) and any(_snake(part) for part in content.get("parts") or ()):
            return True
    for tool in obj.get("tools") or ():
        if _snake(tool) or (
            isinstance(tool, dict) and any(map(_snake, tool.get("functionDeclarations") or ()))
        ):
            return True
    config = obj.get("generationConfig")
    return (
        _snake(config)
        or _snake(obj.get("toolConfig"))
        or (isinstance(config, dict) and _snake(config.get("thinkingConfig")))
    )


def camelize(obj: Any) -> Any:
    """A copy of ``obj`` with structural keys in camelCase."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            name = _camel(key)
            out[name] = value if name in _OPAQUE else camelize(value)
        return out
    if isinstance(obj, list):
        return [camelize(item) for item in obj]
    return obj
