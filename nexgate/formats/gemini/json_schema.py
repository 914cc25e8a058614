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

import msgspec

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
#: The JSON text of schemas that fit as they are. An agent sends the same tools with every
#: call, and encoding a schema costs a third of walking it. Bounded: emptied when full.
_FITTING: set[bytes] = set()
_FITTING_MAX = 1024
_json_text = msgspec.json.Encoder().encode
_ENUMS_ONLY = "Gemini takes enums of strings and numbers only"


def fit_json_schema(schema: dict[str, Any], path: str, ctx: TranslationContext) -> dict[str, Any]:
    """``schema`` itself when Gemini takes it as it is; otherwise a fitted copy (see above)."""
    key = _key(schema)
    if key in _FITTING:
        return schema
    if _fits(schema, 0):
        # Remembered only when its text says all of it: NaN, tuples, int keys or enum members
        # have the text of other values, which a later lookup would take for this one.
        if key is not None and msgspec.json.decode(key) == schema:
            if len(_FITTING) >= _FITTING_MAX:
                _FITTING.clear()
            _FITTING.add(key)
        return schema
    definitions = schema.get("definitions")
    if type(definitions) is not dict:
        fitted: dict[str, Any] = _fit(schema, path, ctx, 0, legacy=False)
        return fitted
    # Draft-07 definitions: fitted where the caller wrote them (so that losses name their
    # real path), then moved to $defs, and the references to them with them.
    rest = {key: value for key, value in schema.items() if key != "definitions"}
    where = f"{path}.definitions"
    defs = rest.get("$defs")
    if defs is not None and type(defs) is not dict:
        ctx.lose("schema_keyword_removed", where, "beside a $defs that is not an object")
        kept: dict[str, Any] = _fit(rest, path, ctx, 0, legacy=False)
        return kept
    out: dict[str, Any] = _fit(rest, path, ctx, 0, legacy=True)
    ctx.emulate("schema_keyword_rewritten", where, "sent as $defs")
    moved: dict[str, Any] = {}
    for name, sub in definitions.items():
        if defs is not None and name in defs:
            ctx.lose("schema_keyword_removed", f"{where}.{name}", f"$defs has a {name!r} too")
        else:
            moved[name] = _fit(sub, f"{where}.{name}", ctx, 1, legacy=True)
    out["$defs"] = {**moved, **out.get("$defs", {})}
    return out


def _key(schema: dict[str, Any]) -> bytes | None:
    """The schema's JSON text; ``None`` for one that has none (lone surrogates, too deep),
    which the walk then reports."""
    try:
        return _json_text(schema)
    except (TypeError, ValueError, RecursionError):
        return None


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
        # The exact types first (fast); a str or int enum member is its value in JSON, and a
        # bool is no number here.
        if (kind is not str and kind is not int and kind is not float) and (
            kind is bool or not isinstance(value, str | int | float)
        ):
            return False
    return True


def _has_siblings(node: dict[str, Any]) -> bool:
    """Whether a ``$ref`` node carries other keywords than ``$``-ones (Gemini refuses them)."""
    return any(not key.startswith("$") for key in node)


