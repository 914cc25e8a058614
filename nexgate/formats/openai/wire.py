"""msgspec mirrors of the OpenAI Chat Completions JSON.

They are lenient (unknown fields are ignored: the adapters keep them separately where they
must survive an identity translation) and strict about types, so that a wrong type or a
missing required field becomes an ``InvalidInputError`` naming its JSON path.

They hold only decoded JSON values and never a reference cycle, so they are not tracked by
the garbage collector (``gc=False``), which makes a typed conversion cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec

JSONObject = dict[str, Any]

#: Counts (tokens, candidates) are bounded: a 400-digit number is an input error.
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
#: Finite floats only: NaN and infinities cannot be written back as JSON.
Finite = Annotated[float, msgspec.Meta(ge=-1e308, le=1e308)]


class _Wire(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    pass


# --------------------------------------------------------------------------- messages


class FunctionCall(_Wire):
    name: str
    arguments: str = ""


class GoogleExtra(_Wire):
    thought_signature: str | None = None


class ExtraContent(_Wire):
    """Gemini's OpenAI-compatible layer puts the call's ``thoughtSignature`` here."""

    google: GoogleExtra | None = None


class ToolCall(_Wire):
    id: str
    #: ``None`` in a custom tool's call, which has ``custom`` (its name and free-form input).
    function: FunctionCall | None = None
    type: str = "function"
    extra_content: ExtraContent | None = None
    custom: JSONObject | None = None


class ThinkingBlock(_Wire, tag="thinking", tag_field="type"):
    """A Claude thinking block carried on an OpenAI-format message (extension)."""

    thinking: str = ""
    signature: str | None = None


class RedactedThinkingBlock(_Wire, tag="redacted_thinking", tag_field="type"):
    data: str


Content = str | list[JSONObject] | None


class ChatMessage(_Wire):
    """A request message; ``role`` decides which other fields matter."""

    role: str
    content: Content = None
    name: str | None = None
    tool_calls: Sequence[ToolCall] | None = None
    tool_call_id: str | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    thinking_blocks: Sequence[ThinkingBlock | RedactedThinkingBlock] | None = None
    #: An assistant turn that was an audio answer, replayed by its id.
    audio: JSONObject | None = None


class CacheBreakpoint(_Wire):
    """``prompt_cache_breakpoint``: the end of a reusable prompt prefix (mode ``explicit``)."""

    mode: str
    ttl: str | None = None


class TextContent(_Wire):
    text: str
    prompt_cache_breakpoint: CacheBreakpoint | None = None


class RefusalContent(_Wire):
    refusal: str


class ImageURL(_Wire):
    url: str
    detail: str | None = None


class ImageContent(_Wire):
    image_url: ImageURL
    prompt_cache_breakpoint: CacheBreakpoint | None = None


class FileData(_Wire):
    filename: str | None = None
    file_data: str | None = None
    file_id: str | None = None


class FileContent(_Wire):
    file: FileData
    prompt_cache_breakpoint: CacheBreakpoint | None = None


class AudioData(_Wire):
    data: str
    format: str


class AudioContent(_Wire):
    input_audio: AudioData
    prompt_cache_breakpoint: CacheBreakpoint | None = None


# --------------------------------------------------------------------------- request


class JSONSchemaFormat(_Wire):
    name: str = "response"
    schema: JSONObject | None = None
    description: str | None = None
    strict: bool | None = None


class ResponseFormat(_Wire):
    type: str
    json_schema: JSONSchemaFormat | None = None


class FunctionDefinition(_Wire):
    name: str
    description: str | None = None
    parameters: JSONObject | None = None
    strict: bool | None = None


class FunctionTool(_Wire):
    function: FunctionDefinition
    type: str = "function"


class NamedFunction(_Wire):
    name: str


class NamedToolChoice(_Wire):
    function: NamedFunction


class AllowedTool(_Wire):
    type: str = "function"
    function: NamedFunction | None = None


class AllowedTools(_Wire):
    tools: list[AllowedTool]
    mode: str = "auto"


class AllowedToolsChoice(_Wire):
    allowed_tools: AllowedTools


#: What a request's ``tools`` are decoded into: JSON objects for the general path (which
#: reads their ``type`` first), typed function tools for the typed decode of JSON text.
ToolT = TypeVar("ToolT")


class ChatRequest(_Wire, Generic[ToolT]):
    model: str
    messages: Sequence[ChatMessage]
    max_tokens: Count | None = None
    max_completion_tokens: Count | None = None
    temperature: Finite | None = None
    top_p: Finite | None = None
    n: Count | None = None
    stop: str | list[str] | None = None
    seed: Int64 | None = None
    presence_penalty: Finite | None = None
    frequency_penalty: Finite | None = None
    response_format: ResponseFormat | None = None
    reasoning_effort: str | None = None
    tools: list[ToolT] | None = None
    tool_choice: str | JSONObject | None = None
    parallel_tool_calls: bool | None = None
    metadata: dict[str, str] | None = None
    user: str | None = None
    safety_identifier: str | None = None
    stream: bool | None = None
    stream_options: JSONObject | None = None


class LenientRequest(ChatRequest[JSONObject]):
    """The request as the general path validates it.

    A subclass rather than the alias ``ChatRequest[JSONObject]``: msgspec converts into a
    parametrized alias about four times slower (1.3 us against 0.34 for a one-message body).
    """


#: Request fields the adapter reads; everything else is kept as an extra.
REQUEST_FIELDS = frozenset(ChatRequest.__struct_fields__)


class StreamOptions(_Wire):
    include_usage: bool | None = None


# --------------------------------------------------------------------------- response


class PromptDetails(_Wire):
    cached_tokens: Count | None = None
    cache_write_tokens: Count | None = None


class CompletionDetails(_Wire):
    reasoning_tokens: Count | None = None


class CompletionUsage(_Wire):
    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    total_tokens: Count | None = None
    prompt_tokens_details: PromptDetails | None = None
    completion_tokens_details: CompletionDetails | None = None


class ResponseMessage(_Wire):
    """The message of a choice; ``role`` is always ``assistant`` and may be missing."""

    role: str = "assistant"
    content: Content = None
    refusal: str | None = None
    tool_calls: Sequence[ToolCall] | None = None
    reasoning_content: str | None = None
    thinking_blocks: Sequence[ThinkingBlock | RedactedThinkingBlock] | None = None


#: Message fields the response adapter reads; others survive only openai -> openai.
MESSAGE_FIELDS = frozenset(ResponseMessage.__struct_fields__)


class ResponseChoice(_Wire):
    message: ResponseMessage
    index: Count = 0
    finish_reason: str | None = None


class ChatCompletion(_Wire):
    id: str = ""
    model: str = ""
    choices: list[ResponseChoice] = msgspec.field(default_factory=list)
    created: Int64 | None = None
    usage: CompletionUsage | None = None


#: Top-level response fields the adapter reads (``object`` is always re-emitted).
RESPONSE_FIELDS = frozenset(ChatCompletion.__struct_fields__) | {"object"}


# --------------------------------------------------------------------------- errors


class ErrorObject(_Wire):
    message: str = ""
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class ErrorBody(_Wire):
    error: ErrorObject
