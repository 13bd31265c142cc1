"""Solidification of a Sc(-Zr) casting at a stated cooling rate: what the melt leaves in solution, and where.

Vectorized over scenarios; the casting is split into ``regions`` equal shells of fraction solid (dendrite core
first, interdendritic last), each with its own supersaturation, which the precipitation model then ages
separately. Model (sources):

- **Segregation** (Scheil, Z. Metallkd. 34 (1942) 70, with the back-diffusion correction of Clyne & Kurz,
  Metall. Trans. A 12 (1981) 965): the solid forming at fraction solid f holds
  C_s = k C₀ [1 - (1 - 2Ωk) f]^((k-1)/(1-2Ωk)), Ω = α(1 - e^{-1/α}) - ½ e^{-1/(2α)}, α = D_s t_f/(λ₂/2)².
  Each region's composition is the exact integral of C_s over its fraction-solid interval.
- **Partition coefficients**: k_Sc = (Al) solvus / liquid composition at the Al-Al₃Sc eutectic, both from the
  thermodynamic database (:mod:`scandia.alloy.thermo`); k_Zr from the assessed Al-Zr peritectic
  (``data/alloy/casting.yaml``), since the database's liquid Al-Zr description (COST 507) and its fcc one (Wang
  et al. 2001) come from different assessments and give no consistent liquidus. Zr, peritectic (k > 1), is richest
  in the dendrite cores; Sc, eutectic (k < 1), at the dendrite peripheries: the segregation Knipling, Dunand &
  Seidman (Metall. Mater. Trans. A 38 (2007) 2552) observed in as-cast Al-Zr and Al-Sc-Zr.
- **Primary and eutectic Al₃Sc**: Sc above the primary threshold leaves the melt first (as before,
  :meth:`~scandia.alloy.thermo.ThermoDB.primary_al3sc_threshold`); the interdendritic liquid, enriched as
  C_L = C_s/k, forms eutectic Al₃Sc once it reaches that threshold composition, and the solid forming after
  that holds k times it. Both kinds of Al₃Sc are coarse (µm) and lost to strengthening. The threshold is taken
  at the alloy's nominal Mg, so the Mg enrichment of the last liquid (which lowers it further) is not followed:
  the eutectic loss is a lower bound.
- **Dendrite arm spacing and solidification time**: λ₂ = A Ṫ^(-n) and t_f = ΔT_f/Ṫ, with ΔT_f the base alloy's
  freezing range.
- **Cooling after solidification** is handed to the precipitation model as isothermal steps of ``cool_step_k``
  from the solidus down to ``cool_end_c`` at the cooling rate (:func:`cooling_steps`), so a slow casting
  precipitates coarse Al₃Sc while it cools and a fast one keeps its Sc in solution.
- **Homogenisation** (optional) flattens the segregation of each solute by exp(-4π² D t/λ₂²), the decay of the
  fundamental of a sinusoidal profile of wavelength λ₂ (Kattamis & Flemings, Trans. AIME 233 (1965) 992;
  Flemings, *Solidification Processing*, 1974, ch. 10), and is then aged as an isothermal step like any other.

Solute is conserved exactly: Σ region fraction × region composition + primary and eutectic = total.
Units: mole fractions, K/s, µm, s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..core.datafiles import load_data
from ..core.errors import ScenarioError

__all__ = ["PROCESSES", "CastState", "casting_params", "cooling_steps", "solidify"]


def casting_params() -> dict:
    """``data/alloy/casting.yaml`` with every value node unwrapped."""
    raw = load_data("alloy/casting.yaml")
    return {k: ({p: {q: w["value"] for q, w in rec.items() if isinstance(w, dict)} for p, rec in v.items()}
                if k == "processes" else v["value"]) for k, v in raw.items()}


#: casting processes of ``data/alloy/casting.yaml``, plus ``supersaturated`` (every solute in solution, uniform,
#: no cooling path: the idealisation the model used before castings were modelled)
PROCESSES = (*load_data("alloy/casting.yaml")["processes"], "supersaturated")


@dataclass
class CastState:
    """Solute after solidification, per scenario and region.

    region_frac (R,): volume share of each fraction-solid shell (core first); x_region (n, R, 2): Sc and Zr
    mole fractions in solution in each region; x_coarse (n, 2): Sc and Zr per mole of alloy held in primary and
    eutectic Al₃M (lost to strengthening); x_total (n, 2): the alloy's; sdas_um, cooling_rate_k_s (n,).
    """

    region_frac: np.ndarray
    x_region: np.ndarray
    x_coarse: np.ndarray
    x_total: np.ndarray
    sdas_um: np.ndarray
    cooling_rate_k_s: np.ndarray
    partition: tuple[float, float]

    def balance_error(self) -> np.ndarray:
        """|Σ regions + coarse - total| per scenario and solute (n, 2): zero up to rounding."""
        held = np.einsum("r,nrs->ns", self.region_frac, self.x_region) + self.x_coarse
        return np.abs(held - self.x_total)


@lru_cache(maxsize=1)
def _k_sc() -> float:
    from .thermo import database

    _, x_liq, x_sol = database().eutectic()
    return float(x_sol / x_liq)


def _clyne_kurz_omega(alpha: np.ndarray) -> np.ndarray:
    a = np.maximum(np.asarray(alpha, dtype=float), 1e-12)
    return a * (1.0 - np.exp(-1.0 / a)) - 0.5 * np.exp(-0.5 / a)


def _cum_solid(c0: np.ndarray, k: float, omega: np.ndarray, f: np.ndarray) -> np.ndarray:
    """∫₀^f C_s df' of the Clyne-Kurz profile (moles of solute per mole of alloy in the solid up to f)."""
    beta = 1.0 - 2.0 * omega * k
    e = (k - 1.0 + beta) / beta
    return k * c0 / (k - 1.0 + beta) * (1.0 - np.power(np.maximum(1.0 - beta * f, 0.0), e))


