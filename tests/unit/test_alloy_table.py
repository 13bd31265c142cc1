"""The alloy table (scandia.alloy.table): interpolated properties within the stated 1 % of the model on yield.

The bound is checked here at random compositions the table never saw (not at its own check points), against the
model evaluated directly; the model is the reference, so this checks the interpolation, not the metallurgy.
"""

from __future__ import annotations

import numpy as np
import pytest

import scandia.alloy.table as table
from scandia.alloy.properties import predict
from scandia.alloy.table import tabulated_predict
from scandia.chain import run
from scandia.scenario import load_scenario

pytestmark = pytest.mark.unit

TEMPS, HOURS = np.array([325.0]), np.array([4.0])


def _direct(sc, zr, model, casting="supersaturated"):
    k = sc.size
    return predict("535", sc, zr, np.repeat(TEMPS[None], k, 0), np.repeat(HOURS[None], k, 0), model=model,
                   casting=casting)


@pytest.mark.parametrize("model, zr_range", [("kwn", (0.1, 0.1))])  # the chain test below covers meanfield
def test_table_is_within_one_percent_of_the_model_at_unseen_points(model, zr_range):
    rng = np.random.default_rng(7)
    n = 3000
    sc = rng.uniform(0.05, 0.40, n)  # across the primary-Al3Sc threshold of 535 (about 0.15 wt%)
    zr = rng.uniform(*zr_range, n)
    props, info = tabulated_predict("535", sc, zr, TEMPS, HOURS, model=model, casting="permanent_mould")
    assert info.used and info.max_yield_error_frac <= 0.5 * info.rtol
    k = 40
    exact = _direct(sc[:k], zr[:k], model, "permanent_mould")
    rel = np.abs(props.yield_mpa[:k] - exact.yield_mpa) / exact.yield_mpa
    assert rel.max() <= 0.01, rel.max()
    # strength terms are interpolated consistently: they still sum to the yield
    np.testing.assert_allclose(sum(props.contributions_mpa.values()), props.yield_mpa, rtol=1e-12)
    # the grid refines Sc only when Zr is fixed
    assert info.zr_nodes == 1


def test_table_falls_back_to_the_model_when_the_bound_cannot_be_met(monkeypatch):
    monkeypatch.setattr(table, "MAX_NODES", 4)
    sc = np.linspace(0.05, 0.4, 7)
    props, info = tabulated_predict("535", sc, np.zeros(7), TEMPS, HOURS, model="meanfield")
    assert not info.used
    np.testing.assert_array_equal(props.yield_mpa, _direct(sc, np.zeros(7), "meanfield").yield_mpa)


def test_sampled_chain_takes_the_alloy_from_a_bounded_table():
    scen = load_scenario("crater-lake").with_values({"alloy.precipitation_model": "meanfield"})
    n = table.TABLE_MIN_SAMPLES
    sc = np.random.default_rng(3).uniform(0.1, 0.3, n)
    res = run(scen, stage="alloy", n=n, arrays={"alloy.sc_wt_pct": sc})
    info = res.summary["stages"]["alloy"]["table"]
    assert info["used"] and info["max_yield_error_frac"] <= 0.005
    ys = res.stages["alloy"].metrics["yield_mpa"]
    exact = _direct(sc[:10], np.full(10, float(scen.alloy.zr_wt_pct)), "meanfield", scen.alloy.casting).yield_mpa
    assert np.max(np.abs(ys[:10] - exact) / exact) <= 0.01
