"""The incremental SSE parser and the JSON-array splitter, for any chunk boundaries."""

from __future__ import annotations

import pytest

from nexgate.errors import ResponseTooLargeError
from nexgate.sse import JSONArraySplitter, SSEEvent, SSEParser, encode_event

STREAM = (
    b'event: message_start\r\ndata: {"a":1}\r\n\r\n'
    b": keep-alive comment\n"
    b"data: line one\ndata: line two\n\n"
    b"data:no-space\r\r"
    b"id: 7\nevent: done\ndata: [DONE]\n\n"
)
EXPECTED = [
    SSEEvent(b'{"a":1}', "message_start"),
    SSEEvent(b"line one\nline two"),
    SSEEvent(b"no-space"),
    SSEEvent(b"[DONE]", "done", "7"),
]


def _parse(chunks: list[bytes], limit: int = 1 << 20) -> list[SSEEvent]:
    parser = SSEParser(limit)
    events = [e for c in chunks for e in parser.feed(c)]
    return events + parser.close()


def test_whole_stream() -> None:
    assert _parse([STREAM]) == EXPECTED


def test_every_split_point_gives_the_same_events() -> None:
    for cut in range(1, len(STREAM)):
        assert _parse([STREAM[:cut], STREAM[cut:]]) == EXPECTED, cut


def test_one_byte_at_a_time() -> None:
    assert _parse([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_unterminated_last_event_is_delivered_at_close() -> None:
    assert _parse([b"data: tail"]) == [SSEEvent(b"tail")]


def test_events_without_data_are_not_dispatched() -> None:
    assert _parse([b"event: ping\n\n: c\n\n"]) == []


def test_a_five_mebibyte_event_passes() -> None:
    big = b"x" * (5 << 20)
    assert _parse([b"data: ", big[: 1 << 20], big[1 << 20 :], b"\n\n"], limit=16 << 20) == [
        SSEEvent(big)
    ]


@pytest.mark.parametrize("chunks", [[b"data: " + b"x" * 2000 + b"\n\n"], [b"data: " + b"x" * 2000]])
def test_an_event_over_the_limit_is_a_clear_error(chunks: list[bytes]) -> None:
    with pytest.raises(ResponseTooLargeError, match="1000-byte limit"):
        _parse(chunks, limit=1000)


def test_writer_round_trips() -> None:
    data = encode_event(b'{"x":1}', "message_stop") + encode_event(b"[DONE]", crlf=True)
    assert _parse([data]) == [SSEEvent(b'{"x":1}', "message_stop"), SSEEvent(b"[DONE]")]


ARRAY = b'[{"a": "x]}\\\\\\"", "b": [1, {"c": 2}]},\r\n {"d": "{"}\n]'


def test_json_array_splitter_at_every_boundary() -> None:
    whole = JSONArraySplitter().feed(ARRAY)
    assert whole == [b'{"a": "x]}\\\\\\"", "b": [1, {"c": 2}]}', b'{"d": "{"}']
    for cut in range(1, len(ARRAY)):
        splitter = JSONArraySplitter()
        assert splitter.feed(ARRAY[:cut]) + splitter.feed(ARRAY[cut:]) == whole, cut
