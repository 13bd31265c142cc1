"""The package's data files (``src/scandia/data``): YAML defaults with their sources, read once and cached.

Fitted values (``beneficiation/fitted.yaml``, ``hydromet/fitted.yaml``, ``alloy/thermo_fitted.yaml``, written by
``scandia calibrate --write``) are read from ``$SCANDIA_FITTED_DIR`` when that folder holds them, else from the
package, and applied when the scenario schema is built: :func:`reload_data` rebuilds it after a refit, so no
copy made at import goes stale.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = ["FITTED_FILES", "fitted_dir", "load_data", "package_data_dir", "reload_data", "value_of"]

#: the data files that calibration writes
FITTED_FILES = ("beneficiation/fitted.yaml", "hydromet/fitted.yaml", "alloy/thermo_fitted.yaml", "market/fitted.yaml")


def package_data_dir() -> Path:
    """The package's own data folder (the source tree in a checkout or an editable install)."""
    return Path(str(resources.files("scandia").joinpath("data")))


def fitted_dir() -> Path | None:
    """The folder of user-fitted values (``$SCANDIA_FITTED_DIR``), or None."""
    d = os.environ.get("SCANDIA_FITTED_DIR")
    return Path(d).expanduser() if d else None


@cache
def load_data(relpath: str) -> Any:
    """Read a YAML file from the package's ``data/`` folder (cached; callers must not mutate the result).
    Fitted files come from ``$SCANDIA_FITTED_DIR`` when it holds them."""
    user = fitted_dir()
    if relpath in FITTED_FILES and user is not None and (user / relpath).is_file():
        return yaml.safe_load((user / relpath).read_text(encoding="utf-8"))
    text = resources.files("scandia").joinpath("data", relpath).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def value_of(node: Any) -> Any:
    """The value of a data-file entry: ``node["value"]`` for a declared value (with its unit and provenance),
    the node itself for a plain one."""
    return node["value"] if isinstance(node, dict) and "value" in node else node


def reload_data() -> None:
    """Forget cached data files and rebuild what was made from them (the scenario schema with its fitted
    defaults, the thermodynamic description), e.g. after ``scandia calibrate --write``."""
    load_data.cache_clear()
    from ..alloy import thermo
    from ..scenario import schema

    thermo.database.cache_clear()
    schema._build()
