"""Counter-current cascade numerics of solvent extraction: equilibrium stages, acidity feedback, Kremser
check, McCabe-Thiele points (the equations are in :mod:`scandia.hydromet.solvent_extraction`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import ScenarioError
from ..core.jit import jit, parallel_lock, pjit, prange
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


@dataclass(frozen=True)
class LinearLogD:
    """Distribution ratios linear in stage pH: ``log10 D = slope * pH + intercept`` per stage and element.

    ``slope`` and ``intercept`` broadcast to (n, N, E) (scenarios, stages, elements): a constant D has slope 0.
    This is the form of every D model scandia carries (the PrOMMiS/UKy D2EHPA correlations, constant D), and the
    cascade kernel evaluates it inside its compiled loop.
    """

    slope: np.ndarray
    intercept: np.ndarray

    def __call__(self, ph: np.ndarray) -> np.ndarray:
        """log10 D at stage pH (n, N): (n, N, E)."""
        return np.asarray(self.slope) * np.asarray(ph)[..., None] + np.asarray(self.intercept)


def _free_proton(h_total: np.ndarray, s_total: np.ndarray | None, pka2: float) -> np.ndarray:
    """Free H+ (mol/L) from total acidic protons and total sulfate, HSO4- equilibrium (quadratic)."""
    if s_total is None:
        return np.maximum(h_total, 1e-14)
    ka = 10.0**-pka2
    b = ka + s_total - h_total
    return np.maximum(0.5 * (-b + np.sqrt(b * b + 4.0 * ka * h_total)), 1e-14)


@jit
def _free_proton_1(h_total: float, s_total: float, has_s: bool, ka: float) -> float:
    if not has_s:
        return max(h_total, 1e-14)
    b = ka + s_total - h_total
    return max(0.5 * (-b + np.sqrt(b * b + 4.0 * ka * h_total)), 1e-14)


@jit
def _stage_solve(d: np.ndarray, r: float, x_feed: np.ndarray, y_in: np.ndarray, x: np.ndarray,
                 cp: np.ndarray) -> None:
    """Counter-current stage balances of one scenario for every element (Thomas, no pivoting), into ``x`` (N, E).

    Stage i: x_{i-1} - (1 + r D_i) x_i + r D_{i+1} x_{i+1} = 0, x_0 = x_feed, r D_{N+1} x_{N+1} = r y_in
    (a diagonally dominant M-matrix: Press et al., Numerical Recipes 3rd ed. 2007, section 2.4)."""
    n_st, n_el = d.shape
    for e in range(n_el):
        diag = -1.0 - r * d[0, e]
        rhs = -x_feed[e] - (r * y_in[e] if n_st == 1 else 0.0)
        inv = 1.0 / diag
        cp[0] = r * d[1, e] * inv if n_st > 1 else 0.0
        x[0, e] = rhs * inv
        for i in range(1, n_st):
            diag = -1.0 - r * d[i, e]
            rhs = -r * y_in[e] if i == n_st - 1 else 0.0
            inv = 1.0 / (diag - cp[i - 1])
            cp[i] = r * d[i + 1, e] * inv if i < n_st - 1 else 0.0
            x[i, e] = (rhs - x[i - 1, e]) * inv
        for i in range(n_st - 2, -1, -1):
            x[i, e] -= cp[i] * x[i + 1, e]
        for i in range(n_st):
            x[i, e] = max(x[i, e], 0.0)


_LN10 = float(np.log(10.0))


@jit
def _pow10(v: float) -> float:
    return np.exp(_LN10 * v)


@jit
def _distribution(slope: np.ndarray, inter: np.ndarray, ph: np.ndarray, load: np.ndarray, charge: np.ndarray,
                  d0: np.ndarray, d: np.ndarray, fresh: bool = True) -> None:
    """D0 = 10^clip(slope pH + intercept) and D = 10^clip(log10 D0 + z log10 theta) per stage and element.

    D within [1e-8, 1e8]: beyond that the stages are ideal either way and the algebra loses precision. Within the
    clip D = D0 theta^z, taken by multiplication for the integer charges 1-4 (one exponential per stage). With
    ``fresh`` False, D0 of the pH-independent elements (slope 0) is kept from the previous call."""
    n_st, n_el = d.shape
    for i in range(n_st):
        theta = _pow10(load[i])
        for e in range(n_el):
            b = slope[i, e] * ph[i] + inter[i, e]
            if fresh or slope[i, e] != 0.0:
                d0[i, e] = _pow10(min(max(b, -8.0), 8.0))
            z = charge[e]
            bl = b + z * load[i]
            if -8.0 <= b <= 8.0 and -8.0 <= bl <= 8.0 and (z == 0.0 or z == 1.0 or z == 2.0 or z == 3.0 or z == 4.0):
                f = 1.0
                for _k in range(int(z)):
                    f *= theta
                d[i, e] = d0[i, e] * f
            else:
                d[i, e] = _pow10(min(max(bl, -8.0), 8.0))


@jit
def _map(x_feed, y_in, r, slope, inter, h_feed, s_total, has_s, ka, charge, ha, has_ha, ph, load, g_ph, g_load, x,
         d0, d, cp, a_z, fresh):
    """The cascade's fixed-point map at stage pH and log10 free-extractant fraction (``ph``, ``load``, (N,)):
    exact stage balances at those D, then the stage pH from the acid they release (``g_ph``) and the free fraction
    from each stage's capacity balance (``g_load``). Returns max |g - v|."""
    n_st, n_el = d.shape
    _distribution(slope, inter, ph, load, charge, d0, d, fresh)
    _stage_solve(d, r, x_feed, y_in, x, cp)
    delta = 0.0
    for i in range(n_st):
        h_t = h_feed
        for e in range(n_el):
            h_t += (x_feed[e] - x[i, e]) * charge[e]
        g_ph[i] = -np.log10(_free_proton_1(max(h_t, 1e-14), s_total, has_s, ka))
        delta = max(delta, abs(g_ph[i] - ph[i]))
    if not has_ha:
        return delta
    # free-extractant fraction theta of each stage from its capacity balance at the current aqueous
    # concentrations: f(theta) = sum_z A_z theta^z + HA theta - HA = 0, A_z = sum over metals of charge z of
    # z D0 x: a polynomial, increasing and convex on (0, 1], so Newton from theta = 1 falls monotonically to the root
    for i in range(n_st):
        for k in range(4):
            a_z[k] = 0.0
        for e in range(n_el):
            z = charge[e]
            if z == 1.0 or z == 2.0 or z == 3.0 or z == 4.0:
                a_z[int(z) - 1] += d0[i, e] * x[i, e] * z
        theta = 1.0
        for _newton in range(60):
            f = ha * (theta - 1.0)
            df = ha
            p = 1.0
            for k in range(4):
                df += a_z[k] * (k + 1) * p
                p *= theta
                f += a_z[k] * p
            step = f / df
            theta = max(theta - step, 1e-6)
            if abs(step) < 1e-14 * theta:
                break
        g_load[i] = np.log10(theta)
        delta = max(delta, abs(g_load[i] - load[i]))
    return delta


