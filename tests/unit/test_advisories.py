"""Dependency floors and installed versions are past every advisory listed in tests/advisories.yaml.

``pip-audit`` cannot reach its database from the build machines (it then reports nothing), so the project keeps
its own cited list; this test reads the installed versions (importlib.metadata) and the floors declared in
pyproject.toml (runtime and build requirements) and fails on any below a fixed version.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
ADVISORIES = yaml.safe_load((ROOT / "tests" / "advisories.yaml").read_text())


def _floors() -> dict[str, list[Version]]:
    """Lower bounds by package name from every requirement list in pyproject.toml."""
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(py["build-system"]["requires"]) + list(py["project"]["dependencies"])
    for extra in py["project"].get("optional-dependencies", {}).values():
        reqs += extra
    out: dict[str, list[Version]] = {}
    for r in reqs:
        m = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(>=|==)\s*([0-9][^,;\s]*)", r)
        if m:
            out.setdefault(m.group(1).lower(), []).append(Version(m.group(4)))
    return out


@pytest.mark.parametrize("adv", ADVISORIES, ids=lambda a: f"{a['package']}-{a['id']}")
def test_declared_floor_is_past_the_advisory(adv):
    floors = _floors().get(adv["package"], [])
    fixed = Version(adv["fixed"])
    # a package the project depends on only through another must still carry its own floor once it is listed
    assert floors, f"{adv['package']}: no floor in pyproject.toml; add '{adv['package']}>={adv['fixed']}'"
    assert min(floors) >= fixed, f"{adv['package']} floor {min(floors)} admits {adv['id']} (fixed in {fixed})"


@pytest.mark.parametrize("adv", ADVISORIES, ids=lambda a: f"{a['package']}-{a['id']}")
def test_installed_version_is_past_the_advisory(adv):
    try:
        installed = Version(md.version(adv["package"]))
    except md.PackageNotFoundError:
        pytest.skip(f"{adv['package']} not installed here")
    assert installed >= Version(adv["fixed"]), (
        f"{adv['package']} {installed} installed: {adv['id']} is fixed in {adv['fixed']} ({adv['source']})")


def test_every_entry_is_cited():
    for adv in ADVISORIES:
        assert {"package", "fixed", "id", "source"} <= set(adv) and adv["source"].startswith("https://"), adv
