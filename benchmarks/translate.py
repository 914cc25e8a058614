"""Translation speed: µs per translation for each (source, target) pair, next to its floors.

Run: ``python benchmarks/translate.py`` (LiteLLM is compared when installed: ``pip install
-e ".[bench]"``). The floor is an untyped ``msgspec.json.decode`` + ``encode`` of the same
bytes; every number is the median of interleaved repeats, and the table reports ratios.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, table

import nexgate
from nexgate.formats._json import dump_json

FORMATS = ("openai", "claude", "gemini")
MODEL = "claude-sonnet-4-5"

# A typical request: system + 6 turns + 2 tools + a tool call and its result.
TYPICAL_REQUEST: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 1024,
    "temperature": 0.5,
    "messages": [
        {"role": "system", "content": "You are a terse assistant. Answer in one sentence."},
        {"role": "user", "content": "Hello! I am planning a trip to Europe next month."},
        {"role": "assistant", "content": "Great. Which cities are you considering?"},
        {"role": "user", "content": "Paris and Rome. What's the weather in Paris right now?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris","unit":"c"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, cloudy, light wind"},
        {"role": "assistant", "content": "It is 18C and cloudy in Paris."},
        {"role": "user", "content": "Thanks. What time is it there?"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather for a city.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": "City name"},
                        "unit": {"type": "string", "enum": ["c", "f"]},
                    },
                    "required": ["city"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_time",
                "description": "Current local time for a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        },
    ],
    "tool_choice": "auto",
}

TYPICAL_RESPONSE: dict[str, Any] = {
    "id": "chatcmpl-123",
    "object": "chat.completion",
    "created": 1700000000,
    "model": MODEL,
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "Let me check the time.",
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 412,
        "completion_tokens": 23,
        "total_tokens": 435,
        "prompt_tokens_details": {"cached_tokens": 256},
    },
}


def _bodies() -> tuple[dict[str, bytes], dict[str, bytes]]:
    requests = {
        fmt: dump_json(
            nexgate.translate_request(TYPICAL_REQUEST, source="openai", target=fmt, model=MODEL)
        )
        for fmt in FORMATS
    }
    responses = {
        fmt: dump_json(
            nexgate.translate_response(TYPICAL_RESPONSE, source="openai", target=fmt, model=MODEL)
        )
        for fmt in FORMATS
    }
    return requests, responses


def _floor(data: bytes) -> Callable[[], object]:
    return lambda: msgspec.json.encode(msgspec.json.decode(data))


def _litellm_contenders() -> dict[tuple[str, str, str], Callable[[], object]]:
    """LiteLLM's own transformation functions for the directions it has a direct entry for."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import json

        from litellm.llms.anthropic.chat.transformation import AnthropicConfig
        from litellm.llms.gemini.chat.transformation import GoogleAIStudioGeminiConfig
        from litellm.llms.vertex_ai.gemini.transformation import _transform_request_body
    except Exception:
        return {}
    data = msgspec.json.encode(TYPICAL_REQUEST)
    params = {k: TYPICAL_REQUEST[k] for k in ("max_tokens", "temperature", "tools", "tool_choice")}
    anthropic = AnthropicConfig()
    gemini = GoogleAIStudioGeminiConfig()

    def to_claude() -> object:
        body = json.loads(data)
        optional = anthropic.map_openai_params(dict(params), {}, MODEL, drop_params=False)
        return json.dumps(
            anthropic.transform_request(MODEL, body["messages"], optional, {}, {})
        ).encode()

    def to_gemini() -> object:
        body = json.loads(data)
        optional = gemini.map_openai_params(dict(params), {}, "gemini-2.5-flash", drop_params=False)
        return json.dumps(
            _transform_request_body(
                body["messages"], "gemini-2.5-flash", optional, "gemini", {}, None
            )
        ).encode()

    contenders: dict[tuple[str, str, str], Callable[[], object]] = {}
    for key, fn in (
        (("request", "openai", "claude"), to_claude),
        (("request", "openai", "gemini"), to_gemini),
    ):
        try:
            fn()
        except Exception as exc:
            print(f"(litellm {key[1]}->{key[2]} unavailable: {type(exc).__name__}: {exc})")
            continue
        contenders[key] = fn
    return contenders


def main() -> None:
    logging.getLogger("nexgate").setLevel(logging.ERROR)
    requests, responses = _bodies()
    litellm = _litellm_contenders()
    rows: list[list[str]] = []
    for kind, bodies in (("request", requests), ("response", responses)):
        translate = nexgate.translate_request if kind == "request" else nexgate.translate_response
        for source in FORMATS:
            for target in FORMATS:
                data = bodies[source]

                def ours(
                    data: bytes = data, s: str = source, t: str = target, fn: Any = translate
                ) -> object:
                    return dump_json(fn(data, source=s, target=t, model=MODEL))

                contenders: dict[str, Callable[[], object]] = {
                    "nexgate": ours,
                    "floor": _floor(data),
                }
                if (kind, source, target) in litellm:
                    contenders["litellm"] = litellm[(kind, source, target)]
                medians = interleaved_medians(contenders, repeats=7)
                ratio = medians["nexgate"] / medians["floor"]
                lite = medians.get("litellm")
                rows.append(
                    [
                        kind,
                        f"{source} -> {target}",
                        f"{len(data)}",
                        f"{medians['nexgate']:.1f}",
                        f"{medians['floor']:.1f}",
                        f"{ratio:.2f}x",
                        f"{lite:.1f}" if lite else "-",
                        f"{lite / medians['nexgate']:.0f}x" if lite else "-",
                    ]
                )
    print(
        table(
            [
                "kind",
                "pair",
                "bytes",
                "nexgate µs",
                "floor µs",
                "vs floor",
                "litellm µs",
                "litellm / nexgate",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
