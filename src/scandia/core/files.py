"""Small file helpers shared by the CLI, the report and the service."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_text", "json_safe", "staged_text"]

#: the process umask, read once (reading it means setting it, which is not thread-safe in a server)
_UMASK = os.umask(0)
os.umask(_UMASK)


def staged_text(path: Path, text: str) -> Path:
    """Write ``text`` to a hidden temporary file beside ``path`` with ordinary permissions (0666 less the umask,
    not mkstemp's 0600: results are meant to be shared); returns the temporary path."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o666 & ~_UMASK)
    return Path(tmp)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write a text file all at once: readers see the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = staged_text(path, text)
    try:
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return path


def json_safe(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, inf) replaced by None, so that it is strict JSON (a summary
    metric that cannot be computed, e.g. cost per MPa with no gain, is null, not a bare NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj
