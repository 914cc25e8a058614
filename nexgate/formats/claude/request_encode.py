"""Internal requests encoded as Anthropic Messages bodies (API version ``2023-06-01``).

System prompts are hoisted to the top-level ``system``; a turn's thinking and tool-result
blocks are put first, as Claude requires; reasoning becomes ``thinking`` (budget or adaptive
effort); what Claude cannot carry is recorded as a loss.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from ...errors import InvalidInputError
from ...schema import (
    JSONObject,
    Message,
    Part,
    Reasoning,
    Request,
    TextPart,
    Tool,
)
from .._context import TranslationContext
from .._output import schema_with_description
from .._reasoning import CLAUDE_MIN_BUDGET, budget_for_effort
from .blocks import (
    encode_cache,
    encode_plain_part,
)
from .request import SERVER_TOOL_AT, THINKING_DISPLAY, encode_part


def _hoist_system(
    request: Request, ctx: TranslationContext
) -> tuple[list[TextPart], list[Message]]:
    """Claude 2023-06-01 has one top-level system prompt: move system messages there."""
    if _SYSTEM_ROLES.isdisjoint(map(_role_of, request.messages)):  # C speed, unlike any()
        return request.system, request.messages  # the usual case: nothing to copy
    system = list(request.system)
    messages: list[Message] = []
    seen_turn = False
    for i, message in enumerate(request.messages):
        if message.role not in ("system", "developer"):
            seen_turn = True
            messages.append(message)
            continue
        if seen_turn:
            ctx.emulate(
                "system_message_hoisted", f"$.messages[{i}]", "moved into the system prompt"
            )
        for j, part in enumerate(message.parts):
            if isinstance(part, TextPart):
                system.append(part)
            else:
                where = f"$.messages[{i}].parts[{j}]"
                ctx.lose("unsupported_part", where, "Claude's system prompt holds only text")
    return system, messages


_SYSTEM_ROLES = frozenset({"system", "developer"})
_role_of = attrgetter("role")


def _encode_system(
    system: list[TextPart], ctx: TranslationContext
) -> str | list[JSONObject] | None:
    if len(system) == 1 and system[0].cache_control is None:
        return system[0].text or None  # the usual system prompt, told without the filter
    texts = [p for p in system if p.text]
    if not texts:
        return None
    if len(texts) == 1 and texts[0].cache_control is None:
        return texts[0].text
    return [
        encode_cache(p.cache_control, {"type": "text", "text": p.text}, f"$.system[{i}]", ctx)
        for i, p in enumerate(texts)
    ]


_LEADING = {"assistant": ("thinking", "redacted_thinking"), "user": ("tool_result",)}


def encode_messages(messages: list[Message], ctx: TranslationContext) -> list[JSONObject]:
    """Claude turns: empty ones dropped, adjacent same-role ones merged, and in each turn
    thinking first (assistant) or tool results first (user), as Claude requires."""
    turns: list[JSONObject] = []
    last_role = None
    reorder = False  # only a turn of several blocks may need it; most turns hold one
    for i, message in enumerate(messages):
        if message.name is not None:
            ctx.lose("message_name_dropped", f"$.messages[{i}].name", "Claude has no names")
        parts = message.parts
        part = parts[0] if len(parts) == 1 else None
        if (
            type(part) is TextPart
            and part.text
            and part.signature is None
            and part.cache_control is None
        ):  # the usual message, one plain text, inlined: a call costs as much as its block
            content = [{"type": "text", "text": part.text}]
        else:
            content = _plain_blocks(parts) or _encode_message_parts(parts, i, ctx)
            if not content:
                continue
            reorder = reorder or len(content) > 1
        role = "assistant" if message.role == "assistant" else "user"
        if role == last_role:
            turns[-1]["content"].extend(content)
            reorder = True
        else:
            turns.append({"role": role, "content": content})
            last_role = role
    if reorder:
        for turn in turns:
            if len(turn["content"]) > 1:
                turn["content"] = _leading_first(turn["content"], _LEADING[turn["role"]])
    return turns


def _plain_blocks(parts: list[Part]) -> list[JSONObject] | None:
    """The blocks of a message whose parts are all plain (they record no loss, so need no
    JSON path and no counting), else ``None``."""
    content: list[JSONObject] = []
    for part in parts:
        # Plain text, the most common part, inlined (encode_plain_part takes the others).
        if (
            type(part) is TextPart
            and part.text
            and part.signature is None
            and part.cache_control is None
        ):
            content.append({"type": "text", "text": part.text})
            continue
        block = encode_plain_part(part)
        if block is None:
            return None
        content.append(block)
    return content


def _encode_message_parts(
    parts: list[Part], index: int, ctx: TranslationContext
) -> list[JSONObject]:
    """The blocks of message ``index`` when some part is not plain."""
    content: list[JSONObject] = []
    for j, part in enumerate(parts):
        block = encode_plain_part(part) or encode_part(part, f"$.messages[{index}].parts[{j}]", ctx)
        if block is not None:
            content.append(block)
    return content


def _leading_first(content: list[JSONObject], lead: tuple[str, ...]) -> list[JSONObject]:
    """``content`` with its ``lead`` blocks moved first, keeping the order within each group.

    Most turns already lead with those blocks (or hold one block: the caller skips those), so
    the list is rebuilt only when a lead block follows another block.
    """
    if not _lead_comes_late(content, lead):
        return content
    first = [b for b in content if b.get("type") in lead]
    rest = [b for b in content if b.get("type") not in lead]
    return first + rest


def _lead_comes_late(content: list[JSONObject], lead: tuple[str, ...]) -> bool:
    seen_other = False
    for block in content:
        if block.get("type") not in lead:
            seen_other = True
        elif seen_other:
            return True
    return False


def _budget(reasoning: Reasoning, ctx: TranslationContext) -> int | None:
    budget = reasoning.budget_tokens
    if budget is None and reasoning.effort not in (None, "none"):
        budget = budget_for_effort(reasoning.effort)
        ctx.emulate(
            "reasoning_effort_as_budget",
            "$.reasoning.effort",
            f"effort {reasoning.effort!r} sent as thinking budget {budget}",
        )
    if budget is None and reasoning.mode == "enabled":
        budget = CLAUDE_MIN_BUDGET
        ctx.emulate("thinking_budget_defaulted", "$.thinking", "enabled without a budget")
    return budget


def _encode_thinking(
    request: Request, max_tokens: int, ctx: TranslationContext
) -> tuple[JSONObject | None, int]:
    """``thinking`` and the ``max_tokens`` it needs (the budget must stay below it)."""
    reasoning = request.reasoning
    if reasoning is None:
        return None, max_tokens
    if reasoning.mode in ("adaptive", "disabled"):
        return {"type": reasoning.mode}, max_tokens
    if reasoning.mode is None and ctx.source == "claude":
        return None, max_tokens  # output_config.effort alone: no thinking block was asked for
    budget = _budget(reasoning, ctx)
    if budget is None and reasoning.include_thoughts:
        ctx.lose(
            "reasoning_text_unavailable",
            "$.reasoning.include_thoughts",
            "Claude thinks, and shows it, only with a thinking budget, and none was given",
        )
    if budget is None or budget <= 0:
        return None, max_tokens
    if budget < CLAUDE_MIN_BUDGET:
        ctx.emulate(
            "thinking_budget_raised", "$.reasoning.budget_tokens", "Claude's minimum is 1024"
        )
        budget = CLAUDE_MIN_BUDGET
    if budget >= max_tokens:
        ctx.emulate("max_tokens_raised", "$.max_tokens", "Claude needs max_tokens above the budget")
        max_tokens = budget + CLAUDE_MIN_BUDGET
    return {"type": "enabled", "budget_tokens": budget}, max_tokens


def _encode_effort(request: Request, ctx: TranslationContext) -> str | None:
    """``output_config.effort``: Claude's own setting, or the companion of adaptive thinking
    (a foreign effort with no mode becomes a thinking budget instead)."""
    reasoning = request.reasoning
    if reasoning is None or reasoning.effort in (None, "none"):
        return None
    if ctx.source != "claude" and reasoning.mode != "adaptive":
        return None
    if reasoning.effort == "minimal":
        ctx.emulate("effort_raised", "$.reasoning.effort", "Claude's lowest effort is low")
        return "low"
    return reasoning.effort


def _forced_tool_conflict(
    thinking: JSONObject | None, choice: JSONObject | None, ctx: TranslationContext
) -> JSONObject | None:
    """Claude refuses thinking together with a forced tool; a foreign request keeps the tool."""
    if (
        thinking is None
        or thinking["type"] == "disabled"
        or choice is None
        or choice["type"] not in ("any", "tool")
        or ctx.source == "claude"
    ):
        return thinking
    ctx.lose("reasoning_dropped", "$.reasoning", "Claude cannot think while forced to use a tool")
    return None


def _encode_output_config(request: Request, ctx: TranslationContext) -> JSONObject:
    config: JSONObject = {}
    effort = _encode_effort(request, ctx)
    if effort is not None:
        config["effort"] = effort
    fmt = request.response_format
    if fmt is not None and fmt.type != "text":
        described = schema_with_description(fmt, ctx) if fmt.type == "json_schema" else None
        if described is None:
            ctx.emulate(
                "json_object_as_schema", "$.response_format", "sent as a JSON schema of any object"
            )
            schema: JSONObject = {"type": "object"}
        else:
            schema = described
        config["format"] = {"type": "json_schema", "schema": schema}
    return config


def _encode_tool(tool: Tool, index: int, ctx: TranslationContext) -> JSONObject:
    out: JSONObject = {"name": tool.name}
    if tool.description is not None:
        out["description"] = tool.description
    out["input_schema"] = (
        tool.parameters if tool.parameters is not None else {"type": "object", "properties": {}}
    )
    if tool.strict is not None:
        out["strict"] = tool.strict
    if tool.cache_control is not None:
        encode_cache(tool.cache_control, out, f"$.tools[{index}]", ctx)
    return out


def _encode_tools(
    request: Request, server: Any, at: Any, ctx: TranslationContext
) -> list[JSONObject]:
    """The custom tools, and a Claude source's server tools where they stood (``at``)."""
    allowed = request.tool_choice.allowed if request.tool_choice else None
    if allowed is not None:
        ctx.emulate(
            "allowed_tools_filtered", "$.tool_choice.allowed", "only the allowed tools are sent"
        )
    if allowed is None:
        tools = [_encode_tool(tool, i, ctx) for i, tool in enumerate(request.tools)]
    else:
        tools = [
            _encode_tool(tool, i, ctx)
            for i, tool in enumerate(request.tools)
            if tool.name in allowed
        ]
    if not isinstance(server, list):
        return tools
    places = len(tools) + len(server)
    if (
        allowed is None
        and isinstance(at, list)
        and len(at) == len(server)
        and all(type(i) is int and 0 <= i < places for i in at)
        and at == sorted(set(at))
    ):
        for index, tool in zip(at, server, strict=True):
            tools.insert(index, tool)
    else:
        tools.extend(server)
    return tools


