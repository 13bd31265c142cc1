"""The compiled SX cascade (numba kernel) against an independent solve of the same equilibrium equations.

The kernel iterates stage pH and extractant loading around exact stage balances; here each scenario's
equations are solved from scratch with scipy's hybrid Powell root finder (MINPACK hybrd) on the unknowns
(stage pH, log10 of the free-extractant fraction), the stage balances by a banded solve. Agreement to 1e-8
(relative, on every stage concentration) is what the kernel's stop at 1e-10 in pH allows.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import solve_banded
from scipy.optimize import root

from scandia.hydromet.solvent_extraction import solve_cascade
from scandia.hydromet.sx_cascade import LinearLogD, _free_proton

CHARGE = np.array([3.0, 3.0, 2.0, 1.0, 4.0])


def _case(n: int, seed: int, sulfate: bool):
    rng = np.random.default_rng(seed)
    e = CHARGE.size
    x = rng.uniform(0.0, 0.02, (n, e))
    y = rng.uniform(0.0, 0.002, (n, e))
    oa = rng.uniform(0.3, 2.0, (n, 1))
    slope = np.broadcast_to(rng.uniform(0.2, 1.5, (1, 1, e)) * np.array([0.0, 1.0, 1.0, 0.0, 1.0]), (n, 1, e))
    inter = rng.uniform(-1.5, 1.5, (n, 1, e))
    h = rng.uniform(0.05, 0.8, n)
    s = rng.uniform(0.2, 1.0, n) if sulfate else None
    ha = rng.uniform(0.1, 0.4, n)
    return x, y, oa, LinearLogD(slope, inter), h, s, ha


def _balances(d: np.ndarray, r: float, xf: np.ndarray, yin: np.ndarray) -> np.ndarray:
    """Stage balances x_{i-1} - (1 + r D_i) x_i + r D_{i+1} x_{i+1} = 0 for each element (banded solve)."""
    n_st, n_el = d.shape
    x = np.empty((n_st, n_el))
    for k in range(n_el):
        ab = np.zeros((3, n_st))
        ab[0, 1:] = r * d[1:, k]
        ab[1] = -1.0 - r * d[:, k]
        ab[2, :-1] = 1.0
        rhs = np.zeros(n_st)
        rhs[0] -= xf[k]
        rhs[-1] -= r * yin[k]
        x[:, k] = solve_banded((1, 1), ab, rhs)
    return x


def _reference(xf, yin, r, slope, inter, h0, s0, ha, n_st, pka2=1.99):
    """One scenario: residuals of the pH and capacity equations at the balanced stage concentrations."""

    def stage_d(v):
        ph, lt = v[:n_st], v[n_st:]
        d0 = 10.0 ** np.clip(slope * ph[:, None] + inter, -8, 8)
        return d0, 10.0 ** np.clip(np.log10(d0) + CHARGE * lt[:, None], -8, 8)

    def residual(v):
        ph, lt = v[:n_st], v[n_st:]
        d0, d = stage_d(v)
        x = _balances(d, r, xf, yin)
        h_t = h0 + ((xf - x) * CHARGE).sum(axis=1)
        s = None if s0 is None else np.full(n_st, s0)
        f_ph = ph + np.log10(_free_proton(np.maximum(h_t, 1e-14), s, pka2))
        theta = 10.0**lt
        f_cap = ((CHARGE * d0 * x) * theta[:, None] ** CHARGE).sum(axis=1) / ha + theta - 1.0
        return np.concatenate([f_ph, f_cap])

    ph0 = np.full(n_st, -np.log10(_free_proton(np.array([h0]), None if s0 is None else np.array([s0]), pka2))[0])
    sol = root(residual, np.concatenate([ph0, np.zeros(n_st)]), method="hybr", tol=1e-13)
    assert np.max(np.abs(residual(sol.x))) < 1e-12, sol.message
    _, d = stage_d(sol.x)
    return _balances(d, r, xf, yin), sol.x[:n_st]


@pytest.mark.parametrize("sulfate", [False, True])
@pytest.mark.parametrize("n_st", [1, 3, 6])
def test_kernel_matches_independent_root_solve(sulfate, n_st):
    x, y, oa, logd, h, s, ha = _case(12, seed=n_st + 10 * sulfate, sulfate=sulfate)
    res = solve_cascade(x, y, oa, n_st, logd, h, s, 1.99, CHARGE, extractant_mol_l=ha)
    assert res.converged.all()
    for k in range(x.shape[0]):
        x_ref, ph_ref = _reference(x[k], y[k], oa[k, 0], logd.slope[k, 0], logd.intercept[k, 0], h[k],
                                   None if s is None else s[k], ha[k], n_st)
        np.testing.assert_allclose(res.x[k], x_ref, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(res.ph[k], ph_ref, atol=1e-9)
        # stage-wise mass balance of the whole cascade: aqueous in + organic in = aqueous out + organic out
        np.testing.assert_allclose(x[k] + oa[k, 0] * y[k], res.raffinate[k] + oa[k, 0] * res.loaded[k], rtol=1e-9)


def test_scenarios_do_not_depend_on_their_batch():
    """Each scenario is its own fixed point: solving it alone or among others gives the same bits."""
    x, y, oa, logd, h, s, ha = _case(40, seed=3, sulfate=True)
    whole = solve_cascade(x, y, oa, 4, logd, h, s, 1.99, CHARGE, extractant_mol_l=ha)
    k = 17
    one = solve_cascade(x[k:k + 1], y[k:k + 1], oa[k:k + 1], 4,
                        LinearLogD(logd.slope[k:k + 1], logd.intercept[k:k + 1]), h[k:k + 1], s[k:k + 1], 1.99,
                        CHARGE, extractant_mol_l=ha[k:k + 1])
    np.testing.assert_array_equal(whole.x[k], one.x[0])
    np.testing.assert_array_equal(whole.ph[k], one.ph[0])


def test_warm_start_reaches_the_same_fixed_point_in_fewer_iterations():
    x, y, oa, logd, h, s, ha = _case(30, seed=5, sulfate=False)
    cold = solve_cascade(x, y, oa, 5, logd, h, s, 1.99, CHARGE, extractant_mol_l=ha)
    warm = solve_cascade(x * 1.001, y, oa, 5, logd, h, s, 1.99, CHARGE, extractant_mol_l=ha, warm=cold)
    again = solve_cascade(x * 1.001, y, oa, 5, logd, h, s, 1.99, CHARGE, extractant_mol_l=ha)
    assert warm.iterations < again.iterations
    np.testing.assert_allclose(warm.x, again.x, rtol=1e-8, atol=1e-14)
