"""Validate bodies nexgate emits with the official SDKs' typed models.

The SDK request types are TypedDicts whose ``Iterable[...]`` fields pydantic validates lazily
(it returns a ``ValidatorIterator``); :func:`_materialize` walks the result so that every
nested item is really validated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic.types
import openai.types.chat
import pydantic
from google.genai import types as genai_types

_OPENAI_REQUEST = pydantic.TypeAdapter(openai.types.chat.CompletionCreateParams)
_CLAUDE_REQUEST = pydantic.TypeAdapter(anthropic.types.MessageCreateParams)
_CLAUDE_EVENT = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)


def _materialize(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _materialize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_materialize(item) for item in value]
    if isinstance(value, Iterator) or type(value).__name__ == "ValidatorIterator":
        return [_materialize(item) for item in value]
    return value


def openai_request(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _materialize(_OPENAI_REQUEST.validate_python(body))
    return result


def claude_request(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _materialize(_CLAUDE_REQUEST.validate_python(body))
    return result


def gemini_request(body: dict[str, Any]) -> None:
    """There is no wire-level request type in google-genai: validate each piece."""
    allowed = {
        "contents",
        "systemInstruction",
        "tools",
        "toolConfig",
        "generationConfig",
        "safetySettings",
        "cachedContent",
        "labels",
    }
    unknown = set(body) - allowed
    assert not unknown, f"unexpected top-level Gemini request keys: {unknown}"
    for content in body["contents"]:
        genai_types.Content.model_validate(content)
    if "systemInstruction" in body:
        genai_types.Content.model_validate(body["systemInstruction"])
    for tool in body.get("tools", []):
        genai_types.Tool.model_validate(tool)
    if "toolConfig" in body:
        genai_types.ToolConfig.model_validate(body["toolConfig"])
    if "generationConfig" in body:
        genai_types.GenerationConfig.model_validate(body["generationConfig"])


def request(format: str, body: dict[str, Any]) -> None:
    if format == "openai":
        openai_request(body)
    elif format == "claude":
        claude_request(body)
    else:
        gemini_request(body)


def response(format: str, body: dict[str, Any]) -> None:
    if format == "openai":
        openai.types.chat.ChatCompletion.model_validate(body)
    elif format == "claude":
        anthropic.types.Message.model_validate(body)
    else:
        genai_types.GenerateContentResponse.model_validate(body)


def claude_stream_event(data: dict[str, Any]) -> None:
    _CLAUDE_EVENT.validate_python(data)


def openai_stream_chunk(data: dict[str, Any]) -> None:
    openai.types.chat.ChatCompletionChunk.model_validate(data)


def gemini_stream_chunk(data: dict[str, Any]) -> None:
    genai_types.GenerateContentResponse.model_validate(data)
