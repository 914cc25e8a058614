"""An empty ``text`` beside a kind of data nexgate does not model (``executableCode``,
``codeExecutionResult``) leaves the part whole, a raw part: the part was lost without a loss
after an empty text beside a call became that call.

Found by the last review of the session."""

from __future__ import annotations

import json

import pytest

from nexgate.formats import TranslationContext
from nexgate.translate import decode_request, decode_response

CODE = {"language": "PYTHON", "code": "print(1)"}
PARTS = [
    {"text": "", "executableCode": CODE},
    {"text": "", "thoughtSignature": "c2ln", "executableCode": CODE},
    {"text": "", "codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
]


def _kept_or_lost(parts, ctx) -> bool:
    kept = any("executableCode" in str(p) or "codeExecutionResult" in str(p) for p in parts)
    lost = any(loss.path.endswith(("executableCode", "codeExecutionResult")) for loss in ctx.losses)
    return kept or lost


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize("part", PARTS)
def test_response_part_is_kept_or_lost(part, as_bytes) -> None:
    body = {
        "candidates": [
            {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
        ],
        "modelVersion": "m",
    }
    ctx = TranslationContext(source="gemini", target="openai")
    r = decode_response(json.dumps(body).encode() if as_bytes else body, format="gemini", ctx=ctx)
    assert _kept_or_lost(r.choices[0].parts, ctx), (r.choices[0].parts, ctx.losses)


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize("part", PARTS)
def test_request_part_is_kept_or_lost(part, as_bytes) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [part]}]
    }
    ctx = TranslationContext(source="gemini", target="openai")
    r = decode_request(json.dumps(body).encode() if as_bytes else body, format="gemini", ctx=ctx)
    parts = [p for m in r.messages for p in m.parts]
    assert _kept_or_lost(parts, ctx), (parts, ctx.losses)
