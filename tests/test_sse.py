"""The incremental SSE parser and the JSON-array splitter, for any chunk boundaries."""

from __future__ import annotations

import random
import time

import hypothesis
import pytest
from hypothesis import strategies as st

from nexgate.errors import ResponseTooLargeError
from nexgate.sse import JSONArraySplitter, SSEEvent, SSEParser, encode_event

STREAM = (
    b'event: message_start\r\ndata: {"a":1}\r\n\r\n'
    b": keep-alive comment\n\n"
    b"data: line one\ndata: line two\n\n"
    b"data:no-space\r\r"
    b"retry: 100\nunknown: x\ndata\ndata:  two spaces\n\n"
    b"id: 7\nevent: done\ndata: [DONE]\n\n"
)
EXPECTED = [
    SSEEvent(b'{"a":1}', "message_start"),
    SSEEvent(b"line one\nline two"),
    SSEEvent(b"no-space"),
    SSEEvent(b"\n two spaces"),
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


def test_every_pair_of_split_points_gives_the_same_events() -> None:
    for first in range(1, len(STREAM), 3):
        for second in range(first + 1, len(STREAM), 5):
            chunks = [STREAM[:first], STREAM[first:second], STREAM[second:]]
            assert _parse(chunks) == EXPECTED, (first, second)


def test_one_byte_at_a_time() -> None:
    assert _parse([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_each_line_ending(eol: bytes) -> None:
    text = eol.join([b"event: a", b"data: 1", b"data: 2", b"", b": c", b"", b"data: 3", b"", b""])
    want = [SSEEvent(b"1\n2", "a"), SSEEvent(b"3")]
    assert _parse([text]) == want
    assert _parse([text[i : i + 1] for i in range(len(text))]) == want


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    # "a\r" + "\n\r\n": CRLF split in two, then a CRLF: exactly one event, no empty extra.
    assert _parse([b"data: a\r", b"\n\r\n", b"data: b\r\n\r", b"\n"]) == [
        SSEEvent(b"a"),
        SSEEvent(b"b"),
    ]
    # A lone CR then LF in the next chunk after an empty CR line still ends the event once.
    assert _parse([b"data: a\r\r", b"\ndata: b\n\n"]) == [SSEEvent(b"a"), SSEEvent(b"b")]


def test_a_byte_order_mark_at_the_start_is_ignored() -> None:
    assert _parse([b"\xef\xbb\xbfdata: x\n\n"]) == [SSEEvent(b"x")]


def test_last_event_with_complete_lines_is_delivered_at_close() -> None:
    assert _parse([b"data: tail\n"]) == [SSEEvent(b"tail")]
    assert _parse([b"data: tail\r"]) == [SSEEvent(b"tail")]


def test_an_unterminated_last_line_is_delivered_at_close() -> None:
    assert _parse([b"data: tail"]) == [SSEEvent(b"tail")]
    assert _parse([b'data: {"a":1}\n\ndata: {"tr']) == [SSEEvent(b'{"a":1}'), SSEEvent(b'{"tr')]


def test_events_without_data_are_not_dispatched() -> None:
    assert _parse([b"event: ping\n\n: c\n\nid: 3\n\n"]) == []


def test_a_five_mebibyte_event_passes_in_small_chunks_quickly() -> None:
    big = b"QUJD" * (5 << 18)  # 5 MiB of base64
    data = b"data: " + big + b"\n\n"
    start = time.perf_counter()
    events = _parse([data[i : i + 4096] for i in range(0, len(data), 4096)], limit=16 << 20)
    elapsed = time.perf_counter() - start
    assert events == [SSEEvent(big)]
    # Linear work: a quadratic buffer (re-copying 5 MiB per 4 KiB chunk) takes many seconds.
    assert elapsed < 1.5, elapsed


def test_default_limit_is_sixteen_mebibytes() -> None:
    assert SSEParser().max_event_bytes == 16 * 1024 * 1024


@pytest.mark.parametrize(
    "chunks",
    [
        [b"data: " + b"x" * 2000 + b"\n\n"],
        [b"data: " + b"x" * 2000],
        [b"data: " + b"x" * 600 + b"\n", b"data: " + b"x" * 600 + b"\n"],
        [b"data: x\n\n", b"data: " + b"x" * 1200 + b"\n\ndata: y\n\n"],
    ],
)
def test_an_event_over_the_limit_is_a_clear_error(chunks: list[bytes]) -> None:
    with pytest.raises(ResponseTooLargeError, match="1000-byte limit"):
        _parse(chunks, limit=1000)


def test_events_under_the_limit_in_many_chunks_pass() -> None:
    data = b"".join(b"data: " + b"y" * 900 + b"\n\n" for _ in range(50))
    chunks = [data[i : i + 333] for i in range(0, len(data), 333)]
    assert _parse(chunks, limit=1000) == [SSEEvent(b"y" * 900)] * 50


def test_writer_round_trips() -> None:
    data = encode_event(b'{"x":1}', "message_stop") + encode_event(b"[DONE]", crlf=True)
    assert _parse([data]) == [SSEEvent(b'{"x":1}', "message_stop"), SSEEvent(b"[DONE]")]


def test_random_chunkings_of_a_long_stream() -> None:
    rng = random.Random(7)
    pieces = [
        encode_event(f'{{"i":{i},"s":"{"z" * rng.randrange(40)}"}}'.encode(), crlf=i % 3 == 0)
        for i in range(300)
    ]
    data = b"".join(pieces)
    want = _parse([data])
    assert len(want) == 300
    for _ in range(20):
        cuts = sorted(rng.sample(range(1, len(data)), 60))
        chunks = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert _parse(chunks) == want


ARRAY = b'[{"a": "x]}\\\\\\"", "b": [1, {"c": 2}]},\r\n {"d": "{\\u005b"}\n]'
ELEMENTS = [b'{"a": "x]}\\\\\\"", "b": [1, {"c": 2}]}', b'{"d": "{\\u005b"}']


def test_json_array_splitter_at_every_boundary() -> None:
    assert JSONArraySplitter().feed(ARRAY) == ELEMENTS
    for cut in range(1, len(ARRAY)):
        splitter = JSONArraySplitter()
        assert splitter.feed(ARRAY[:cut]) + splitter.feed(ARRAY[cut:]) == ELEMENTS, cut
        assert not splitter.pending


def test_json_array_splitter_one_byte_at_a_time() -> None:
    splitter = JSONArraySplitter()
    got = [e for i in range(len(ARRAY)) for e in splitter.feed(ARRAY[i : i + 1])]
    assert got == ELEMENTS


def test_json_array_splitter_reports_an_unfinished_element() -> None:
    splitter = JSONArraySplitter()
    assert splitter.feed(b'[{"a": 1}, {"b": "unfin') == [b'{"a": 1}']
    assert splitter.pending


def test_json_array_splitter_takes_a_bare_object_as_one_element() -> None:
    splitter = JSONArraySplitter()
    body = b'{"error": {"code": 429, "message": "quota [x]"}}'
    assert splitter.feed(body[:10]) + splitter.feed(body[10:]) == [body]


def test_json_array_splitter_limits_element_size() -> None:
    splitter = JSONArraySplitter(max_element_bytes=100)
    with pytest.raises(ResponseTooLargeError, match="100-byte limit"):
        splitter.feed(b'[{"a": "' + b"x" * 200)


def test_json_array_splitter_big_element_in_small_chunks_is_linear() -> None:
    element = b'{"inlineData": {"data": "' + b"QUJD" * (1 << 20) + b'"}}'
    data = b"[" + element + b"]"
    splitter = JSONArraySplitter()
    start = time.perf_counter()
    got = [e for i in range(0, len(data), 4096) for e in splitter.feed(data[i : i + 4096])]
    assert got == [element]
    assert time.perf_counter() - start < 1.5


def _reference(stream: bytes) -> list[SSEEvent]:
    """A slow, obviously-correct reading of the spec: split lines, then fold fields."""
    text = stream.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    events: list[SSEEvent] = []
    data: list[bytes] = []
    name: str | None = None
    event_id: str | None = None
    for line in text.split(b"\n")[:-1]:  # the part after the last line end is incomplete
        if line == b"":
            if data:
                events.append(SSEEvent(b"\n".join(data), name, event_id))
            data, name, event_id = [], None, None
        elif not line.startswith(b":"):
            field, _, value = line.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if field == b"data":
                data.append(value)
            elif field == b"event":
                name = value.decode()
            elif field == b"id":
                event_id = value.decode()
    return events


_LINES = st.sampled_from(
    [b'data: {"a": 1}', b"data:x", b"data", b"data:  y", b"event: e", b"id: 9", b": hi", b""]
)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    lines=st.lists(_LINES, max_size=30),
    eols=st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=1),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_parser_matches_a_reference_for_any_stream_and_chunking(
    lines: list[bytes], eols: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(line + eols[i % len(eols)] for i, line in enumerate(lines)) + b"\n\n"
    points = sorted({c % (len(stream) + 1) for c in cuts})
    chunks = [stream[i:j] for i, j in zip([0, *points], [*points, len(stream)], strict=True)]
    parser = SSEParser()
    got = [e for c in chunks for e in parser.feed(c)]
    assert got + parser.close() == _reference(stream)


@pytest.mark.parametrize("cut", [1, 2, 3, 4])
def test_a_bom_cut_by_the_chunking_is_still_dropped(cut: int) -> None:
    stream = b"\xef\xbb\xbfdata: first\n\ndata: second\n\n"
    parser = SSEParser()
    events = parser.feed(stream[:cut]) + parser.feed(stream[cut:]) + parser.close()
    assert [event.data for event in events] == [b"first", b"second"]
    one_byte_at_a_time = SSEParser()
    events = [e for i in range(len(stream)) for e in one_byte_at_a_time.feed(stream[i : i + 1])]
    assert [event.data for event in events] == [b"first", b"second"]


def test_a_first_chunk_shorter_than_a_bom_is_kept() -> None:
    parser = SSEParser()
    events = parser.feed(b"d") + parser.feed(b"ata: x\n\n")
    assert [event.data for event in events] == [b"x"]
