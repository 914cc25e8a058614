"""OpenAI stream delta fields nexgate does not model (``annotations``, ``audio``), folded into
the extras a whole response keeps for them (see :mod:`.response_decode`): the message's
unmodeled fields under ``CHOICE_HINTS``, which only an OpenAI encoder writes back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...schema import JSONObject
from .response import CHOICE_HINTS


def _merge_audio(whole: Any, piece: Any) -> Any:
    """An audio answer so far, with the next piece: its ``data`` and ``transcript`` continue
    (strings concatenate, as the openai SDK's accumulator does), its id and expiry repeat."""
    if not isinstance(whole, dict) or not isinstance(piece, dict):
        return piece
    merged = dict(whole)
    for key, value in piece.items():
        earlier = merged.get(key)
        if key != "id" and isinstance(earlier, str) and isinstance(value, str):
            merged[key] = earlier + value
        else:
            merged[key] = value
    return merged


def fold_deltas(deltas: Sequence[tuple[int | None, JSONObject]]) -> JSONObject:
    """The OpenAI extras of a stream's raw deltas: the annotations in order, the audio whole,
    on the message of choice 0 (the one streamed)."""
    message: JSONObject = {}
    for _, data in deltas:
        for key, value in data.items():
            if key == "annotations" and isinstance(value, list):
                message[key] = [*message.get(key, []), *value]
            elif key == "audio":
                message[key] = _merge_audio(message.get(key), value)
            else:
                message[key] = value
    return {CHOICE_HINTS: {"0": {"message": message}}} if message else {}


__all__ = ("fold_deltas",)
