"""Folds internal stream events into the :class:`~nexgate.schema.Response` they describe.

Parts are ordered by their event index; tool-call argument text is parsed once, at the end;
usage is the last ``UsageUpdate`` / ``MessageEnd`` usage; the finish comes from ``MessageEnd``;
the extras of ``MessageStart`` and ``MessageEnd`` become the response's, so that a streamed
answer translated whole keeps what its format said beyond the events. A raw part is kept as
it came; raw deltas become the extras their format's whole response keeps (Claude citations
by part, OpenAI ``annotations``/``audio`` on the message), by the format's ``fold_raw_deltas``.
A stream that carried a ``StreamError`` raises the matching nexgate error from ``result()``
(``StreamInterruptedError`` for a cut-off, else ``errors.stream_api_error`` by status and kind); one
that ended without ``MessageEnd`` raises ``StreamInterruptedError``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import NexgateError, StreamInterruptedError, stream_api_error
from .events import (
    MessageEnd,
    MessageStart,
    PartStart,
    RawDelta,
    ReasoningDelta,
    SignatureDelta,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    UsageUpdate,
)
from .formats import get_format
from .formats._json import parse_args
from .schema import (
    Choice,
    FinishReason,
    JSONObject,
    Part,
    RawPart,
    ReasoningPart,
    Response,
    TextPart,
    ToolCallPart,
    Usage,
)


class _Builder:
    """One part being filled; the skeleton from ``PartStart`` is never mutated (the same event
    object may also go to an encoder)."""

    __slots__ = ("chunks", "part", "signature")

    def __init__(self, part: TextPart | ReasoningPart | ToolCallPart | RawPart) -> None:
        self.part = part
        self.signature = None if isinstance(part, RawPart) else part.signature
        self.chunks: list[str] = []

    def build(self) -> Part:
        text = "".join(self.chunks)
        part = self.part
        if isinstance(part, RawPart):  # complete at its start
            whole = get_format(part.format).whole_part
            return part if whole is None else whole(part)
        if isinstance(part, TextPart):
            return TextPart(text=part.text + text, signature=self.signature)
        if isinstance(part, ReasoningPart):
            return ReasoningPart(
                text=part.text + text, signature=self.signature, redacted_data=part.redacted_data
            )
        # Arguments are JSON text fragments until the end; text that is not a JSON object
        # is kept as raw_arguments (OpenAI can take it back unchanged).
        arguments = parse_args(text) if text else dict(part.arguments)
        return ToolCallPart(
            id=part.id,
            name=part.name,
            arguments=arguments if arguments is not None else {},
            raw_arguments=None if arguments is not None else text,
            signature=self.signature,
        )


class Accumulator:
    """Feed events in order; :meth:`result` gives the response, or raises the stream's error."""

    def __init__(self, *, model: str | None = None) -> None:
        self.id = ""
        self.model = model or ""
        self.created: int | None = None
        self.usage: Usage | None = None
        self.finish: FinishReason | None = None
        self.stop_sequence: str | None = None
        self.error: StreamError | None = None
        self.ended = False
        self.extras: dict[str, JSONObject] = {}
        self._parts: dict[int, _Builder] = {}
        #: Raw deltas by format, in order: (part index or None, data).
        self._raw: dict[str, list[tuple[int | None, JSONObject]]] = {}

    def feed(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta | ReasoningDelta | ToolArgsDelta):
            builder = self._parts.get(event.index)
            if builder is not None:
                builder.chunks.append(
                    event.json if isinstance(event, ToolArgsDelta) else event.text
                )
        elif isinstance(event, PartStart):
            self._parts[event.index] = _Builder(event.part)
        elif isinstance(event, SignatureDelta):
            builder = self._parts.get(event.index)
            if builder is not None:
                builder.signature = event.signature
        elif isinstance(event, MessageStart):
            self.id, self.created = event.id, event.created
            self.model = event.model or self.model
            if event.usage is not None:
                self.usage = event.usage
            if event.extras:
                self._keep(event.extras)
        elif isinstance(event, UsageUpdate):
            self.usage = event.usage
        elif isinstance(event, MessageEnd):
            self.ended = True
            self.finish, self.stop_sequence = event.finish, event.stop_sequence
            if event.usage is not None:
                self.usage = event.usage
            if event.extras:
                self._keep(event.extras)
        elif isinstance(event, StreamError):
            self.error = event
        elif isinstance(event, RawDelta):
            self._raw.setdefault(event.format, []).append((event.index, event.data))
        # PartEnd needs nothing: parts are built at the end.

    def _keep(self, extras: dict[str, JSONObject]) -> None:
        """A start's or an end's extras, merged per format: the end's values win, and groups
        (``_usage``: the usage's own fields...) merge field by field."""
        for fmt, fields in extras.items():
            kept = self.extras.setdefault(fmt, {})
            for key, value in fields.items():
                earlier = kept.get(key)
                if key[:1] == "_" and type(earlier) is dict and type(value) is dict:
                    kept[key] = {**earlier, **value}
                else:
                    kept[key] = value

    def _fold_raw(self, positions: dict[int, int]) -> None:
        """Each format's raw deltas as its whole response's extras (``positions``: event part
        index -> position in the response's parts; a delta of a dropped part has none)."""
        for fmt, deltas in self._raw.items():
            fold = get_format(fmt).fold_raw_deltas
            if fold is None:
                continue
            placed = [(None if i is None else positions.get(i), data) for i, data in deltas]
            fields = fold(placed)
            if fields:
                self._keep({fmt: fields})

    def error_value(self) -> NexgateError | None:
        """The error the stream ended with, as a nexgate exception (not raised)."""
        if self.error is not None:
            if self.error.kind == "stream_interrupted":
                return StreamInterruptedError(self.error.message)
            return stream_api_error(self.error)
        if not self.ended:
            return StreamInterruptedError("the stream ended before its terminal event")
        return None

    def result(self) -> Response:
        """The accumulated response; raises if the stream failed or never finished."""
        error = self.error_value()
        if error is not None:
            raise error
        built = [(i, self._parts[i].build()) for i in sorted(self._parts)]
        # Empty text is dropped, as every non-streamed decoder does (unless it is signed).
        kept = [
            (i, p)
            for i, p in built
            if not (isinstance(p, TextPart) and not p.text and p.signature is None)
        ]
        parts = [p for _, p in kept]
        if self._raw:
            self._fold_raw({index: position for position, (index, _) in enumerate(kept)})
        choice = Choice(parts=parts, finish=self.finish, stop_sequence=self.stop_sequence)
        return Response(
            id=self.id,
            model=self.model,
            choices=[choice],
            usage=self.usage,
            created=self.created,
            extras=self.extras,
        )


def accumulate(events: Iterable[StreamEvent], *, model: str | None = None) -> Response:
    """The response a complete event sequence describes."""
    accumulator = Accumulator(model=model)
    for event in events:
        accumulator.feed(event)
    return accumulator.result()


__all__ = ("Accumulator", "accumulate")
