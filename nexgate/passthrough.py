"""Same-format calls: the caller's body goes upstream as written, changed only where the
route decides (the model, the stream flag, and Claude's required ``max_tokens``).

When the caller speaks the upstream's format there is nothing to translate. The dispatcher
still decodes the body (that validates it and gives routing and fallbacks a request), but
re-encoding it would only rebuild what the caller wrote, at the cost of a translation per
call; fields nexgate does not model reach the upstream untouched as well. The upstream's
answer goes back to the caller unchanged in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .schema import FormatName, JSONObject

#: Body fields that only make sense on a streamed call, per format.
_STREAM_FIELDS: dict[FormatName, tuple[str, ...]] = {
    "openai": ("stream", "stream_options"),
    "claude": ("stream",),
    "gemini": (),  # Gemini streams by URL, not by a body field
}


def same_format_body(
    fmt: FormatName,
    body: Mapping[str, Any],
    *,
    model: str,
    default_max_tokens: int,
    stream: bool = False,
) -> JSONObject:
    """The upstream body of a same-format call (``body`` is not modified)."""
    out = dict(body)
    if not stream:
        for name in _STREAM_FIELDS[fmt]:
            out.pop(name, None)
    elif fmt != "gemini":
        out["stream"] = True  # the caller's stream_options (usage or not) stay as written
    if fmt == "gemini":
        out.pop("model", None)  # Gemini's model is part of the URL
        return out
    out["model"] = model
    if fmt == "claude" and out.get("max_tokens") is None:
        out["max_tokens"] = default_max_tokens
    return out


__all__ = ("same_format_body",)
