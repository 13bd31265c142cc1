"""Shared helpers of the integration tests."""

from __future__ import annotations

from pathlib import Path


def write_scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> str:
    """Write a scenario YAML into ``tmp_path`` and return its path as a string."""
    p = tmp_path / name
    p.write_text(text)
    return str(p)
