"""JSON Schema to the OpenAPI subset Gemini's ``parameters`` accepts, and back.

Gemini's function ``parameters`` take an OpenAPI 3.0 schema subset: uppercase ``type``, a
``nullable`` flag instead of ``null`` in a union, no ``$ref``, no ``const`` and no
``additionalProperties``. Every keyword removed on the way is recorded as a loss.
"""

from __future__ import annotations

from typing import Any

from .._context import TranslationContext

#: Keywords of the Gemini API ``Schema`` message (generativelanguage v1beta).
ALLOWED = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "maxItems",
        "minItems",
        "properties",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "anyOf",
        "propertyOrdering",
        "default",
        "items",
        "minimum",
        "maximum",
    }
)
_META = frozenset({"$schema", "$id", "$comment", "$defs", "definitions", "$ref"})
_FORMATS = {
    "STRING": {"enum", "date-time"},
    "INTEGER": {"int32", "int64"},
    "NUMBER": {"float", "double"},
}


class _Compiler:
    def __init__(self, root: dict[str, Any], path: str, ctx: TranslationContext) -> None:
        self.defs: dict[str, Any] = {**root.get("definitions", {}), **root.get("$defs", {})}
        self.path = path
        self.ctx = ctx
        self.stack: list[str] = []

    def lose(self, path: str, keyword: str, detail: str) -> None:
        self.ctx.lose("schema_keyword_removed", f"{path}.{keyword}", detail)

    def resolve(self, schema: dict[str, Any], path: str) -> dict[str, Any] | None:
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        name = ref.rsplit("/", 1)[-1]
        if name in self.stack or name not in self.defs:
            why = "recursive $ref cannot be inlined" if name in self.stack else f"unresolved {ref}"
            self.lose(path, "$ref", why)
            return None
        merged = {**self.defs[name], **{k: v for k, v in schema.items() if k != "$ref"}}
        return merged

    def compile(self, schema: Any, path: str) -> dict[str, Any]:
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        resolved = self.resolve(schema, path)
        if resolved is None:
            return {"type": "OBJECT"}
        if isinstance(ref, str):
            self.stack.append(ref.rsplit("/", 1)[-1])
        try:
            return self._compile(resolved, path)
        finally:
            if isinstance(ref, str):
                self.stack.pop()

    def _compile(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        schema = self._flatten(schema, path)
        self._type(schema, out, path)
        for key, value in schema.items():
            if key in ("type", "anyOf", "oneOf", "allOf", "const", "nullable"):
                continue
            if key == "properties" and isinstance(value, dict):
                out["properties"] = {
                    name: self.compile(sub, f"{path}.properties.{name}")
                    for name, sub in value.items()
                }
            elif key == "items":
                out["items"] = self.compile(value, f"{path}.items")
            elif key == "format":
                self._format(value, out, path)
            elif key == "examples" and isinstance(value, list) and value:
                out["example"] = value[0]
                self.ctx.emulate(
                    "schema_keyword_rewritten", f"{path}.examples", "sent as `example`"
                )
            elif key == "enum":
                self._enum(value, out, path)
            elif key in ALLOWED:
                out[key] = value
            elif key not in _META:
                self.lose(path, key, f"Gemini function schemas have no `{key}`")
        if "const" in schema:
            self._enum([schema["const"]], out, path)
            self.ctx.emulate(
                "schema_keyword_rewritten", f"{path}.const", "sent as a one-value enum"
            )
        return out

    def _flatten(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        """Merge a single-branch ``allOf`` and rewrite ``oneOf`` as ``anyOf``."""
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for i, part in enumerate(all_of):
                part = self.resolve(part, f"{path}.allOf[{i}]") if isinstance(part, dict) else None
                for key, value in (part or {}).items():
                    if key == "properties":
                        merged.setdefault("properties", {}).update(value)
                    elif key == "required":
                        merged["required"] = [*merged.get("required", []), *value]
                    else:
                        merged.setdefault(key, value)
            if len(all_of) > 1:
                self.ctx.emulate("schema_keyword_rewritten", f"{path}.allOf", "branches merged")
            schema = merged
        if "oneOf" in schema:
            self.ctx.emulate("schema_keyword_rewritten", f"{path}.oneOf", "sent as anyOf")
            schema = {**{k: v for k, v in schema.items() if k != "oneOf"}, "anyOf": schema["oneOf"]}
        return schema

    def _type(self, schema: dict[str, Any], out: dict[str, Any], path: str) -> None:
        kind = schema.get("type")
        nullable = bool(schema.get("nullable"))
        if isinstance(kind, list):
            nullable = nullable or "null" in kind
            kinds = [k for k in kind if k != "null"]
            if len(kinds) == 1:
                kind = kinds[0]
            elif kinds:
                out["anyOf"] = [{"type": str(k).upper()} for k in kinds]
                kind = None
            else:
                kind = None
        if isinstance(kind, str) and kind != "null":
            out["type"] = kind.upper()
        branches = schema.get("anyOf")
        if isinstance(branches, list):
            non_null = [
                b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")
            ]
            nullable = nullable or len(non_null) < len(branches)
            if len(non_null) == 1:
                inner = self.compile(non_null[0], f"{path}.anyOf[0]")
                out.update({k: v for k, v in inner.items() if k not in out})
            else:
                out["anyOf"] = [
                    self.compile(b, f"{path}.anyOf[{i}]") for i, b in enumerate(non_null)
                ]
        if nullable:
            out["nullable"] = True

    def _format(self, value: Any, out: dict[str, Any], path: str) -> None:
        kind = out.get("type")
        if isinstance(kind, str) and value in _FORMATS.get(kind, ()):
            out["format"] = value
        else:
            self.lose(path, "format", f"Gemini supports no format {value!r} here")

    def _enum(self, values: Any, out: dict[str, Any], path: str) -> None:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.lose(path, "enum", "Gemini enums take strings only")
            return
        out["enum"] = list(values)
        out.setdefault("type", "STRING")


def to_gemini_schema(schema: dict[str, Any], path: str, ctx: TranslationContext) -> dict[str, Any]:
    """Compile a JSON Schema for Gemini's ``parameters``; removals are recorded on ``ctx``."""
    return _Compiler(schema, path, ctx).compile(schema, path)


def from_gemini_schema(schema: Any) -> Any:
    """A Gemini ``Schema`` as JSON Schema: lowercase types and ``null`` unions."""
    if isinstance(schema, list):
        return [from_gemini_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out["type"] = value.lower()
        elif key == "properties" and isinstance(value, dict):
            out["properties"] = {name: from_gemini_schema(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf"):
            out[key] = from_gemini_schema(value)
        elif key in ("nullable", "propertyOrdering"):
            continue
        else:
            out[key] = value
    if schema.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out
