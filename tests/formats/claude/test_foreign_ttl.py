"""A breakpoint lifetime Claude does not offer never reaches it as written (Claude refuses any
but 5m and 1h): OpenAI's own become 1h, anything else the default, each recorded as emulated.
Only ``30m`` and ``12h`` used to be mapped; ``24h`` went through.

The blocks are checked with ``TextBlockParam`` / ``ImageBlockParam`` directly:
``tests/sdk_validators.claude_request`` cannot see a bad ``cache_control``, since message
content also accepts the response model ``TextBlock``, which ignores the field.

Found by the review of the day's diff."""

from __future__ import annotations

import pydantic
import pytest
from anthropic.types import ImageBlockParam, TextBlockParam

from nexgate import translate_request


@pytest.mark.parametrize("ttl", ["24h", "10m"])
def test_claude_gets_a_lifetime_it_accepts(ttl: str) -> None:
    bp = {"mode": "explicit", "ttl": ttl}
    body = {
        "model": "m",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "a", "prompt_cache_breakpoint": bp},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://x/a.png"},
                        "prompt_cache_breakpoint": bp,
                    },
                ],
            }
        ],
    }
    out = translate_request(body, source="openai", target="claude")
    text, image = out["messages"][0]["content"]
    pydantic.TypeAdapter(TextBlockParam).validate_python(text)
    pydantic.TypeAdapter(ImageBlockParam).validate_python(image)
