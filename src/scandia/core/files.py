"""Small file helpers shared by the CLI, the report and the service."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_text", "staged_text"]


def staged_text(path: Path, text: str) -> Path:
    """Write ``text`` to a hidden temporary file beside ``path`` with ordinary permissions (0666 less the umask,
    not mkstemp's 0600: results are meant to be shared); returns the temporary path."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
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