#: damped substitution steps before a scenario that has not converged switches to Newton
PICARD_STEPS = 12


@jit
def _cascade_one(x_feed, y_in, r, slope, inter, h_feed, s_total, has_s, ka, charge, ha, has_ha, ph, load, tol,
                 max_iter, x, d):
    """Fixed point of one scenario's cascade (see :func:`solve_cascade`); ``ph``, ``load`` (N,) updated in place,
    ``x``, ``d`` (N, E) hold the final stage concentrations and distribution ratios. Returns (converged,
    iterations)."""
    n_st, n_el = d.shape
    m = n_st * (2 if has_ha else 1)
    d0 = np.empty((n_st, n_el))
    cp = np.empty(n_st)
    a_z = np.empty(4)
    g_ph = np.empty(n_st)
    g_load = np.empty(n_st)
    t_ph = np.empty(n_st)
    t_load = np.empty(n_st)
    h_ph = np.empty(n_st)
    h_load = np.empty(n_st)
    jac = np.empty((m, m))
    f0 = np.empty(m)
    omega = 1.0
    last = np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        delta = _map(x_feed, y_in, r, slope, inter, h_feed, s_total, has_s, ka, charge, ha, has_ha, ph, load, g_ph,
                     g_load, x, d0, d, cp, a_z, it == 1)
        if delta < tol:
            converged = True
            break
        if it <= PICARD_STEPS or not has_ha:
            # damped substitution: the capacity feedback is stiff; the damping halves when the update grows
            if has_ha:
                omega = max(omega * 0.5, 0.01) if delta > last else min(omega * 1.2, 1.0)
            for i in range(n_st):
                ph[i] += omega * (g_ph[i] - ph[i])
                if has_ha:
                    load[i] += omega * (g_load[i] - load[i])
            last = delta
            continue
        # Newton on F(v) = g(v) - v, forward-difference Jacobian, backtracking on max |F|
        for i in range(n_st):
            f0[i] = g_ph[i] - ph[i]
            f0[n_st + i] = g_load[i] - load[i]
        for j in range(m):
            for i in range(n_st):
                t_ph[i] = ph[i]
                t_load[i] = load[i]
            if j < n_st:
                step = 1e-7 * (1.0 + abs(ph[j]))
                t_ph[j] += step
            else:
                step = 1e-7 * (1.0 + abs(load[j - n_st]))
                t_load[j - n_st] += step
            _map(x_feed, y_in, r, slope, inter, h_feed, s_total, has_s, ka, charge, ha, has_ha, t_ph, t_load, h_ph,
                 h_load, x, d0, d, cp, a_z, False)
            for i in range(n_st):
                jac[i, j] = (h_ph[i] - t_ph[i] - f0[i]) / step
                jac[n_st + i, j] = (h_load[i] - t_load[i] - f0[n_st + i]) / step
        dv = np.linalg.solve(jac, -f0)
        lam = 1.0
        accepted = False
        for _ls in range(12):
            for i in range(n_st):
                t_ph[i] = ph[i] + lam * dv[i]
                t_load[i] = min(load[i] + lam * dv[n_st + i], 0.0)  # theta <= 1
            trial = _map(x_feed, y_in, r, slope, inter, h_feed, s_total, has_s, ka, charge, ha, has_ha, t_ph, t_load,
                         h_ph, h_load, x, d0, d, cp, a_z, False)
            if trial < (1.0 - 1e-4 * lam) * delta:
                accepted = True
                break
            lam *= 0.5
        if accepted:
            for i in range(n_st):
                ph[i] = t_ph[i]
                load[i] = t_load[i]
        else:  # no descent along the Newton direction: a damped substitution step instead
            omega = max(omega * 0.5, 0.01)
            for i in range(n_st):
                ph[i] += omega * (g_ph[i] - ph[i])
                load[i] += omega * (g_load[i] - load[i])
        last = delta
    _distribution(slope, inter, ph, load, charge, d0, d, False)
    _stage_solve(d, r, x_feed, y_in, x, cp)
    return converged, it


