"""Yield strength of Sc(-Zr)-modified aluminium alloys as an ordered list of named, replaceable contributions.

σ_y = Σ terms, each a pure function of the microstructure (arrays over scenarios) and the constants in
``data/alloy/strength.yaml``. Default terms, in order:

- ``intrinsic``: lattice friction of pure Al (Myhr, Grong & Schafer, Metall. Mater. Trans. A 46 (2015) 6018).
- ``solid_solution``: Σ k_j C_j^{2/3} for Mg and Mn in wt% (Myhr, Grong & Andersen, Acta Mater. 49 (2001) 65),
  plus Sc left in solution.
- ``grain_boundary``: Hall-Petch k d^{-1/2} (Hall 1951; Petch 1953), with the grain size refined by primary
  Al₃Sc (Norman, Prangnell & McEwen, Acta Mater. 46 (1998) 5715).
- ``precipitation``: Al₃(Sc,Zr) by shearing or Orowan looping, whichever is weaker (Seidman, Marquis & Dunand,
  Acta Mater. 50 (2002) 4021, eqs. for order, coherency, modulus mismatch and Orowan; shearing is the larger
  of order and coherency + modulus, as the dislocation must first enter and then cut the particle).

Linear superposition. Hardness ≈ 3 σ_y (Tabor 1951). Units: MPa; sizes in m; fractions 0-1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..core.datafiles import load_data

__all__ = ["FITTED_CONSTANTS", "STRENGTH_DRAWS", "Microstructure", "StrengthModel", "fit_base_constants",
           "precipitation_mechanisms"]


@dataclass
class Microstructure:
    """What the strength terms read, each an array (n,): wt% Mg and Mn, Sc left in solution (mole fraction),
    grain size [m], precipitate mean radius [m] and volume fraction; optionally the Zr share of the precipitates'
    M sublattice (sets their misfit by Vegard's law between Al₃Sc and L1₂ Al₃Zr)."""

    mg_wt_pct: np.ndarray
    mn_wt_pct: np.ndarray
    sc_solution_x: np.ndarray
    grain_m: np.ndarray
    radius_m: np.ndarray
    volume_fraction: np.ndarray
    zr_site_frac: np.ndarray | None = None


def _constants() -> dict[str, float]:
    return {k: float(v["value"]) for k, v in load_data("alloy/strength.yaml").items()}


def precipitation_mechanisms(radius_m: np.ndarray, volume_fraction: np.ndarray,
                             c: dict[str, float] | None = None,
                             zr_site_frac: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Order, coherency, modulus, shearing, Orowan and governing precipitation strengthening [MPa].

    Seidman, Marquis & Dunand (2002): Δσ_os = 0.81 M γ_apb/(2b) (3πf/8)^½;
    Δσ_cs = M α_ε (Gε)^{3/2} (r f/(0.5 G b))^½ with ε = (2/3)δ; Δσ_ms = 0.0055 M ΔG^{3/2} (2f/G)^½ (r/b)^{3m/2-1};
    Δσ_or = M 0.4 G b ln(2r̄/b)/(π√(1-ν) λ) with r̄ = √(2/3) r and the edge-to-edge spacing
    λ = 2r̄(√(π/4f) - 1) of particles of planar radius r̄ at area fraction f. The misfit δ of Al₃(Sc₁₋ᵧZrᵧ)
    follows Vegard's law between Al₃Sc and L1₂ Al₃Zr (y: ``zr_site_frac``; Al₃Sc when None).
    """
    c = c or _constants()
    m, g, b, nu = c["taylor_factor"], c["shear_modulus_gpa"] * 1e9, c["burgers_nm"] * 1e-9, c["poisson"]
    r = np.maximum(np.asarray(radius_m, dtype=float), 1e-12)
    f = np.clip(np.asarray(volume_fraction, dtype=float), 0.0, 0.5)
    y = 0.0 if zr_site_frac is None else np.clip(np.asarray(zr_site_frac, dtype=float), 0.0, 1.0)
    eps = 2.0 / 3.0 * ((1.0 - y) * c["misfit"] + y * c["misfit_l12_al3zr"])
    dg = (c["precip_shear_modulus_gpa"] - c["shear_modulus_gpa"]) * 1e9
    order = 0.81 * m * c["apb_energy_j_m2"] / (2.0 * b) * np.sqrt(3.0 * np.pi * f / 8.0)
    coherency = m * c["alpha_coherency"] * (g * eps) ** 1.5 * np.sqrt(r * f / (0.5 * g * b))
    modulus = 0.0055 * m * abs(dg) ** 1.5 * np.sqrt(2.0 * f / g) * (r / b) ** (1.5 * c["modulus_m_exponent"] - 1)
    r_bar = np.sqrt(2.0 / 3.0) * r
    with np.errstate(divide="ignore", invalid="ignore"):
        spacing = 2.0 * r_bar * (np.sqrt(np.pi / (4.0 * np.maximum(f, 1e-300))) - 1.0)
        orowan = np.where(f > 0, m * 0.4 * g * b * np.log(np.maximum(2.0 * r_bar / b, 1.0))
                          / (np.pi * np.sqrt(1.0 - nu) * np.maximum(spacing, 1e-12)), 0.0)
    shearing = np.maximum(order, coherency + modulus)
    governing = np.minimum(shearing, orowan)
    return {"order": order / 1e6, "coherency": coherency / 1e6, "modulus": modulus / 1e6,
            "shearing": shearing / 1e6, "orowan": orowan / 1e6, "precipitation": governing / 1e6,
            "orowan_governs": orowan < shearing}


def _intrinsic(ms: Microstructure, c: dict[str, float]) -> np.ndarray:
    return np.full(np.shape(ms.mg_wt_pct), c["intrinsic_mpa"])


def _solid_solution(ms: Microstructure, c: dict[str, float]) -> np.ndarray:
    mg = np.maximum(ms.mg_wt_pct, 0.0)
    mn = np.maximum(ms.mn_wt_pct, 0.0)
    sc_at = np.maximum(ms.sc_solution_x, 0.0) * 100.0
    return (c["k_mg_mpa_per_wt_2_3"] * mg ** (2 / 3) + c["k_mn_mpa_per_wt_2_3"] * mn ** (2 / 3)
            + c["k_sc_mpa_per_at_2_3"] * sc_at ** (2 / 3))


def _grain_boundary(ms: Microstructure, c: dict[str, float]) -> np.ndarray:
    return c["hall_petch_mpa_m05"] / np.sqrt(np.maximum(ms.grain_m, 1e-9))


def _precipitation(ms: Microstructure, c: dict[str, float]) -> np.ndarray:
    return precipitation_mechanisms(ms.radius_m, ms.volume_fraction, c, ms.zr_site_frac)["precipitation"]


Term = Callable[[Microstructure, dict[str, float]], np.ndarray]

#: the constants fitted together to the base alloys (the yield is linear in them)
FITTED_CONSTANTS = ("intrinsic_mpa", "k_mg_mpa_per_wt_2_3", "hall_petch_mpa_m05")
#: per-scenario arrays of standard normal draws, one per fitted constant, that a Monte Carlo passes to the alloy
#: stage (scandia.uncertainty.sampling.strength_draws)
STRENGTH_DRAWS = ("alloy.strength_z.z_intrinsic", "alloy.strength_z.z_k_mg", "alloy.strength_z.z_hall_petch")


def _basis(mg_wt_pct: np.ndarray, grain_m: np.ndarray) -> np.ndarray:
    """∂σ_y/∂θ for θ = FITTED_CONSTANTS: (n, 3)."""
    mg, d = np.atleast_1d(np.asarray(mg_wt_pct, dtype=float)), np.atleast_1d(np.asarray(grain_m, dtype=float))
    mg, d = np.broadcast_arrays(mg, d)
    return np.column_stack([np.ones(mg.shape), np.maximum(mg, 0.0) ** (2 / 3), 1.0 / np.sqrt(np.maximum(d, 1e-9))])


@lru_cache(maxsize=1)
def fit_base_constants() -> dict[str, np.ndarray]:
    """Joint fit of the intrinsic strength, the Mg solid-solution constant and the Hall-Petch slope.

    Bayesian linear regression (the yield is linear in the three; Gelman et al., *Bayesian Data Analysis*, 3rd
    ed. 2013, §14.8): Gaussian priors at the cited values of ``data/alloy/strength.yaml`` with σ = (max - min)/4,
    and the two base alloys of ``data/alloy/base_alloys.yaml`` as data, each with σ = a quarter of its published
    range: 535 as cast (yield 138 MPa, 124-140: σ = 4) and annealed high-purity Al (20 MPa, 10-30: σ = 5), each at
    its grain size and Mg and without Mn in solution. Posterior Σ = (JᵀΣ_d⁻¹J + Σ_p⁻¹)⁻¹ and μ = Σ(JᵀΣ_d⁻¹y + Σ_p⁻¹μ_p).
    Returns ``names``, ``prior_mean``, ``mean``, ``cov`` (3×3) and ``corr``.
    """
    from .properties import base_alloy

    raw = load_data("alloy/strength.yaml")
    mu_p = np.array([float(raw[k]["value"]) for k in FITTED_CONSTANTS])
    sd_p = np.array([(float(raw[k]["max"]) - float(raw[k]["min"])) / 4.0 for k in FITTED_CONSTANTS])
    rows, y, sd = [], [], []
    for name in ("535", "al"):
        rec = base_alloy(name)
        if rec["mn_in_solution_frac"] * rec["mn_wt_pct"] > 0:
            raise ValueError(f"base alloy {name}: the strength fit assumes no Mn in solution")
        ys = load_data("alloy/base_alloys.yaml")[name]["yield_mpa"]
        rows.append(_basis(rec["mg_wt_pct"], rec["grain_um"] * 1e-6)[0])
        y.append(float(ys["value"]))
        sd.append((float(ys["high"]) - float(ys["low"])) / 4.0)
    j, y, w = np.array(rows), np.array(y), 1.0 / np.array(sd) ** 2
    prec = j.T @ (w[:, None] * j) + np.diag(1.0 / sd_p**2)
    cov = np.linalg.inv(prec)
    mean = cov @ (j.T @ (w * y) + mu_p / sd_p**2)
    sd_post = np.sqrt(np.diag(cov))
    return {"names": FITTED_CONSTANTS, "prior_mean": mu_p, "mean": mean, "cov": cov,
            "corr": cov / np.outer(sd_post, sd_post)}


@dataclass
class StrengthModel:
    """Ordered named terms; replace or append one with ``model.terms["name"] = fn`` (fn(ms, constants) → MPa)."""

    terms: dict[str, Term] = field(default_factory=lambda: {
        "intrinsic": _intrinsic, "solid_solution": _solid_solution,
        "grain_boundary": _grain_boundary, "precipitation": _precipitation})
    constants: dict[str, float] = field(default_factory=_constants)

    def contributions(self, ms: Microstructure) -> dict[str, np.ndarray]:
        """Each term's contribution [MPa], in order."""
        return {name: np.asarray(fn(ms, self.constants), dtype=float) for name, fn in self.terms.items()}

    def yield_mpa(self, ms: Microstructure) -> np.ndarray:
        return sum(self.contributions(ms).values())

    def hardness_mpa(self, ms: Microstructure) -> np.ndarray:
        """Vickers hardness in MPa (Tabor: ≈ 3 σ_y)."""
        return self.constants["hardness_per_yield"] * self.yield_mpa(ms)

    def uts_mpa(self, ms: Microstructure, base_yield_mpa: np.ndarray, base_uts_mpa: np.ndarray) -> np.ndarray:
        """Ultimate strength estimate: the base alloy's UTS plus a fixed share of the yield gained (an assumption
        stated in strength.yaml, not a model of work hardening)."""
        gain = self.yield_mpa(ms) - base_yield_mpa
        return base_uts_mpa + self.constants["uts_gain_per_yield_gain"] * gain