def _fit(node: Any, path: str, ctx: TranslationContext, depth: int, *, legacy: bool) -> Any:
    """A fitted copy of ``node``; ``legacy``: references into ``#/definitions/`` move to
    ``#/$defs/`` (the root's definitions are moved there)."""
    if type(node) is not dict:
        return node  # a boolean schema, or a malformed one: Gemini names what it refuses
    if depth > MAX_DEPTH and _nesting_in(node):  # the rule _fits applies: leaves may sit there
        raise too_deep(path)
    out: dict[str, Any] = {}
    for key, value in node.items():
        where = f"{path}.{key}"
        if key in _NAMED and type(value) is dict:
            out[key] = {
                name: _fit(sub, f"{where}.{name}", ctx, depth + 1, legacy=legacy)
                for name, sub in value.items()
            }
        elif key in _ONE:
            if key == "items" and type(value) is list:
                _fit_tuple_items(value, node, where, out, ctx, depth, legacy)
            else:
                out[key] = _fit(value, where, ctx, depth + 1, legacy=legacy)
        elif key in _MANY and type(value) is list:
            out[key] = _fit_all(value, where, ctx, depth, legacy)
        elif key == "allOf" and type(value) is list and len(value) == 1 and "anyOf" not in node:
            # One branch: the same meaning as a one-branch anyOf, which Gemini takes.
            ctx.emulate("schema_keyword_rewritten", where, "a one-branch allOf sent as anyOf")
            out["anyOf"] = _fit_all(value, where, ctx, depth, legacy)
        elif key == "enum":
            _fit_enum(value, where, out, ctx)
        elif key == "const":
            pass  # after the loop: it may meet an enum
        elif key == "$ref" and legacy and type(value) is str and value.startswith(_LEGACY_REFS):
            out[key] = "#/$defs/" + value[len(_LEGACY_REFS) :]
        elif key in SUPPORTED:
            out[key] = value
        else:
            ctx.lose("schema_keyword_removed", where, f"Gemini does not support `{key}`")
    if "const" in node:
        _fit_const(node["const"], f"{path}.const", out, ctx)
    if "$ref" in out and _has_siblings(out):
        _separate_ref(out, f"{path}.$ref", ctx)
    return out


def _separate_ref(out: dict[str, Any], path: str, ctx: TranslationContext) -> None:
    """Gemini refuses keywords beside a reference; under a one-branch anyOf they stay."""
    ref = out.pop("$ref")
    if "anyOf" in out:
        ctx.lose("schema_keyword_removed", path, "a $ref beside anyOf")
    else:
        ctx.emulate("schema_keyword_rewritten", path, "wrapped in a one-branch anyOf")
        out["anyOf"] = [{"$ref": ref}]


def _fit_tuple_items(
    items: list[Any],
    node: dict[str, Any],
    path: str,
    out: dict[str, Any],
    ctx: TranslationContext,
    depth: int,
    legacy: bool,
) -> None:
    """Draft-07 tuple ``items`` (a list) as ``prefixItems``, unless those are given too."""
    if "prefixItems" in node:
        ctx.lose("schema_keyword_removed", path, "tuple items beside prefixItems")
        return
    ctx.emulate("schema_keyword_rewritten", path, "tuple items sent as prefixItems")
    out["prefixItems"] = _fit_all(items, path, ctx, depth, legacy)


def _fit_all(
    schemas: list[Any], path: str, ctx: TranslationContext, depth: int, legacy: bool
) -> list[Any]:
    return [
        _fit(sub, f"{path}[{i}]", ctx, depth + 1, legacy=legacy) for i, sub in enumerate(schemas)
    ]


def _fit_enum(values: Any, path: str, out: dict[str, Any], ctx: TranslationContext) -> None:
    """Keep the strings and numbers of an enum (a ``null`` one stands for a nullable value)."""
    if _plain_enum(values):
        out["enum"] = values
        return
    kept = [value for value in values if _plain_enum([value])] if type(values) is list else []
    if kept:
        out["enum"] = kept
        ctx.lose("schema_keyword_removed", path, f"{_ENUMS_ONLY}: other values removed")
    else:
        ctx.lose("schema_keyword_removed", path, _ENUMS_ONLY)


def _fit_const(value: Any, path: str, out: dict[str, Any], ctx: TranslationContext) -> None:
    """A const as a one-value enum, narrowing an enum beside it (whatever the key order)."""
    if not _plain_enum([value]):
        ctx.lose("schema_keyword_removed", path, _ENUMS_ONLY)
        return
    enum = out.get("enum")
    if enum is not None and value not in enum:
        # Nothing satisfies both: the enum is kept, which widens the schema.
        ctx.lose("schema_keyword_removed", path, "a const outside the enum beside it")
        return
    ctx.emulate("schema_keyword_rewritten", path, "sent as a one-value enum")
    out["enum"] = [value]
