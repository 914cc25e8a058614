"""JSON Schema to the OpenAPI subset Gemini's ``parameters`` accepts, and back.

Gemini's function ``parameters`` (and ``responseSchema``) take an OpenAPI 3.0 schema subset:
uppercase ``type``, a ``nullable`` flag instead of ``null`` in a union, no ``$ref``, no
``const`` and no ``additionalProperties``. References are inlined, ``null`` unions become
``nullable``, ``const`` becomes a one-value ``enum``; every keyword removed on the way is
recorded as a ``schema_keyword_removed`` loss naming its JSON path.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInputError
from .._context import TranslationContext
from .fastpath import Unusual, str_list

#: Keywords of the Gemini API ``Schema`` message (generativelanguage v1beta), kept as they are.
ALLOWED = frozenset(
    {
        "title",
        "description",
        "maxItems",
        "minItems",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "propertyOrdering",
        "default",
        "minimum",
        "maximum",
    }
)
#: Keywords handled by the compiler itself (not copied, not lost).
_HANDLED = frozenset(
    {"type", "anyOf", "oneOf", "allOf", "const", "nullable", "$defs", "definitions", "$ref"}
)
_FORMATS = {
    "STRING": {"enum", "date-time"},
    "INTEGER": {"int32", "int64"},
    "NUMBER": {"float", "double"},
}
#: int64 fields that proto-JSON may write as strings.
_COUNTS = frozenset(
    {"minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength"}
)
#: Deeper schemas are refused: no real tool needs them and recursion must stay bounded.
MAX_DEPTH = 64


def too_deep(path: str) -> InvalidInputError:
    return InvalidInputError("schema is nested too deeply", path=path)


class _Compiler:
    def __init__(self, root: dict[str, Any], ctx: TranslationContext) -> None:
        self.defs: dict[str, Any] = {}
        for key in ("definitions", "$defs"):
            table = root.get(key)
            if isinstance(table, dict):
                self.defs.update(table)
        self.ctx = ctx
        self.stack: list[str] = []
        self.depth = 0

    def lose(self, path: str, keyword: str, detail: str) -> None:
        self.ctx.lose("schema_keyword_removed", f"{path}.{keyword}", detail)

    def rewrite(self, path: str, keyword: str, detail: str) -> None:
        self.ctx.emulate("schema_keyword_rewritten", f"{path}.{keyword}", detail)

    def resolve(self, schema: dict[str, Any], path: str) -> tuple[dict[str, Any] | None, str]:
        """The schema with its ``$ref`` inlined (siblings win); ``None`` for a cycle."""
        ref = schema.get("$ref")
        if ref is None:
            return schema, ""
        name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""
        target = self.defs.get(name) if isinstance(ref, str) and ref.startswith("#/") else None
        if name in self.stack:
            self.lose(path, "$ref", f"recursive {ref} cannot be inlined; recursion stops here")
            return None, ""
        if not isinstance(target, dict):
            self.lose(path, "$ref", f"unresolvable $ref {ref!r}")
            return {k: v for k, v in schema.items() if k != "$ref"}, ""
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}, name

    def compile(self, schema: Any, path: str) -> dict[str, Any]:
        if self.depth > MAX_DEPTH:
            raise too_deep(path)
        self.depth += 1
        try:
            return self._node(schema, path)
        finally:
            self.depth -= 1

    def _node(self, schema: Any, path: str) -> dict[str, Any]:
        if schema is True or schema == {}:
            return {}
        if not isinstance(schema, dict):
            self.lose(path, "schema", "not a schema object")
            return {}
        resolved, name = self.resolve(schema, path)
        if resolved is None:
            stub: dict[str, Any] = {"type": "OBJECT"}
            if isinstance(schema.get("description"), str):
                stub["description"] = schema["description"]
            return stub
        if name:
            self.stack.append(name)
        try:
            return self._compile(self._flatten(resolved, path), path)
        finally:
            if name:
                self.stack.pop()

    def _compile(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._type(schema, out, path)
        if "type" not in out and "anyOf" not in out:
            self._implied_type(schema, out, path)
        for key, value in schema.items():
            if key in _HANDLED:
                continue
            if key == "properties":
                self._properties(value, out, path)
            elif key == "items":
                if isinstance(value, dict):
                    out["items"] = self.compile(value, f"{path}.items")
                else:
                    self.lose(path, "items", "Gemini has no tuple-form items")
            elif key == "format":
                self._format(value, out, path)
            elif key == "examples" and isinstance(value, list) and value:
                out["example"] = value[0]
                self.rewrite(path, "examples", "the first example sent as `example`")
            elif key == "enum":
                self._enum(value, out, path)
            elif key in _COUNTS and isinstance(value, str) and value.isdigit():
                out[key] = int(value)
            elif key in ALLOWED:
                out[key] = value
            else:
                self.lose(path, key, f"Gemini schemas have no `{key}`")
        if "const" in schema and self._enum([schema["const"]], out, path, "const"):
            self.rewrite(path, "const", "sent as a one-value enum")
        return out

    def _implied_type(self, schema: dict[str, Any], out: dict[str, Any], path: str) -> None:
        """The type a typeless schema implies. JSON Schema lets ``properties`` or ``items``
        stand without one (MCP tools often do); Gemini refuses properties on anything but an
        OBJECT, items on anything but an ARRAY."""
        if "properties" in schema or "required" in schema:
            out["type"] = "OBJECT"
        elif "items" in schema:
            out["type"] = "ARRAY"
        else:
            return
        self.rewrite(path, "type", f"implied by its keywords: {out['type']}")

    def _properties(self, value: Any, out: dict[str, Any], path: str) -> None:
        if not isinstance(value, dict):
            self.lose(path, "properties", "not an object")
            return
        out["properties"] = {
            str(name): self.compile(sub, f"{path}.properties.{name}") for name, sub in value.items()
        }

    def _flatten(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        """Merge ``allOf`` branches into the schema and rewrite ``oneOf`` as ``anyOf``."""
        all_of = schema.get("allOf")
        if all_of is not None:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            branches = all_of if isinstance(all_of, list) else []
            for i, branch in enumerate(branches):
                branch_path = f"{path}.allOf[{i}]"
                part, _ = (
                    self.resolve(branch, branch_path) if isinstance(branch, dict) else (None, "")
                )
                if isinstance(part, dict) and "allOf" in part:  # nested: its branches too
                    part = self._flatten(part, branch_path)
                for key, value in (part or {}).items():
                    if key == "properties" and isinstance(value, dict):
                        props = merged.get("properties")
                        merged["properties"] = {
                            **(props if isinstance(props, dict) else {}),
                            **value,
                        }
                    elif key == "required" and isinstance(value, list):
                        required = merged.get("required")
                        base = required if isinstance(required, list) else []
                        merged["required"] = [*base, *(r for r in value if r not in base)]
                    elif key not in merged:
                        merged[key] = value
                    elif merged[key] != value:
                        # Both constrain the value; one schema can say only one of them.
                        self.lose(path, key, "allOf branches disagree: the first is kept")
            if len(branches) != 1:
                self.rewrite(path, "allOf", "branches merged into one schema")
            schema = merged
        if "oneOf" in schema:
            self.rewrite(path, "oneOf", "sent as anyOf")
            rest = {k: v for k, v in schema.items() if k != "oneOf"}
            schema = {**rest, "anyOf": schema["oneOf"]}
        return schema

    def _type(self, schema: dict[str, Any], out: dict[str, Any], path: str) -> None:
        kind = schema.get("type")
        nullable = schema.get("nullable") is True
        if isinstance(kind, list):
            nullable = nullable or "null" in kind
            kinds = [k for k in kind if k != "null" and isinstance(k, str)]
            if len(kinds) == 1:
                kind = kinds[0]
            else:
                if kinds:
                    out["anyOf"] = [{"type": k.upper()} for k in kinds]
                kind = None
        if isinstance(kind, str) and kind.lower() != "null":
            out["type"] = kind.upper()
        elif isinstance(kind, str):
            nullable = True
        branches = schema.get("anyOf")
        if isinstance(branches, list):
            non_null = [
                b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")
            ]
            nullable = nullable or len(non_null) < len(branches)
            if len(non_null) == 1:
                # anyOf [X, null] is X, nullable.
                inner = self.compile(non_null[0], f"{path}.anyOf[0]")
                out.update({k: v for k, v in inner.items() if k not in out})
            elif non_null:
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

    def _enum(self, values: Any, out: dict[str, Any], path: str, keyword: str = "enum") -> bool:
        if isinstance(values, list) and None in values:  # null allowed: Gemini's nullable
            values = [v for v in values if v is not None]
            out["nullable"] = True
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.lose(path, keyword, "Gemini enums take strings only")
            return False
        out["enum"] = list(values)
        out.setdefault("type", "STRING")
        return True


# --------------------------------------------------------------------------- plain schemas
#
# Nearly every tool schema is plain: typed objects, arrays and scalars with descriptions,
# enums of strings and the keywords Gemini keeps as they are. Compiling such a schema needs no
# reference table, no loss bookkeeping and no JSON paths, so it takes a direct walk; a schema
# with anything else raises ``Unusual`` and gets the full compiler (which reports its losses).

#: Keywords the plain walk copies unchanged (counts may be digit strings: converted).
_PLAIN_COPIED = ALLOWED - _COUNTS


def _compile_plain(schema: Any, depth: int) -> dict[str, Any]:
    """The same output as ``_Compiler.compile`` for a plain schema; ``Unusual`` otherwise."""
    if depth > MAX_DEPTH:
        raise Unusual
    if type(schema) is not dict:
        if schema is True:
            return {}
        raise Unusual
    out: dict[str, Any] = {}
    kind = schema.get("type")
    if kind is None:
        if "properties" in schema or "required" in schema or "items" in schema:
            raise Unusual  # an implied type, which the full compiler records
    else:
        if type(kind) is not str:
            raise Unusual  # unions become anyOf/nullable
        kind = kind.upper()
        if kind == "NULL":
            raise Unusual  # a null type becomes nullable
        out["type"] = kind
    for key, value in schema.items():
        if key in _PLAIN_COPIED:
            out[key] = value
        elif key == "properties" and type(value) is dict:  # the commonest nesting, inlined
            out["properties"] = {
                str(name): _compile_plain(sub, depth + 1) for name, sub in value.items()
            }
        elif key != "type":
            _plain_keyword(key, value, out, depth)
    return out


def _plain_keyword(key: str, value: Any, out: dict[str, Any], depth: int) -> None:
    if key == "properties":
        if type(value) is not dict:
            raise Unusual
        out["properties"] = {
            str(name): _compile_plain(sub, depth + 1) for name, sub in value.items()
        }
    elif key == "items":
        if type(value) is not dict:
            raise Unusual
        out["items"] = _compile_plain(value, depth + 1)
    elif key == "format":
        kind = out.get("type")
        if type(value) is not str or value not in _FORMATS.get(kind or "", ()):
            raise Unusual
        out["format"] = value
    elif key == "enum":
        if value is None:
            raise Unusual  # no enum: removed with a loss
        out["enum"] = str_list(value)  # strings only (``Unusual`` otherwise), copied
        out.setdefault("type", "STRING")
    elif key in _COUNTS and not isinstance(value, str):
        out[key] = value
    elif key in _COUNTS and value.isdigit():
        out[key] = int(value)
    else:
        raise Unusual  # a keyword that is rewritten, inlined or removed with a loss


def compile_plain_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A plain schema compiled for Gemini (nothing to report); ``Unusual`` for any other."""
    return _compile_plain(schema, 0)


