"""Structured output for the formats whose schema slot has no room beside the schema."""

from __future__ import annotations

from ..schema import JSONObject, ResponseFormat
from ._context import TranslationContext


def schema_with_description(fmt: ResponseFormat, ctx: TranslationContext) -> JSONObject | None:
    """``fmt.schema``, carrying ``fmt.description`` as its top-level ``description``.

    OpenAI's ``json_schema`` describes the output beside the schema; Claude and Gemini take
    the schema alone. The description guides the model, so it goes into the schema (an
    emulation) unless the schema has a description of its own (then it is lost).
    """
    schema = fmt.schema
    if fmt.description is None or schema is None:
        return schema
    path = "$.response_format.description"
    if "description" in schema:
        ctx.lose("response_format_description_dropped", path, "the schema has its own")
        return schema
    ctx.emulate("response_format_description_in_schema", path, "sent as the schema's description")
    return {"description": fmt.description, **schema}
