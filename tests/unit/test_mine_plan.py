"""The mine plan in the chain (issue 17 item 5): cut-off and recovery at a fixed point, schedules per realisation
within capacity, the chain's balances closed at every grade class, and the cash flow by year consistent with
the nameplate economics."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scandia.cli import app
from scandia.economics.stage import run_economics
from scandia.resource.drillholes import SC2O3_PER_SC
from scandia.resource.plan import chain_recovery, plan_economics
from scandia.scenario import load_scenario

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def plan(synthetic_plan):
    return synthetic_plan


def test_cutoff_and_recovery_reach_a_fixed_point(plan):
    """The plan's recovery equals the chain's recovery at the plan's life-of-mine feed grade within the
    tolerance (1e-4), in a few iterations (2 measured); every recovery lies in [0, 1]."""
    scen, mp, _ = plan
    assert mp.converged and len(mp.fixed_point) <= 5
    rec, closed = chain_recovery(scen, np.array([mp.head_grade_sc_ppm]))
    assert abs(rec[0] - mp.sc_recovery_frac) < 1e-4 and closed.all()
    assert np.all((mp.fixed_point["chain_sc_recovery_frac"] > 0) & (mp.fixed_point["chain_sc_recovery_frac"] < 1))


def test_chain_balances_close_at_every_grade_class(plan):
    """The chain run at each grade class of the recovery curve closes its flowsheet balances (total mass, Sc,
    TREE, Fe, Th within 1e-6), and the curve spans the grades the plan feeds."""
    _, mp, _ = plan
    assert mp.curve_balances_closed.all()
    fed = mp.feed_sc2o3_g_per_t[mp.feed_t > 0] / SC2O3_PER_SC
    assert mp.curve_sc_ppm.min() <= fed.min() + 1e-9 and mp.curve_sc_ppm.max() >= fed.max() - 1e-9
    assert np.all((mp.curve_recovery_frac > 0) & (mp.curve_recovery_frac < 1))


def test_every_realisation_is_scheduled_within_the_mill(plan):
    """Each realisation's feed never exceeds the mill's season (2,350 t/d x 182.5 d); its life is its years of
    feed; the kriged row is the plan's own schedule; realisations differ from the kriged model (their grades
    do), and each mines its own pit: the material moved in total is the tonnage of that pit."""
    _, mp, s = plan
    mill = float(s["mill_capacity_t_per_day"]["value"]) * float(s["operating_days_per_year"]["value"])
    assert np.all(mp.feed_t <= mill + 1e-6)
    assert np.array_equal(mp.life_years, (mp.feed_t > 0).sum(axis=1))
    np.testing.assert_allclose(mp.feed_t[0, : len(mp.base.table)], mp.base.table["feed_t"], rtol=1e-12)
    tonnes = mp.shells.economics.tonnes
    pit_t = [tonnes[mp.shells_of(r).nested.pit(mp.base.shell)].sum() for r in range(mp.feed_t.shape[0])]
    np.testing.assert_allclose(mp.mined_t.sum(axis=1), pit_t, rtol=1e-9)
    assert not np.allclose(mp.feed_sc2o3_g_per_t[1], mp.feed_sc2o3_g_per_t[0])


def test_each_simulation_mines_the_optimal_pit_of_its_own_grades(plan):
    """A simulation's nested pits are solved on its own block values: at every price factor its pit is worth
    at least the kriged model's pit valued on the simulation's grades (both are closed under the same slope
    precedences, and the max-flow pit is the maximum closure), and the pits of the simulations differ, so
    the spread of pit extents is sampled, not only the grades inside one pit."""
    _, mp, _ = plan
    assert len(mp.row_shells) == mp.feed_t.shape[0] and mp.shells_of(0) is mp.row_shells[0]
    kriged = mp.row_shells[0].nested
    for own in mp.row_shells[1:]:
        for i, f in enumerate(own.nested.factors):
            v = own.economics.values(f)
            assert int(v[own.nested.pit(i)].sum()) == int(own.nested.values[i])
            assert own.nested.values[i] >= int(v[kriged.pit(i)].sum())
    sizes = {int(r.nested.pit(mp.base.shell).sum()) for r in mp.row_shells}
    assert len(sizes) > 1, sizes


def test_plan_economics_accounts_for_every_tonne_of_oxide(plan):
    """Sc2O3 produced each year (the economics' production line) equals feed x grade x the chain's recovery at
    that grade x the ramp-up, to 5e-5 relative: the nameplate production of the chain is its ore x head grade x
    overall recovery, so the year-by-year metal accounting closes (an invariant, not a fitted number). The
    residual 2e-5 is the chain's Sc to Sc2O3 conversion by molar masses (1.53383) against the grade tables'
    rounded 1.5338."""
    scen, mp, _ = plan
    econ, fr = plan_economics(scen, mp)
    prod = econ.cashflow.lines["production_kg"][0]
    years = fr["production_frac"].shape[1]
    life = int(fr["life_years"][0])
    first = float(scen.economics.params.ramp_up_first_year_frac)
    ramp = np.ones(years)
    ramp[:2] = (first, 0.5 * (1 + first))
    g = mp.feed_sc2o3_g_per_t[0, :years]
    expected = mp.feed_t[0, :years] * g * mp.recovery(g / SC2O3_PER_SC) * ramp / 1e3
    start = int(np.flatnonzero(prod > 0)[0])
    np.testing.assert_allclose(prod[start:start + life], expected[:life], rtol=5e-5)
    assert np.all(np.isfinite(econ.metrics["npv_musd"]))


def test_a_nameplate_plan_reproduces_the_nameplate_economics():
    """A plan whose every year runs at nameplate (production and throughput fractions 1, the ramp-up in the
    first two years, 20 years) gives the economics stage's own NPV to 1e-9 relative; halving the throughput
    and production of every year lowers it (monotone)."""
    from scandia.chain import run

    scen = load_scenario(None)
    base = run(scen, n=1, skip=("economics",))
    ref = run_economics(scen, 1, hydromet=base.stages["hydromet"], alloy=base.stages["alloy"])
    first = float(scen.economics.params.ramp_up_first_year_frac)
    frac = np.ones((1, 20))
    frac[0, :2] = (first, 0.5 * (1 + first))
    flat = {"production_frac": frac, "throughput_frac": frac, "life_years": np.array([20])}
    got = run_economics(scen, 1, hydromet=base.stages["hydromet"], alloy=base.stages["alloy"], plan=flat)
    assert float(got.metrics["npv_musd"][0]) == pytest.approx(float(ref.metrics["npv_musd"][0]), rel=1e-9)
    half = {**flat, "production_frac": frac * 0.5, "throughput_frac": frac * 0.5}
    low = run_economics(scen, 1, hydromet=base.stages["hydromet"], alloy=base.stages["alloy"], plan=half)
    assert float(low.metrics["npv_musd"][0]) < float(got.metrics["npv_musd"][0])


def test_schedule_command_runs_drill_holes_to_npv(synthetic_case, synthetic_plan, tmp_path, monkeypatch):
    """``scandia resource schedule`` writes its plan, fixed point and per-realisation tables and a summary with
    the convergence; a realisation count out of range is a one-line error with exit code 2. The estimate and
    the plan are the session's (patched in: the command's wiring is tested here, the plan above)."""
    import scandia.resource.estimate as est_mod
    import scandia.resource.plan as plan_mod

    monkeypatch.setattr(est_mod, "estimate_resource", lambda *a, **k: synthetic_case[1])
    monkeypatch.setattr(plan_mod, "plan_mine", lambda *a, **k: synthetic_plan[1])
    r = CliRunner().invoke(app, ["resource", "schedule", "--realisations", "2", "--out", str(tmp_path),
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["fixed_point"]["converged"] and abs(s["fixed_point"]["last_change_frac"]) < 1e-4
    assert s["realisations"] == 2 and s["kriged"]["life_years"] == int(synthetic_plan[1].life_years[0])
    for name in ("schedule_by_realisation.csv", "fixed_point.csv", "plan_by_realisation.csv"):
        assert (tmp_path / name).is_file()
    bad = CliRunner().invoke(app, ["resource", "schedule", "--realisations", "500"])
    assert bad.exit_code == 2 and "realisations" in bad.output


def test_each_sample_mines_the_shell_its_price_pays_for(plan):
    """At the plan's own price a sample gets the plan's schedule exactly; a higher price never mines less ore
    (the nested shells grow with the factor and the mill cut-off falls), a lower one never more; the schedules
    are made once per distinct (shell, realisation), not once per sample."""
    _, mp, _ = plan
    base = mp.schedules_for(np.ones(3), np.array([0, 1, 2]))
    np.testing.assert_array_equal(base["feed_t"][:, : mp.feed_t.shape[1]], mp.feed_t[:3])
    np.testing.assert_array_equal(base["life_years"], mp.life_years[:3])
    factors = np.array([0.5, 0.8, 1.0, 1.5, 3.0])
    got = mp.schedules_for(factors, np.zeros(5, dtype=int))
    fed = got["feed_t"].sum(axis=1)
    assert np.all(np.diff(fed) >= -1e-6), fed
    assert np.all(np.diff(mp.shells.nested.factors[got["shell"]]) >= 0)
    before = len(mp._cache)
    mp.schedules_for(np.tile(factors, 40), np.zeros(200, dtype=int))
    assert len(mp._cache) == before  # 200 samples, no new schedule
