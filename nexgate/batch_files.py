"""The files of a batch job: rows streamed from the input, results appended to the output.

Input lines follow the provider batch conventions: ``{"custom_id": ..., "body": {...}}``
(OpenAI Batch API; ``method`` and ``url`` are ignored) or ``{"custom_id": ..., "params": {...}}``
(Anthropic; always Claude format). Output lines follow OpenAI's batch output. The output is
append-only and each line is written with one ``write`` call, so a killed job leaves at most
one torn last line, which :func:`completed_ids` cuts off before a resume.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from .formats import format_name
from .formats._ids import digest
from .schema import FormatName

_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"


class _InputLine(msgspec.Struct):
    custom_id: str | None = None
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None


class _OutputError(msgspec.Struct):
    code: str | None = None


class _OutputLine(msgspec.Struct):
    custom_id: str | None = None
    error: _OutputError | None = None
    #: Every result line has it (null on an error); an input line has none.
    response: Any = msgspec.UNSET


#: The error code of the row written for a repeated ``custom_id``: it does not complete the id
#: (the first row with it may still be in flight when a job stops).
REPEATED_ID_CODE = "repeated_custom_id"
#: The error code of a line that cannot be sent (not JSON, a wrong type, no body).
INVALID_LINE_CODE = "invalid_line"
#: Keeps such lines apart from the rows that can be sent when resuming: their ids may be the
#: same (a real id may well be ``line-2``, a bad line may repeat a good row's id), and their
#: error row must not complete a good row's id. A key no JSON text of an id begins with.
_INVALID = "\x00line:"
#: Likewise for the error rows of repeated ids, by the repeat's number.
_REPEAT = "\x00repeat:"


class Row(msgspec.Struct, kw_only=True):
    """One input line: its id, its body in ``format``, or why it cannot be sent."""

    custom_id: str
    line_no: int
    format: FormatName
    body: dict[str, Any] | None = None
    problem: str | None = None
    #: How many earlier lines have the same ``custom_id`` (then ``problem`` says so): the
    #: repeat's number, which tells its error row apart from other repeats' on resume.
    repeated: int = 0
    #: A line that cannot be sent (its ``problem`` says why). It is known by its own
    #: ``custom_id`` if it has a usable one, else by its number (``line-N``, as a sendable line
    #: without an id is too); either way it is kept apart from the rows that can be sent.
    invalid: bool = False

    @property
    def resume_key(self) -> str:
        """What :func:`completed_ids` holds once this row's result is in the output."""
        if self.invalid:
            return _INVALID + self.custom_id
        if self.repeated:
            return _repeat_key(self.repeated, self.custom_id)
        return self.custom_id


def _repeat_key(number: int, custom_id: str) -> str:
    return f"{_REPEAT}{number}:{custom_id}"


_line_decoder = msgspec.json.Decoder(_InputLine)
_output_decoder = msgspec.json.Decoder(_OutputLine)
_encoder = msgspec.json.Encoder()


def _row(line: bytes, line_no: int, default_format: FormatName) -> Row:
    fallback_id = f"line-{line_no}"
    try:
        parsed = _line_decoder.decode(line)
    except msgspec.ValidationError as exc:
        own_id = _own_id(line)
        return Row(
            custom_id=own_id or fallback_id,
            line_no=line_no,
            format=default_format,
            problem=f"line {line_no}: {exc}",
            invalid=True,
        )
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return Row(
            custom_id=fallback_id,
            line_no=line_no,
            format=default_format,
            problem=f"line {line_no}: not a JSON object",
            invalid=True,
        )
    custom_id = parsed.custom_id or fallback_id
    if parsed.params is not None:
        return Row(custom_id=custom_id, line_no=line_no, format="claude", body=parsed.params)
    if parsed.body is None:
        return Row(
            custom_id=custom_id,
            line_no=line_no,
            format=default_format,
            problem=f"line {line_no}: missing `body` (or `params`)",
            invalid=True,
        )
    return Row(custom_id=custom_id, line_no=line_no, format=default_format, body=parsed.body)


