"""StreamTranslator itself: Gemini's JSON-array framing, strict mode, losses, request context."""

from __future__ import annotations

import pytest
from stream.scenarios import SCENARIOS, decode_stream, encode_stream, payloads, random_splits

from nexgate.errors import InvalidInputError, RateLimitError, TranslationError
from nexgate.schema import FormatName, Loss
from nexgate.sse import SSEParser
from nexgate.stream_translate import StreamTranslator


def _translate(source: FormatName, target: FormatName, chunks: list[bytes], **kw: object) -> bytes:
    translator = StreamTranslator(source, target, model="test-model", **kw)  # type: ignore[arg-type]
    return b"".join(translator.feed(c) for c in chunks) + translator.close()


def _gemini_array(sse: bytes) -> bytes:
    """The same Gemini stream as ``streamGenerateContent`` sends it without ``alt=sse``."""
    parser = SSEParser()
    elements = [event.data for event in parser.feed(sse) + parser.close()]
    return b"[" + b",\r\n".join(elements) + b"]"


@pytest.mark.parametrize("target", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("scenario", ["text_then_tool_call", "thinking_then_text"])
def test_gemini_json_array_stream_equals_its_sse_form(target: FormatName, scenario: str) -> None:
    sse = encode_stream("gemini", SCENARIOS[scenario]())
    array = _gemini_array(sse)
    assert array.startswith(b"[{")
    want = _translate("gemini", target, [sse])
    assert _translate("gemini", target, [b"  \n", array]) == want
    assert _translate("gemini", target, [array[i : i + 1] for i in range(len(array))]) == want
    for seed in range(3):
        assert _translate("gemini", target, random_splits(array, seed)) == want


def test_gemini_json_array_cut_short_ends_with_an_error() -> None:
    array = _gemini_array(encode_stream("gemini", SCENARIOS["text_only"]()))
    out = _translate("gemini", "openai", [array[: len(array) // 2]])
    assert b"[DONE]" not in out
    last = payloads(out)[-1][1]
    assert isinstance(last, dict) and last["error"]["code"] == "stream_interrupted"


def test_gemini_bare_error_object_is_an_error_event() -> None:
    body = (
        b'{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",'
        b' "status": "RESOURCE_EXHAUSTED"}}'
    )
    out = _translate("gemini", "openai", [body[:7], body[7:]])
    last = payloads(out)[-1][1]
    assert isinstance(last, dict)
    assert last["error"]["message"] == "Resource has been exhausted (e.g. check quota)."
    with pytest.raises(RateLimitError) as info:
        decode_stream("openai", out).result()
    assert info.value.status == 429


def test_strict_mode_raises_on_a_dropped_signature() -> None:
    gemini = encode_stream("gemini", SCENARIOS["gemini_signed_call"]())
    with pytest.raises(TranslationError) as info:
        _translate("gemini", "claude", [gemini], strict=True)
    assert any(loss.kind == "signature_not_replayable" for loss in info.value.losses)
    # Not strict: the same stream translates, and the loss is listed and reported.
    seen: list[Loss] = []
    translator = StreamTranslator("gemini", "claude", on_loss=seen.append)
    translator.feed(gemini)
    translator.close()
    assert translator.losses == seen and seen


def test_strict_mode_passes_a_lossless_stream() -> None:
    data = encode_stream("openai", SCENARIOS["parallel_interleaved"]())
    out = _translate("openai", "claude", [data], strict=True)
    calls = decode_stream("claude", out).result().tool_calls
    assert [c.arguments for c in calls] == [{"city": "Paris"}, {"city": "Rome"}]


def test_request_context_is_decoded_in_the_target_format() -> None:
    request = b'{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}'
    out = _translate(
        "claude", "openai", [encode_stream("claude", SCENARIOS["text_only"]())], request=request
    )
    assert not any(isinstance(p, dict) and p.get("usage") for _, p in payloads(out))
    with pytest.raises(InvalidInputError):
        StreamTranslator("claude", "openai", request=b'{"model": 5}')


def test_malformed_upstream_json_is_a_nexgate_error() -> None:
    translator = StreamTranslator("openai", "claude")
    with pytest.raises(InvalidInputError):
        translator.feed(b"data: {not json}\n\n")


def test_a_malformed_event_after_whole_ones_raises_on_the_next_call() -> None:
    """The whole events before it come out; the error follows, on the next feed or close, and
    nothing after it is decoded."""
    good = (
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"HELLO"}}]}\n\n'
    )
    for finish in ("feed", "close"):
        translator = StreamTranslator("openai", "claude")
        assert b"HELLO" in translator.feed(good + b'data: {"broken": \n\n')
        with pytest.raises(InvalidInputError, match="not valid JSON"):
            if finish == "feed":
                translator.feed(good)
            else:
                translator.close()
