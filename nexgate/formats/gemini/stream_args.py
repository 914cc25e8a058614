"""Function-call arguments that Vertex AI streams piece by piece (``partialArgs``).

With ``streamFunctionCallArguments`` a call arrives as ``{name, willContinue: true}``, then
nameless parts holding ``partialArgs: [{jsonPath, stringValue|numberValue|boolValue|nullValue,
willContinue}]`` (a string continues over several entries while ``willContinue`` is set), and
ends with a nameless part without ``willContinue``. This module rebuilds the argument object.
"""

from __future__ import annotations

import re
from typing import Any

from ...schema import JSONObject

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_VALUE_KEYS = (
    ("stringValue", "string_value"),
    ("numberValue", "number_value"),
    ("boolValue", "bool_value"),
    ("nullValue", "null_value"),
)


def parse_path(path: str) -> list[str | int] | None:
    """``$.a.b[0]`` -> ``["a", "b", 0]``; ``None`` for a path this module does not support."""
    if not path.startswith("$"):
        return None
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            return None
        key, index, quoted, double = match.groups()
        steps.append(int(index) if index is not None else (key or quoted or double or ""))
        position = match.end()
    return steps or None


def _get(entry: JSONObject, camel: str, snake: str) -> Any:
    return entry[camel] if camel in entry else entry.get(snake)


class PartialArgs:
    """Collects the pieces of one call's arguments."""

    __slots__ = ("args", "continuing", "valid")

    def __init__(self, args: JSONObject | None = None) -> None:
        self.args: JSONObject = dict(args or {})
        #: Paths whose string value the next piece extends.
        self.continuing: set[str] = set()
        self.valid = True

    def add(self, entries: Any) -> None:
        if not isinstance(entries, list):
            return
        for entry in entries:
            if isinstance(entry, dict):
                self._add_one(entry)

    def _add_one(self, entry: JSONObject) -> None:
        path = _get(entry, "jsonPath", "json_path")
        steps = parse_path(path) if isinstance(path, str) else None
        if steps is None:
            self.valid = False
            return
        assert isinstance(path, str)
        value: Any = None
        for camel, snake in _VALUE_KEYS:
            if camel in entry or snake in entry:
                # nullValue holds the enum "NULL_VALUE"; the argument itself is null.
                value = None if camel == "nullValue" else _get(entry, camel, snake)
                break
        if isinstance(value, str) and path in self.continuing:
            current = self._read(steps)
            value = (current if isinstance(current, str) else "") + value
        if _get(entry, "willContinue", "will_continue") is True and isinstance(value, str):
            self.continuing.add(path)
        else:
            self.continuing.discard(path)
        self._write(steps, value)

    def _read(self, steps: list[str | int]) -> Any:
        node: Any = self.args
        for step in steps:
            if isinstance(step, int) and isinstance(node, list) and step < len(node):
                node = node[step]
            elif isinstance(step, str) and isinstance(node, dict):
                node = node.get(step)
            else:
                return None
        return node

    def _write(self, steps: list[str | int], value: Any) -> None:
        node: Any = self.args
        for step, following in zip(steps, [*steps[1:], None], strict=True):
            child: Any = value if following is None else ([] if isinstance(following, int) else {})
            if isinstance(step, str) and isinstance(node, dict):
                if following is None or not isinstance(node.get(step), dict | list):
                    node[step] = child
                node = node[step]
            elif isinstance(step, int) and isinstance(node, list) and step <= len(node):
                if step == len(node):
                    node.append(child)
                elif following is None or not isinstance(node[step], dict | list):
                    node[step] = child
                node = node[step]
            else:
                self.valid = False  # the path runs into a value of another shape
                return
