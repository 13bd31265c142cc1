"""The package's data files (``src/scandia/data``): YAML defaults with their sources, read once and cached."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["load_data"]


@cache
def load_data(relpath: str) -> Any:
    """Read a YAML file from the package's ``data/`` folder (cached; callers must not mutate the result)."""
    text = resources.files("scandia").joinpath("data", relpath).read_text(encoding="utf-8")
    return yaml.safe_load(text)
