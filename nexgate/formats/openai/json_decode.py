"""OpenAI bodies decoded from JSON text straight into typed mirrors (``Format.decode_*_json``).

The general decoders parse the text into dicts, validate them into the lenient mirrors of
:mod:`.wire` and read the dicts again for what those mirrors drop (unmodeled fields, kept as
extras). Here one typed decode does all of it: the strict mirrors below are the lenient ones
with every field the general path reads from the dicts, and they refuse any other field where
the general path would have kept it. The fields the API documents and real bodies carry
(``service_tier``, ``system_fingerprint``, message ``annotations``...) are modeled as JSON
and kept as the general path keeps them, so that recorded bodies stay on this path. Whatever
they do not model, or any failure at all, falls back to the general path, which alone words
the errors and keeps undocumented extras; the result is then the same by construction
(``tests/formats/test_json_shortcuts.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from ...schema import JSONObject, Request, Response, Usage
from .._context import TranslationContext
from .._json import JSONText, load_object
from . import wire
from .request import decode_request, request_from_wire
from .response import USAGE_HINTS, usage_of
from .response_decode import complete_response, decode_choice, decode_response
from .unmodeled import parts_modeled

#: What a typed decode raises on text it does not accept (ValidationError is a DecodeError).
_DECODE_FAILURES = (msgspec.DecodeError, RecursionError, UnicodeDecodeError)

# --------------------------------------------------------------------------- request


# Unknown fields are refused at every level: the general path keeps the top-level ones as
# extras and records the nested ones as losses (see .unmodeled). Content parts stay JSON
# objects, checked by ``parts_modeled``.


class StrictFunctionCall(wire.FunctionCall, forbid_unknown_fields=True):
    pass


class StrictGoogleExtra(wire.GoogleExtra, forbid_unknown_fields=True):
    pass


class StrictExtraContent(wire.ExtraContent, forbid_unknown_fields=True):
    google: StrictGoogleExtra | None = None


class StrictToolCall(wire.ToolCall, forbid_unknown_fields=True):
    function: StrictFunctionCall
    extra_content: StrictExtraContent | None = None
    index: Any = None  # see .unmodeled: meaningless in a request


class StrictThinkingBlock(wire.ThinkingBlock, forbid_unknown_fields=True):
    index: Any = None  # see .unmodeled: meaningless in a request


class StrictRedactedThinkingBlock(wire.RedactedThinkingBlock, forbid_unknown_fields=True):
    index: Any = None


class StrictChatMessage(wire.ChatMessage, forbid_unknown_fields=True):
    tool_calls: Sequence[StrictToolCall] | None = None
    thinking_blocks: Sequence[StrictThinkingBlock | StrictRedactedThinkingBlock] | None = None


class StrictFunction(wire.FunctionDefinition, forbid_unknown_fields=True):
    pass


class FunctionToolOnly(wire.FunctionTool, forbid_unknown_fields=True):
    """A function tool; any other type (custom, hosted) is kept raw by the general path."""

    function: StrictFunction
    type: Literal["function"] = "function"


class StrictRequest(wire.ChatRequest[FunctionToolOnly], forbid_unknown_fields=True):
    """A request with no field beyond those modeled, and function tools only. The tools are
    typed here, which spares converting each one from a dict."""

    messages: Sequence[StrictChatMessage]


class RequestWithExtras(StrictRequest):
    """A request that also carries fields the API documents and nexgate keeps verbatim.

    The general path keeps them as extras; here they are held as JSON (``UNSET`` when
    absent, since an explicit ``null`` is kept too). This is a second decoder, tried only
    when the first stopped at one of them: most requests carry none, and reading a dozen
    unset fields cost the typical body about 0.8 us (10%), more than the rare second decode.
    """

    audio: Any = msgspec.UNSET
    logit_bias: Any = msgspec.UNSET
    logprobs: Any = msgspec.UNSET
    modalities: Any = msgspec.UNSET
    prediction: Any = msgspec.UNSET
    prompt_cache_key: Any = msgspec.UNSET
    service_tier: Any = msgspec.UNSET
    store: Any = msgspec.UNSET
    top_logprobs: Any = msgspec.UNSET
    verbosity: Any = msgspec.UNSET
    web_search_options: Any = msgspec.UNSET


#: The extras of :class:`RequestWithExtras`, in the order the official SDK writes them (its
#: ``create()`` builds the body in alphabetical order). The general path keeps the body's
#: order, which an identity translation writes back; the dicts compare equal either way.
_REQUEST_EXTRAS = tuple(
    name for name in RequestWithExtras.__struct_fields__ if name not in wire.REQUEST_FIELDS
)

_REQUEST = msgspec.json.Decoder(StrictRequest)
_REQUEST_WITH_EXTRAS = msgspec.json.Decoder(RequestWithExtras)

#: How the first decode refuses a documented extra (only the top level refuses unknown
#: fields, so msgspec names no path). Any other refusal, or another wording of this one,
#: goes straight to the general path: a second decode would fail too, and cost ~20%.
_DOCUMENTED_REFUSALS = frozenset(
    f"Object contains unknown field `{name}`" for name in _REQUEST_EXTRAS
)


def _request_extras(body: RequestWithExtras) -> JSONObject:
    extras: JSONObject = {}
    for name in _REQUEST_EXTRAS:
        value = getattr(body, name)
        if value is not msgspec.UNSET:
            extras[name] = value
    return extras


def decode_request_json(data: JSONText, ctx: TranslationContext) -> Request:
    """:func:`~.request.decode_request` of the parsed ``data``, with one typed decode."""
    try:
        body = _REQUEST.decode(data)
    except _DECODE_FAILURES as exc:
        if str(exc) in _DOCUMENTED_REFUSALS:
            return _decode_request_with_extras(data, ctx)
        return decode_request(load_object(data, "request body"), ctx)
    if not parts_modeled(body.messages):
        return decode_request(load_object(data, "request body"), ctx)
    return request_from_wire(body, {})


def _decode_request_with_extras(data: JSONText, ctx: TranslationContext) -> Request:
    """The second typed decode, for a body with documented extras; else the general path."""
    try:
        body = _REQUEST_WITH_EXTRAS.decode(data)
    except _DECODE_FAILURES:
        return decode_request(load_object(data, "request body"), ctx)
    if not parts_modeled(body.messages):
        return decode_request(load_object(data, "request body"), ctx)
    return request_from_wire(body, _request_extras(body))


# --------------------------------------------------------------------------- response


class StrictMessage(wire.ResponseMessage, forbid_unknown_fields=True):
    """A choice's message with no field beyond those modeled.

    The general path keeps the unmodeled ones as the choice's ``message`` hint, verbatim;
    the two the API documents are held here as JSON (``UNSET`` when absent, since an
    explicit ``null`` is kept too). Any other field falls back.
    """

    annotations: Any = msgspec.UNSET
    audio: Any = msgspec.UNSET
    tool_calls: Sequence[StrictToolCall] | None = None
    thinking_blocks: Sequence[StrictThinkingBlock | StrictRedactedThinkingBlock] | None = None


class StrictChoice(wire.ResponseChoice, forbid_unknown_fields=True):
    """A choice with no field beyond those modeled (the general path records the others as
    losses). vLLM sends ``stop_reason`` with every choice, mostly null: a null one loses
    nothing and stays on this path."""

    stop_reason: Any = None

    message: StrictMessage
    #: Kept verbatim as a hint, as the general path keeps it from the dict.
    logprobs: Any = None


class StrictUsage(wire._Wire, forbid_unknown_fields=True):
    """Usage whose detail objects stay JSON: the general path keeps them as hints verbatim.

    ``UNSET`` tells an absent detail object from an explicit ``null`` (a hint too).
    """

    prompt_tokens: wire.Count = 0
    completion_tokens: wire.Count = 0
    total_tokens: wire.Count | None = None
    prompt_tokens_details: JSONObject | msgspec.UnsetType | None = msgspec.UNSET
    completion_tokens_details: JSONObject | msgspec.UnsetType | None = msgspec.UNSET


class StrictCompletion(wire._Wire, forbid_unknown_fields=True):
    """A chat completion with no unmodeled field; ``object`` is read by nobody."""

    id: str = ""
    model: str = ""
    choices: list[StrictChoice] = msgspec.field(default_factory=list)
    created: wire.Int64 | None = None
    usage: StrictUsage | None = None
    object: Any = None
    #: Kept verbatim as extras by the general path (``UNSET``: absent, not ``null``).
    service_tier: Any = msgspec.UNSET
    system_fingerprint: Any = msgspec.UNSET


_RESPONSE = msgspec.json.Decoder(StrictCompletion)


def _usage(usage: StrictUsage | None) -> tuple[Usage | None, JSONObject]:
    """The usage and its hints (the detail objects), as :func:`~.response_decode.decode_response`.

    The detail objects are validated by the lenient mirrors the general path uses, so that
    they accept and refuse the same (a refusal raises ``ValidationError``: fall back).
    """
    if usage is None:
        return None, {}
    hints: JSONObject = {}
    prompt = usage.prompt_tokens_details
    prompt_details = None
    if prompt is not msgspec.UNSET:
        hints["prompt_tokens_details"] = prompt
        if prompt is not None:
            prompt_details = msgspec.convert(prompt, wire.PromptDetails)
    completion = usage.completion_tokens_details
    completion_details = None
    if completion is not msgspec.UNSET:
        hints["completion_tokens_details"] = completion
        if completion is not None:
            completion_details = msgspec.convert(completion, wire.CompletionDetails)
    counts = usage_of(
        usage.prompt_tokens, usage.completion_tokens, prompt_details, completion_details
    )
    return counts, hints


# The extras below rebuild what the general path reads from the dicts. It keeps the body's
# key order, which an identity translation writes back; here they are built in the order
# the API sends them (``service_tier`` before ``system_fingerprint``, ``annotations`` after
# ``refusal``, as the recorded bodies show), so the usual bodies come back in their order.


#: The rest of a message that has none, shared: :func:`decode_choice` keeps no empty rest,
#: and the synthetic typical body is a little faster for not building one per choice.
_NO_REST: JSONObject = {}


def _message_rest(message: StrictMessage) -> JSONObject:
    """The message fields the general path keeps as the choice's ``message`` hint."""
    if message.annotations is msgspec.UNSET and message.audio is msgspec.UNSET:
        return _NO_REST
    rest: JSONObject = {}
    if message.annotations is not msgspec.UNSET:
        rest["annotations"] = message.annotations
    if message.audio is not msgspec.UNSET:
        rest["audio"] = message.audio
    return rest


