"""A Claude body's server tools keep their place among the custom ones (claude -> claude).

The tool list is part of the prompt and of its cache key; server tools were moved after
every custom tool.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import sdk_validators  # type: ignore[import-not-found]

import nexgate

WEB = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}


def _tool(name: str) -> dict[str, Any]:
    return {"name": name, "input_schema": {"type": "object"}}


def _body(tools: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "model": "claude-x",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": tools,
    }


@pytest.mark.parametrize(
    "tools",
    [
        [_tool("f"), WEB, _tool("h")],
        [WEB, _tool("f"), _tool("h")],
        [_tool("f"), _tool("h"), WEB],
        [WEB, _tool("f"), {"type": "bash_20250124", "name": "bash"}],
    ],
)
@pytest.mark.parametrize("as_bytes", [False, True])
def test_the_tool_order_is_kept(tools: list[dict[str, Any]], as_bytes: bool) -> None:
    body = _body(tools)
    data: Any = msgspec.json.encode(body) if as_bytes else body
    out = nexgate.translate_request(data, source="claude", target="claude")
    assert out["tools"] == tools
    sdk_validators.claude_request(out)


def test_other_targets_lose_the_server_tool_not_its_place() -> None:
    out = nexgate.translate_request(
        _body([_tool("f"), WEB, _tool("h")]), source="claude", target="openai"
    )
    assert [t["function"]["name"] for t in out["tools"]] == ["f", "h"]
    assert all("server_tool_at" not in loss.path for loss in out.losses)