@pjit
def _cascade_kernel(x_feed, y_in, oa, slope, inter, h_feed, s_total, has_s, ka, charge, ha, has_ha, ph, load,
                    tol, max_iter, x, y, converged, iterations):
    n, n_st, n_el = x.shape
    for s in prange(n):
        d = np.empty((n_st, n_el))
        ok, it = _cascade_one(x_feed[s], y_in[s], oa[s], slope[s], inter[s], h_feed[s], s_total[s], has_s, ka,
                              charge, ha[s], has_ha, ph[s], load[s], tol, max_iter, x[s], d)
        for i in range(n_st):
            for e in range(n_el):
                y[s, i, e] = d[i, e] * x[s, i, e]
        converged[s] = ok
        iterations[s] = it


def solve_cascade(
    x_feed: np.ndarray,
    y_in: np.ndarray,
    oa: np.ndarray,
    n_stages: int,
    log_d: LinearLogD,
    h_total_feed: np.ndarray,
    s_total: np.ndarray | None = None,
    pka2: float = 1.99,
    charge: np.ndarray = CHARGE,
    tol: float = 1e-10,
    max_iter: int = 400,
    extractant_mol_l: np.ndarray | None = None,
    warm: CascadeResult | None = None,
) -> CascadeResult:
    """Counter-current cascade with acidity- and loading-dependent D, one compiled fixed point per scenario.

    Parameters: feed ``x_feed`` and organic inlet ``y_in`` (n, E) mol/L; ``oa`` (n, 1) volume ratio; ``log_d``
    the distribution ratios, linear in stage pH (:class:`LinearLogD`, broadcast to (n, N, E)); ``h_total_feed``
    (n,) acidic protons in the aqueous feed (free H+ plus HSO4-), mol/L; ``s_total`` (n,) total sulfate, mol/L
    (``None`` for chloride media). ``extractant_mol_l`` (n,): total extractant HA in the organic; when given, D
    falls with extractant loading as ``D = D0 (HA_free / HA_total)^z`` (cation exchange M^z+ + z HA, each metal
    holding z HA), which caps the organic's capacity; when ``None`` D does not depend on loading (PrOMMiS's
    convention). ``warm``: a previous result of the same shape to start from (the same fixed point, fewer
    iterations).

    Each scenario iterates stage pH (acid released by extraction, HSO4- equilibrium) and the free-extractant
    fraction (Newton on the capacity polynomial) around an exact solve of the stage balances, with damping that
    halves when the update grows, until both change by less than ``tol``; scenarios stop independently, so one
    scenario's answer never depends on its batch. The loop is a numba kernel parallel over scenarios
    (:mod:`scandia.core.jit`).
    """
    if not (1 <= n_stages <= 50):
        raise ScenarioError("sx.stages", f"must be an integer in [1, 50], got {n_stages}")
    x_feed = np.ascontiguousarray(x_feed, dtype=float)
    n, n_el = x_feed.shape
    shape = (n, n_stages, n_el)
    y_in = np.ascontiguousarray(np.broadcast_to(y_in, (n, n_el)), dtype=float)
    oa = np.ascontiguousarray(np.broadcast_to(np.asarray(oa, dtype=float).reshape(-1), (n,)))
    slope = np.ascontiguousarray(np.broadcast_to(np.asarray(log_d.slope, dtype=float), shape))
    inter = np.ascontiguousarray(np.broadcast_to(np.asarray(log_d.intercept, dtype=float), shape))
    h_feed = np.ascontiguousarray(np.broadcast_to(np.asarray(h_total_feed, dtype=float), (n,)))
    has_s = s_total is not None
    s_arr = np.ascontiguousarray(np.broadcast_to(np.asarray(0.0 if s_total is None else s_total, dtype=float), (n,)))
    has_ha = extractant_mol_l is not None
    ha = np.ascontiguousarray(np.broadcast_to(np.asarray(1.0 if not has_ha else extractant_mol_l, dtype=float),
                                              (n,)))
    charge = np.ascontiguousarray(np.broadcast_to(np.asarray(charge, dtype=float), (n_el,)))
    if warm is not None and warm.ph.shape == (n, n_stages):
        ph = np.array(warm.ph, dtype=float)
    else:
        ph = np.repeat((-np.log10(_free_proton(h_feed, s_arr if has_s else None, pka2)))[:, None], n_stages, axis=1)
    load = np.zeros((n, n_stages))
    if warm is not None and warm.ph.shape == (n, n_stages) and warm.load is not None and has_ha:
        load = np.array(warm.load[..., 0], dtype=float)  # the loading term only where it is updated
    x = np.empty(shape)
    y = np.empty(shape)
    converged = np.zeros(n, dtype=np.bool_)
    iterations = np.zeros(n, dtype=np.int64)
    with parallel_lock():
        _cascade_kernel(x_feed, y_in, oa, slope, inter, h_feed, s_arr, has_s, 10.0**-pka2, charge, ha, has_ha, ph,
                        load, float(tol), int(max_iter), x, y, converged, iterations)
    return CascadeResult(x, y, ph, converged, int(iterations.max(initial=0)), load[..., None])


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