def decode_response_json(data: JSONText, ctx: TranslationContext) -> Response:
    """:func:`~.response_decode.decode_response` of the parsed ``data``, with one typed decode."""
    try:
        body = _RESPONSE.decode(data)
        # Validated before any choice is decoded: the general path reports a bad count
        # before a bad content part.
        usage, usage_hints = _usage(body.usage)
    except _DECODE_FAILURES:
        return decode_response(load_object(data, "response body"), ctx)
    # The top-level extras, inline: a helper call costs the typical body a few percent.
    extras: JSONObject = {}
    if body.service_tier is not msgspec.UNSET:
        extras["service_tier"] = body.service_tier
    if body.system_fingerprint is not msgspec.UNSET:
        extras["system_fingerprint"] = body.system_fingerprint
    for choice in body.choices:
        if choice.stop_reason is not None or not parts_modeled((choice.message,)):
            return decode_response(load_object(data, "response body"), ctx)
    choices = [
        decode_choice(i, choice, choice.logprobs, _message_rest(choice.message), extras)
        for i, choice in enumerate(body.choices)
    ]
    if usage_hints:
        extras[USAGE_HINTS] = usage_hints
    response = Response(id=body.id, model=body.model or ctx.model or "", choices=choices)
    return complete_response(response, usage, body.created, extras)
