"""Counter-current cascade numerics of solvent extraction: equilibrium stages, acidity feedback, Kremser
check, McCabe-Thiele points (the equations are in :mod:`scandia.hydromet.solvent_extraction`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.errors import ScenarioError
from ..core.numerics import thomas
from .chemistry import AQUEOUS, _charge

CHARGE = np.array([_charge(k) for k in AQUEOUS], dtype=float)


def kremser_raffinate(x_feed, y_in, d, oa, n_stages):
    """Raffinate concentration of an N-stage counter-current cascade with constant D (Kremser)."""
    e = np.asarray(d) * np.asarray(oa)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        phi = np.where(np.abs(e - 1.0) < 1e-12, 1.0 / (n_stages + 1.0), (e - 1.0) / (e ** (n_stages + 1) - 1.0))
    return phi * np.asarray(x_feed) + (1.0 - phi) * np.asarray(y_in) / np.asarray(d)


@dataclass
class CascadeResult:
    """Stage concentrations (mol/L) x (aqueous) and y (organic), shape (n, N, E); stage pH (n, N); convergence."""

    x: np.ndarray
    y: np.ndarray
    ph: np.ndarray
    converged: np.ndarray
    iterations: int
    load: np.ndarray | None = None  #: log10 of the free-extractant fraction per stage (n, N, 1)

    @property
    def raffinate(self) -> np.ndarray:
        return self.x[:, -1]

    @property
    def loaded(self) -> np.ndarray:
        return self.y[:, 0]


def _thomas(d: np.ndarray, r: np.ndarray, x_feed: np.ndarray, y_in: np.ndarray) -> np.ndarray:
    """Solve the counter-current stage balances for x, D of shape (n, N, E); r (n, 1).

    Stage i: x_{i-1} - (1 + r D_i) x_i + r D_{i+1} x_{i+1} = 0, x_0 = x_feed, r D_{N+1} x_{N+1} = r y_in.
    Stage-major (N, n, E) through the shared Thomas solve (:func:`scandia.core.numerics.thomas`).
    """
    n_st = d.shape[1]
    rr = r.reshape(-1, 1, 1) if r.ndim == 2 else r
    rd = np.moveaxis(np.asarray(rr * d), 1, 0)  # (N, n, E)
    rhs_last = -(rr[:, :, 0] if rr.ndim == 3 else rr) * y_in
    rhs = np.zeros(rd.shape)
    rhs[0] = -x_feed
    rhs[-1] = rhs[-1] + rhs_last
    (x,) = thomas(np.ones(n_st - 1), -1.0 - rd, rd[1:], rhs)
    return np.maximum(np.moveaxis(x, 0, 1), 0.0)


def _free_proton(h_total: np.ndarray, s_total: np.ndarray | None, pka2: float) -> np.ndarray:
    """Free H+ (mol/L) from total acidic protons and total sulfate, HSO4- equilibrium (quadratic)."""
    if s_total is None:
        return np.maximum(h_total, 1e-14)
    ka = 10.0**-pka2
    b = ka + s_total - h_total
    return np.maximum(0.5 * (-b + np.sqrt(b * b + 4.0 * ka * h_total)), 1e-14)


def solve_cascade(
    x_feed: np.ndarray,
    y_in: np.ndarray,
    oa: np.ndarray,
    n_stages: int,
    log_d: Callable[[np.ndarray], np.ndarray],
    h_total_feed: np.ndarray,
    s_total: np.ndarray | None = None,
    pka2: float = 1.99,
    charge: np.ndarray = CHARGE,
    tol: float = 1e-10,
    max_iter: int = 400,
    extractant_mol_l: np.ndarray | None = None,
    warm: CascadeResult | None = None,
) -> CascadeResult:
    """Counter-current cascade with acidity-dependent D, vectorized over scenarios (module docstring).

    Parameters: feed ``x_feed`` and organic inlet ``y_in`` (n, E) mol/L; ``oa`` (n, 1) volume ratio; ``log_d``
    maps stage pH (n, N) to log10 D (n, N, E); ``h_total_feed`` (n,) acidic protons in the aqueous feed
    (free H+ plus HSO4-), mol/L; ``s_total`` (n,) total sulfate, mol/L (``None`` for chloride media).
    ``extractant_mol_l`` (n,): total extractant HA in the organic; when given, D falls with extractant loading as
    ``D = D0 (HA_free / HA_total)^z`` (cation exchange M^z+ + z HA, each metal holding z HA), which caps the
    organic's capacity; when ``None`` D does not depend on loading (PrOMMiS's convention). ``warm``: a previous
    result of the same shape to start from (the same fixed point, fewer iterations).
    """
    if not (1 <= n_stages <= 50):
        raise ScenarioError("sx.stages", f"must be an integer in [1, 50], got {n_stages}")
    n = x_feed.shape[0]
    if n > CASCADE_CHUNK and len(inspect.signature(log_d).parameters) >= 2:
        return _chunked_cascade(x_feed, y_in, oa, n_stages, log_d, h_total_feed, s_total, pka2, charge, tol,
                                max_iter, extractant_mol_l, warm)
    oa = np.broadcast_to(np.asarray(oa, dtype=float).reshape(-1, 1), (n, 1))
    h0 = _free_proton(h_total_feed, s_total, pka2)
    ph = np.broadcast_to(-np.log10(h0)[:, None], (n, n_stages)).copy()
    converged = np.zeros(n, dtype=bool)
    load = np.zeros((n, n_stages, 1))  # log10(HA_free / HA_total) per stage
    if warm is not None and warm.ph.shape == ph.shape:
        ph = warm.ph.copy()
        if warm.load is not None and extractant_mol_l is not None:  # the loading term only where it is updated
            load = warm.load.copy()
    done = 0
    # log_d(ph, rows) may take the rows being evaluated; then converged scenarios drop out of the iteration
    takes_rows = len(inspect.signature(log_d).parameters) >= 2

    def distribution(ph_: np.ndarray, load_: np.ndarray, rows) -> np.ndarray:
        # D within [1e-8, 1e8]: beyond that the stages are ideal either way and the algebra loses precision
        base = log_d(ph_, rows) if takes_rows else log_d(ph_)
        return 10.0 ** np.clip(base + charge * load_, -8.0, 8.0), base

    z_powers = np.array([1.0, 2.0, 3.0, 4.0])
    charge_onehot = (np.asarray(charge)[:, None] == z_powers[None, :]).astype(float)  # (E, 4)
    omega = np.full((n, 1), 1.0)  # per-scenario damping, adapted: halved when the update grows
    last = np.full(n, np.inf)
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(~converged)
        rows = idx if (takes_rows and idx.size < n) else slice(None)
        ph_r, load_r = ph[rows], load[rows]
        d, base = distribution(ph_r, load_r, rows)
        x_r = _thomas(np.broadcast_to(d, (ph_r.shape[0], n_stages, x_feed.shape[1])), oa[rows], x_feed[rows],
                      y_in[rows])
        h_t = h_total_feed[rows][:, None] + ((x_feed[rows][:, None, :] - x_r) * charge).sum(axis=2)
        s_t = None if s_total is None else s_total[rows][:, None]
        ph_new = -np.log10(_free_proton(np.maximum(h_t, 1e-14), s_t, pka2))
        delta = np.max(np.abs(ph_new - ph_r), axis=1)
        if extractant_mol_l is not None:
            # free-extractant fraction theta of each stage from its capacity balance at the current aqueous
            # concentrations: f(theta) = sum_z A_z theta^z + HA theta - HA = 0, A_z = sum over metals of charge z
            # of z D0 x: a polynomial, increasing and convex on (0, 1], so Newton from theta = 1 falls
            # monotonically to the root
            a_z = (10.0 ** np.clip(base, -8.0, 8.0) * x_r * charge) @ charge_onehot  # (k, N, 4)
            ha = extractant_mol_l[rows][:, None]
            theta = np.ones(ph_r.shape)
            for _newton in range(30):
                powers = theta[..., None] ** z_powers  # (k, N, 4)
                f = (a_z * powers).sum(axis=2) + ha * (theta - 1.0)
                df = (a_z * z_powers * powers / theta[..., None]).sum(axis=2) + ha
                step = f / df
                theta = np.maximum(theta - step, 1e-6)
                if np.max(np.abs(step)) < 1e-13:
                    break
            target = np.log10(theta)[..., None]
            delta = np.maximum(delta, np.max(np.abs(target - load_r), axis=(1, 2)))
            grew = delta > last[rows]
            om = omega[rows]
            om = np.where(grew[:, None], np.maximum(om * 0.5, 0.01), np.minimum(om * 1.2, 1.0))
            omega[rows] = om
            load[rows] = load_r + om[:, :, None] * (target - load_r)  # damped: the capacity feedback is stiff
            ph[rows] = ph_r + om * (ph_new - ph_r)
        else:
            ph[rows] = ph_new
        last[rows] = delta
        conv_r = delta < tol
        converged[rows] = conv_r
        done = it
        if converged.all():
            break
    x = np.zeros((n, n_stages, x_feed.shape[1]))
    d, _ = distribution(ph, load, slice(None))
    x = _thomas(np.broadcast_to(d, x.shape), oa, x_feed, y_in)
    y = np.broadcast_to(d, x.shape) * x
    return CascadeResult(x, y, ph, converged, done, load)


#: scenarios per block of a large cascade solve: blocks stay in cache (the solve is memory-bound)
CASCADE_CHUNK = 8192


def _chunked_cascade(x_feed, y_in, oa, n_stages, log_d, h_total_feed, s_total, pka2, charge, tol, max_iter,
                     extractant_mol_l, warm) -> CascadeResult:
    n = x_feed.shape[0]
    oa = np.broadcast_to(np.asarray(oa, dtype=float).reshape(-1, 1), (n, 1))
    parts = []
    for start in range(0, n, CASCADE_CHUNK):
        idx = np.arange(start, min(n, start + CASCADE_CHUNK))

        def block_log_d(ph, rows=slice(None), _idx=idx):
            return log_d(ph, _idx[rows])

        w = None
        if warm is not None and warm.ph.shape[0] == n:
            w = CascadeResult(warm.x[idx], warm.y[idx], warm.ph[idx], warm.converged[idx], warm.iterations,
                              None if warm.load is None else warm.load[idx])
        parts.append(solve_cascade(
            x_feed[idx], y_in[idx], oa[idx], n_stages, block_log_d, h_total_feed[idx],
            None if s_total is None else s_total[idx], pka2, charge, tol, max_iter,
            None if extractant_mol_l is None else np.broadcast_to(extractant_mol_l, (n,))[idx], w))
    load = None if parts[0].load is None else np.concatenate([p.load for p in parts])
    return CascadeResult(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                         np.concatenate([p.ph for p in parts]), np.concatenate([p.converged for p in parts]),
                         max(p.iterations for p in parts), load)


def mccabe_thiele(res: CascadeResult, x_feed: np.ndarray, oa: np.ndarray, element: int, scenario: int = 0):
    """McCabe-Thiele data for one element: stage points (x_i, y_i), the operating line and the equilibrium
    points, as arrays (mol/L) for plotting."""
    x = res.x[scenario, :, element]
    y = res.y[scenario, :, element]
    ops_x = np.concatenate([[x_feed[scenario, element]], x])
    y_last = res.y[scenario, 0, element]
    r = float(np.asarray(oa).reshape(-1)[min(scenario, np.size(oa) - 1)])
    ops_y = y_last - (x_feed[scenario, element] - ops_x) / r
    return {"stage_x": x, "stage_y": y, "operating_x": ops_x, "operating_y": ops_y}


# ---------------------------------------------------------------------------------------------------- data