def _own_id(line: bytes) -> str | None:
    """The ``custom_id`` of a line whose other fields are wrong, if it has a usable one."""
    try:
        obj = msgspec.json.decode(line)
    except (msgspec.DecodeError, RecursionError):
        return None
    custom_id = obj.get("custom_id") if isinstance(obj, dict) else None
    return custom_id if isinstance(custom_id, str) and custom_id else None


def iter_lines(path: Path) -> Iterator[bytes]:
    """The non-blank lines of a file, read in chunks (never the whole file at once)."""
    with path.open("rb") as handle:
        rest = b""
        while chunk := handle.read(_CHUNK):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            yield from lines
        if rest:
            yield rest


def read_rows(path: Path, input_format: str = "openai") -> Iterator[Row]:
    """Rows of a JSONL input file, streamed; bad lines become rows with a ``problem``."""
    default_format = format_name(input_format)
    seen: dict[str, int] = {}  # id -> how many lines have had it
    for line_no, line in enumerate(iter_lines(path), start=1):
        if line_no == 1 and line.startswith(_BOM):  # as Windows tools save UTF-8
            line = line[len(_BOM) :]
        if not line.strip():
            continue
        row = _row(line, line_no, default_format)
        if row.invalid:
            yield row  # it is sent under no id: it neither repeats nor is repeated
            continue
        earlier = seen.get(row.custom_id, 0)
        if row.problem is None and earlier:
            row.problem = f"line {line_no}: repeated custom_id {row.custom_id!r}"
            row.body = None
            row.repeated = earlier
        seen[row.custom_id] = earlier + 1
        yield row


def count_rows(path: Path) -> int:
    """Number of non-blank lines, counted without decoding them."""
    return sum(1 for line in iter_lines(path) if line.strip())


def completed_ids(path: Path) -> set[str]:
    """The ``custom_id`` of every complete output line; a torn last line is cut off first.

    The row reporting a repeated ``custom_id`` does not count for that id: it is written at
    once, while the first row with that id may still be in flight. It counts for itself (a
    resume does not write it again), by the repeat's number.
    """
    if not path.is_file():  # nothing yet, or a device or pipe: nothing to resume from
        return set()
    _repair_torn_tail(path)
    done: set[str] = set()
    repeats: dict[str, int] = {}
    for line in iter_lines(path):
        try:
            output = _output_decoder.decode(line)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
        if output.custom_id is None or output.response is msgspec.UNSET:
            continue  # not a result (an input file given as the output by mistake)
        code = output.error.code if output.error is not None else None
        if code == INVALID_LINE_CODE:
            done.add(_INVALID + output.custom_id)
        elif code == REPEATED_ID_CODE:
            number = repeats[output.custom_id] = repeats.get(output.custom_id, 0) + 1
            done.add(_repeat_key(number, output.custom_id))
        else:
            done.add(output.custom_id)
    return done


def _repair_torn_tail(path: Path) -> None:
    """Cut off a last line that a killed job left unfinished; end a finished one that only
    lacks its newline (an editor or a copy may strip it)."""
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        start = _last_line_start(handle, size)
        handle.seek(start)
        if _is_output_line(handle.read()):
            handle.write(b"\n")
        else:
            handle.truncate(start)


def _last_line_start(handle: BinaryIO, size: int) -> int:
    """Where the last line of a file of ``size`` bytes starts (after its last newline)."""
    position = size
    while position > 0:
        step = min(_CHUNK, position)
        position -= step
        handle.seek(position)
        cut = handle.read(step).rfind(b"\n")
        if cut >= 0:
            return position + cut + 1
    return 0


def _is_output_line(line: bytes) -> bool:
    try:
        return _output_decoder.decode(line).custom_id is not None
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False


class ResultWriter:
    """Appends result lines, one ``os.write`` per line so a kill cannot tear earlier lines."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(
        self, custom_id: str, response: dict[str, Any] | None, error: dict[str, Any] | None
    ) -> None:
        line = {
            "id": f"batch_req_{digest(custom_id, size=24)}",
            "custom_id": custom_id,
            "response": response,
            "error": error,
        }
        data = _encoder.encode(line) + b"\n"
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
