"""Internal stream events to Gemini ``streamGenerateContent?alt=sse`` chunks.

One ``data:`` chunk per delta, each a whole ``GenerateContentResponse`` holding only the new
part. Gemini clients expect function calls whole, so streamed arguments are buffered per call
and the call goes out as one ``functionCall`` part when it ends. The last chunk carries the
``finishReason`` and the usage; there is no end sentinel. Output uses LF framing. A Gemini raw
part (``executableCode``...) goes out as it came, in a chunk of its own; another format's raw
parts and deltas are recorded as lost.
"""

from __future__ import annotations

from ...events import (
    MessageEnd,
    MessageStart,
    PartEnd,
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
from ...schema import JSONObject, RawPart, ReasoningPart, Signature, ToolCallPart, Usage
from ...sse import encode_event
from .._context import TranslationContext
from .._foreign import own_extras
from .._ids import is_synthetic_call_id
from .._json import dump_json, parse_args
from .._stream import RawLosses, interrupted
from .errors import KIND_STATUSES
from .response import add_extras, encode_usage, to_gemini_finish
from .response_extras import CANDIDATES, NO_CANDIDATES


class _Call:
    __slots__ = ("chunks", "part")

    def __init__(self, part: ToolCallPart) -> None:
        self.part = part
        self.chunks: list[str] = []


_PARTS_HEAD = b'data: {"candidates":[{"content":{"role":"model","parts":'


class StreamEncoder:
    """Internal events in, Gemini ``alt=sse`` chunks out."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        self.id = ""
        self.model = ctx.model or ""
        self._tail: bytes | None = None
        self.kinds: dict[int, str] = {}
        self.calls: dict[int, _Call] = {}
        #: Text/reasoning parts whose skeleton carried a signature no delta has sent yet.
        self.unsent: dict[int, Signature] = {}
        self.usage: Usage | None = None
        self.finished = False
        #: A Gemini source's top-level chunk fields (``createTime``), on every chunk.
        self.envelope: JSONObject = {}
        self.reported: set[str] = set()  # paths of other formats' fields reported lost
        self.raw_losses = RawLosses(ctx)

    def encode(self, event: StreamEvent) -> bytes:
        if self.finished:
            return b""
        if isinstance(event, TextDelta):
            return self._chunk([{"text": event.text}]) if event.text else b""
        if isinstance(event, ReasoningDelta):
            return self._chunk([{"text": event.text, "thought": True}]) if event.text else b""
        if isinstance(event, ToolArgsDelta):
            call = self.calls.get(event.index)
            if call is not None:
                call.chunks.append(event.json)
            return b""
        if isinstance(event, PartStart):
            return self._start(event)
        if isinstance(event, SignatureDelta):
            return self._signature(event.index, event.signature)
        if isinstance(event, PartEnd):
            return self._part_end(event.index)
        if isinstance(event, MessageStart):
            self.id, self.model = event.id, event.model or self.model
            self._tail = None
            own = own_extras(event.extras, self.ctx, self.reported) if event.extras else None
            if own:
                self.envelope = {k: v for k, v in own.items() if not k.startswith("_")}
            return b""
        if isinstance(event, UsageUpdate):
            self.usage = event.usage
            return b""
        if isinstance(event, MessageEnd):
            return self._end(event)
        if isinstance(event, RawDelta):
            self.raw_losses.delta(event)  # Gemini streams none of its own
            return b""
        return self._error(event)

    def close(self) -> bytes:
        if self.finished:
            return b""
        return self._error(interrupted())

    def _chunk(
        self,
        parts: list[JSONObject] | None,
        finish: str | None = None,
        closing: JSONObject | None = None,
    ) -> bytes:
        if finish is None and parts:
            # The hot path (one per delta): the bytes of the dict below, without building it.
            tail = self._tail or self._make_tail()
            return b"".join((_PARTS_HEAD, dump_json(parts), tail))
        entry: JSONObject = {}
        if parts:
            entry["content"] = {"role": "model", "parts": parts}
        if finish is not None:
            entry["finishReason"] = finish
        entry["index"] = 0
        body: JSONObject = {"candidates": [entry]}
        if finish is not None and self.usage is not None:
            body["usageMetadata"] = encode_usage(self.usage)
        body["modelVersion"] = self.model
        body["responseId"] = self.id
        body.update(self.envelope)
        if closing:
            kept = closing.get(CANDIDATES)
            if isinstance(kept, dict) and isinstance(kept.get("0"), dict):
                entry.update((k, v) for k, v in kept["0"].items() if k not in entry)
            if closing.get(NO_CANDIDATES) and self._tail is None and "promptFeedback" in closing:
                del body["candidates"]  # a blocked prompt: no candidate, as it came
            add_extras(body, closing)
        return encode_event(dump_json(body))

    def _make_tail(self) -> bytes:
        """The bytes after the parts list in every delta chunk (model and id are fixed by then)."""
        ids = dump_json({"modelVersion": self.model, "responseId": self.id, **self.envelope})
        self._tail = b'},"index":0}],' + ids[1:] + b"\n\n"
        return self._tail

    def _start(self, event: PartStart) -> bytes:
        part = event.part
        if event.index in self.kinds:
            return b""  # a part opens once
        if isinstance(part, ToolCallPart):
            self.kinds[event.index] = "tool"
            self.calls[event.index] = _Call(part)
            return b""
        if isinstance(part, RawPart):
            self.kinds[event.index] = "raw"
            if part.format == "gemini":
                return self._chunk([part.data])
            self.raw_losses.part(event.index, part)
            return b""
        self.kinds[event.index] = "reasoning" if isinstance(part, ReasoningPart) else "text"
        if part.signature is not None and part.signature.value:
            self.unsent[event.index] = part.signature
        if isinstance(part, ReasoningPart) and part.redacted_data is not None:
            self.ctx.lose("redacted_reasoning", "$.stream", "redacted thinking has no Gemini form")
        return b""

    def _signature(self, index: int, signature: Signature) -> bytes:
        self.unsent.pop(index, None)
        if signature.format != "gemini":
            if signature.value:
                self.ctx.lose(
                    "signature_not_replayable",
                    "$.stream",
                    f"a {signature.format} signature cannot reach gemini",
                )
            return b""
        call = self.calls.get(index)
        if call is not None:
            call.part.signature = signature
            return b""
        # A signature of a text or thought part travels on an empty part, as Gemini 3 sends it.
        part: JSONObject = {"text": "", "thoughtSignature": signature.value}
        if self.kinds.get(index) == "reasoning":
            part["thought"] = True
        return self._chunk([part])

    def _part_end(self, index: int) -> bytes:
        signature = self.unsent.pop(index, None)
        if signature is not None:
            return self._signature(index, signature)
        return self._flush_call(index)

    def _flush_call(self, index: int) -> bytes:
        call = self.calls.pop(index, None)
        if call is None:
            return b""
        part = call.part
        arguments = parse_args("".join(call.chunks)) if call.chunks else dict(part.arguments)
        if arguments is None:
            self.ctx.lose(
                "tool_arguments_invalid", "$.stream", "streamed arguments were not a JSON object"
            )
            arguments = {}
        function: JSONObject = {"name": part.name, "args": arguments}
        if part.id and not is_synthetic_call_id(part.id):
            function["id"] = part.id
        encoded: JSONObject = {"functionCall": function}
        if part.signature is not None:
            if part.signature.format == "gemini":
                encoded["thoughtSignature"] = part.signature.value
            else:
                self.ctx.lose(
                    "signature_not_replayable",
                    "$.stream",
                    f"a {part.signature.format} signature cannot reach gemini",
                )
        return self._chunk([encoded])

    def _end(self, event: MessageEnd) -> bytes:
        out = b"".join(self._part_end(index) for index in sorted({*self.calls, *self.unsent}))
        self.finished = True
        if event.usage is not None:
            self.usage = event.usage
        closing = own_extras(event.extras, self.ctx, self.reported) if event.extras else None
        return out + self._chunk(None, to_gemini_finish(event.finish), closing)

    def _error(self, event: StreamError) -> bytes:
        self.finished = True
        if event.kind == "stream_interrupted" or not 400 <= event.status <= 599:
            status, rpc = 502, "UNAVAILABLE"
        else:
            rpc = KIND_STATUSES.get(event.kind, (event.status, "UNKNOWN"))[1]
            # Gemini reports an overloaded model as 503, never Claude's 529.
            status = 503 if event.kind == "overloaded" else event.status
        body = {"error": {"code": status, "message": event.message, "status": rpc}}
        return encode_event(dump_json(body))


__all__ = ("StreamEncoder",)
