"""msgspec mirrors of the Anthropic Messages JSON (lenient: unknown fields are ignored).

A content-block list is kept as a list of objects here and decoded block by block (see
``blocks.py`` and ``request.decode_content``): a block type nexgate does not know becomes a
raw part instead of failing the whole body, and an error still names the block's JSON path.
That is the general path; the typed mirrors at the end are the fast path for bodies whose
blocks are all of known types.

Wire structs live only while one body is decoded and never hold a reference cycle, so they
are not tracked by the garbage collector (``gc=False``: about 10% off a typed conversion).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

JSONObject = dict[str, Any]

#: Counts (tokens, candidates) and seeds are bounded: a 400-digit number is an input error.
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class _Wire(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    pass


class ClaudeMessage(_Wire):
    role: str
    content: str | list[JSONObject]


class Source(_Wire):
    type: str
    media_type: str | None = None
    data: str | None = None
    url: str | None = None


class TextBlock(_Wire):
    text: str
    cache_control: JSONObject | None = None


class MediaBlock(_Wire):
    source: Source
    cache_control: JSONObject | None = None
    title: str | None = None


class ToolUseBlock(_Wire):
    id: str
    name: str
    input: JSONObject = msgspec.field(default_factory=dict)
    cache_control: JSONObject | None = None


class ToolResultBlock(_Wire):
    tool_use_id: str
    content: str | list[JSONObject] | None = None
    is_error: bool | None = None
    cache_control: JSONObject | None = None


class ThinkingBlock(_Wire):
    thinking: str = ""
    signature: str | None = None


class RedactedThinkingBlock(_Wire):
    data: str


class ClaudeTool(_Wire):
    name: str
    description: str | None = None
    input_schema: JSONObject | None = None
    strict: bool | None = None
    cache_control: JSONObject | None = None


class ToolChoice(_Wire):
    type: str
    name: str | None = None
    disable_parallel_tool_use: bool | None = None


class Thinking(_Wire):
    type: str
    budget_tokens: Count | None = None
    display: str | None = None


class OutputFormat(_Wire):
    type: str
    schema: JSONObject | None = None


class OutputConfig(_Wire):
    effort: str | None = None
    format: OutputFormat | None = None


class Metadata(_Wire):
    user_id: str | None = None


class MessagesRequest(_Wire):
    model: str
    messages: list[ClaudeMessage]
    max_tokens: Count | None = None
    system: str | list[JSONObject] | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: Count | None = None
    stop_sequences: list[str] | None = None
    stream: bool | None = None
    metadata: Metadata | None = None
    tools: list[JSONObject] | None = None
    tool_choice: ToolChoice | None = None
    thinking: Thinking | None = None
    output_config: OutputConfig | None = None


REQUEST_FIELDS = frozenset(MessagesRequest.__struct_fields__)


# --------------------------------------------------------------------------- typed blocks
# The fast path: a body whose blocks are all of known types converts in one msgspec call
# (instead of the body, then each block again), and its blocks arrive as structs. A block
# type nexgate does not know fails that conversion, and the body then takes the general path
# above, block by block. The types below that the decoder hands to the general path anyway
# (media) are tags only, with no fields, so that they never fail the conversion.


class _Block(msgspec.Struct, kw_only=True, tag_field="type", gc=False):
    pass


class TypedText(_Block, tag="text"):
    text: str
    cache_control: JSONObject | None = None
    citations: Any = None


class DirectCaller(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The ``caller`` of a model's own tool call; any other caller is a loss, recorded by the
    general path (a typed decode refuses it, so the body takes that path)."""

    type: Literal["direct"]


class TypedToolUse(_Block, tag="tool_use"):
    id: str
    name: str
    input: JSONObject = msgspec.field(default_factory=dict)
    cache_control: JSONObject | None = None
    caller: DirectCaller | None = None


class TypedToolResult(_Block, tag="tool_result"):
    tool_use_id: str
    content: str | list[TypedBlock] | None = None
    is_error: bool | None = None
    cache_control: JSONObject | None = None


class TypedImage(_Block, tag="image"):
    pass


class TypedDocument(_Block, tag="document"):
    pass


class TypedThinking(_Block, tag="thinking"):
    thinking: str = ""
    signature: str | None = None


class TypedRedactedThinking(_Block, tag="redacted_thinking"):
    data: str


TypedBlock = (
    TypedText
    | TypedToolUse
    | TypedToolResult
    | TypedImage
    | TypedDocument
    | (TypedThinking | TypedRedactedThinking)
)


class TypedMessage(_Wire):
    role: Literal["user", "assistant", "system"]
    content: str | list[TypedBlock]


class TypedTool(ClaudeTool):
    """A tool of any kind: a server tool (``type`` other than ``custom``) is taken from the
    body as it came, like the general path does."""

    type: str = "custom"


class TypedMessagesRequest(MessagesRequest):
    """:class:`MessagesRequest` with typed blocks and tools (and only the roles nexgate
    accepts)."""

    messages: list[TypedMessage]  # type: ignore[assignment]
    tools: list[TypedTool] | None = None  # type: ignore[assignment]


class ClaudeUsage(_Wire):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    output_tokens_details: JSONObject | None = None


USAGE_FIELDS = frozenset(ClaudeUsage.__struct_fields__)


RESPONSE_FIELDS = frozenset(
    {"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}
)


class MessageResponse(_Wire):
    id: str = ""
    model: str = ""
    content: list[JSONObject] = msgspec.field(default_factory=list)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: ClaudeUsage | None = None


class TypedMessageResponse(MessageResponse):
    """:class:`MessageResponse` with typed blocks (see ``TypedMessagesRequest``)."""

    content: list[TypedBlock] = msgspec.field(default_factory=list)  # type: ignore[assignment]


class ErrorObject(_Wire):
    type: str = "api_error"
    message: str = ""


class ErrorBody(_Wire):
    error: ErrorObject
    request_id: str | None = None
