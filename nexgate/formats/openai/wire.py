"""msgspec mirrors of the OpenAI Chat Completions JSON (lenient: unknown fields are ignored)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

JSONObject = dict[str, Any]

#: Counts (tokens, candidates) and seeds are bounded: a 400-digit number is an input error.
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class _Wire(msgspec.Struct, kw_only=True, omit_defaults=True):
    pass


class FunctionCall(_Wire):
    name: str
    arguments: str = ""


class ToolCall(_Wire):
    id: str
    function: FunctionCall
    type: str = "function"
    extra_content: JSONObject | None = None


class ChatMessage(_Wire):
    role: str
    content: str | list[JSONObject] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    thinking_blocks: list[JSONObject] | None = None


class TextContent(_Wire):
    text: str


class ImageURL(_Wire):
    url: str
    detail: str | None = None


class ImageContent(_Wire):
    image_url: ImageURL


class FileData(_Wire):
    filename: str | None = None
    file_data: str | None = None
    file_id: str | None = None


class FileContent(_Wire):
    file: FileData


class AudioData(_Wire):
    data: str
    format: str


class AudioContent(_Wire):
    input_audio: AudioData


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


class StreamOptions(_Wire):
    include_usage: bool | None = None


class ChatRequest(_Wire):
    model: str
    messages: list[ChatMessage]
    max_tokens: Count | None = None
    max_completion_tokens: Count | None = None
    temperature: float | None = None
    top_p: float | None = None
    n: Count | None = None
    stop: str | list[str] | None = None
    seed: Int64 | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_format: ResponseFormat | None = None
    reasoning_effort: str | None = None
    tools: list[JSONObject] | None = None
    tool_choice: str | JSONObject | None = None
    parallel_tool_calls: bool | None = None
    metadata: dict[str, str] | None = None
    user: str | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None


#: Request fields modeled by the schema; everything else is kept as an extra.
REQUEST_FIELDS = frozenset(ChatRequest.__struct_fields__)


class PromptDetails(_Wire):
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None


class CompletionDetails(_Wire):
    reasoning_tokens: int | None = None


class CompletionUsage(_Wire):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int | None = None
    prompt_tokens_details: PromptDetails | None = None
    completion_tokens_details: CompletionDetails | None = None


class ResponseChoice(_Wire):
    message: ChatMessage
    index: int = 0
    finish_reason: str | None = None


class ChatCompletion(_Wire):
    id: str = ""
    model: str = ""
    choices: list[ResponseChoice] = msgspec.field(default_factory=list)
    created: int | None = None
    usage: CompletionUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None


class ErrorObject(_Wire):
    message: str = ""
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class ErrorBody(_Wire):
    error: ErrorObject
