"""Data URLs and media types, shared by the three formats."""

from __future__ import annotations

from typing import NamedTuple

#: The only image types Claude accepts inline.
CLAUDE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

#: Common spellings of media types and the registered names they stand for (Gemini
#: documents ``audio/mp3``; ``image/jpg`` is everywhere).
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
}


def canonical_media_type(media_type: str | None) -> str | None:
    """``media_type`` under its registered name, for the formats that accept only that."""
    if media_type is None:
        return None
    return _ALIASES.get(media_type.lower(), media_type)


_EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
}


class DataURL(NamedTuple):
    media_type: str
    data: str


def parse_data_url(url: str) -> DataURL | None:
    """Split ``data:<type>;base64,<data>``; ``None`` for anything else (e.g. an http URL)."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    media_type = header[: -len(";base64")].split(";", 1)[0] or "application/octet-stream"
    return DataURL(media_type.lower(), data)


def data_url(media_type: str | None, data: str) -> str:
    """Build a base64 data URL."""
    return f"data:{media_type or 'application/octet-stream'};base64,{data}"


def guess_media_type(name: str | None, default: str = "application/octet-stream") -> str:
    """A media type from a file name or URL path by its extension."""
    if name:
        stem = name.split("?", 1)[0].split("#", 1)[0].lower()
        for extension, media_type in _EXTENSIONS.items():
            if stem.endswith(extension):
                return media_type
    return default
