"""The Al-Mg β phase (Al₃Mg₂) in Al-Mg casting alloys: its solvus, the aging steps where it can form, and what it
takes from the Mg solid solution.

An Al-7Mg alloy aged below its Mg solvus (about 330 °C for 535) is supersaturated with Mg as well as Sc. β then
precipitates, mostly on grain boundaries: it takes Mg out of solution and sensitises the alloy to intergranular
corrosion (the ASTM G67 concern of 5xxx alloys). The precipitation kinetics of β are not modelled. This module
gives the equilibrium bound and a flag:

- **Solvus** of (Al) against stoichiometric β (Al₁₄₀Mg₈₉): the common tangent (1-x_β)μ_Al + x_β μ_Mg = G_β
  on COST 507's fcc Al-Mg description (:mod:`scandia.alloy.thermo`). The one unknown, a temperature-independent
  ΔG_f(β) per mole of atoms, is **fitted by code** to the assessed maximum solubility, 18.9 at.% Mg at the 450 °C
  eutectic (Murray, Bull. Alloy Phase Diagrams 3 (1982) 60). Below 450 °C the solvus is a prediction:
  11.9 wt% at 400 °C, 5.4 at 300 °C and 2.1 at 200 °C.
- **Flag**: an aging step of non-zero length below the solvus of the alloy's Mg can form β.
- **Bound**: if β reaches equilibrium, the Mg left in solution is the solvus at that step. A later step above
  the solvus dissolves it again. The yield with that Mg follows from the Mg solid-solution term of
  :mod:`scandia.alloy.strength`. This is a lower bound on the yield; the real loss depends on kinetics.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from ..core.datafiles import load_data
from .thermo import R_GAS, _bisect, _poly, database

__all__ = ["beta_bound", "beta_formation_j_mol", "mg_solvus_temp_c", "mg_solvus_x"]


def _p() -> dict[str, float]:
    return {k: v["value"] for k, v in load_data("alloy/beta.yaml").items()}


def _resid(ln_x: np.ndarray, temp_k: np.ndarray, dgf: float) -> np.ndarray:
    """Tangent residual (increasing in x): (1-x_β)μ_Al + x_β μ_Mg - G_β, over RT."""
    db = database()
    xb = _p()["x_mg_beta"]
    x = np.exp(ln_x)
    mu = db.mu("FCC_A1", ("AL", "MG"), np.stack([1.0 - x, x], axis=-1), temp_k)
    el = db.raw["elements"]
    g_beta = (1.0 - xb) * _poly(el["AL"]["ghser"], temp_k) + xb * _poly(el["MG"]["ghser"], temp_k) + dgf
    return ((1.0 - xb) * mu[..., 0] + xb * mu[..., 1] - g_beta) / (R_GAS * temp_k)


def _solvus(temp_k: np.ndarray, dgf: float) -> np.ndarray:
    temp_k = np.atleast_1d(np.asarray(temp_k, dtype=float))
    return np.exp(_bisect(lambda lx: _resid(lx, temp_k, dgf), np.log(1e-7), np.log(0.3), temp_k.shape, True))


@lru_cache(maxsize=1)
def beta_formation_j_mol() -> float:
    """ΔG_f(β) per mole of atoms [J/mol], fitted so the solvus passes through the eutectic solubility."""
    p = _p()
    lo, hi = p["formation_bracket_j_mol"]
    return float(brentq(lambda g: _solvus(np.array([p["anchor_temp_k"]]), g)[0] - p["anchor_x_mg"], lo, hi,
                        xtol=1e-6))


def mg_solvus_x(temp_c: np.ndarray) -> np.ndarray:
    """Mg mole fraction of (Al) saturated with β at ``temp_c`` [°C] (valid 20-450 °C)."""
    return _solvus(np.asarray(temp_c, dtype=float) + 273.15, beta_formation_j_mol())


def _x_to_wt(x: np.ndarray) -> np.ndarray:
    from .properties import MOLAR_MASS

    return 100.0 * x * MOLAR_MASS["MG"] / (x * MOLAR_MASS["MG"] + (1.0 - x) * MOLAR_MASS["AL"])


def _wt_to_x(wt: np.ndarray) -> np.ndarray:
    from .properties import to_mole_fractions

    wt = np.asarray(wt, dtype=float)
    return to_mole_fractions(wt, np.zeros_like(wt), np.zeros_like(wt))["MG"]


def mg_solvus_temp_c(mg_wt_pct: np.ndarray) -> np.ndarray:
    """Temperature [°C] below which an Al-Mg alloy of ``mg_wt_pct`` can form β (nan without Mg)."""
    mg = np.atleast_1d(np.asarray(mg_wt_pct, dtype=float))
    uniq, inv = np.unique(mg, return_inverse=True)
    return np.array([_solvus_temp_c(float(m)) for m in uniq])[inv.reshape(mg.shape)]  # a few base alloys


@lru_cache(maxsize=256)
def _solvus_temp_c(mg_wt: float) -> float:
    """One alloy's β solvus temperature (Brent on the solvus, about 0.1 s; cached per Mg content)."""
    if mg_wt <= 0.2:  # the fit is not meant for a trace of Mg
        return float("nan")
    ln_x = float(np.log(_wt_to_x(np.array([mg_wt]))[0]))
    dgf = beta_formation_j_mol()
    lo, hi = 250.0, float(_p()["anchor_temp_k"])
    if ln_x >= np.log(_solvus(np.array([hi]), dgf)[0]):  # beyond the eutectic solubility: always supersaturated
        return hi - 273.15
    return float(brentq(lambda tk: np.log(_solvus(np.array([tk]), dgf)[0]) - ln_x, lo, hi, xtol=1e-6)) - 273.15


def beta_bound(mg_wt_pct: np.ndarray, temp_c: np.ndarray, hours: np.ndarray) -> dict[str, np.ndarray]:
    """Per scenario (n,): ``beta_possible`` (an aging step below the Mg solvus), ``mg_solvus_c`` and the Mg left
    in solution [wt%] if β reached equilibrium in every such step (``mg_in_solution_if_beta_wt_pct``).

    temp_c, hours: (n, steps) aging steps in order; zero-hour steps are skipped.
    """
    mg = np.atleast_1d(np.asarray(mg_wt_pct, dtype=float))
    temp_c = np.atleast_2d(np.asarray(temp_c, dtype=float))
    hours = np.atleast_2d(np.asarray(hours, dtype=float))
    n = max(mg.size, temp_c.shape[0])
    mg = np.broadcast_to(mg, (n,))
    temp_c, hours = np.broadcast_to(temp_c, (n, temp_c.shape[1])), np.broadcast_to(hours, (n, hours.shape[1]))
    t_solvus = mg_solvus_temp_c(mg)
    uniq, inv = np.unique(np.clip(temp_c, 20.0, 450.0), return_inverse=True)
    sol_wt = _x_to_wt(mg_solvus_x(uniq))[inv.reshape(temp_c.shape)]
    left = mg.copy()
    possible = np.zeros(n, dtype=bool)
    for s in range(temp_c.shape[1]):  # aging steps in order (a handful), vectorized over scenarios
        active = hours[:, s] > 0
        below = active & (sol_wt[:, s] < mg)
        possible |= below
        # β forms towards the solvus below it; a step above the solvus dissolves it back
        left = np.where(below, np.minimum(left, sol_wt[:, s]), np.where(active, mg, left))
    return {"beta_possible": possible, "mg_solvus_c": t_solvus, "mg_in_solution_if_beta_wt_pct": left}
