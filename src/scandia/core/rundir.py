"""Run folders written all or nothing, even under ``kill -9``, by a staging folder and a journal.

A folder cannot be replaced by one atomic rename when it is not empty, so a run is written in three steps:

1. every file of the new run into ``OUT/.staging-<id>/`` (a run killed here leaves the earlier run untouched and
   a stale staging folder, removed at the next start);
2. ``OUT/.journal.json``, written atomically: the staging folder, the files to move in (``summary.json`` last)
   and the earlier run's files to remove. From this moment the new run is complete on disk and only renames
   remain;
3. the renames and removals, then the journal is deleted.

:func:`recover` (called before every write) finishes a journal left by a killed writer, which is safe because
each step only renames or removes files the journal names, and removes stale staging folders and temporary
files. A reader (:func:`check_complete`, used by ``scandia report``) refuses a folder with a pending journal or
whose files differ from the sha256 digests its ``summary.json`` records, so a mixed folder is never reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ScenarioError
from .files import atomic_write_text

__all__ = ["JOURNAL", "check_complete", "previous_files", "recover", "sha256_of", "write_all"]

JOURNAL = ".journal.json"
_STAGING = ".staging-"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _apply(out: Path, journal: dict[str, Any]) -> None:
    staging = out / journal["staging"]
    for name in journal["files"]:  # summary.json is the last name
        src = staging / name
        if src.exists():
            os.replace(src, out / name)
    for name in journal["remove"]:
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    (out / JOURNAL).unlink(missing_ok=True)


def recover(out: Path) -> bool:
    """Finish a write a killed process left half done (its journal), then remove stale staging folders and
    temporary files of earlier writers; returns whether a journal was finished."""
    out = Path(out)
    finished = False
    journal = out / JOURNAL
    if journal.exists():
        try:
            _apply(out, json.loads(journal.read_text(encoding="utf-8")))
            finished = True
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ScenarioError("--out", f"{out} holds an unfinished write that cannot be completed ({exc}); "
                                         "remove the folder or use another") from None
    if out.is_dir():
        for p in out.iterdir():
            if p.name.startswith(_STAGING) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.name.startswith(f".{JOURNAL}.") or (p.name.startswith(".") and p.name.endswith((".tmp", ".bak"))):
                p.unlink(missing_ok=True)
    return finished


def previous_files(out: Path) -> set[str]:
    """Result files written by an earlier run into ``out`` (from its summary.json), as plain names."""
    try:
        files = json.loads((out / "summary.json").read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {f for f in files if isinstance(f, str) and "/" not in f and not f.startswith(".")}


def write_all(out: Path, writers: dict[str, Callable[[Path], None]], summary: dict[str, Any],
              encode: Callable[[dict[str, Any]], str]) -> None:
    """Write a run folder all or nothing. ``writers``: file name -> function writing that file at the path it
    is given; ``summary`` gains ``files`` and ``file_sha256`` and is written last with ``encode``. The earlier
    run's files (listed in its summary.json) that the new run does not write are removed; other files are never
    touched."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    recover(out)
    previous = previous_files(out)
    staging = out / f"{_STAGING}{secrets.token_hex(6)}"
    staging.mkdir()
    try:
        digests = {}
        for name, write in writers.items():
            write(staging / name)
            digests[name] = sha256_of(staging / name)
        summary["files"] = sorted([*writers, "summary.json"])
        summary["file_sha256"] = digests
        (staging / "summary.json").write_text(encode(summary), encoding="utf-8")
        names = [*writers, "summary.json"]
        journal = {"staging": staging.name, "files": names, "remove": sorted(previous - set(names))}
        atomic_write_text(out / JOURNAL, json.dumps(journal))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _apply(out, journal)


def check_complete(path: Path, summary: dict[str, Any]) -> None:
    """Refuse (one line) a run folder that is not one complete run: a write still pending, a listed file
    missing, or a file whose sha256 differs from the digest the run recorded."""
    if (path / JOURNAL).exists():
        raise ScenarioError("RUN_DIR", f"{path} is not a complete run: a write into it was interrupted; the next "
                                       f"`scandia run --out {path}` completes it")
    for name, digest in (summary.get("file_sha256") or {}).items():
        f = path / name
        if not f.exists():
            raise ScenarioError("RUN_DIR", f"{path} is not a complete run: {name} is missing")
        if sha256_of(f) != digest:
            raise ScenarioError("RUN_DIR", f"{path} is not a complete run: {name} is not the file its "
                                           "summary.json was written with")
