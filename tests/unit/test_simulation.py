"""Conditional simulation (scandia.resource.fields, scandia.resource.simulate): the spectral draws reproduce their
covariance models, the separable lattice evaluation equals the direct sum, conditioning honours the data and
gives the kriging variance, and the normal-score transform round-trips."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.core.errors import ScenarioError
from scandia.resource.fields import spectral_vectors
from scandia.resource.kriging import Search, krige
from scandia.resource.simulate import NormalScore, _lattice_fields, _point_fields, simulate_gaussian
from scandia.resource.variogram import Variogram


@pytest.mark.parametrize("model", ["spherical", "exponential", "gaussian"])
def test_spectral_draws_reproduce_the_correlation(model: str) -> None:
    """E[cos(k·h)] over the spectral density is the correlation ρ(h) (Bochner): 4e5 draws, Monte Carlo error
    about 1.1e-3 (sd ≤ 0.71 / sqrt(4e5)), tolerance 5e-3 at lags inside and beyond the practical range."""
    k = spectral_vectors(model, np.random.default_rng(7), (400_000,))
    vg = Variogram(model, 0.0, 1.0, (1.0, 1.0, 1.0))
    for h in (0.1, 0.3, 0.6, 0.9, 1.3):
        direction = np.array([0.48, -0.6, 0.64])
        assert np.cos(k @ (h * direction)).mean() == pytest.approx(float(vg.structure(np.array(h))), abs=5e-3)


def test_lattice_kernel_equals_the_direct_sum() -> None:
    """The separable evaluation on lattice columns is an algebraic identity of cos(a+b+c): it must equal the
    direct cosine sum at the same points to rounding (1e-9 on a sum of 300 unit terms)."""
    rng = np.random.default_rng(0)
    kw = rng.standard_normal((3, 300, 3)) * 0.05
    ph = rng.uniform(0, 2 * np.pi, (3, 300))
    xs, ys, zs = np.arange(7) * 5.0 - 3.0, np.arange(5) * 4.0 + 1.0, np.arange(6) * 2.5 - 7.0
    idx = np.stack(np.meshgrid(np.arange(7), np.arange(5), np.arange(6), indexing="ij"), -1).reshape(-1, 3)
    keep = rng.uniform(size=len(idx)) < 0.6
    idx = idx[keep]
    key = idx[:, 0] * 5 + idx[:, 1]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ptr = np.r_[starts, len(idx)].astype(np.int64)
    lat = _lattice_fields(kw, ph, 0.1, xs, ys, zs, ptr, idx[starts, 0].astype(np.int64),
                          idx[starts, 1].astype(np.int64), idx[:, 2].astype(np.int64))
    pts = np.column_stack([xs[idx[:, 0]], ys[idx[:, 1]], zs[idx[:, 2]]])
    np.testing.assert_allclose(lat, _point_fields(kw, ph, 0.1, pts), atol=1e-9)


def _case(nugget: float) -> tuple:
    rng = np.random.default_rng(3)
    vg = Variogram("spherical", nugget, 1.0 - nugget, (60.0, 40.0, 15.0), 30.0, 50.0, 10.0)
    origin, step = np.array([100.0, 200.0, 50.0]), np.array([5.0, 5.0, 5.0])
    idx = np.stack(np.meshgrid(np.arange(20), np.arange(16), np.arange(10), indexing="ij"), -1).reshape(-1, 3)
    di = idx[rng.choice(len(idx), 60, replace=False)]
    return rng, vg, origin, step, idx, di, origin + di * step, rng.standard_normal(60)


def test_conditioning_honours_the_data_and_gives_the_kriging_variance() -> None:
    """Without a nugget, a node on a datum takes its value in every realisation (to 1e-9); across 400
    realisations the nodes' mean is the ordinary-kriging estimate and their variance the kriging variance
    (the residual method's identity Var(Y_c) = σ²_OK; sampling error of a variance from 400 draws is about 7 %
    per node, 1 % averaged over the ~2,000 nodes with variance above 0.05, tolerance 3 %)."""
    rng, vg, origin, step, idx, di, dxyz, dy = _case(0.0)
    ys = simulate_gaussian(dxyz, dy, origin, step, idx, vg, Search(24, 1, 1.5), 400, rng, 500)
    pos = {tuple(r): i for i, r in enumerate(idx)}
    at = np.array([pos[tuple(r)] for r in di])
    assert np.abs(ys[:, at] - dy).max() < 1e-9
    kr = krige(dxyz, dy, origin + idx * step, vg, Search(24, 1, 1.5))
    v = kr.variance > 0.05
    assert (ys.var(axis=0)[v] / kr.variance[v]).mean() == pytest.approx(1.0, abs=0.03)
    assert np.abs(ys.mean(axis=0) - kr.estimate).mean() < 0.06  # sd of a 400-draw mean: <= 0.05


def test_unconditional_nodes_have_the_model_variance_and_correlation() -> None:
    """Data beyond the search leave every node unconditional: variance nugget + sill (1) and the correlation of
    two nodes 15 m apart along x equal to the model's covariance there (400 realisations: tolerance 0.05 and
    0.1, about 3 standard errors)."""
    rng, vg, origin, step, idx, _, dxyz, dy = _case(0.2)
    ys = simulate_gaussian(dxyz + 1e6, dy, origin, step, idx, vg, Search(24, 1, 1.5), 400, rng, 1000)
    assert ys.var(axis=0).mean() == pytest.approx(1.0, abs=0.05)
    a = np.flatnonzero((idx[:, 0] == 2) & (idx[:, 1] == 3) & (idx[:, 2] == 4))[0]
    b = np.flatnonzero((idx[:, 0] == 5) & (idx[:, 1] == 3) & (idx[:, 2] == 4))[0]
    h = vg.scale(np.array([[15.0, 0.0, 0.0]]))
    expected = float(vg.structure(np.linalg.norm(h, axis=1))[0])
    assert np.corrcoef(ys[:, a], ys[:, b])[0, 1] == pytest.approx(expected, abs=0.1)


def test_normal_scores_round_trip_and_bounds() -> None:
    """Scores of the data have declustered mean 0 and variance about 1 (midpoint ranks of 2,000 values: within
    0.01 and 0.02); the back-transform returns the table's grades exactly, is monotone, and stays within
    [z_min, z_max]; the nugget-smoothed back-transform keeps the mean (its integral is exact for a linear
    table) and shrinks the spread."""
    rng = np.random.default_rng(1)
    z = rng.lognormal(5.0, 0.4, 2000)
    ns = NormalScore.fit(z)
    y = ns.forward(z)
    assert abs(y.mean()) < 0.01 and y.var() == pytest.approx(1.0, abs=0.02)
    np.testing.assert_allclose(ns.back(ns.y), ns.z, rtol=1e-12)
    grid = np.linspace(-7, 7, 400)
    back = ns.back(grid)
    assert np.all(np.diff(back) >= 0) and back.min() >= 0.0 and back.max() <= z.max()
    s = rng.standard_normal(50_000) * np.sqrt(0.7)
    smooth = ns.back_smooth(s, 0.3)
    full = ns.back(s + np.sqrt(0.3) * rng.standard_normal(s.size))
    assert smooth.mean() == pytest.approx(full.mean(), rel=0.01)
    assert smooth.std() < full.std()


def test_simulation_rejects_bad_settings() -> None:
    rng, vg, origin, step, idx, _, dxyz, dy = _case(0.2)
    with pytest.raises(ScenarioError, match="realisations"):
        simulate_gaussian(dxyz, dy, origin, step, idx, vg, Search(), 0, rng)
    with pytest.raises(ScenarioError, match="modes"):
        simulate_gaussian(dxyz, dy, origin, step, idx, vg, Search(), 2, rng, modes=5)
    with pytest.raises(ScenarioError, match="nodes"):
        simulate_gaussian(dxyz, dy, origin, step, -idx, vg, Search(), 2, rng)