def to_gemini_schema(schema: dict[str, Any], path: str, ctx: TranslationContext) -> dict[str, Any]:
    """Compile a JSON Schema for Gemini's ``parameters``; removals are recorded on ``ctx``."""
    try:
        return _compile_plain(schema, 0)
    except Unusual:
        pass
    try:
        return _Compiler(schema, ctx).compile(schema, path)
    except RecursionError:
        raise too_deep(path) from None


#: The keywords :func:`from_gemini_schema` may change; it copies every other one as it is.
_FROM_GEMINI_REWRITTEN = frozenset({"type", "properties", "items", "anyOf", "nullable"}) | _COUNTS


def common_from_gemini(schema: Any, depth: int = 0) -> Any:
    """:func:`from_gemini_schema` without JSON paths; ``Unusual`` when it would fail.

    The paths exist for the one error (too deep) and cost an f-string per node: the fast
    request decoder uses this walk and leaves that error to the general decoder.
    """
    if depth > MAX_DEPTH:
        raise Unusual
    if type(schema) is list:
        return [common_from_gemini(item, depth + 1) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _FROM_GEMINI_REWRITTEN:  # description, required, enum...: most keys
            out[key] = value
        elif key == "type" and isinstance(value, str):
            if value.upper() != "TYPE_UNSPECIFIED":  # no type: any value, as JSON Schema says
                out["type"] = value.lower()
        elif key == "properties" and isinstance(value, dict):
            out["properties"] = {
                name: common_from_gemini(sub, depth + 1) for name, sub in value.items()
            }
        elif key in ("items", "anyOf"):
            out[key] = common_from_gemini(value, depth + 1)
        elif key in _COUNTS and isinstance(value, str) and value.isdigit():
            out[key] = int(value)
        elif key != "nullable":
            out[key] = value
    if schema.get("nullable") is True:
        _admit_null(out)
    return out


def _admit_null(out: dict[str, Any]) -> None:
    """A ``nullable`` schema as JSON Schema: ``null`` joins the type (and the enum, which
    would refuse it otherwise) or the ``anyOf``."""
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        enum = out.get("enum")
        if isinstance(enum, list) and None not in enum:
            out["enum"] = [*enum, None]
    elif isinstance(out.get("anyOf"), list):
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]


def from_gemini_schema(schema: Any, path: str = "$", depth: int = 0) -> Any:
    """A Gemini ``Schema`` as JSON Schema: lowercase types and ``null`` unions."""
    if depth > MAX_DEPTH:
        raise too_deep(path)
    if isinstance(schema, list):
        return [
            from_gemini_schema(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(schema)
        ]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            if value.upper() != "TYPE_UNSPECIFIED":  # no type: any value, as JSON Schema says
                out["type"] = value.lower()
        elif key == "properties" and isinstance(value, dict):
            out["properties"] = {
                name: from_gemini_schema(sub, f"{path}.properties.{name}", depth + 1)
                for name, sub in value.items()
            }
        elif key in ("items", "anyOf"):
            out[key] = from_gemini_schema(value, f"{path}.{key}", depth + 1)
        elif key in _COUNTS and isinstance(value, str) and value.isdigit():
            out[key] = int(value)
        elif key != "nullable":
            out[key] = value
    if schema.get("nullable") is True:
        _admit_null(out)
    return out
