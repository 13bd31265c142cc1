"""Drill holes to NPV through the chain (issue 17 items 5-7): the example scenario ``examples/crater-lake-mine.yaml``
runs the resource stage first, its plan sets the head grade and the economics' years, and the report shows the
grade-tonnage curve, the pit shells, the schedule and the 3-D view; ``--stage resource`` runs it alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scandia.cli import app

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crater-lake-mine.yaml"


@pytest.fixture(scope="module")
def mine_run(tmp_path_factory, synthetic_case, synthetic_plan):
    """The example run through the CLI with the session's estimate and plan patched in (the plan itself is
    tested in tests/unit/test_mine_plan.py; `make demo` runs it unpatched)."""
    import scandia.resource.estimate as est_mod
    import scandia.resource.stage as stage_mod

    out = tmp_path_factory.mktemp("mine_run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(est_mod, "estimate_resource", lambda *a, **k: synthetic_case[1])
        mp.setattr(stage_mod, "plan_mine", lambda *a, **k: synthetic_plan[1])
        r = CliRunner().invoke(app, ["run", str(EXAMPLE), "--out", str(out), "--report", str(out / "report.html"),
                                     "--no-store", "--no-curves"])
    assert r.exit_code == 0, r.output
    return out, json.loads((out / "summary.json").read_text())


def test_the_plan_feeds_the_chain_and_the_economics_by_year(mine_run):
    """The run is ok; the beneficiation head grade is the plan's (its fixed point's head grade, to rounding);
    the cash flow's production years are the plan's years capped at the 60-year horizon; the plan's recovery
    is the chain's own within the fixed point's tolerance (1e-4)."""
    out, s = mine_run
    assert s["status"]["ok"] == 1
    res = s["stages"]["resource"]
    assert res["fixed_point"]["converged"]
    head = s["stages"]["beneficiation"]["routes"]["lims_whims"]["head_grade_sc_ppm"]
    assert head == pytest.approx(res["fixed_point"]["head_grade_sc_ppm"], rel=1e-9)
    rec = s["stages"]["hydromet"]["metrics"]["overall_sc_recovery_frac"]
    assert abs(rec - res["plan_sc_recovery_frac"]) < 1e-4
    cf = pd.read_csv(out / "economics_cashflow.csv")
    producing = int((cf["sc2o3_production_t"] > 0).sum())
    assert producing == min(int(res["mine_life_years"]), 60)
    sched = pd.read_csv(out / "resource_schedule.csv")
    assert np.all(sched["feed_t"] <= 2350 * 182.5 + 1e-6)
    assert np.all(np.diff(pd.read_csv(out / "resource_grade_tonnage.csv")["kriged_mt"]) <= 1e-12)


def test_the_report_shows_the_resource_section(mine_run):
    """The report has the resource section with its four figures (grade-tonnage with the simulations' band, the
    shells, the schedule, the 3-D pit) and says the drill holes are synthetic."""
    out, _ = mine_run
    html = (out / "report.html").read_text()
    assert "Resource and mine plan" in html and "SYNTHETIC" in html
    for name in ("resource_grade_tonnage", "resource_pit_shells", "resource_schedule", "resource_pit_blocks"):
        assert (out / f"{name}.csv").is_file()
    assert "simulated SMUs, P10-P90" in html and "scatter3d" in html


def test_the_resource_stage_runs_alone(synthetic_case, synthetic_plan, monkeypatch):
    """``scandia run --stage resource`` runs only the resource stage and its summary carries the plan's metrics,
    the drill-hole source and the fixed point (the session's estimate and plan patched in, as above)."""
    import scandia.resource.estimate as est_mod
    import scandia.resource.stage as stage_mod
    from scandia.chain import run
    from scandia.scenario import load_scenario

    _, est = synthetic_case
    _, plan, _ = synthetic_plan
    monkeypatch.setattr(est_mod, "estimate_resource", lambda *a, **k: est)
    monkeypatch.setattr(stage_mod, "plan_mine", lambda *a, **k: plan)
    r = run(load_scenario(str(EXAMPLE)).with_values({"resource.realisations": 0}), stage="resource")
    assert list(r.summary["stages"]) == ["resource"] and r.status.tolist() == [0]
    s = r.summary["stages"]["resource"]
    assert s["drill_holes"]["source"] == "synthetic" and s["fixed_point"]["converged"]
    assert s["mine_life_years"] == int(plan.life_years[0]) and 0 < s["plan_sc_recovery_frac"] < 1
    assert s["resource_mi_mt"] == pytest.approx(float(est.statement(0.0)["tonnes_mt"].iloc[:2].sum()), rel=1e-12)
