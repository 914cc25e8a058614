"""Gemini bodies in the Python SDK's snake_case are accepted; user data keeps its keys."""

from __future__ import annotations

from nexgate import translate_request, translate_response


def test_snake_case_request_is_read_like_camel_case() -> None:
    snake = {
        "system_instruction": {"parts": [{"text": "be brief"}]},
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"text": "hi"},
                    {"inline_data": {"mime_type": "image/png", "data": "AAAA"}},
                ],
            },
            {
                "role": "model",
                "parts": [{"function_call": {"name": "f", "args": {"snake_key": 1}}}],
            },
            {
                "role": "user",
                "parts": [{"function_response": {"name": "f", "response": {"the_result": 2}}}],
            },
        ],
        "tools": [
            {
                "function_declarations": [
                    {
                        "name": "f",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {"snake_key": {"type": "INTEGER"}},
                        },
                    }
                ]
            }
        ],
        "generation_config": {
            "max_output_tokens": 99,
            "thinking_config": {"thinking_budget": 2048},
        },
    }
    camel = translate_request(snake, source="gemini", target="gemini", model="g")
    assert camel["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert camel["contents"][0]["parts"][1] == {
        "inlineData": {"mimeType": "image/png", "data": "AAAA"}
    }
    assert camel["contents"][1]["parts"][0]["functionCall"]["args"] == {"snake_key": 1}
    assert camel["contents"][2]["parts"][0]["functionResponse"]["response"] == {"the_result": 2}
    assert camel["generationConfig"]["maxOutputTokens"] == 99
    assert camel["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 2048}
    declaration = camel["tools"][0]["functionDeclarations"][0]
    assert "snake_key" in declaration["parameters"]["properties"]
    claude = translate_request(snake, source="gemini", target="claude", model="g")
    assert claude["system"] == "be brief" and claude["max_tokens"] >= 99


def test_snake_case_response() -> None:
    body = {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": "ok"}]}, "finish_reason": "STOP"}
        ],
        "usage_metadata": {"prompt_token_count": 3, "candidates_token_count": 1},
        "response_id": "r",
    }
    out = translate_response(body, source="gemini", target="openai", model="g")
    assert out["choices"][0]["message"]["content"] == "ok"
    assert out["usage"]["total_tokens"] == 4 and out["id"] == "r"