_CHOICE_KINDS = {"auto": "auto", "required": "any", "none": "none", "tool": "tool"}


def _encode_tool_choice(
    request: Request, has_tools: bool, ctx: TranslationContext
) -> JSONObject | None:
    choice = request.tool_choice
    out: JSONObject | None = None
    if choice is not None:
        out = {"type": _CHOICE_KINDS[choice.mode]}
        if choice.mode == "tool":
            out["name"] = choice.name or ""
    if request.parallel_tool_calls is False and has_tools:
        if out is None:
            out = {"type": "auto"}
        if out["type"] != "none":
            out["disable_parallel_tool_use"] = True
    return out


def _lose_unsupported(request: Request, ctx: TranslationContext) -> None:
    if not (
        request.seed is None
        and request.presence_penalty is None
        and request.frequency_penalty is None
        and request.metadata is None
        and request.candidate_count in (None, 1)
    ):  # the usual case is told without building the table
        _lose_unsupported_parameters(request, ctx)
    for fmt, extras in request.extras.items():
        if fmt == "claude":
            continue
        for key in extras:
            if not key.startswith("_"):  # "_..." keys are hints for their own format
                ctx.lose("unsupported_parameter", f"$.{key}", f"{fmt}-only field")


def _lose_unsupported_parameters(request: Request, ctx: TranslationContext) -> None:
    unsupported: dict[str, Any] = {
        "seed": request.seed,
        "presence_penalty": request.presence_penalty,
        "frequency_penalty": request.frequency_penalty,
        "metadata": request.metadata,
    }
    if request.candidate_count not in (None, 1):
        unsupported["candidate_count"] = request.candidate_count
    for key, value in unsupported.items():
        if value is not None:
            ctx.lose("unsupported_parameter", f"$.{key}", f"Claude has no {key}")


