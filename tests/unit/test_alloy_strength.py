"""Strength terms: monotone where physics says so, replaceable, 535 baseline, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.alloy.properties import predict
from scandia.alloy.strength import Microstructure, StrengthModel, precipitation_mechanisms
from scandia.core.errors import ScenarioError

pytestmark = pytest.mark.unit


def micro(n=5, **kw):
    base = dict(mg_wt_pct=np.full(n, 7.0), mn_wt_pct=np.zeros(n), sc_solution_x=np.zeros(n),
                grain_m=np.full(n, 150e-6), radius_m=np.full(n, 3e-9), volume_fraction=np.full(n, 0.004))
    base.update(kw)
    return Microstructure(**base)


def test_mechanisms_monotone():
    """Seidman et al. (2002): order grows with f; coherency and modulus grow with r; Orowan falls with r."""
    r = np.geomspace(0.5e-9, 50e-9, 40)
    m = precipitation_mechanisms(r, np.full_like(r, 0.005))
    assert np.all(np.diff(m["coherency"]) > 0) and np.all(np.diff(m["modulus"]) > 0)
    assert np.all(np.diff(m["orowan"][r > 2e-9]) < 0)
    np.testing.assert_allclose(m["precipitation"], np.minimum(m["shearing"], m["orowan"]))
    assert m["orowan_governs"][-1] and not m["orowan_governs"][0]
    f = np.linspace(0.001, 0.02, 10)
    mf = precipitation_mechanisms(np.full_like(f, 3e-9), f)
    assert np.all(np.diff(mf["order"]) > 0) and np.all(np.diff(mf["precipitation"]) > 0)


def test_solid_solution_and_hall_petch_monotone():
    model = StrengthModel()
    mg = np.linspace(0, 8, 5)
    ss = model.contributions(micro(mg_wt_pct=mg))["solid_solution"]
    assert np.all(np.diff(ss) > 0)
    d = np.array([20e-6, 50e-6, 150e-6, 500e-6, 1e-3])
    hp = model.contributions(micro(grain_m=d))["grain_boundary"]
    assert np.all(np.diff(hp) < 0)


def test_terms_are_ordered_and_replaceable():
    model = StrengthModel()
    assert list(model.contributions(micro())) == ["intrinsic", "solid_solution", "grain_boundary", "precipitation"]
    before = model.yield_mpa(micro())
    model.terms["precipitation"] = lambda ms, c: np.zeros_like(ms.radius_m)
    after = model.yield_mpa(micro())
    assert np.all(after < before)
    assert model.hardness_mpa(micro()) == pytest.approx(3.0 * after)


def test_535_baseline_within_published_range():
    """Sauber/MakeItFrom: as-cast 535 yields 124-140 MPa; no constant is fitted to it."""
    p = predict("535", [0.0], [0.0], [[20.0]], [[0.0]])
    assert 124.0 <= p.yield_mpa[0] <= 140.0
    assert p.uts_mpa[0] == pytest.approx(276.0)


def test_sc_raises_yield_of_aged_535():
    sc = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    p = predict("535", sc, np.zeros(5), np.full((5, 1), 300.0), np.full((5, 1), 8.0))
    assert np.all(np.diff(p.yield_mpa) > 0)
    assert np.all(p.status == 0)
    # primary Al3Sc (grain refinement) appears only above the threshold
    assert np.all((p.primary_al3sc_frac > 0) == (sc > p.sc_threshold_wt_pct))
    assert np.all(np.diff(p.grain_um) <= 0)


@pytest.mark.parametrize("kwargs, field", [
    (dict(sc_wt_pct=[2.0]), "alloy.sc_wt_pct"),
    (dict(zr_wt_pct=[-0.1]), "alloy.zr_wt_pct"),
    (dict(temp_c=[[700.0]]), "alloy.aging temp_c"),
    (dict(hours=[[-2.0]]), "alloy.aging hours"),
])
def test_bad_input_names_the_field(kwargs, field):
    args = dict(sc_wt_pct=[0.2], zr_wt_pct=[0.1], temp_c=[[300.0]], hours=[[4.0]])
    args.update(kwargs)
    with pytest.raises(ScenarioError, match=field):
        predict("535", **args)


def test_joint_fit_of_the_base_constants_narrows_and_correlates_them():
    """Bayesian linear fit to 535 (138 +/- 4 MPa) and high-purity Al (20 +/- 5 MPa): every posterior sd is below
    its prior sd (the data inform all three), the posterior mean puts 535 within 1 sd of its published yield,
    and the Mg constant and the Hall-Petch slope trade off (negative correlation: both lift 535 over pure Al)."""
    from scandia.alloy.strength import _basis, fit_base_constants

    fit = fit_base_constants()
    sd = np.sqrt(np.diag(fit["cov"]))
    prior_sd = np.array([40.0 / 4, 55.0 / 4, 0.46 / 4])
    assert np.all(sd < prior_sd)
    y535 = float(_basis(7.0, 150e-6)[0] @ fit["mean"])
    assert abs(y535 - 138.0) < 4.0
    assert fit["corr"][1, 2] < -0.3
    np.testing.assert_allclose(fit["cov"], fit["cov"].T, atol=0.0)
    assert np.all(np.linalg.eigvalsh(fit["cov"]) > 0)


def test_monte_carlo_samples_the_strength_constants_jointly():
    """The alloy stage with the fit's draws: yield sd across 4,000 samples equals the propagated sd
    sqrt(bᵀΣb) of the linear model (within 5 %, the sampling error of an sd at n = 4,000 is about 1 %), the
    terms still sum to the yield, and the base alloy moves with the same constants."""
    from scandia.alloy.strength import _basis, fit_base_constants
    from scandia.chain import run
    from scandia.scenario import load_scenario
    from scandia.uncertainty.sampling import strength_draws

    scen = load_scenario("crater-lake")
    n = 4000
    res = run(scen, stage="alloy", n=n, arrays=strength_draws(n, "random", 5))
    a = res.stages["alloy"]
    ys = a.metrics["yield_mpa"]
    grain = float(np.median(a.metrics["grain_um"])) * 1e-6
    b = _basis(7.0, grain)[0]
    expected = float(np.sqrt(b @ fit_base_constants()["cov"] @ b))
    assert np.std(ys) == pytest.approx(expected, rel=0.05)
    np.testing.assert_allclose(sum(a.properties.contributions_mpa.values()), ys, rtol=1e-12)
    assert np.std(a.metrics["base_yield_mpa"]) > 0.5 * expected
    assert np.std(a.metrics["yield_gain_mpa"]) < 1e-9 * np.mean(a.metrics["yield_gain_mpa"]) + 1e-9
