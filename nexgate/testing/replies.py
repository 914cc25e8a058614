"""The deterministic answers of the mock upstream, built in the internal schema.

Nothing here reads a clock or a random source: the same request (and the same request
number) always gives the same response.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ..events import (
    MessageEnd,
    MessageStart,
    PartEnd,
    PartStart,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from ..formats._json import dump_args
from ..schema import (
    Choice,
    FinishReason,
    JSONObject,
    Message,
    Request,
    Response,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

_CALL = re.compile(r"\bcall (\w+)")

ReplyPart = TextPart | ToolCallPart


class Scripted(msgspec.Struct):
    """A queued reply: its parts and, optionally, the usage to report."""

    parts: list[ReplyPart]
    usage: Usage | None = None


def _last_user(request: Request) -> Message | None:
    return next((m for m in reversed(request.messages) if m.role == "user"), None)


def _text_of(message: Message | None) -> str:
    if message is None:
        return ""
    return " ".join(p.text for p in message.parts if isinstance(p, TextPart))


def _chosen_tool(request: Request, text: str) -> Tool | None:
    """The tool the request asks for, by tool_choice or by "call <name>" in the user text."""
    tools = {tool.name: tool for tool in request.tools}
    choice = request.tool_choice
    if not tools or (choice is not None and choice.mode == "none"):
        return None
    if choice is not None and choice.mode == "tool" and choice.name in tools:
        return tools[choice.name]
    wanted = _CALL.search(text)
    if wanted and wanted.group(1) in tools:
        return tools[wanted.group(1)]
    if choice is not None and choice.mode == "required":
        allowed = [n for n in (choice.allowed or ()) if n in tools]
        return tools[allowed[0]] if allowed else request.tools[0]
    return None


def _value_for(schema: Any, text: str) -> Any:
    """A deterministic value that fits a JSON-schema fragment (either casing of ``type``)."""
    if not isinstance(schema, dict):
        return text
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = str(schema.get("type", "string")).lower()
    if kind in ("integer", "number"):
        return len(text.split()) if kind == "integer" else float(len(text.split()))
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return tool_arguments(schema, text)
    return text


def tool_arguments(schema: JSONObject | None, text: str) -> JSONObject:
    """Arguments for a call: every required property (all when none is marked) gets a value.

    A tool without a parameter schema gets ``{"query": <text>}``.
    """
    text = text[:40]
    if not schema or not isinstance(schema.get("properties"), dict):
        return {"query": text}
    properties: dict[str, Any] = schema["properties"]
    required = schema.get("required")
    names = [n for n in required if n in properties] if isinstance(required, list) else []
    return {name: _value_for(properties[name], text) for name in names or list(properties)}


def default_reply(request: Request, number: int) -> list[ReplyPart]:
    """Echo the last user text; call a tool when told to; summarize tool results."""
    last = _last_user(request)
    results = [p for p in (last.parts if last else []) if isinstance(p, ToolResultPart)]
    if results:
        summary = "; ".join(
            "".join(c.text for c in r.content if isinstance(c, TextPart)) for r in results
        )
        return [TextPart(text=f"tool results: {summary}")]
    text = _text_of(last)
    tool = _chosen_tool(request, text)
    if tool is not None:
        arguments = tool_arguments(tool.parameters, text)
        return [ToolCallPart(id=f"call_mock_{number}", name=tool.name, arguments=arguments)]
    return [TextPart(text=f"echo: {text}")]


def count_usage(parts: list[ReplyPart], body_size: int) -> Usage:
    """Input: request bytes // 4; output: words of text plus argument bytes // 4."""
    words = sum(len(p.text.split()) for p in parts if isinstance(p, TextPart))
    words += sum(len(dump_args(p.arguments)) // 4 for p in parts if isinstance(p, ToolCallPart))
    return Usage(input_tokens=max(1, body_size // 4), output_tokens=max(1, words))


def build_response(
    request: Request,
    parts: list[ReplyPart],
    *,
    number: int,
    body_size: int,
    usage: Usage | None = None,
) -> Response:
    has_calls = any(isinstance(p, ToolCallPart) for p in parts)
    finish = FinishReason(reason="tool_calls" if has_calls else "stop")
    return Response(
        id=f"mock-{number}",
        model=request.model or "mock-model",
        created=1_700_000_000 + number,
        choices=[Choice(parts=list(parts), finish=finish)],
        usage=usage if usage is not None else count_usage(parts, body_size),
    )


def stream_events(response: Response) -> list[StreamEvent]:
    """The response as stream events: text in word-sized deltas, arguments in small pieces."""
    usage = response.usage or Usage()
    start_usage = Usage(
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
    )
    events: list[StreamEvent] = [
        MessageStart(
            id=response.id, model=response.model, created=response.created, usage=start_usage
        ),
    ]
    for index, part in enumerate(response.parts):
        if isinstance(part, TextPart):
            events.append(PartStart(index=index, part=TextPart(text="")))
            words = part.text.split(" ")
            events += [
                TextDelta(index=index, text=w if i == 0 else " " + w) for i, w in enumerate(words)
            ]
        elif isinstance(part, ToolCallPart):
            events.append(PartStart(index=index, part=ToolCallPart(id=part.id, name=part.name)))
            args = dump_args(part.arguments)
            events += [
                ToolArgsDelta(index=index, json=args[i : i + 8]) for i in range(0, len(args), 8)
            ]
        events.append(PartEnd(index=index))
    finish = response.finish_reason or FinishReason(reason="stop")
    events += [UsageUpdate(usage=usage), MessageEnd(finish=finish, usage=usage)]
    return events
