"""msgspec mirrors of the Gemini generateContent JSON (proto-JSON camelCase).

Parts are decoded one by one (see ``parts.py``) so that a part kind nexgate does not model
becomes a raw part instead of being emptied by the lenient decoder.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

JSONObject = dict[str, Any]

#: Counts (tokens, candidates) and seeds are bounded: a 400-digit number is an input error.
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class _Wire(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    pass


class Blob(_Wire):
    mime_type: str
    data: str


class FileData(_Wire):
    file_uri: str
    mime_type: str | None = None


class FunctionCall(_Wire):
    name: str = ""
    args: JSONObject | None = None
    id: str | None = None


class FunctionResponse(_Wire):
    name: str
    response: JSONObject = msgspec.field(default_factory=dict)
    id: str | None = None
    parts: list[JSONObject] | None = None


class Content(_Wire):
    parts: list[JSONObject] = msgspec.field(default_factory=list)
    role: str | None = None


class FunctionDeclaration(_Wire):
    name: str
    description: str | None = None
    parameters: JSONObject | None = None
    parameters_json_schema: JSONObject | None = None


class FunctionCallingConfig(_Wire):
    mode: str = "AUTO"
    allowed_function_names: list[str] | None = None


class ToolConfig(_Wire):
    function_calling_config: FunctionCallingConfig | None = None


class ThinkingConfig(_Wire):
    include_thoughts: bool | None = None
    thinking_budget: Int64 | None = None
    thinking_level: str | None = None


class GenerationConfig(_Wire):
    max_output_tokens: Count | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: Count | None = None
    stop_sequences: list[str] | None = None
    seed: Int64 | None = None
    candidate_count: Count | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_mime_type: str | None = None
    response_schema: JSONObject | None = None
    response_json_schema: JSONObject | None = None
    thinking_config: ThinkingConfig | None = None


class GenerateContentRequest(_Wire):
    contents: list[Content]
    system_instruction: Content | None = None
    tools: list[JSONObject] | None = None
    tool_config: ToolConfig | None = None
    generation_config: GenerationConfig | None = None


REQUEST_FIELDS = frozenset(f.encode_name for f in msgspec.structs.fields(GenerateContentRequest))


class UsageMetadata(_Wire):
    prompt_token_count: int = 0
    candidates_token_count: int = 0
    thoughts_token_count: int = 0
    cached_content_token_count: int = 0
    tool_use_prompt_token_count: int = 0
    total_token_count: int | None = None


class Candidate(_Wire):
    content: Content | None = None
    finish_reason: str | None = None
    index: int = 0


class PromptFeedback(_Wire):
    block_reason: str | None = None


class GenerateContentResponse(_Wire):
    candidates: list[Candidate] = msgspec.field(default_factory=list)
    usage_metadata: UsageMetadata | None = None
    model_version: str | None = None
    response_id: str | None = None
    prompt_feedback: PromptFeedback | None = None
    create_time: str | None = None


class Status(_Wire):
    code: int = 0
    message: str = ""
    status: str | None = None
    details: list[JSONObject] | None = None


class ErrorBody(_Wire):
    error: Status
