"""Strict msgspec mirrors of the plain Anthropic Messages bodies, decoded from JSON text.

These back ``decode_request_json`` / ``decode_response_json`` (see ``direct.py``): one typed
decode of the bytes replaces the untyped decode, the ``msgspec.convert`` and the per-field
checks. They model only what the general path maps without recording a loss or keeping an
extra, and reject everything else, so that such a body falls back to the general path:

* unknown fields anywhere (``forbid_unknown_fields``): the general path keeps them as extras
  or ignores them, and its typed conversion is lenient;
* block types other than text, tool_use, tool_result, thinking and redacted_thinking (media
  and unknown types may become raw parts or record losses), and text ``citations``;
* server tools (a ``type`` other than ``custom``) and ``metadata`` keys other than
  ``user_id`` (both kept as extras).

The exceptions are the unmodelled fields that real responses carry on every body (see
``tests/fixtures/claude/response/``), and a request's ``service_tier``: they are declared
here with ``UNSET`` as default, so that an absent field is told from a ``null`` one, and
``direct.py`` keeps them as extras exactly as ``response._extras`` and ``request._extras``
do. A tool call's ``caller`` is accepted when it is the model itself (``direct``); any
other caller is refused, so that the general path records it as a loss.

Lists of blocks are always the tagged union: a single tagged struct would accept a block
with no ``type``, which the general path rejects. Structs that the general path's helpers
take are subclasses of its wire types, so those helpers apply unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from . import wire

JSONObject = dict[str, Any]


class _Strict(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    pass


class _Block(msgspec.Struct, kw_only=True, tag_field="type", forbid_unknown_fields=True, gc=False):
    pass


class Text(_Block, tag="text"):
    text: str
    cache_control: JSONObject | None = None


class ToolUse(_Block, tag="tool_use"):
    id: str
    name: str
    input: JSONObject = msgspec.field(default_factory=dict)
    cache_control: JSONObject | None = None
    #: ``{"type": "direct"}`` on current responses (and their echoes in requests), carried
    #: by being the default; another caller is refused, and the general path records its loss.
    caller: wire.DirectCaller | None = None


class ToolResult(_Block, tag="tool_result"):
    tool_use_id: str
    #: Blocks other than text make the body take the general path (see ``direct.py``).
    content: str | list[Block] | None = None
    is_error: bool | None = None
    cache_control: JSONObject | None = None


class Thinking(_Block, tag="thinking"):
    thinking: str = ""
    signature: str | None = None


class RedactedThinking(_Block, tag="redacted_thinking"):
    data: str


Block = Text | ToolUse | ToolResult | Thinking | RedactedThinking


class Message(_Strict):
    role: Literal["user", "assistant", "system"]
    content: str | list[Block]


class Tool(wire.ClaudeTool, forbid_unknown_fields=True):
    type: Literal["custom"] = "custom"


class ToolChoice(wire.ToolChoice, forbid_unknown_fields=True):
    pass


class ThinkingConfig(wire.Thinking, forbid_unknown_fields=True):
    pass


class OutputFormat(wire.OutputFormat, forbid_unknown_fields=True):
    pass


class OutputConfig(wire.OutputConfig, forbid_unknown_fields=True):
    format: OutputFormat | None = None


class Metadata(wire.Metadata, forbid_unknown_fields=True):
    pass


class MessagesRequest(wire.MessagesRequest, forbid_unknown_fields=True):
    messages: list[Message]  # type: ignore[assignment]
    system: str | list[Block] | None = None  # type: ignore[assignment]
    metadata: Metadata | None = None
    tools: list[Tool] | None = None  # type: ignore[assignment]
    tool_choice: ToolChoice | None = None
    thinking: ThinkingConfig | None = None
    output_config: OutputConfig | None = None
    #: Kept as an extra by the general path, whatever its value (``"auto"`` or
    #: ``"standard_only"`` in the API), and so by ``direct.py``.
    service_tier: Any = msgspec.UNSET


class Usage(wire.ClaudeUsage, forbid_unknown_fields=True):
    #: Extras of the general path, of any value (it does not validate them), in the order
    #: Anthropic sends them: ``direct.py`` writes them back in this order.
    cache_creation: Any = msgspec.UNSET
    service_tier: Any = msgspec.UNSET
    inference_geo: Any = msgspec.UNSET


class MessageResponse(wire.MessageResponse, forbid_unknown_fields=True):
    #: Not validated by the general path either (they are known, so not extras).
    type: Any = None
    role: Any = None
    content: list[Block] = msgspec.field(default_factory=list)  # type: ignore[assignment]
    #: An extra of the general path (``null`` on current responses).
    stop_details: Any = msgspec.UNSET
    usage: Usage | None = None


REQUEST_DECODER = msgspec.json.Decoder(MessagesRequest)
RESPONSE_DECODER = msgspec.json.Decoder(MessageResponse)
