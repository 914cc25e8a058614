"""What must survive any translation: a format-neutral projection of requests and responses."""

from __future__ import annotations

from typing import Any

from nexgate.schema import (
    DocumentPart,
    ImagePart,
    Message,
    Request,
    Response,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _item(part: Any, names: dict[str, str]) -> tuple[Any, ...] | None:
    if isinstance(part, TextPart):
        return ("text", part.text) if part.text else None
    if isinstance(part, ImagePart):
        return ("image", part.media_type if part.data else None, part.data, part.url)
    if isinstance(part, DocumentPart):
        return ("document", part.media_type, part.data, part.url)
    if isinstance(part, ToolCallPart):
        return ("call", part.name, part.arguments)
    if isinstance(part, ToolResultPart):
        text = "".join(c.text for c in part.content if isinstance(c, TextPart))
        return ("result", names.get(part.call_id, f"<unlinked {part.call_id}>"), text)
    return None  # reasoning and raw parts are provider-scoped


def _turns(messages: list[Message]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    names = {
        part.id: part.name
        for message in messages
        for part in message.parts
        if isinstance(part, ToolCallPart)
    }
    turns: list[tuple[str, list[tuple[Any, ...]]]] = []
    for message in messages:
        if message.role in ("system", "developer"):
            continue
        items = [i for i in (_item(p, names) for p in message.parts) if i is not None]
        if not items:
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1][1].extend(items)
        else:
            turns.append((message.role, items))
    # Claude and OpenAI order tool results first within a user turn; compare as multisets
    # of results plus the ordered rest.
    normalized = []
    for role, items in turns:
        results = sorted((i for i in items if i[0] == "result"), key=repr)
        rest = [i for i in items if i[0] != "result"]
        normalized.append((role, results + rest))
    return normalized


def system_text(request: Request) -> str:
    texts = [part.text for part in request.system]
    for message in request.messages:
        if message.role in ("system", "developer"):
            texts.extend(p.text for p in message.parts if isinstance(p, TextPart))
    return _squash(" ".join(texts))


def request_projection(request: Request) -> dict[str, Any]:
    return {
        "system": system_text(request),
        "turns": _turns(request.messages),
        "tools": [
            (t.name, sorted((t.parameters or {}).get("properties", {}))) for t in request.tools
        ],
        "tool_choice": (request.tool_choice.mode, request.tool_choice.name)
        if request.tool_choice
        else None,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stop": list(request.stop),
        "response_format": (
            request.response_format.type,
            sorted((request.response_format.schema or {}).get("properties", {})),
        )
        if request.response_format
        else None,
    }


def response_projection(response: Response) -> dict[str, Any]:
    usage = response.usage
    return {
        "text": response.text,
        "calls": [(c.name, c.arguments) for c in response.tool_calls],
        "finish": response.finish_reason.reason if response.finish_reason else None,
        "usage": (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens)
        if usage
        else None,
    }