def _max_tokens(request: Request, ctx: TranslationContext) -> int:
    if request.max_tokens is not None:
        return request.max_tokens
    ctx.emulate(
        "max_tokens_defaulted",
        "$.max_tokens",
        f"Claude requires max_tokens; sent {ctx.default_max_tokens}",
    )
    return ctx.default_max_tokens


def _add_reasoning(
    out: JSONObject,
    request: Request,
    thinking: JSONObject | None,
    choice: JSONObject | None,
    display: Any,
    ctx: TranslationContext,
) -> None:
    """``thinking`` and ``output_config`` (only a request with reasoning or a response
    format has either, so most requests skip this)."""
    thinking = _forced_tool_conflict(thinking, choice, ctx)
    if thinking is not None:
        if isinstance(display, str) and thinking["type"] != "disabled":
            thinking["display"] = display
        out["thinking"] = thinking
    config = _encode_output_config(request, ctx)
    if config:
        out["output_config"] = config


def encode_request(request: Request, ctx: TranslationContext) -> JSONObject:
    """Encode an internal request as an Anthropic Messages body (API version 2023-06-01)."""
    extras = request.extras.get("claude") or {}
    server_tools = extras.get("tools")
    system, messages = _hoist_system(request, ctx)
    thinking, max_tokens = _encode_thinking(request, _max_tokens(request, ctx), ctx)
    out: JSONObject = {"model": request.model or ctx.model or "", "max_tokens": max_tokens}
    encoded_system = _encode_system(system, ctx)
    if encoded_system is not None:
        out["system"] = encoded_system
    out["messages"] = encode_messages(messages, ctx)
    if not out["messages"]:
        # Claude refuses no messages and empty texts alike: nothing honest can be sent.
        raise InvalidInputError(
            "Claude needs at least one turn with content; this conversation has none"
            " (only a system prompt, empty texts or parts Claude cannot take)",
            path="$.messages",
        )
    if request.temperature is not None:
        if request.temperature > 1.0:
            ctx.emulate("temperature_clamped", "$.temperature", "Claude's range is 0-1")
        out["temperature"] = min(request.temperature, 1.0)
    if request.top_p is not None:
        out["top_p"] = request.top_p
    if request.top_k is not None:
        out["top_k"] = request.top_k
    if request.stop:
        out["stop_sequences"] = list(request.stop)
    tools = _encode_tools(request, server_tools, extras.get(SERVER_TOOL_AT), ctx)
    choice = _encode_tool_choice(request, bool(tools), ctx)
    if request.reasoning is not None or request.response_format is not None:
        _add_reasoning(out, request, thinking, choice, extras.get(THINKING_DISPLAY), ctx)
    if tools:
        out["tools"] = tools
    if choice is not None:
        out["tool_choice"] = choice
    if request.user is not None:
        out["metadata"] = {"user_id": request.user}
    if request.stream:
        out["stream"] = True
    _lose_unsupported(request, ctx)
    if extras:
        # Unmodeled Claude fields go back as they came ("_..." keys are hints, and server
        # tools were merged into "tools" above).
        out.update(
            {
                key: value
                for key, value in extras.items()
                if key != "tools" and not key.startswith("_")
            }
        )
    return out