def solidify(x_sc: np.ndarray, x_zr: np.ndarray, x_threshold: np.ndarray, process: str = "permanent_mould",
             cooling_rate_k_s: float | None = None, freezing_range_k: float = 80.0, solidus_k: float = 823.0,
             regions: int | None = None, homogenise: tuple[float, float] | None = None,
             diffusivity: tuple | None = None) -> CastState:
    """Sc and Zr in solution in each fraction-solid region after casting (module docstring).

    x_sc, x_zr: alloy mole fractions (n,); x_threshold: the Sc mole fraction of a liquid that forms Al₃Sc
    (the primary-Al₃Sc threshold, (n,)); ``process`` names a casting process (``data/alloy/casting.yaml``) whose
    cooling rate ``cooling_rate_k_s`` overrides; homogenise: (temp_k, seconds) or None; diffusivity: two
    callables D(T) [m²/s] for Sc and Zr (default: the precipitation model's).
    """
    x_sc = np.atleast_1d(np.asarray(x_sc, dtype=float))
    x_zr = np.broadcast_to(np.asarray(x_zr, dtype=float), x_sc.shape)
    x_th = np.broadcast_to(np.asarray(x_threshold, dtype=float), x_sc.shape)
    n = x_sc.size
    total = np.column_stack([x_sc, x_zr])
    if process == "supersaturated":
        primary = np.maximum(x_sc - x_th, 0.0)
        xr = np.column_stack([x_sc - primary, x_zr])[:, None, :]
        return CastState(np.ones(1), xr, np.column_stack([primary, np.zeros(n)]), total, np.full(n, np.nan),
                         np.full(n, np.inf), (1.0, 1.0))
    p = casting_params()
    if process not in p["processes"]:
        raise ScenarioError("alloy.casting", f"unknown casting process {process!r}; use one of {', '.join(PROCESSES)}")
    rate = float(p["processes"][process]["cooling_rate_k_s"] if cooling_rate_k_s is None else cooling_rate_k_s)
    lo, hi = p["cooling_rate_range_k_s"]
    if not lo <= rate <= hi:
        raise ScenarioError("alloy.cooling_rate_k_s", f"must be between {lo:g} and {hi:g} K/s")
    r = int(p["regions"] if regions is None else regions)
    if r < 1:
        raise ScenarioError("alloy casting regions", "must be >= 1")
    sdas_um = p["sdas_a_um"] * rate ** (-p["sdas_n"])
    t_f = freezing_range_k / rate
    if diffusivity is None:
        from .kwn import default_model

        sol = default_model().solutes
        diffusivity = (sol[0].diffusivity, sol[1].diffusivity)
    half = 0.5 * sdas_um * 1e-6
    k = (_k_sc(), float(p["k_zr"]))
    edges = np.linspace(0.0, 1.0, r + 1)
    frac = np.diff(edges)
    x_region = np.empty((n, r, 2))
    t_mid = solidus_k + 0.5 * freezing_range_k
    for s, (c_tot, ks) in enumerate(((x_sc, k[0]), (x_zr, k[1]))):  # two solutes, vectorized over scenarios
        omega = _clyne_kurz_omega(diffusivity[s](np.array([t_mid]))[0] * t_f / half**2)
        if s == 0:
            c0 = np.minimum(c_tot, x_th)  # primary Al3Sc takes the rest before (Al) forms
            beta = 1.0 - 2.0 * omega * ks
            # the liquid reaches the eutectic composition at f_e: C_s(f_e)/k = x_th
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(c0 > 0, x_th / np.maximum(c0, 1e-300), np.inf)
                f_e = np.clip((1.0 - ratio ** (beta / (ks - 1.0))) / beta, 0.0, 1.0)
            f_e = np.where(c0 > 0, f_e, 1.0)
            lo_e, hi_e = edges[None, :-1], edges[None, 1:]
            a, b = np.minimum(lo_e, f_e[:, None]), np.minimum(hi_e, f_e[:, None])
            segregated = _cum_solid(c0[:, None], ks, omega, b) - _cum_solid(c0[:, None], ks, omega, a)
            # Clyne-Kurz is not exactly conservative: scale the solid formed before f_e to what the liquid gave up
            # (the alloy's content less the liquid's x_th (1 - f_e) left at f_e)
            seg_total = segregated.sum(axis=1)
            segregated = segregated * np.where(seg_total > 0, np.maximum(c0 - x_th * (1.0 - f_e), 0.0)
                                               / np.maximum(seg_total, 1e-300), 0.0)[:, None]
            after = np.maximum(hi_e - np.maximum(lo_e, f_e[:, None]), 0.0)  # solid formed in the eutectic range
            amount = segregated + after * ks * x_th[:, None]  # the rest of the Sc forms eutectic Al3Sc
        else:
            amount = (_cum_solid(c_tot[:, None], ks, omega, edges[None, 1:])
                      - _cum_solid(c_tot[:, None], ks, omega, edges[None, :-1]))
            # Clyne-Kurz is not exactly conservative at f -> 1: scale the profile to the alloy's content
            held = amount.sum(axis=1)
            amount = amount * np.where(held > 0, c_tot / np.maximum(held, 1e-300), 0.0)[:, None]
        x_region[:, :, s] = amount / frac[None, :]
    if homogenise is not None:
        temp_k, secs = homogenise
        for s in range(2):
            decay = float(np.exp(-4.0 * np.pi**2 * diffusivity[s](np.array([temp_k]))[0] * secs
                                 / (sdas_um * 1e-6) ** 2))
            mean = np.einsum("r,nr->n", frac, x_region[:, :, s])
            x_region[:, :, s] = mean[:, None] + decay * (x_region[:, :, s] - mean[:, None])
    # primary and eutectic Al3M hold what the regions do not (non-negative by construction): an exact balance
    coarse = np.maximum(total - np.einsum("r,nrs->ns", frac, x_region), 0.0)
    return CastState(frac, x_region, coarse, total, np.full(n, sdas_um), np.full(n, rate), k)


def cooling_steps(process: str, cooling_rate_k_s: float | None, solidus_c: float) -> tuple[np.ndarray, np.ndarray]:
    """The cooling after solidification as isothermal steps: temperatures [°C] and durations [h], from the
    solidus down to ``cool_end_c`` in ``cool_step_k`` steps at the cooling rate (empty for ``supersaturated``)."""
    if process == "supersaturated":
        return np.zeros(0), np.zeros(0)
    p = casting_params()
    rate = float(p["processes"][process]["cooling_rate_k_s"] if cooling_rate_k_s is None else cooling_rate_k_s)
    step = float(p["cool_step_k"])
    temps = np.arange(solidus_c - 0.5 * step, p["cool_end_c"], -step)
    return temps, np.full(temps.size, step / rate / 3600.0)
