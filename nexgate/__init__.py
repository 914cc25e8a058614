"""nexgate: an async gateway between the OpenAI, Claude and Gemini wire formats.

Translation (``translate_request`` and friends, ``StreamTranslator``) is pure and synchronous
and imports neither aiohttp nor anyio; the dispatcher (``Client``) is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    APIConnectionError as APIConnectionError,
)
from .errors import (
    APIStatusError as APIStatusError,
)
from .errors import (
    APITimeoutError as APITimeoutError,
)
from .errors import (
    AuthenticationError as AuthenticationError,
)
from .errors import (
    BadRequestError as BadRequestError,
)
from .errors import (
    ContextLengthError as ContextLengthError,
)
from .errors import (
    InvalidInputError as InvalidInputError,
)
from .errors import (
    NexgateError as NexgateError,
)
from .errors import (
    NotFoundError as NotFoundError,
)
from .errors import (
    OverloadedError as OverloadedError,
)
from .errors import (
    PermissionDeniedError as PermissionDeniedError,
)
from .errors import (
    QueueFullError as QueueFullError,
)
from .errors import (
    QuotaExceededError as QuotaExceededError,
)
from .errors import (
    RateLimitError as RateLimitError,
)
from .errors import (
    ResponseTooLargeError as ResponseTooLargeError,
)
from .errors import (
    ServerError as ServerError,
)
from .errors import (
    StreamInterruptedError as StreamInterruptedError,
)
from .errors import (
    TranslationError as TranslationError,
)
from .schema import (
    CacheControl as CacheControl,
)
from .schema import (
    Choice as Choice,
)
from .schema import (
    DocumentPart as DocumentPart,
)
from .schema import (
    FinishReason as FinishReason,
)
from .schema import (
    ImagePart as ImagePart,
)
from .schema import (
    Loss as Loss,
)
from .schema import (
    Message as Message,
)
from .schema import (
    RawPart as RawPart,
)
from .schema import (
    Reasoning as Reasoning,
)
from .schema import (
    ReasoningPart as ReasoningPart,
)
from .schema import (
    Request as Request,
)
from .schema import (
    Response as Response,
)
from .schema import (
    ResponseFormat as ResponseFormat,
)
from .schema import (
    Signature as Signature,
)
from .schema import (
    TextPart as TextPart,
)
from .schema import (
    Tool as Tool,
)
from .schema import (
    ToolCallPart as ToolCallPart,
)
from .schema import (
    ToolChoice as ToolChoice,
)
from .schema import (
    ToolResultPart as ToolResultPart,
)
from .schema import (
    Usage as Usage,
)
from .stream_translate import (
    StreamTranslator as StreamTranslator,
)
from .translate import (
    Translated as Translated,
)
from .translate import (
    translate_error as translate_error,
)
from .translate import (
    translate_request as translate_request,
)
from .translate import (
    translate_response as translate_response,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .dispatch import Client as Client
    from .fanout import Result as Result
    from .limits import LimitConfig as LimitConfig
    from .providers import Provider as Provider
    from .providers import Route as Route
    from .redact import Secret as Secret
    from .retry import RetryPolicy as RetryPolicy
    from .transport import Timeouts as Timeouts

# Loaded on first access so that translation-only users never import aiohttp or anyio.
_LAZY = {
    "Client": "nexgate.dispatch",
    "LimitConfig": "nexgate.limits",
    "Provider": "nexgate.providers",
    "Result": "nexgate.fanout",
    "RetryPolicy": "nexgate.retry",
    "Route": "nexgate.providers",
    "Secret": "nexgate.redact",
    "Timeouts": "nexgate.transport",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'nexgate' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


__all__ = (
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CacheControl",
    "Choice",
    "Client",
    "ContextLengthError",
    "DocumentPart",
    "FinishReason",
    "ImagePart",
    "InvalidInputError",
    "LimitConfig",
    "Loss",
    "Message",
    "NexgateError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "Provider",
    "QueueFullError",
    "QuotaExceededError",
    "RateLimitError",
    "RawPart",
    "Reasoning",
    "ReasoningPart",
    "Request",
    "Response",
    "ResponseFormat",
    "ResponseTooLargeError",
    "Result",
    "RetryPolicy",
    "Route",
    "Secret",
    "ServerError",
    "Signature",
    "StreamInterruptedError",
    "StreamTranslator",
    "TextPart",
    "Timeouts",
    "Tool",
    "ToolCallPart",
    "ToolChoice",
    "ToolResultPart",
    "Translated",
    "TranslationError",
    "Usage",
    "translate_error",
    "translate_request",
    "translate_response",
)
