"""Alloy stage through the CLI: alone, in the chain, design, bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scandia.cli import app
from scandia.core.errors import ScenarioError

from .helpers import write_scenario

pytestmark = pytest.mark.integration
runner = CliRunner()




def test_alloy_stage_alone(tmp_path):
    res = runner.invoke(app, ["run", "--stage", "alloy", "--format", "json", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert set(s["stages"]) == {"alloy"}
    m = s["stages"]["alloy"]["metrics"]
    assert m["yield_mpa"] > m["base_yield_mpa"] > 0
    assert m["cost_premium_usd_per_kg"] > 0
    assert list(s["stages"]["alloy"]["strength_terms_mpa"]) == ["intrinsic", "solid_solution", "grain_boundary",
                                                                "precipitation"]
    names = {p.name for p in tmp_path.iterdir()}
    assert {"alloy_strength_terms.csv", "alloy_aging_curve.csv", "master_alloy.csv", "alloy_equilibrium.csv",
            "alloy_scheil.csv"} <= names
    assert isinstance(s["stages"]["alloy"]["phase_diagram"]["primary_al3sc_on_solidification"], bool)


def test_chain_prices_oxide_at_chain_cost(tmp_path):
    """With sc2o3_price_basis: chain the master alloy uses the hydromet stage's reagent cost per kg Sc2O3."""
    path = write_scenario(tmp_path, "alloy:\n  sc2o3_price_basis: chain\n")
    res = runner.invoke(app, ["run", path, "--format", "json", "--no-curves"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    chain_cost = s["stages"]["hydromet"]["metrics"]["reagent_cost_usd_per_kg_sc2o3"]
    assert s["stages"]["alloy"]["metrics"]["sc2o3_price_usd_per_kg"] == pytest.approx(chain_cost)


ALLOY_BAD = [
    ("alloy:\n  sc_wt_pct: 3\n", "alloy.sc_wt_pct"),
    ("alloy:\n  zr_wt_pct: -0.1\n", "alloy.zr_wt_pct"),
    ("alloy:\n  aging: [{temp_c: 580, duration_h: 2}]\n", "solidus"),
    ("alloy:\n  aging: [{temp_c: 300, duration_h: -2}]\n", "alloy.aging.0.duration_h"),
    ("alloy:\n  aging: []\n", "alloy.aging"),
    ("alloy:\n  base: 7075\n", "alloy.base"),
    ("alloy:\n  master_alloy_route: magic\n", "alloy.master_alloy_route"),
    ("alloy:\n  master_alloy:\n    master_sc_wt_pct: 40\n", "alloy.master_alloy.master_sc_wt_pct"),
]


@pytest.mark.parametrize(("text", "fragment"), ALLOY_BAD)
def test_bad_alloy_input_exit_2_one_line(tmp_path, text, fragment):
    res = runner.invoke(app, ["run", write_scenario(tmp_path, text), "--stage", "alloy"])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert fragment in err
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output


@pytest.mark.parametrize(("args", "fragment"), [
    (["--target-yield", "lots"], "--target-yield"),
    (["--target-yield", "250", "--out", "/proc/nope"], "--out"),
    (["--target-yield", "3 kg"], "--target-yield"),
    (["--target-yield", "5000 MPa"], "target_yield"),
    (["--sc2o3-price", "-4"], "--sc2o3-price"),
    (["--route", "magic"], "--route"),
    (["--base", "7075"], "alloy.base"),
    (["--second-step", "hot"], "--second-step"),
    (["--exposure", "400 C"], "--exposure"),
    (["--exposure", "700 C, 8 h"], "design exposure temp_c"),
])
def test_design_bad_input(args, fragment):
    res = runner.invoke(app, ["alloy", "design", *args])
    assert res.exit_code == 2, res.output
    assert fragment in res.stderr and "Traceback" not in res.output


def test_tdb_export(tmp_path):
    res = runner.invoke(app, ["alloy", "tdb", str(tmp_path / "x.tdb")])
    assert res.exit_code == 0
    text = (tmp_path / "x.tdb").read_text()
    assert "PHASE AL3SC" in text and "G(LIQUID,AL,SC;0)" in text


def test_percent_and_duration_units(tmp_path):
    """'0.2 %' is 0.2 wt%, not 0.002; step durations take any time unit."""
    path = write_scenario(tmp_path, "alloy:\n  sc_wt_pct: 0.12 %\n  aging: [{temp_c: 300, duration_h: 0.25 d}]\n")
    res = runner.invoke(app, ["run", path, "--stage", "alloy", "--format", "json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)["stages"]["alloy"]
    assert s["sc_wt_pct"] == pytest.approx(0.12) and s["aging"][0]["duration_h"] == pytest.approx(6.0)


def test_alone_with_chain_basis_says_market_was_used(tmp_path):
    res = runner.invoke(app, ["run", write_scenario(tmp_path, "alloy:\n  sc2o3_price_basis: chain\n"), "--stage",
                              "alloy", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["stages"]["alloy"]["sc2o3_price_basis"].startswith("market (no hydromet")


@pytest.mark.parametrize("target", [["alloy", "tdb", "/nonexistent/dir/x.tdb"]])
def test_tdb_unwritable_path_exit_2(target):
    res = runner.invoke(app, target)
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_design_json_and_table_name_the_casting_process():
    """Review finding: the best design's casting process (a string) crashed the CLI's JSON and table output."""
    res = runner.invoke(app, ["alloy", "design", "--target-yield", "250 MPa", "--format", "json"])
    assert res.exit_code == 0, res.output
    best = json.loads(res.stdout)["best"]
    assert best["casting"] in ("sand", "permanent_mould", "hpdc") and best["yield_mpa"] >= 250.0
    res = runner.invoke(app, ["alloy", "design", "--target-yield", "250 MPa"])
    assert res.exit_code == 0, res.output
    assert f"wt% Zr, {best['casting']}, " in res.stdout and "cheapest design for 250 MPa" in res.stdout


def test_stage_design_summary_names_the_casting_process(tmp_path):
    """Review finding: the stage's design block crashed on the casting process (a string) as the CLI did."""
    res = runner.invoke(app, ["run", write_scenario(tmp_path, "alloy:\n  design: true\n"), "--stage", "alloy",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    best = json.loads(res.stdout)["stages"]["alloy"]["design"]["best"]
    assert best["casting"] in ("sand", "permanent_mould", "hpdc") and best["yield_mpa"] >= 250.0
    assert best["second_hours"] == 0.0 and best["exposure_hours"] == 0.0


def test_design_steps_reach_the_design_from_the_scenario(tmp_path, monkeypatch):
    from scandia.alloy import stage
    from scandia.alloy.stage import _pair
    from scandia.scenario.schema import AlloySection

    seen = {}

    def fake_design(base, target, **kw):
        seen.update(kw)
        raise ScenarioError("design", "stopped by the test")

    monkeypatch.setattr(stage, "design", fake_design)
    text = "alloy:\n  design: true\n  design_second_step: {temp_c: 400, duration_h: 8}\n"
    res = runner.invoke(app, ["run", write_scenario(tmp_path, text), "--stage", "alloy"])
    assert res.exit_code == 2 and "stopped by the test" in res.stderr
    assert seen["second_step"] == (400.0, 8.0) and seen["exposure"] is None

    a = AlloySection.model_validate({"design": True, "design_second_step": {"temp_c": 400, "duration_h": 8},
                                     "design_exposure": {"temp_c": "673.15 K", "duration_h": "1 d"}})
    assert _pair(a.design_second_step) == (400.0, 8.0)
    assert _pair(a.design_exposure) == pytest.approx((400.0, 24.0))
    assert _pair(a.homogenise) is None
    assert _pair(AlloySection.model_validate({"design_exposure": {"temp_c": 400, "duration_h": 0}}).design_exposure) \
        is None  # a zero-length step is no step
