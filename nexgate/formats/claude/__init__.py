"""The Claude (Anthropic Messages) format."""

from __future__ import annotations

from .._format import Format
from . import response, stream, stream_raw
from .direct import decode_request_json, decode_response_json
from .errors import decode_error, encode_error
from .request import decode_request
from .request_encode import encode_request
from .response import decode_response, encode_response


def request_path(model: str, stream: bool) -> str:
    return "/v1/messages"


FORMAT = Format(
    name="claude",
    decode_request=decode_request,
    encode_request=encode_request,
    decode_response=decode_response,
    encode_response=encode_response,
    decode_error=decode_error,
    encode_error=encode_error,
    stream_decoder=stream.StreamDecoder,
    stream_encoder=stream.StreamEncoder,
    request_path=request_path,
    response_extra_paths=response.extra_paths,
    fold_raw_deltas=stream_raw.fold_deltas,
    decode_request_json=decode_request_json,
    decode_response_json=decode_response_json,
)
