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


def has_snake_keys(obj: Any) -> bool:
    """Whether any structural key contains an underscore (cheap check before converting)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if "_" in key or (_camel(key) not in _OPAQUE and has_snake_keys(value)):
                return True
        return False
    if isinstance(obj, list):
        return any(has_snake_keys(item) for item in obj)
    return False


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
