"""Shared helpers of the integration tests."""

from __future__ import annotations

from pathlib import Path


def write_scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> str:
    """Write a scenario YAML into ``tmp_path`` and return its path as a string."""
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def default_npv_musd() -> float:
    """The default scenario's NPV as `scandia run` gives it, from the committed regression fixture (so service and
    dashboard tests check they agree with the CLI without restating a number that moves on purpose)."""
    import json

    fixture = Path(__file__).resolve().parents[1] / "regression" / "metrics.json"
    return float(json.loads(fixture.read_text())["crater-lake"]["economics.metrics.npv_musd"])
