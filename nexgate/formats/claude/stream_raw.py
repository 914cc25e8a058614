"""Claude stream blocks and deltas nexgate does not model, kept raw (see ``nexgate.events``).

A block of an unknown type (``server_tool_use``, ``web_search_tool_result``...) is held from
its ``content_block_start`` to its ``content_block_stop`` and then given as one complete
:class:`~nexgate.schema.RawPart`, so every encoder sees it whole: ``server_tool_use`` streams
its ``input`` as ``input_json_delta`` fragments, which are folded into the block here. A
delta of an unknown type on a known block (``citations_delta`` on text) is a ``RawDelta``;
:func:`fold_deltas` turns a stream's into the extras a whole response keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...schema import JSONObject, RawPart
from .._json import dump_args, parse_args
from .response import CITATIONS

#: Block types whose ``input`` Claude streams as ``input_json_delta`` (as it does a tool_use's):
#: the encoder sends theirs the same way, for clients that read the input only from deltas.
STREAMED_INPUT = frozenset({"server_tool_use"})


class RawBlock:
    """An unknown block between its start and its stop."""

    __slots__ = ("block", "fragments")

    def __init__(self, block: JSONObject) -> None:
        self.block = block
        self.fragments: list[str] = []

    def add(self, delta: JSONObject) -> bool:
        """Fold a delta in; ``False``: a delta of a kind a raw block cannot take."""
        if delta.get("type") != "input_json_delta":
            return False
        partial = delta.get("partial_json")
        if isinstance(partial, str):
            self.fragments.append(partial)
        return True

    def part(self) -> tuple[RawPart, bool]:
        """The complete block, and whether its streamed input was not a JSON object (the
        block then keeps the input its start gave)."""
        text = "".join(self.fragments)
        if not text.strip():
            return RawPart(format="claude", data=self.block), False
        arguments = parse_args(text)
        if arguments is None:
            return RawPart(format="claude", data=self.block), True
        return RawPart(format="claude", data={**self.block, "input": arguments}), False


def split_input(block: JSONObject) -> tuple[JSONObject, str | None]:
    """A raw block as its ``content_block_start`` skeleton and the JSON text of its input to
    stream as one ``input_json_delta`` (``None``: the block goes out whole)."""
    arguments = block.get("input")
    if block.get("type") not in STREAMED_INPUT or not isinstance(arguments, dict) or not arguments:
        return block, None
    return {**block, "input": {}}, dump_args(arguments)


def fold_deltas(deltas: Sequence[tuple[int | None, JSONObject]]) -> JSONObject:
    """The Claude extras of a stream's raw deltas, as a whole response keeps them: each text
    part's citations under ``CITATIONS`` by its position (``deltas``: position, delta)."""
    cited: dict[str, list[Any]] = {}
    for position, delta in deltas:
        if position is not None and delta.get("type") == "citations_delta" and "citation" in delta:
            cited.setdefault(str(position), []).append(delta["citation"])
    return {CITATIONS: cited} if cited else {}


__all__ = ("STREAMED_INPUT", "RawBlock", "fold_deltas", "split_input")
