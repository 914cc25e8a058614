"""Malformed input gives a nexgate error naming the field, never a raw Python or msgspec error."""

from __future__ import annotations

from typing import Any

import pytest

import nexgate
from nexgate import translate_request, translate_response

FORMATS = ["openai", "claude", "gemini"]
DEEP = b"[" * 100_000 + b"]" * 100_000

BAD_REQUESTS: dict[str, list[tuple[Any, str]]] = {
    "openai": [
        (b'{"model": "m", "messages": [', "$"),
        ({"model": 5, "messages": [{"role": "user", "content": "x"}]}, "$.model"),
        ({"messages": [{"role": "user", "content": "x"}]}, "$"),
        ({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}, "$.messages[0].role"),
        (
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
            "$.messages[0].content[0]",
        ),
        (
            {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
            "$.messages[0].tool_call_id",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"},
            "$.temperature",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 10**400},
            "$.max_tokens",
        ),
    ],
    "claude": [
        ({"model": "m", "messages": "hi"}, "$.messages"),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": [{"type": "tool_use", "name": "f"}]}],
            },
            "$.messages[0].content[0]",
        ),
        (
            {
                "model": "m",
                "messages": [
                    {"role": "user", "content": [{"type": "image", "source": {"type": "s3"}}]}
                ],
            },
            "$.messages[0].content[0].source",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "x"}],
                "tool_choice": {"type": "maybe"},
            },
            "$.tool_choice.type",
        ),
    ],
    "gemini": [
        ({"contents": "hi"}, "$.contents"),
        ({"contents": [{"role": "wizard", "parts": [{"text": "x"}]}]}, "$.contents[0].role"),
        ({"contents": [{"role": "user", "parts": [{"text": 5}]}]}, "$.contents[0].parts[0].text"),
        (
            {"contents": [{"role": "user", "parts": [{"functionCall": {"args": {}}}]}]},
            "$.contents[0].parts[0].functionCall.name",
        ),
        (
            {"contents": [], "generationConfig": {"maxOutputTokens": "many"}},
            "$.generationConfig.maxOutputTokens",
        ),
    ],
}


@pytest.mark.parametrize(
    ("fmt", "body", "path"), [(f, b, p) for f, cases in BAD_REQUESTS.items() for b, p in cases]
)
def test_bad_request_names_the_field(fmt: str, body: Any, path: str) -> None:
    with pytest.raises(nexgate.InvalidInputError) as caught:
        translate_request(body, source=fmt, target="openai", model="m")
    assert caught.value.path.startswith(path)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "data", [DEEP, b"\xff\xfe not utf8", b'"\\ud800"', b"[1, 2]", b"", b"null", b"1e999"]
)
def test_malformed_bytes_for_every_decoder(fmt: str, data: bytes) -> None:
    for translate in (translate_request, translate_response):
        with pytest.raises(nexgate.InvalidInputError):
            translate(data, source=fmt, target="claude", model="m")


@pytest.mark.parametrize("fmt", FORMATS)
def test_deep_nesting_inside_a_valid_shape(fmt: str) -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = {"a": deep}
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "metadata": deep}
    if fmt == "gemini":
        body = {
            "contents": [{"role": "user", "parts": [{"functionCall": {"name": "f", "args": deep}}]}]
        }
    elif fmt == "claude":
        body = {
            "model": "m",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "x"}],
            "extra": deep,
        }
    try:
        translate_request(body, source=fmt, target="openai", model="m")
    except nexgate.InvalidInputError as exc:
        assert exc.path.startswith("$")


@pytest.mark.parametrize("fmt", FORMATS)
def test_lone_surrogate_text_is_an_input_error(fmt: str) -> None:
    text = "bad \ud800 text"
    body: dict[str, Any] = {
        "model": "m",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": text}],
    }
    if fmt == "gemini":
        body = {"contents": [{"role": "user", "parts": [{"text": text}]}]}
    from nexgate.formats._json import dump_json

    with pytest.raises(nexgate.InvalidInputError):  # at translation or, at the latest, encoding
        dump_json(translate_request(body, source=fmt, target="claude", model="m"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["request", "response"])
def test_json_text_as_str_with_a_raw_lone_surrogate_is_an_input_error(fmt: str, kind: str) -> None:
    # A str (not its escaped form) can hold a surrogate that no UTF-8 JSON text can.
    text = '{"model": "m", "id": "bad \ud800"}'
    translate = translate_request if kind == "request" else nexgate.translate_response
    with pytest.raises(nexgate.InvalidInputError, match="lone surrogate") as caught:
        translate(text, source=fmt, target="openai")
    assert caught.value.path == "$"


@pytest.mark.parametrize("target", FORMATS)
def test_lone_surrogate_in_tool_arguments_is_an_input_error(target: str) -> None:
    arguments = '{"a": "bad \ud800"}'
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        ],
    }
    from nexgate.formats._json import dump_json

    # Never a bare UnicodeEncodeError: an input error, or arguments dropped as a recorded loss.
    try:
        out = translate_request(body, source="openai", target=target, model="m")
        dump_json(out)
    except nexgate.InvalidInputError:
        return
    assert any(loss.path.startswith("$.messages[1]") for loss in out.losses)


def test_cli_exits_non_zero_with_one_line() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexgate",
            "translate",
            "request",
            "--from",
            "openai",
            "--to",
            "gemini",
        ],
        input=b'{"model": "m", "messages": [{"role": "user", "content": 5}]}',
        capture_output=True,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert (
        len(lines) == 1 and "InvalidInputError" in lines[0] and "$.messages[0].content" in lines[0]
    )
