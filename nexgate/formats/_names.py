"""Tool names fitted to a target format's rules, and the caller's own names restored in answers.

OpenAI takes ``[a-zA-Z0-9_-]{1,64}``, Claude the same charset up to 128, and Gemini
declarations also ``.`` and ``:`` (MCP-style ``server.tool``) but must start with a letter or
``_``. A name the target refuses is replaced by a deterministic one (illegal characters as
``_``, cut to fit, a digest of the original appended, so that two names never meet) and the
replacement is an emulated loss; an answer's tool calls get the caller's names back from the
caller's request, by applying the same function to its tools.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from ..schema import Message, Request, Response, ToolCallPart, ToolChoice, ToolResultPart
from ._context import TranslationContext
from ._ids import digest

S = TypeVar("S", bound=msgspec.Struct)

#: Per format: (a name it takes, a character it does not, the longest name).
_RULES: dict[str, tuple[re.Pattern[str], re.Pattern[str], int]] = {
    "openai": (re.compile(r"[a-zA-Z0-9_-]{1,64}"), re.compile(r"[^a-zA-Z0-9_-]"), 64),
    "claude": (re.compile(r"[a-zA-Z0-9_-]{1,128}"), re.compile(r"[^a-zA-Z0-9_-]"), 128),
    "gemini": (
        re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}"),
        re.compile(r"[^a-zA-Z0-9_.:-]"),
        64,
    ),
}


#: Fitted names already worked out, by (target, name): the same few tools come with every call.
_FITTED: dict[tuple[str, str], str] = {}
_FITTED_SIZE = 4096


def fitted_name(name: str, target: str) -> str:
    """``name`` if ``target`` takes it, else its deterministic replacement."""
    key = (target, name)
    fitted = _FITTED.get(key)
    if fitted is None:
        fitted = _fit(name, target)
        if len(_FITTED) >= _FITTED_SIZE:
            _FITTED.clear()
        _FITTED[key] = fitted
    return fitted


def _fit(name: str, target: str) -> str:
    valid, illegal, limit = _RULES[target]
    if valid.fullmatch(name):
        return name
    tail = "_" + digest(name, size=8)
    head = illegal.sub("_", name)
    if target == "gemini" and not re.match(r"[a-zA-Z_]", head):
        head = "_" + head
    return head[: limit - len(tail)] + tail


def renamed(request: Request, target: str) -> dict[str, str]:
    """The request's tool names that ``target`` gets replaced: original → fitted."""
    names = {tool.name for tool in request.tools}
    choice = request.tool_choice
    if choice is not None:
        names.update(choice.allowed or ())
        if choice.name:
            names.add(choice.name)
    mapping = {}
    for name in names:
        fitted = fitted_name(name, target)
        if fitted != name:
            mapping[name] = fitted
    return mapping


def fit_tool_names(request: Request, ctx: TranslationContext) -> Request:
    """``request`` itself when ``ctx.target`` takes every tool name (nearly always); else a
    copy with the names replaced in the tools, the tool choice and the conversation."""
    target = ctx.target
    for tool in request.tools:  # the usual case, every name taken, without building anything
        if fitted_name(tool.name, target) != tool.name:
            break
    else:
        choice = request.tool_choice
        if choice is None or (choice.name is None and choice.allowed is None):
            return request
    mapping = renamed(request, target)
    if not mapping:
        return request
    for original, fitted in sorted(mapping.items()):
        ctx.emulate("tool_name_mapped", "$.tools", f"{original!r} sent as {fitted!r}")
    tools = [
        tool if tool.name not in mapping else _with(tool, name=mapping[tool.name])
        for tool in request.tools
    ]
    choice = request.tool_choice
    if choice is not None:
        choice = ToolChoice(
            mode=choice.mode,
            name=mapping.get(choice.name, choice.name) if choice.name else choice.name,
            allowed=None
            if choice.allowed is None
            else tuple(mapping.get(n, n) for n in choice.allowed),
        )
    messages = [_renamed_message(message, mapping) for message in request.messages]
    return _with(request, tools=tools, tool_choice=choice, messages=messages)


def _renamed_message(message: Message, mapping: dict[str, str]) -> Message:
    parts = []
    changed = False
    for part in message.parts:
        if isinstance(part, ToolCallPart | ToolResultPart) and part.name in mapping:
            part = _with(part, name=mapping[part.name or ""])
            changed = True
        parts.append(part)
    return _with(message, parts=parts) if changed else message


def restore_tool_names(response: Response, ctx: TranslationContext) -> Response:
    """``response`` (from an upstream speaking ``ctx.source``) with the caller's own tool names
    in its calls, where the request sent them fitted (see :func:`fit_tool_names`)."""
    back = original_names(ctx)
    if back:
        for choice in response.choices:
            for part in choice.parts:
                if isinstance(part, ToolCallPart) and part.name in back:
                    part.name = back[part.name]
    return response


def original_names(ctx: TranslationContext) -> dict[str, str]:
    """Fitted → original, for the tools of the caller's request (``ctx.request``) as the
    upstream (``ctx.source``) got them; empty when none was replaced or no request is known."""
    request = ctx.request
    if request is None or not request.tools:
        return {}
    return {fitted: original for original, fitted in renamed(request, ctx.source).items()}


def _with(struct: S, **changes: Any) -> S:
    return msgspec.structs.replace(struct, **changes)
