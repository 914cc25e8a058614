"""The Gemini (generateContent) format."""

from __future__ import annotations

from urllib.parse import quote

from .._format import Format
from . import response_extras, stream
from .errors import decode_error, encode_error
from .json_decode import decode_request_json, decode_response_json
from .parts import whole_part
from .request import decode_request
from .request_encode import encode_request
from .response import decode_response, encode_response


def request_path(model: str, stream: bool) -> str:
    """The model lives in the URL: quoted so it cannot leave ``/v1beta/models/``."""
    collection = "models"
    if model.startswith("models/"):
        model = model[len("models/") :]
    elif model.startswith("tunedModels/"):
        collection, model = "tunedModels", model[len("tunedModels/") :]
    method = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"/v1beta/{collection}/{quote(model, safe='')}:{method}"


FORMAT = Format(
    name="gemini",
    decode_request=decode_request,
    encode_request=encode_request,
    decode_response=decode_response,
    encode_response=encode_response,
    decode_error=decode_error,
    encode_error=encode_error,
    stream_decoder=stream.StreamDecoder,
    stream_encoder=stream.StreamEncoder,
    request_path=request_path,
    response_extra_paths=response_extras.extra_paths,
    decode_request_json=decode_request_json,
    decode_response_json=decode_response_json,
    whole_part=whole_part,
)
