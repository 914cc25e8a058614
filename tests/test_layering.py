"""The dependency direction of DESIGN.md: pure layers do no I/O and never load aiohttp/anyio."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "nexgate"
PURE = [
    "schema.py",
    "events.py",
    "errors.py",
    "sse.py",
    "translate.py",
    "accumulate.py",
    "stream_translate.py",
    "formats",
]
IO_MODULES = {"aiohttp", "anyio", "asyncio", "socket", "json"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _pure_files() -> list[Path]:
    files: list[Path] = []
    for entry in PURE:
        path = PACKAGE / entry
        if path.is_dir():
            files.extend(sorted(path.rglob("*.py")))
        elif path.exists():
            files.append(path)
    return files


def test_pure_layers_import_no_io_library() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imports(path) & IO_MODULES)
        for path in _pure_files()
        if _imports(path) & IO_MODULES
    }
    assert offenders == {}


def test_translation_only_use_loads_neither_aiohttp_nor_anyio() -> None:
    code = (
        "import sys, nexgate\n"
        "nexgate.translate_request({'model': 'm', 'messages': [{'role': 'user', 'content': 'hi'}]},"
        " source='openai', target='claude')\n"
        "nexgate.StreamTranslator('openai', 'claude')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('aiohttp', 'anyio'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_client_is_loaded_on_first_use() -> None:
    code = "import nexgate, sys; c = nexgate.Client; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
