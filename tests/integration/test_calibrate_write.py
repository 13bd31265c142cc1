"""``scandia calibrate --write --to DIR`` writes the fitted values where the user says, and runs apply them when
the scenario is built (no stale copy from import time)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

import scandia
from scandia.cli import app
from scandia.core.datafiles import FITTED_FILES, load_data, reload_data

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_calibrate_writes_to_a_named_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SCANDIA_FITTED_DIR", raising=False)
    res = CliRunner().invoke(app, ["calibrate", "--write", "--to", str(tmp_path)])
    try:
        assert res.exit_code == 0, res.output
        for rel in FITTED_FILES:
            assert (tmp_path / rel).is_file(), rel
        # the refit reproduces the shipped values (deterministic fits from the same targets)
        ours = yaml.safe_load((tmp_path / "hydromet" / "fitted.yaml").read_text())
        shipped = load_data("hydromet/fitted.yaml")
        assert ours["common"]["rate_factor"] == pytest.approx(shipped["common"]["rate_factor"], rel=1e-6)
    finally:
        monkeypatch.delenv("SCANDIA_FITTED_DIR", raising=False)
        reload_data()


def test_fitted_folder_is_applied_when_the_scenario_is_built(tmp_path, monkeypatch):
    doc = dict(load_data("hydromet/fitted.yaml"))
    doc["common"] = {**doc["common"], "rate_factor": 0.25}
    (tmp_path / "hydromet").mkdir()
    (tmp_path / "hydromet" / "fitted.yaml").write_text(yaml.safe_dump(doc))
    monkeypatch.setenv("SCANDIA_FITTED_DIR", str(tmp_path))
    try:
        reload_data()
        assert scandia.load().hydromet.common.rate_factor == pytest.approx(0.25)
        from scandia.scenario.params import PARAMS

        assert PARAMS["hydromet.common.rate_factor"].basis == "fitted"
    finally:
        monkeypatch.delenv("SCANDIA_FITTED_DIR")
        reload_data()
    assert scandia.load().hydromet.common.rate_factor == pytest.approx(load_data("hydromet/fitted.yaml")
                                                                        ["common"]["rate_factor"])
    assert scandia.load().hydromet.common.rate_factor != pytest.approx(0.25)
