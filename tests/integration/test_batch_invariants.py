"""The scenario axis keeps every value: tested over every scenario-scoped declared field.

1. A batch of scenarios that differ only in one field each equals the single runs, metric by metric (a sample
   of fields is run singly; the batch holds all perturbations at once).
2. Changing a field moves at least one metric (or the status) of its stage, in the default scenario or in a
   built-in variant that uses it (sulfuric leach, other master-alloy routes, master-alloy product, all
   concentration routes, the stand-alone stages), or its declaration says ``inert:`` and why.
Together these catch a value dropped on the batch path (bug: a distribution on the mine life changed nothing)
and a value ignored everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from scandia.api import metric_arrays
from scandia.chain import run
from scandia.scenario import load_scenario
from scandia.scenario.params import PARAMS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def perturbed(path: str, value: float) -> float:
    """Half-way to the upper bound, at most doubling a positive value (half-way to the lower bound at the upper
    bound); whole numbers step by one."""
    p = PARAMS[path]
    new = value + 0.5 * (p.hi - value) if p.hi - value > 1e-9 * (p.hi - p.lo) else value - 0.5 * (value - p.lo)
    if value > 0 and new > 2 * value:
        new = 2 * value
    if p.integer:
        new = value + 1 if value + 1 <= p.hi else value - 1
    return float(new)


def batch(scenario, paths: list[str], stage: str | None = None):
    base = scenario.arrays(1)
    n = len(paths) + 1
    arrays = {p: np.full(n, base[p][0]) for p in paths}
    for i, p in enumerate(paths):
        arrays[p][i + 1] = perturbed(p, base[p][0])
    return arrays, metric_arrays(run(scenario, stage=stage, n=n, arrays=arrays))


def moved(metrics: dict[str, np.ndarray], i: int, stage: str) -> list[str]:
    own = [k for k in metrics if stage == "plant" or k.split(".")[0].split("[")[0] == stage]
    out = []
    for k in own:
        v = metrics[k]
        if v.ndim != 1 or v.size <= i:
            continue
        a, b = v[0], v[i]
        if np.isnan(a) and np.isnan(b):
            continue
        # above the SX warm-start tolerance (1e-7): batch-mates alone move a hydromet metric by that much
        if np.isnan(a) != np.isnan(b) or abs(a - b) > 1e-6 * max(abs(a), abs(b)) + 1e-15:
            out.append(k)
    return out


@pytest.fixture(scope="module")
def default_batch():
    s = load_scenario("crater-lake")
    paths = [p for p in s.numeric_paths() if PARAMS[p].scope == "scenario"]
    arrays, metrics = batch(s, paths)
    return s, paths, arrays, metrics


def test_batch_equals_single_runs(default_batch):
    """One field changed per scenario, all in one batch; a sample of them run alone gives the same metrics.

    Tolerance 1e-7 relative: the SX cascades are warm-started from the previous flowsheet pass, and how many
    passes a batch makes depends on its slowest scenario, so a result moves within the cascade's stated result
    tolerance (``solvent_extraction._SXBase.result_rtol`` = 1e-7; pH and loading solved to 1e-10); the break-even
    price is bracketed to 0.01 US$/kg. A dropped value moves a metric by far more than these."""
    s, paths, arrays, metrics = default_batch
    sample = sorted(set(paths[::17]) | {"economics.params.life_years", "economics.params.ramp_up_first_year_frac",
                                        "hydromet.tank.temperature_c", "beneficiation.whims.field_t",
                                        "alloy.sc_wt_pct", "plant.operating_hours_per_year_h_per_yr"})
    for path in sample:
        i = paths.index(path) + 1
        single = metric_arrays(run(s.with_values({path: float(arrays[path][i])})))
        for k, v in single.items():
            got = metrics[k][i] if metrics[k].size > 1 else metrics[k][0]
            # the break-even price is a root bracketed to 0.01 US$/kg (economics.cashflow.breakeven_price); the
            # last bits of a BLAS product differ with the batch size, so the bracket may close elsewhere within it
            atol = 0.01 if k.endswith("breakeven_sc2o3_usd_per_kg") else 1e-12
            assert got == pytest.approx(v[0], rel=1e-7, abs=atol, nan_ok=True), (path, k)


def _variants():
    """(scenario, stage) pairs that use fields the default scenario leaves idle."""
    base = load_scenario("crater-lake")
    return [
        (load_scenario("crater-lake-sulfuric").with_values({"hydromet.leach_route": "bake"}), None),
        (load_scenario("crater-lake-sulfuric"), None),
        (base.with_values({"alloy.master_alloy_route": "scf3"}), "alloy"),
        (base.with_values({"alloy.master_alloy_route": "electrolysis"}), "alloy"),
        (base.with_values({"economics.product": "master_alloy"}), None),
        (base.with_values({"economics.product": "mix"}), None),
        (base.with_values({"hydromet.leach_route": "tank_recycle", "hydromet.routes": ["tank_recycle"]}), None),
        (base.with_values({"hydromet.leach_route": "tank_regen", "hydromet.routes": ["tank_regen"]}), None),
        (base.with_values({"beneficiation.routes": ["lims_whims", "dms", "xrt", "hls", "lims_whims_scalp"]}),
         "beneficiation"),
        (load_scenario("crater-lake-concentrate"), "hydromet"),
        (base, "market"),  # alone: the stated project capacity, cash cost and alloy cost per MPa
        (base.with_values({"market.offtake_tpa": 20.0}), "market"),
        (base.with_values({"market.china_export_licensing": True}), "market"),
        (base.with_values({"economics.inputs": {"concentrate_tpa": 2e5, "sc2o3_production_tpa": 60.0,
                                                "reo_production_tpa": 600.0,
                                                "reagent_cost_usd_per_kg_sc2o3": 500.0}}), "economics"),
    ]


def test_every_scenario_field_moves_a_metric_or_says_why(default_batch):
    _, paths, _, metrics = default_batch
    idle = [p for i, p in enumerate(paths) if not moved(metrics, i + 1, p.split(".")[0])]
    idle += [p for p in PARAMS if PARAMS[p].scope == "scenario" and p not in paths]  # optional sections
    for scen, stage in _variants():
        todo = [p for p in idle if p in scen.numeric_paths()]
        if not todo:
            continue
        _, m = batch(scen, todo, stage)
        still = {p for i, p in enumerate(todo) if not moved(m, i + 1, p.split(".")[0])}
        idle = [p for p in idle if p not in todo or p in still]
    unexplained = [p for p in idle if not PARAMS[p].inert]
    assert not unexplained, f"fields that move no metric and are not declared inert: {unexplained}"
    stale = [p for p in PARAMS if PARAMS[p].inert and p not in idle and PARAMS[p].scope == "scenario"]
    assert not stale, f"declared inert but they move a metric: {stale}"
