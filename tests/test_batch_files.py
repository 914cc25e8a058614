"""Batch input and output files: streamed rows, bad lines, resume and torn-line repair."""

from __future__ import annotations

from pathlib import Path

import msgspec

from nexgate.batch_files import (
    REPEATED_ID_CODE,
    ResultWriter,
    completed_ids,
    count_rows,
    read_rows,
)

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def _write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_rows_in_both_provider_conventions(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write_lines(
        src,
        [
            msgspec.json.encode({"custom_id": "a", "method": "POST", "url": "/v1/x", "body": BODY}),
            msgspec.json.encode({"custom_id": "b", "params": {"model": "c", "max_tokens": 5}}),
            msgspec.json.encode({"body": BODY}),
        ],
    )
    rows = list(read_rows(src, "openai"))
    assert [(r.custom_id, r.format, r.problem) for r in rows] == [
        ("a", "openai", None),
        ("b", "claude", None),
        ("line-3", "openai", None),
    ]
    assert rows[0].body == BODY


def test_bad_lines_become_rows_with_a_problem(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write_lines(
        src,
        [
            b"not json",
            b'{"custom_id": "x"}',
            b'{"custom_id": 5, "body": {}}',
            b'{"custom_id": "y", "body": []}',
            b"[1, 2]",
            msgspec.json.encode({"custom_id": "ok", "body": BODY}),
            msgspec.json.encode({"custom_id": "ok", "body": BODY}),
        ],
    )
    rows = list(read_rows(src, "openai"))
    problems = [r.problem for r in rows]
    assert all(p is not None for p in problems[:5])
    assert "not a JSON object" in problems[0]
    assert "missing `body`" in problems[1]
    assert "$.custom_id" in problems[2]
    assert "$.body" in problems[3]
    assert problems[5] is None
    assert "repeated custom_id 'ok'" in problems[6]


def test_input_is_streamed_in_chunks(tmp_path: Path) -> None:
    src = tmp_path / "big.jsonl"
    line = msgspec.json.encode({"custom_id": "r", "body": BODY})
    with src.open("wb") as handle:
        for i in range(30_000):
            handle.write(line.replace(b'"r"', f'"r{i}"'.encode()) + b"\n")
    assert count_rows(src) == 30_000
    ids = [row.custom_id for row in read_rows(src)]
    assert ids[0] == "r0" and ids[-1] == "r29999" and len(set(ids)) == 30_000


def test_writer_lines_are_read_back_for_resume(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ResultWriter(out) as writer:
        writer.write("a", {"status_code": 200, "body": {}}, None)
        writer.write("b", None, {"code": "invalid_request", "message": "bad"})
    assert completed_ids(out) == {"a", "b"}
    first = msgspec.json.decode(out.read_bytes().splitlines()[0])
    assert first["custom_id"] == "a" and first["error"] is None
    assert first["id"].startswith("batch_req_")


def test_a_torn_last_line_is_cut_before_resuming(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ResultWriter(out) as writer:
        writer.write("a", {"status_code": 200, "body": {}}, None)
    intact = out.read_bytes()
    out.write_bytes(intact + b'{"id": "batch_req_x", "custom_id": "b", "respo')
    assert completed_ids(out) == {"a"}
    assert out.read_bytes() == intact
    with ResultWriter(out) as writer:
        writer.write("b", {"status_code": 200, "body": {}}, None)
    assert completed_ids(out) == {"a", "b"}


def test_a_file_that_is_one_torn_line_becomes_empty(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"custom_id": "a", "resp')
    assert completed_ids(out) == set()
    assert out.read_bytes() == b""


def test_missing_output_means_nothing_done(tmp_path: Path) -> None:
    assert completed_ids(tmp_path / "absent.jsonl") == set()


def test_a_finished_last_line_without_its_newline_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ResultWriter(out) as writer:
        writer.write("a", {"status_code": 200, "body": {}}, None)
        writer.write("b", {"status_code": 200, "body": {}}, None)
    intact = out.read_bytes()
    out.write_bytes(intact.rstrip(b"\n"))  # as an editor or a copy may leave it
    assert completed_ids(out) == {"a", "b"}
    assert out.read_bytes() == intact


def test_the_row_for_a_repeated_id_does_not_complete_the_id(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    repeated = {"code": REPEATED_ID_CODE, "message": "line 2: repeated custom_id 'a'"}
    with ResultWriter(out) as writer:
        writer.write("a", None, repeated)  # the first 'a' was still in flight
        writer.write("b", None, {"code": "invalid_request", "message": "bad"})
    done = completed_ids(out)
    assert "a" not in done and "b" in done
