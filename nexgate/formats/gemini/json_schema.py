"""JSON Schema made fit for Gemini's ``parametersJsonSchema`` and ``responseJsonSchema``.

These fields take JSON Schema itself, so a schema is sent as the caller wrote it, but Gemini
documents only a subset of the keywords (see ``SUPPORTED``) and refuses a ``$ref`` that has
sibling keywords. Nearly every tool schema is already inside that subset: :func:`fit_json_schema`
checks so without copying anything and returns the schema itself. Otherwise it returns a copy
where each keyword outside the subset is removed (a ``schema_keyword_removed`` loss naming its
JSON path) or carried another way (``const`` as a one-value ``enum``, a ``$ref`` with siblings
wrapped in ``anyOf``, draft-07 ``definitions`` as ``$defs``), each recorded too.

The OpenAPI subset of Gemini's older ``parameters`` field is :mod:`.schema_compile`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._context import TranslationContext
from .schema_compile import MAX_DEPTH, too_deep

#: The keywords Gemini documents for its JSON Schema fields.
SUPPORTED = frozenset(
    {
        "$id",
        "$defs",
        "$ref",
        "$anchor",
        "type",
        "format",
        "title",
        "description",
        "enum",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "anyOf",
        "oneOf",
        "properties",
        "additionalProperties",
        "required",
        "propertyOrdering",
    }
)
#: Keywords whose value is one schema, a list of schemas, or a map of names to schemas.
_ONE = ("items", "additionalProperties")
_MANY = ("anyOf", "oneOf", "prefixItems")
_NAMED = ("properties", "$defs")
#: The supported keywords that hold no schema and need no check beyond ``enum``'s.
_is_leaf = (SUPPORTED - {*_ONE, *_MANY, *_NAMED, "$ref"}).issuperset
_is_supported = SUPPORTED.issuperset
_nesting_in = frozenset({*_ONE, *_MANY, *_NAMED}).intersection
_LEGACY_REFS = "#/definitions/"
_ENUMS_ONLY = "Gemini takes enums of strings and numbers only"


def fit_json_schema(schema: dict[str, Any], path: str, ctx: TranslationContext) -> dict[str, Any]:
    """``schema`` itself when Gemini takes it as it is; otherwise a fitted copy (see above)."""
    if _fits(schema, 0):
        return schema
    defs = schema.get("definitions")
    if type(defs) is dict:
        ctx.emulate("schema_keyword_rewritten", f"{path}.definitions", "sent as $defs")
        schema = {k: v for k, v in schema.items() if k != "definitions"}
        schema["$defs"] = {**defs, **(schema.get("$defs") or {})}
    fitted = _fit(schema, path, ctx, 0)
    return fitted if type(fitted) is dict else schema


def _fits(node: Any, depth: int) -> bool:
    """Whether ``node`` and everything under it needs no change (no copy, no JSON path)."""
    if type(node) is not dict:
        return type(node) is bool  # a boolean schema; anything else gets the fitting walk
    if _is_leaf(node):
        return "enum" not in node or _plain_enum(node["enum"])
    if depth > MAX_DEPTH or not _is_supported(node):
        return False
    if "enum" in node and not _plain_enum(node["enum"]):
        return False
    if "$ref" in node and not _plain_ref(node):
        return False
    depth += 1
    for key in _nesting_in(node):  # the few keywords that hold schemas, found in C
        value = node[key]
        if key in _ONE:
            if not _fits(value, depth):
                return False
        elif key in _MANY:
            if type(value) is not list or not _all_fit(value, depth):
                return False
        elif type(value) is not dict or not _all_fit(value.values(), depth):
            return False
    return True


def _plain_ref(node: dict[str, Any]) -> bool:
    ref = node["$ref"]
    return type(ref) is str and not ref.startswith(_LEGACY_REFS) and not _has_siblings(node)


def _all_fit(schemas: Iterable[Any], depth: int) -> bool:
    for schema in schemas:
        # The leaf test inlined: most properties are leaves, and a call costs as much.
        if type(schema) is dict and _is_leaf(schema):
            if "enum" in schema and not _plain_enum(schema["enum"]):
                return False
        elif not _fits(schema, depth):
            return False
    return True


def _plain_enum(values: Any) -> bool:
    """Gemini takes enums "for strings and numbers" only."""
    if type(values) is not list:
        return False
    for value in values:
        kind = type(value)
        if kind is not str and kind is not int and kind is not float:
            return False
    return True


def _has_siblings(node: dict[str, Any]) -> bool:
    """Whether a ``$ref`` node carries other keywords than ``$``-ones (Gemini refuses them)."""
    return any(not key.startswith("$") for key in node)


def _fit(node: Any, path: str, ctx: TranslationContext, depth: int) -> Any:
    if type(node) is not dict:
        return node  # a boolean schema, or a malformed one: Gemini names what it refuses
    if depth > MAX_DEPTH:
        raise too_deep(path)
    out: dict[str, Any] = {}
    for key, value in node.items():
        where = f"{path}.{key}"
        if key in _NAMED and type(value) is dict:
            out[key] = {
                name: _fit(sub, f"{where}.{name}", ctx, depth + 1) for name, sub in value.items()
            }
        elif key in _ONE:
            if key == "items" and type(value) is list:
                ctx.emulate("schema_keyword_rewritten", where, "tuple items sent as prefixItems")
                out["prefixItems"] = [
                    _fit(sub, f"{where}[{i}]", ctx, depth + 1) for i, sub in enumerate(value)
                ]
            else:
                out[key] = _fit(value, where, ctx, depth + 1)
        elif key in _MANY and type(value) is list:
            out[key] = [_fit(sub, f"{where}[{i}]", ctx, depth + 1) for i, sub in enumerate(value)]
        elif key == "enum" and not _plain_enum(value):
            ctx.lose("schema_keyword_removed", where, _ENUMS_ONLY)
        elif key == "const":
            if _plain_enum([value]):
                ctx.emulate("schema_keyword_rewritten", where, "sent as a one-value enum")
                out["enum"] = [value]
            else:
                ctx.lose("schema_keyword_removed", where, _ENUMS_ONLY)
        elif key == "$ref" and type(value) is str and value.startswith(_LEGACY_REFS):
            out[key] = "#/$defs/" + value[len(_LEGACY_REFS) :]
        elif key in SUPPORTED:
            out[key] = value
        else:
            ctx.lose("schema_keyword_removed", where, f"Gemini does not support `{key}`")
    ref = out.get("$ref")
    if ref is not None and _has_siblings(out):
        # Gemini refuses keywords beside a reference; under a one-branch anyOf they stay.
        del out["$ref"]
        if "anyOf" in out:
            ctx.lose("schema_keyword_removed", f"{path}.$ref", "a $ref beside anyOf")
        else:
            ctx.emulate("schema_keyword_rewritten", f"{path}.$ref", "wrapped in a one-branch anyOf")
            out["anyOf"] = [{"$ref": ref}]
    return out
