"""The deterministic answers of the mock upstream, built in the internal schema."""

from __future__ import annotations

import re

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
    Message,
    Request,
    Response,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

_CALL = re.compile(r"\bcall (\w+)")


def _last_user(request: Request) -> Message | None:
    return next((m for m in reversed(request.messages) if m.role == "user"), None)


def _text_of(message: Message | None) -> str:
    if message is None:
        return ""
    return " ".join(p.text for p in message.parts if isinstance(p, TextPart))


def default_reply(request: Request, number: int) -> list[TextPart | ToolCallPart]:
    """Echo the last user text; call a tool when told to; summarize tool results."""
    last = _last_user(request)
    results = [p for p in (last.parts if last else []) if isinstance(p, ToolResultPart)]
    if results:
        summary = "; ".join(
            "".join(c.text for c in r.content if isinstance(c, TextPart)) for r in results
        )
        return [TextPart(text=f"tool results: {summary}")]
    text = _text_of(last)
    wanted = _CALL.search(text)
    names = {tool.name for tool in request.tools}
    choice = request.tool_choice
    name = None
    if wanted and wanted.group(1) in names:
        name = wanted.group(1)
    elif choice is not None and choice.mode == "tool" and choice.name in names:
        name = choice.name
    elif choice is not None and choice.mode == "required" and request.tools:
        name = request.tools[0].name
    if name is not None:
        return [ToolCallPart(id=f"call_mock_{number}", name=name, arguments={"query": text[:40]})]
    return [TextPart(text=f"echo: {text}")]


def build_response(
    request: Request, parts: list[TextPart | ToolCallPart], *, number: int, body_size: int
) -> Response:
    words = sum(len(p.text.split()) for p in parts if isinstance(p, TextPart))
    words += sum(len(dump_args(p.arguments)) // 4 for p in parts if isinstance(p, ToolCallPart))
    has_calls = any(isinstance(p, ToolCallPart) for p in parts)
    finish = FinishReason(reason="tool_calls" if has_calls else "stop")
    return Response(
        id=f"mock-{number}",
        model=request.model or "mock-model",
        created=1_700_000_000 + number,
        choices=[Choice(parts=list(parts), finish=finish)],
        usage=Usage(input_tokens=max(1, body_size // 4), output_tokens=max(1, words)),
    )


def stream_events(response: Response) -> list[StreamEvent]:
    """The response as stream events: text in word-sized deltas, arguments in small pieces."""
    usage = response.usage or Usage()
    events: list[StreamEvent] = [
        MessageStart(
            id=response.id,
            model=response.model,
            created=response.created,
            usage=Usage(input_tokens=usage.input_tokens),
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
