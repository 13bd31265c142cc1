"""Distributions are bounded by their field's declared range (issue 13 item 5): inverse-CDF truncation keeps
every sample inside and the LHS/Sobol designs stratified; a distribution mostly outside the range is refused."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.core import ScenarioError
from scandia.scenario import load_scenario
from scandia.scenario.distributions import Distribution
from scandia.uncertainty.sampling import sample

FIELD = "economics.params.discount_rate_frac"  # declared range [0, 0.5]
LO, HI = 0.0, 0.5

#: one distribution per family, each with some (< half) of its mass outside [0, 0.5]
FAMILIES = {
    "uniform": {"dist": "uniform", "low": -0.1, "high": 0.45},
    "triangular": {"dist": "triangular", "low": -0.1, "mode": 0.08, "high": 0.6},
    "pert": {"dist": "pert", "low": -0.2, "mode": 0.05, "high": 0.4},
    "normal": {"dist": "normal", "mean": 0.05, "sd": 0.06},
    "lognormal": {"dist": "lognormal", "median": 0.3, "gsd": 2.0},
    "empirical": {"dist": "empirical", "values": [-0.05, 0.02, 0.06, 0.1, 0.2, 0.7]},
}


def _scenario(spec: dict):
    s = load_scenario("crater-lake")
    dists = {k: v.model_dump(exclude_none=True) for k, v in s.uncertainty.distributions.items()}
    return s.with_values({"uncertainty.distributions": {**dists, FIELD: spec}})


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_samples_stay_inside_the_declared_range(family, method):
    d = _scenario(FAMILIES[family]).uncertainty.distributions[FIELD]
    assert d.bounds == (LO, HI)
    x = sample({FIELD: d}, 256, method=method, seed=3)[FIELD]
    assert np.all((x >= LO) & (x <= HI)), (x.min(), x.max())
    if family != "empirical":
        # stratified: mapped back through the truncated CDF, LHS puts exactly one sample in each of n strata
        f = d._frozen()
        c_lo, c_hi = f.cdf(LO), f.cdf(HI)
        v = (f.cdf(x) - c_lo) / (c_hi - c_lo)
        if method == "lhs":
            assert np.array_equal(np.sort(np.floor(v * 256).astype(int)), np.arange(256))
        else:  # random / Sobol: uniform over the truncated range (KS distance, n = 256: 1 % critical value 0.10)
            assert np.max(np.abs(np.sort(v) - (np.arange(256) + 0.5) / 256)) < 0.10


def test_truncated_normal_matches_scipy_truncnorm():
    """The quantiles equal scipy.stats.truncnorm's (an independent implementation of the truncated normal)."""
    from scipy import stats

    d = _scenario(FAMILIES["normal"]).uncertainty.distributions[FIELD]
    u = np.linspace(0.01, 0.99, 33)
    a, b = (LO - 0.05) / 0.06, (HI - 0.05) / 0.06
    np.testing.assert_allclose(d.ppf(u), stats.truncnorm(a, b, loc=0.05, scale=0.06).ppf(u), rtol=1e-9)


def test_mostly_outside_is_refused_naming_the_field():
    """The issue's case: normal(0.08, 5) has 4 % of its mass in [0, 0.5]: refused, one line, field named."""
    with pytest.raises(ScenarioError) as e:
        _scenario({"dist": "normal", "mean": 0.08, "sd": 5})
    msg = str(e.value)
    assert FIELD in msg and "[0, 0.5]" in msg and "\n" not in msg


def test_unbounded_distribution_is_unchanged():
    """Without a field range (a bare Distribution) ppf is the family's own."""
    d = Distribution(dist="normal", mean=0.0, sd=1.0)
    assert d.bounds is None and d.ppf(np.array([0.5]))[0] == pytest.approx(0.0, abs=1e-12)
