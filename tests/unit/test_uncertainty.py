"""Distributions, correlated sampling, Sobol indices of an analytic function, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from scandia.core.errors import ScenarioError
from scandia.scenario.distributions import Distribution
from scandia.uncertainty.analysis import sobol_analysis
from scandia.uncertainty.sampling import sample

pytestmark = pytest.mark.unit

DISTS = {
    "a": Distribution(dist="uniform", low=1.0, high=3.0),
    "b": Distribution(dist="triangular", low=0.0, mode=1.0, high=4.0),
    "c": Distribution(dist="pert", low=10.0, mode=12.0, high=20.0),
    "d": Distribution(dist="normal", mean=5.0, sd=2.0),
    "e": Distribution(dist="lognormal", median=25.0, gsd=1.5),
    "f": Distribution(dist="empirical", values=[1.0, 2.0, 2.0, 7.0]),
}


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_marginals_match_the_requested_distributions(method):
    """Sample means within 3 standard errors (random) and Kolmogorov-Smirnov distance < 0.03 for 4,096 draws."""
    n = 4096
    s = sample(DISTS, n, method, seed=7)
    for name, d in DISTS.items():
        x = s[name]
        assert x.shape == (n,)
        sd = np.std(x)
        assert np.mean(x) == pytest.approx(d.mean_value(), abs=3 * sd / np.sqrt(n) + 1e-12)
        if d.dist != "empirical":
            assert stats.kstest(x, d._frozen().cdf).statistic < 0.03


def test_rank_correlations_imposed_and_marginals_kept():
    """Iman-Conover: Spearman rho within 0.05 of the target; the marginal values are the same set."""
    target = [("a", "d", 0.7), ("b", "e", -0.5)]
    free = sample(DISTS, 5000, "lhs", seed=3)
    corr = sample(DISTS, 5000, "lhs", seed=3, correlations=target)
    for a, b, rho in target:
        assert stats.spearmanr(corr[a], corr[b]).statistic == pytest.approx(rho, abs=0.05)
        np.testing.assert_allclose(np.sort(corr[a]), np.sort(free[a]))
    assert abs(stats.spearmanr(corr["a"], corr["c"]).statistic) < 0.05


def test_ishigami_sobol_indices():
    """Ishigami (a=7, b=0.1), X ~ U(-pi, pi): S1 = 0.314, 0.442, 0 and ST = 0.558, 0.442, 0.244 (Saltelli et
    al., Global Sensitivity Analysis: The Primer, 2008); within 0.05 with 4,096 base samples."""
    dists = {k: Distribution(dist="uniform", low=-np.pi, high=np.pi) for k in ("x1", "x2", "x3")}

    def ishigami(x):
        return np.sin(x["x1"]) + 7 * np.sin(x["x2"]) ** 2 + 0.1 * x["x3"] ** 4 * np.sin(x["x1"])

    df = sobol_analysis(ishigami, dists, 4096, seed=1).set_index("input")
    np.testing.assert_allclose(df.loc[["x1", "x2", "x3"], "S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(df.loc[["x1", "x2", "x3"], "ST"], [0.558, 0.442, 0.244], atol=0.05)


@pytest.mark.parametrize("spec, fragment", [
    (dict(dist="uniform", low=3.0, high=2.0), "below high"),
    (dict(dist="triangular", low=0.0, mode=5.0, high=4.0), "mode"),
    (dict(dist="normal", mean=1.0, sd=-1.0), "sd must be > 0"),
    (dict(dist="lognormal", median=1.0, gsd=0.5), "gsd > 1"),
    (dict(dist="pert", low=0.0, high=1.0), "missing mode"),
    (dict(dist="empirical", values=[]), "at least one"),
])
def test_impossible_distributions_rejected(spec, fragment):
    with pytest.raises(ValidationError, match=fragment):
        Distribution(**spec)


def test_bad_correlations_and_counts():
    with pytest.raises(ScenarioError, match="positive semi-definite"):
        sample(DISTS, 100, correlations=[("a", "b", 0.9), ("a", "c", 0.9), ("b", "c", -0.9)])
    with pytest.raises(ScenarioError, match="no distribution"):
        sample(DISTS, 100, correlations=[("a", "zz", 0.2)])
    with pytest.raises(ScenarioError, match="samples"):
        sample(DISTS, 0)
    with pytest.raises(ScenarioError, match="samples"):
        sample(DISTS, 10**12)
