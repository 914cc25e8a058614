"""What the general request decoder keeps in ``Request.extras["gemini"]``, read from the mirrors.

Real requests carry fields nexgate does not model (``safetySettings``, ``cachedContent``,
``labels``, ``serviceTier``, Gemini's own tools, ``responseModalities``, a response type...).
The general path keeps them whole so that a Gemini target gets them back; ``json_decode.py``
keeps them the same way instead of falling back. The general path keeps them in the body's
order, which the mirrors have lost: they go in the order the SDKs write them (google-genai
and the AI SDK agree), the order an identity translation then writes them back in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import UNSET

from ...schema import JSONObject
from . import json_wire
from .casing import camelize
from .fastpath import Unusual
from .request import CONFIG_EXTRAS, RESPONSE_JSON_SCHEMA, RESPONSE_SCHEMA

Rename = Callable[[Any], Any]


def _as_is(value: Any) -> Any:
    return value


def request_extras(
    body: json_wire.Request,
    builtin_tools: list[JSONObject],
    schema_hints: JSONObject | None,
    renamed: bool,
) -> JSONObject | None:
    """The extras in the general path's order: the body's own fields, then the hints.

    The AI SDK sends ``safetySettings``, ``cachedContent``, ``labels``, ``serviceTier`` in
    this order (google-genai sends the first two so too). A body with a snake_case key is
    renamed whole by the general path (``casing.camelize``), the kept fields' nested keys
    included (``renamed`` says so), but for ``labels``: the caller's own keys.
    """
    config = body.generation_config
    settings_kept = config is not None and (
        config.response_mime_type is not UNSET
        or config.response_modalities is not UNSET
        or config.response_schema is not UNSET
        or config.response_json_schema is not UNSET
    )
    if not (
        settings_kept
        or builtin_tools
        or schema_hints
        or body.safety_settings is not UNSET
        or body.cached_content is not UNSET
        or body.labels is not UNSET
        or body.service_tier is not UNSET
    ):
        return None  # the commonest body: nothing kept, no dict built
    rename: Rename = camelize if renamed else _as_is
    extras: JSONObject = {}
    if body.safety_settings is not UNSET:
        extras["safetySettings"] = rename(body.safety_settings)
    if body.cached_content is not UNSET:
        extras["cachedContent"] = rename(body.cached_content)
    if body.labels is not UNSET:
        extras["labels"] = body.labels
    if body.service_tier is not UNSET:
        extras["serviceTier"] = rename(body.service_tier)
    if builtin_tools:
        extras["tools"] = [rename(tool) for tool in builtin_tools]
    if schema_hints:
        extras.update(schema_hints)
    if config is not None and settings_kept:
        _config_extras(config, extras, rename)
    return extras


def builtin_tool(tool: json_wire.Tool) -> JSONObject | None:
    """Gemini's own tool in a tool entry (its keys but ``functionDeclarations``), if any."""
    if (
        tool.google_search is UNSET
        and tool.code_execution is UNSET
        and tool.url_context is UNSET
        and tool.google_search_retrieval is UNSET
    ):
        return None  # a function entry, the commonest: no dict built
    kept: JSONObject = {}
    if tool.google_search is not UNSET:
        kept["googleSearch"] = tool.google_search
    if tool.code_execution is not UNSET:
        kept["codeExecution"] = tool.code_execution
    if tool.url_context is not UNSET:
        kept["urlContext"] = tool.url_context
    if tool.google_search_retrieval is not UNSET:
        kept["googleSearchRetrieval"] = tool.google_search_retrieval
    if len(kept) > 1:
        raise Unusual  # their order in the entry is lost: the general path keeps it
    return kept


def _config_extras(config: json_wire.GenerationConfig, extras: JSONObject, rename: Rename) -> None:
    """The generation settings kept whole, and the hint of a Gemini schema, as the general
    path's ``_hints`` leaves them.

    The SDKs send the response type and schemas before ``responseModalities``. The schemas
    are the caller's data: never renamed.
    """
    json_out = config.response_mime_type == "application/json"
    rest: JSONObject = {}
    if not json_out:
        if config.response_mime_type is not UNSET:
            rest["responseMimeType"] = config.response_mime_type
        if config.response_schema is not UNSET:
            rest["responseSchema"] = config.response_schema
        if config.response_json_schema is not UNSET:
            rest["responseJsonSchema"] = config.response_json_schema
    if config.response_modalities is not UNSET:
        rest["responseModalities"] = rename(config.response_modalities)
    if rest:
        extras[CONFIG_EXTRAS] = rest
    json_schema = config.response_json_schema
    if json_out and (json_schema is None or json_schema is UNSET) and config.response_schema:
        extras[RESPONSE_SCHEMA] = True
    elif json_out and json_schema is not None and json_schema is not UNSET:
        extras[RESPONSE_JSON_SCHEMA] = True
