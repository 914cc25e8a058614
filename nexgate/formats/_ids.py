"""Identifiers nexgate must invent or rewrite, always derived from the input (deterministic)."""

from __future__ import annotations

import hashlib
import re

#: Prefix of tool-call ids that nexgate synthesized for Gemini calls that had none. A Gemini
#: encoder recognises it and sends no id, so the upstream never sees an id it did not issue.
SYNTHETIC_CALL_PREFIX = "ngc_"

_CLAUDE_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def digest(*parts: str, size: int = 12) -> str:
    """A short stable hex digest of ``parts``."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:size]


def synthetic_call_id(seed: str, index: int) -> str:
    """A tool-call id for a call that came without one (Gemini), stable for the same input."""
    return f"{SYNTHETIC_CALL_PREFIX}{digest(seed)}_{index}"


def is_synthetic_call_id(call_id: str) -> bool:
    return call_id.startswith(SYNTHETIC_CALL_PREFIX)


def claude_safe_id(call_id: str) -> str:
    """Claude requires ``^[a-zA-Z0-9_-]+$`` for tool ids; map anything else deterministically."""
    if call_id and not _CLAUDE_ID_UNSAFE.search(call_id):
        return call_id
    cleaned = _CLAUDE_ID_UNSAFE.sub("_", call_id) or "call"
    return f"{cleaned}_{digest(call_id, size=8)}"
