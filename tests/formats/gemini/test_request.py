"""Gemini generateContent requests: identity, snake_case input, ids, encode rules, bad input."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest
import sdk_validators  # type: ignore[import-not-found]

import nexgate
from nexgate.formats._ids import is_synthetic_call_id
from nexgate.schema import ToolCallPart, ToolResultPart
from nexgate.translate import decode_request

MODEL = "gemini-2.5-flash"
SIG = "CikBcsjafFK168IbtVtoxVV0Tsn8"

CANONICAL: dict[str, Any] = {
    "contents": [
        {
            "role": "user",
            "parts": [
                {"text": "Weather in Paris? See the photo and the report."},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                {"fileData": {"mimeType": "application/pdf", "fileUri": "https://x.test/r.pdf"}},
            ],
        },
        {
            "role": "model",
            "parts": [
                {"text": "Thinking about tools", "thought": True, "thoughtSignature": SIG},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_weather", "args": {"city": "Lyon"}}},
                {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}},
                {"functionResponse": {"name": "get_weather", "response": {"temp": 20}}},
            ],
        },
        {
            "role": "model",
            "parts": [{"text": "Paris 18C, Lyon 20C."}, {"text": "", "thoughtSignature": SIG}],
        },
        {"role": "user", "parts": [{"text": "Thanks"}]},
    ],
    "systemInstruction": {"parts": [{"text": "You are terse."}]},
    "tools": [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather by city",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {
                            "city": {"type": "STRING", "description": "a city"},
                            "unit": {"type": "STRING", "enum": ["C", "F"], "nullable": True},
                        },
                        "required": ["city"],
                    },
                },
                {
                    "name": "lookup",
                    "parametersJsonSchema": {
                        "type": "object",
                        "properties": {"q": {"type": "string"}},
                        "additionalProperties": False,
                    },
                },
                {"name": "now"},
            ]
        },
        {"googleSearch": {}},
    ],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["lookup"]}},
    "generationConfig": {
        "maxOutputTokens": 1024,
        "temperature": 0.5,
        "topP": 0.9,
        "topK": 40,
        "stopSequences": ["END"],
        "seed": 7,
        "candidateCount": 1,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object", "properties": {"a": {"type": "string"}}},
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 2048},
        "responseModalities": ["TEXT"],
    },
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}],
    "cachedContent": "cachedContents/abc",
}


def gemini(body: Any, **kw: Any) -> nexgate.translate.Translated:
    return nexgate.translate_request(body, source="gemini", target="gemini", model=MODEL, **kw)


def to_gemini(body: Any, source: str, **kw: Any) -> nexgate.translate.Translated:
    out = nexgate.translate_request(body, source=source, target="gemini", model=MODEL, **kw)
    sdk_validators.gemini_request(out)
    return out


def kinds(out: nexgate.translate.Translated) -> set[str]:
    return {loss.kind for loss in out.losses}


# --------------------------------------------------------------------------- identity


def test_identity_is_exact_and_valid() -> None:
    out = gemini(copy.deepcopy(CANONICAL))
    assert out == CANONICAL
    assert out.losses == ()
    sdk_validators.gemini_request(out)


@pytest.mark.parametrize(
    "config",
    [
        {"thinkingConfig": {"thinkingLevel": "HIGH", "includeThoughts": False}},
        {"thinkingConfig": {"thinkingLevel": "XHIGH"}},
        {"thinkingConfig": {"thinkingBudget": -1}},
        {"thinkingConfig": {"thinkingBudget": 0}},
        {"responseMimeType": "application/json"},
        {"responseMimeType": "text/x.enum", "responseSchema": {"type": "STRING", "enum": ["a"]}},
        {
            "responseMimeType": "application/json",
            "responseSchema": {"type": "OBJECT", "properties": {"n": {"type": "INTEGER"}}},
        },
    ],
)
def test_generation_config_identity(config: dict[str, Any]) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": config}
    out = gemini(copy.deepcopy(body))
    assert out == body
    assert out.losses == ()
    sdk_validators.gemini_request(out)


@pytest.mark.parametrize(
    "tool_config",
    [
        {"functionCallingConfig": {"mode": "AUTO"}},
        {"functionCallingConfig": {"mode": "NONE"}},
        {"functionCallingConfig": {"mode": "ANY"}},
        {"functionCallingConfig": {"mode": "VALIDATED"}},
        {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["a", "b"]}},
        {"functionCallingConfig": {"mode": "VALIDATED", "allowedFunctionNames": ["a"]}},
        {"functionCallingConfig": {"mode": "AUTO"}, "retrievalConfig": {"languageCode": "en"}},
    ],
)
def test_tool_config_identity(tool_config: dict[str, Any]) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": [{"name": "a"}, {"name": "b"}]}],
        "toolConfig": tool_config,
    }
    out = gemini(copy.deepcopy(body))
    assert out == body
    sdk_validators.gemini_request(out)


def test_model_comes_from_the_url_and_is_never_written() -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    request = decode_request(body, format="gemini", model="gemini-3-pro-preview")
    assert request.model == "gemini-3-pro-preview"
    openai = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    assert "model" not in to_gemini(openai, "openai")
    assert (
        nexgate.translate_request(body, source="gemini", target="openai", model="m")["model"] == "m"
    )


def test_snake_case_input_is_accepted() -> None:
    snake = {
        "contents": [
            {
                "role": "model",
                "parts": [
                    {
                        "function_call": {"name": "f", "args": {"snake_key": 1}},
                        "thought_signature": SIG,
                    }
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"function_response": {"name": "f", "response": {"out_value": "x"}}},
                    {"inline_data": {"mime_type": "image/png", "data": "AAAA"}},
                ],
            },
        ],
        "system_instruction": {"parts": [{"text": "sys"}]},
        "tools": [
            {
                "function_declarations": [
                    {
                        "name": "f",
                        "parameters_json_schema": {
                            "type": "object",
                            "properties": {"snake_key": {"type": "integer"}},
                        },
                    }
                ]
            }
        ],
        "tool_config": {
            "function_calling_config": {"mode": "ANY", "allowed_function_names": ["f"]}
        },
        "generation_config": {
            "max_output_tokens": 10,
            "stop_sequences": ["x"],
            "thinking_config": {"thinking_budget": 128, "include_thoughts": True},
        },
    }
    out = gemini(snake)
    assert out == {
        "contents": [
            {
                "role": "model",
                "parts": [
                    {
                        "functionCall": {"name": "f", "args": {"snake_key": 1}},
                        "thoughtSignature": SIG,
                    }
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "f", "response": {"out_value": "x"}}},
                    {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
                ],
            },
        ],
        "systemInstruction": {"parts": [{"text": "sys"}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "f",
                        "parametersJsonSchema": {
                            "type": "object",
                            "properties": {"snake_key": {"type": "integer"}},
                        },
                    }
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}},
        "generationConfig": {
            "maxOutputTokens": 10,
            "stopSequences": ["x"],
            "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 128},
        },
    }
    sdk_validators.gemini_request(out)


# --------------------------------------------------------------------------- ids


def _calls(body: dict[str, Any]) -> list[ToolCallPart]:
    request = decode_request(body, format="gemini", model=MODEL)
    return [p for m in request.messages for p in m.parts if isinstance(p, ToolCallPart)]


def test_synthetic_ids_are_deterministic_and_paired_by_name_and_order() -> None:
    body = copy.deepcopy(CANONICAL)
    first, second = _calls(body), _calls(copy.deepcopy(body))
    assert [c.id for c in first] == [c.id for c in second]
    assert all(is_synthetic_call_id(c.id) for c in first)
    assert len({c.id for c in first}) == 2
    request = decode_request(body, format="gemini", model=MODEL)
    results = [p for m in request.messages for p in m.parts if isinstance(p, ToolResultPart)]
    assert [r.call_id for r in results] == [c.id for c in first]
    # A later turn does not change the ids of earlier calls (seeded by the call's own turn).
    longer = copy.deepcopy(body)
    longer["contents"].append({"role": "model", "parts": [{"functionCall": {"name": "now"}}]})
    assert [c.id for c in _calls(longer)][:2] == [c.id for c in first]
    assert _calls(longer)[2].arguments == {}


@pytest.mark.parametrize("as_json", [False, True])
def test_equal_turns_without_ids_get_distinct_ids_that_stay_put(as_json: bool) -> None:
    # A client polling a tool repeats the same model turn; Claude refuses repeated ids.
    def polling(turns: int) -> dict[str, Any]:
        contents: list[dict[str, Any]] = [{"role": "user", "parts": [{"text": "poll"}]}]
        for i in range(turns):
            contents.append({"role": "model", "parts": [{"functionCall": {"name": "now"}}]})
            result = {"functionResponse": {"name": "now", "response": {"result": str(i)}}}
            contents.append({"role": "user", "parts": [result]})
        return {"contents": contents}

    def ids(turns: int) -> tuple[list[str], list[str]]:
        body: Any = polling(turns)
        if as_json:
            body = msgspec.json.encode(body)
        out = nexgate.translate_request(body, source="gemini", target="claude", model=MODEL)
        sdk_validators.claude_request(out)
        blocks = [block for message in out["messages"] for block in message["content"]]
        calls = [block["id"] for block in blocks if block["type"] == "tool_use"]
        results = [block["tool_use_id"] for block in blocks if block["type"] == "tool_result"]
        return calls, results

    calls, results = ids(3)
    assert len(set(calls)) == 3 and results == calls
    assert ids(4)[0][:3] == calls  # a longer conversation keeps the earlier ids


def test_synthetic_ids_are_omitted_and_real_ids_kept() -> None:
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "go"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"id": "call_1", "name": "a", "args": {}}},
                    {"functionCall": {"name": "b", "args": {}}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "id": "call_1",
                            "name": "a",
                            "response": {"result": "1"},
                        }
                    },
                    {"functionResponse": {"name": "b", "response": {"result": "2"}}},
                ],
            },
        ]
    }
    out = gemini(copy.deepcopy(body))
    assert out == body
    # Through OpenAI and back: the synthesized id travels in OpenAI and is dropped again.
    openai = nexgate.translate_request(body, source="gemini", target="openai", model=MODEL)
    call_ids = [c["id"] for c in openai["messages"][1]["tool_calls"]]
    assert call_ids[0] == "call_1" and is_synthetic_call_id(call_ids[1])
    back = to_gemini(openai, "openai")
    assert back["contents"] == body["contents"]


# --------------------------------------------------------------------------- encode rules


def test_openai_parallel_results_go_in_one_content_in_call_order() -> None:
    openai = {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "both"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "a", "arguments": "{}"},
                    },
                    {
                        "id": "call_b",
                        "type": "function",
                        "function": {"name": "b", "arguments": '{"x":1}'},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "call_b", "content": "B"},
            {"role": "tool", "tool_call_id": "call_a", "content": '{"ok": true}'},
            {"role": "system", "content": "Later rule."},
            {"role": "user", "content": "thanks"},
        ],
    }
    out = to_gemini(openai, "openai")
    assert out["systemInstruction"] == {"parts": [{"text": "Be terse."}, {"text": "Later rule."}]}
    assert out["contents"] == [
        {"role": "user", "parts": [{"text": "both"}]},
        {
            "role": "model",
            "parts": [
                {"functionCall": {"name": "a", "args": {}, "id": "call_a"}},
                {"functionCall": {"name": "b", "args": {"x": 1}, "id": "call_b"}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"id": "call_a", "name": "a", "response": {"ok": True}}},
                {"functionResponse": {"id": "call_b", "name": "b", "response": {"result": "B"}}},
                {"text": "thanks"},
            ],
        },
    ]
    hoisted = [loss for loss in out.losses if loss.kind == "system_message_hoisted"]
    assert [loss.severity for loss in hoisted] == ["emulated"]


def test_a_result_before_its_call_is_a_typed_error_naming_it() -> None:
    # Gemini's functionResponse needs the tool's name, which only an earlier call gives.
    claude = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}],
            },
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}],
            },
        ],
    }
    with pytest.raises(nexgate.InvalidInputError, match="toolu_1") as caught:
        to_gemini(claude, "claude")
    assert caught.value.path == "$.messages[0].parts[0]"


def test_claude_thinking_and_signature_are_dropped_with_loss() -> None:
    claude = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "claude-sig"},
                    {"type": "text", "text": "hello"},
                    {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "is_error": True,
                        "content": [
                            {"type": "text", "text": "boom"},
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/png",
                                    "data": "AAAA",
                                },
                            },
                        ],
                    }
                ],
            },
        ],
    }
    out = to_gemini(claude, "claude")
    assert out["contents"][1] == {
        "role": "model",
        "parts": [{"text": "hello"}, {"functionCall": {"name": "f", "args": {}, "id": "toolu_1"}}],
    }
    assert out["contents"][2]["parts"] == [
        {
            "functionResponse": {
                "id": "toolu_1",
                "name": "f",
                "response": {"error": "boom"},
                "parts": [{"inlineData": {"mimeType": "image/png", "data": "AAAA"}}],
            }
        }
    ]
    assert "reasoning_dropped" in kinds(out)
    with pytest.raises(nexgate.TranslationError):
        to_gemini(claude, "claude", strict=True)


def test_foreign_signature_is_dropped_and_gemini_signature_kept() -> None:
    openai = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                        "extra_content": {"google": {"thought_signature": SIG}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "done"},
        ],
    }
    out = to_gemini(openai, "openai")
    assert out["contents"][1]["parts"][0]["thoughtSignature"] == SIG


@pytest.mark.parametrize(
    ("url", "expected", "kind"),
    [
        (
            "https://x.test/cat.png",
            {"fileData": {"mimeType": "image/png", "fileUri": "https://x.test/cat.png"}},
            "media_url_as_file_data",
        ),
        ("https://x.test/cat", None, "media_url_unsupported"),
        (
            "data:image/jpeg;base64,AAAA",
            {"inlineData": {"mimeType": "image/jpeg", "data": "AAAA"}},
            None,
        ),
    ],
)
def test_image_urls(url: str, expected: dict[str, Any] | None, kind: str | None) -> None:
    openai = {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": url}},
                ],
            }
        ],
    }
    out = to_gemini(openai, "openai")
    parts = out["contents"][0]["parts"]
    assert parts[1:] == ([expected] if expected else [])
    if kind:
        assert kind in kinds(out)


def test_unsupported_request_fields_are_losses() -> None:
    openai = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "stop": ["1", "2", "3", "4", "5", "6"],
        "metadata": {"k": "v"},
        "user": "u1",
        "parallel_tool_calls": False,
        "tools": [
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
        ],
        "response_format": {"type": "json_object"},
        "reasoning_effort": "high",
    }
    out = to_gemini(openai, "openai")
    config = out["generationConfig"]
    assert config["stopSequences"] == ["1", "2", "3", "4", "5"]
    assert config["responseMimeType"] == "application/json"
    assert config["thinkingConfig"] == {"thinkingBudget": 4096}  # a gemini-2.5 model: a budget
    assert out["tools"] == [{"functionDeclarations": [{"name": "f"}]}]
    assert {"stop_sequences_truncated", "unsupported_parameter"} <= kinds(out)
    paths = {loss.path for loss in out.losses}
    assert {"$.metadata", "$.user", "$.parallel_tool_calls", "$.stop"} <= paths


@pytest.mark.parametrize(
    ("model", "effort", "thinking"),
    [
        ("gemini-3-pro-preview", "high", {"thinkingLevel": "HIGH"}),
        ("gemini-3-pro-preview", "minimal", {"thinkingLevel": "MINIMAL"}),
        ("gemini-2.5-flash", "low", {"thinkingBudget": 1024}),
        ("gemini-2.5-flash", "none", {"thinkingBudget": 0}),
    ],
)
def test_reasoning_effort_sends_level_or_budget_never_both(
    model: str, effort: str, thinking: dict[str, Any]
) -> None:
    openai = {
        "model": "x",
        "messages": [{"role": "user", "content": "hi"}],
        "reasoning_effort": effort,
    }
    out = nexgate.translate_request(openai, source="openai", target="gemini", model=model)
    assert out["generationConfig"]["thinkingConfig"] == thinking


def test_an_effort_above_high_is_sent_as_high_and_says_so() -> None:
    openai = {"model": "x", "messages": [{"role": "user", "content": "hi"}]}
    out = nexgate.translate_request(
        {**openai, "reasoning_effort": "xhigh"}, source="openai", target="gemini", model="gemini-3"
    )
    assert out["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "HIGH"}
    assert [(loss.kind, loss.severity) for loss in out.losses] == [
        ("reasoning_effort_lowered", "emulated")
    ]


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "f"}},
            {"mode": "ANY", "allowedFunctionNames": ["f"]},
        ),
    ],
)
def test_tool_choice(choice: Any, config: dict[str, Any]) -> None:
    openai = {
        "model": "x",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": choice,
    }
    out = to_gemini(openai, "openai")
    assert out["toolConfig"] == {"functionCallingConfig": config}


def test_gemini_only_fields_are_lost_for_other_targets() -> None:
    out = nexgate.translate_request(CANONICAL, source="gemini", target="openai", model=MODEL)
    paths = {loss.path for loss in out.losses}
    assert {"$.safetySettings", "$.cachedContent", "$.generationConfig", "$.tools"} <= paths
    assert not any(path.startswith("$._") for path in paths)


# --------------------------------------------------------------------------- bad input


def _deep_schema(depth: int) -> dict[str, Any]:
    """A schema nested far deeper than any tool needs."""
    root: dict[str, Any] = {"type": "ARRAY"}
    node = root
    for _ in range(depth):
        node["items"] = {"type": "ARRAY"}
        node = node["items"]
    return root


_DEEP = _deep_schema(200)

BAD: list[tuple[Any, str]] = [
    ({}, "$"),
    ({"contents": "hi"}, "$.contents"),
    ({"contents": [{"role": "system", "parts": [{"text": "x"}]}]}, "$.contents[0].role"),
    ({"contents": [{"role": "user", "parts": [{"text": 5}]}]}, "$.contents[0].parts[0].text"),
    ({"contents": [{"role": "user", "parts": ["x"]}]}, "$.contents[0].parts[0]"),
    (
        {"contents": [{"role": "model", "parts": [{"functionCall": {"args": {}}}]}]},
        "$.contents[0].parts[0].functionCall.name",
    ),
    (
        {"contents": [{"role": "model", "parts": [{"functionCall": {"name": "f", "args": []}}]}]},
        "$.contents[0].parts[0].functionCall.args",
    ),
    (
        {"contents": [{"parts": [{"functionResponse": {"name": "f", "response": "x"}}]}]},
        "$.contents[0].parts[0].functionResponse.response",
    ),
    (
        {"contents": [{"parts": [{"inlineData": {"data": "x"}}]}]},
        "$.contents[0].parts[0].inlineData",
    ),
    ({"contents": [], "tools": [{"functionDeclarations": 3}]}, "$.tools[0].functionDeclarations"),
    (
        {"contents": [], "tools": [{"functionDeclarations": [{"name": 1}]}]},
        "$.tools[0].functionDeclarations[0].name",
    ),
    (
        {"contents": [], "generationConfig": {"maxOutputTokens": "many"}},
        "$.generationConfig.maxOutputTokens",
    ),
    (
        {"contents": [], "generationConfig": {"maxOutputTokens": 10**40}},
        "$.generationConfig.maxOutputTokens",
    ),
    (
        {"contents": [], "generationConfig": {"thinkingConfig": {"thinkingLevel": "ULTRA"}}},
        "$.generationConfig.thinkingConfig.thinkingLevel",
    ),
    (
        {"contents": [], "toolConfig": {"functionCallingConfig": {"mode": "SOMETIMES"}}},
        "$.toolConfig.functionCallingConfig.mode",
    ),
    (
        {"contents": [], "tools": [{"functionDeclarations": [{"name": "f", "parameters": _DEEP}]}]},
        "$.tools[0].functionDeclarations[0].parameters",
    ),
    ([1, 2], "$"),
    (b"{not json", "$"),
]


@pytest.mark.parametrize(("body", "path"), BAD)
def test_bad_input_names_the_field(body: Any, path: str) -> None:
    with pytest.raises(nexgate.InvalidInputError) as caught:
        nexgate.translate_request(body, source="gemini", target="gemini", model=MODEL)
    assert caught.value.path.startswith(path)


def test_thinking_claude_shows_is_asked_of_gemini_too() -> None:
    claude = {
        "model": "claude-x",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "hi"}],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
    }
    out = to_gemini(claude, "claude")
    assert out["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": True,
        "thinkingBudget": 2048,
    }
    omitted = {**claude, "thinking": {**claude["thinking"], "display": "omitted"}}
    thinking = to_gemini(omitted, "claude")["generationConfig"]["thinkingConfig"]
    assert thinking == {"thinkingBudget": 2048}


def test_thoughts_asked_without_a_budget_are_a_loss_for_claude() -> None:
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"thinkingConfig": {"includeThoughts": True}},
    }
    out = nexgate.translate_request(gemini, source="gemini", target="claude", model="claude-x")
    assert "thinking" not in out
    assert ("reasoning_text_unavailable", "dropped") in {
        (loss.kind, loss.severity) for loss in out.losses
    }


def test_a_conversation_with_nothing_to_say_keeps_one_empty_turn() -> None:
    # As pydantic-ai sends it, and Gemini answers it: a system prompt and an empty user turn.
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": ""}]}],
        "systemInstruction": {"parts": [{"text": "Say hello."}]},
    }
    out = to_gemini(gemini, "gemini")
    assert out["contents"] == gemini["contents"] and out.losses == ()
    openai = {"model": "m", "messages": [{"role": "system", "content": "Say hello."}]}
    out = to_gemini(openai, "openai")
    assert out["contents"] == [{"role": "user", "parts": [{"text": ""}]}]
    assert [(loss.kind, loss.severity) for loss in out.losses] == [("empty_turn_sent", "emulated")]


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
def test_mode_unspecified_is_the_default_auto(target: str) -> None:
    """The API's default mode, listed by the SDK; it was refused as an unknown mode."""
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": [{"name": "a"}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "MODE_UNSPECIFIED"}},
    }
    request = decode_request(copy.deepcopy(body), format="gemini", model=MODEL)
    assert request.tool_choice is not None
    assert request.tool_choice.mode == "auto"
    out = nexgate.translate_request(body, source="gemini", target=target, model=MODEL)
    assert [loss for loss in out.losses if loss.severity == "dropped"] == []
