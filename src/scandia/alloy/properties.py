"""From composition and heat treatment to microstructure and properties, vectorized over scenarios.

Chain: wt% → mole fractions; primary Al₃Sc above the liquidus threshold of :mod:`scandia.alloy.thermo` takes the
Sc excess out of solution and refines the grains; the rest of the Sc and the Zr are in supersaturated solution
after casting (the usual assumption for chill and sand castings with ≤ 0.4 wt% Sc, Røyset & Ryum, Int. Mater.
Rev. 50 (2005) 19); the heat treatment precipitates Al₃(Sc,Zr) (:mod:`scandia.alloy.kwn`); strength follows
(:mod:`scandia.alloy.strength`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..core.components import ATOMIC_WEIGHT_G_PER_MOL
from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.status import Status
from .beta import beta_bound
from .casting import PROCESSES, CastState, cooling_steps, solidify
from .kwn import PrecipitationModel, PrecipitationResult, Schedule, default_model
from .strength import Microstructure, StrengthModel
from .thermo import database

__all__ = ["AlloyProperties", "base_alloy", "base_yield_mpa", "precipitation_model", "predict", "to_mole_fractions"]

MOLAR_MASS = {el.upper(): ATOMIC_WEIGHT_G_PER_MOL[el] for el in ("Al", "Mg", "Sc", "Zr", "Mn")}
#: composition range of the thermodynamic and precipitation models (wt%)
LIMITS_WT = {"mg": (0.0, 10.0), "sc": (0.0, 1.0), "zr": (0.0, 0.5)}


def base_alloy(name: str) -> dict[str, Any]:
    """Base alloy record from ``data/alloy/base_alloys.yaml`` (values unwrapped)."""
    data = load_data("alloy/base_alloys.yaml")
    if name not in data:
        raise ScenarioError("alloy.base", f"unknown base alloy {name!r}; available: {', '.join(data)}")
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in data[name].items()}


def to_mole_fractions(mg_wt: np.ndarray, sc_wt: np.ndarray, zr_wt: np.ndarray) -> dict[str, np.ndarray]:
    """Mole fractions of Mg, Sc, Zr (balance Al) from wt%."""
    moles = {"MG": mg_wt / MOLAR_MASS["MG"], "SC": sc_wt / MOLAR_MASS["SC"], "ZR": zr_wt / MOLAR_MASS["ZR"]}
    al = (100.0 - mg_wt - sc_wt - zr_wt) / MOLAR_MASS["AL"]
    total = al + sum(moles.values())
    return {k: v / total for k, v in moles.items()}


def check_composition(mg_wt: np.ndarray, sc_wt: np.ndarray, zr_wt: np.ndarray) -> None:
    """Raise a one-line :class:`ScenarioError` for a composition outside the models' range."""
    for key, arr in (("mg", mg_wt), ("sc", sc_wt), ("zr", zr_wt)):
        lo, hi = LIMITS_WT[key]
        a = np.asarray(arr, dtype=float)
        if not np.all(np.isfinite(a)) or np.any(a < lo) or np.any(a > hi):
            raise ScenarioError(f"alloy.{key}_wt_pct", f"must be between {lo:g} and {hi:g} wt% (database range)")
    if np.any(np.asarray(mg_wt) + np.asarray(sc_wt) + np.asarray(zr_wt) >= 100.0):
        raise ScenarioError("alloy composition", "alloying additions sum to 100 wt% or more")


@dataclass
class AlloyProperties:
    """Per-scenario results (arrays (n,) unless noted): strength terms and totals in MPa, microstructure.

    Microstructure fields average the casting's fraction-solid regions (:mod:`scandia.alloy.casting`): volume
    fraction and number density by region volume, radius by number; ``cast`` holds the solute left in solution
    per region and what primary and eutectic Al₃M took; ``yield_regions_mpa`` (n, regions) the yield of each.
    ``as_cast_yield_mpa`` is the yield at the start of aging (after solidification and cooling). ``beta``: the
    Al-Mg β phase check of :func:`scandia.alloy.beta.beta_bound`, plus ``yield_if_beta_mpa``, the yield if β took
    the Mg solid solution to equilibrium (a lower bound).
    """

    contributions_mpa: dict[str, np.ndarray]
    yield_mpa: np.ndarray
    uts_mpa: np.ndarray
    hardness_mpa: np.ndarray
    grain_um: np.ndarray
    primary_al3sc_frac: np.ndarray
    sc_threshold_wt_pct: np.ndarray
    radius_nm: np.ndarray
    number_density_m3: np.ndarray
    volume_fraction: np.ndarray
    precipitation: PrecipitationResult
    status: np.ndarray
    times_h: np.ndarray
    yield_at_times_mpa: np.ndarray
    as_cast_yield_mpa: np.ndarray | None = None
    sc_in_solution_frac: np.ndarray | None = None
    cast: CastState | None = None
    yield_regions_mpa: np.ndarray | None = None
    solute_held_x: np.ndarray | None = None
    beta: dict[str, np.ndarray] | None = None

    def solute_balance_error(self) -> np.ndarray:
        """|matrix + precipitates + primary and eutectic Al₃M - total| per scenario [mole fraction of alloy],
        the largest over output times and solutes (each region's matrix weighted by its share of the sites)."""
        return np.abs(self.solute_held_x - self.cast.x_total[:, None, : self.solute_held_x.shape[2]]).max(axis=(1, 2))


@lru_cache(maxsize=16)
def base_yield_mpa(base: str) -> float:
    """Yield strength of the base alloy as cast, without Sc or Zr [MPa] (the reference every gain is measured
    from); computed once per base alloy."""
    return float(predict(base, [0.0], [0.0], [[20.0]], [[0.0]]).yield_mpa[0])


def predict(base: str, sc_wt_pct: np.ndarray, zr_wt_pct: np.ndarray, temp_c: np.ndarray, hours: np.ndarray,
            mg_wt_pct: np.ndarray | None = None, model: PrecipitationModel | str | None = None,
            strength: StrengthModel | None = None, times_h: np.ndarray | None = None,
            casting: str = "supersaturated", cooling_rate_k_s: float | None = None,
            homogenise: tuple[float, float] | None = None) -> AlloyProperties:
    """Properties after casting and a heat treatment for each scenario.

    sc_wt_pct, zr_wt_pct: (n,); temp_c, hours: (n, steps) isothermal aging steps (zero hours pad); mg_wt_pct
    overrides the base alloy's Mg; ``model`` is 'kwn' (default), 'meanfield' (binary fast path) or a model
    instance. ``times_h`` are extra output times from the start of aging (the end of each schedule is always
    reported last). ``casting`` names the process of :mod:`scandia.alloy.casting` (``supersaturated``: all
    solute in uniform solution, no cooling path), ``cooling_rate_k_s`` overrides its cooling rate, and
    ``homogenise`` = (temp_c, hours) adds a homogenisation before aging.
    """
    rec = base_alloy(base)
    sc = np.atleast_1d(np.asarray(sc_wt_pct, dtype=float))
    zr = np.atleast_1d(np.asarray(zr_wt_pct, dtype=float))
    temp_c = np.atleast_2d(np.asarray(temp_c, dtype=float))
    hours = np.atleast_2d(np.asarray(hours, dtype=float))
    n = max(sc.size, zr.size, temp_c.shape[0], hours.shape[0])
    mg = np.broadcast_to(rec["mg_wt_pct"] if mg_wt_pct is None else np.asarray(mg_wt_pct, dtype=float), (n,))
    sc, zr = np.broadcast_to(sc, (n,)), np.broadcast_to(zr, (n,))
    check_composition(mg, sc, zr)
    if np.any(hours < 0):
        raise ScenarioError("alloy.aging hours", "must be >= 0")
    solidus = rec["solidus_c"]
    if np.any((temp_c > solidus) & (hours > 0)):
        raise ScenarioError("alloy.aging temp_c", f"an aging step lies above the solidus ({solidus:g} C) of {base}")
    if np.any((temp_c < 20.0) & (hours > 0)):
        raise ScenarioError("alloy.aging temp_c", "must be >= 20 C")
    if casting not in PROCESSES:
        raise ScenarioError("alloy.casting", f"unknown casting process {casting!r}; use one of {', '.join(PROCESSES)}")
    if homogenise is not None:
        h_t, h_h = (float(v) for v in homogenise)
        if not (20.0 <= h_t <= solidus) or h_h < 0:
            raise ScenarioError("alloy.homogenise", f"temp_c must be between 20 and the solidus ({solidus:g} C) "
                                "and hours >= 0")

    x = to_mole_fractions(mg, sc, zr)
    db = database()
    zr_max = float(db.solvus(np.array([933.9]), solute="ZR", compound="AL3ZR")[0])  # peritectic limit
    zr_over = x["ZR"] > zr_max * (1 + 1e-9)  # primary Al3Zr would form in the melt: outside the model's range
    x["ZR"] = np.minimum(x["ZR"], zr_max)
    x_th = db.primary_al3sc_threshold(x["MG"])
    th_failed = ~np.isfinite(x_th)  # liquidus solve did not converge: flagged, binary eutectic used instead
    x_th = np.where(th_failed, db.eutectic()[1], x_th)
    primary_x = np.maximum(x["SC"] - x_th, 0.0)  # Sc leaving the melt as primary Al3Sc before (Al) forms
    th_wt = _x_to_wt_sc(x_th, mg)
    excess_wt = np.maximum(sc - th_wt, 0.0)
    d0, d1 = rec["grain_um"], rec["refined_grain_um"]
    grain_um = np.where(sc > th_wt, d1 + (d0 - d1) * np.exp(-excess_wt / rec["refinement_width_wt_pct"]), d0)

    model = precipitation_model(model)
    sol = model.solutes
    diff = (sol[0].diffusivity, sol[1].diffusivity if len(sol) > 1 else default_model().solutes[1].diffusivity)
    cast = solidify(x["SC"], x["ZR"], x_th, casting, cooling_rate_k_s, rec["freezing_range_k"], solidus + 273.15,
                    homogenise=None if homogenise is None else (h_t + 273.15, h_h * 3600.0), diffusivity=diff)
    w = cast.region_frac
    r = w.size
    pre_t, pre_h = cooling_steps(casting, cooling_rate_k_s, solidus)
    if homogenise is not None:
        pre_t, pre_h = np.append(pre_t, h_t), np.append(pre_h, h_h)
    offset_s = float(pre_h.sum() * 3600.0)
    full_t = np.hstack([np.broadcast_to(pre_t, (n, pre_t.size)), np.broadcast_to(temp_c, (n, temp_c.shape[1]))])
    full_h = np.hstack([np.broadcast_to(pre_h, (n, pre_h.size)), np.broadcast_to(hours, (n, hours.shape[1]))])
    sched = Schedule(np.repeat(full_t + 273.15, r, axis=0), np.repeat(full_h * 3600.0, r, axis=0))
    end_s = sched.end_s.reshape(n, r)[:, 0]
    t_out = np.unique(np.concatenate([np.asarray(times_h if times_h is not None else [], float) * 3600.0 + offset_s,
                                      [offset_s], end_s]))
    x0 = cast.x_region.reshape(n * r, 2)[:, : len(sol)]
    flat = model.solve(x0, sched, t_out)
    prec = _combine_regions(flat, w, n, t_out - offset_s)
    # solute per atom of alloy: each region's matrix holds 1 - 4 Σ p of its sites (four atoms per Al3M)
    held_flat = flat.matrix_x * (1.0 - 4.0 * flat.precipitate_x.sum(axis=2, keepdims=True)) + flat.precipitate_x
    held = np.einsum("r,nrms->nms", w, held_flat.reshape(n, r, *held_flat.shape[1:])) \
        + cast.x_coarse[:, None, : held_flat.shape[2]]
    strength = strength or StrengthModel()
    mn = np.full(n, rec["mn_wt_pct"] * rec["mn_in_solution_frac"])
    m = t_out.size
    rep = lambda a: np.repeat(np.repeat(np.asarray(a, dtype=float), r), m)  # noqa: E731
    ms_all = Microstructure(mg_wt_pct=rep(mg), mn_wt_pct=rep(mn), sc_solution_x=flat.matrix_x[..., 0].reshape(-1),
                            grain_m=rep(grain_um * 1e-6), radius_m=flat.mean_radius_nm.reshape(-1) * 1e-9,
                            volume_fraction=flat.volume_fraction.reshape(-1),
                            zr_site_frac=flat.zr_site_frac.reshape(-1))
    contrib_all = {k: v.reshape(n, r, m) for k, v in strength.contributions(ms_all).items()}
    yield_rt = sum(contrib_all.values())  # (n, r, m)
    yield_t = np.einsum("r,nrm->nm", w, yield_rt)
    last = np.searchsorted(t_out, end_s)
    first = np.searchsorted(t_out, offset_s)
    cols = np.arange(n)
    contrib = {k: np.einsum("r,nr->n", w, v[cols, :, last]) for k, v in contrib_all.items()}
    ys = sum(contrib.values())
    base_ms = Microstructure(mg_wt_pct=mg, mn_wt_pct=mn, sc_solution_x=np.zeros(n),
                             grain_m=np.full(n, d0 * 1e-6), radius_m=np.zeros(n), volume_fraction=np.zeros(n))
    base_ys = strength.yield_mpa(base_ms)
    uts = rec["uts_mpa"] + strength.constants["uts_gain_per_yield_gain"] * (ys - base_ys)
    # the Al-Mg beta phase: aging steps below the Mg solvus, and the yield if beta took Mg to equilibrium
    age_t, age_h = np.broadcast_to(temp_c, (n, temp_c.shape[1])), np.broadcast_to(hours, (n, hours.shape[1]))
    if homogenise is not None:
        age_t = np.hstack([np.full((n, 1), h_t), age_t])
        age_h = np.hstack([np.full((n, 1), h_h), age_h])
    beta = beta_bound(mg, age_t, age_h)
    k_mg = strength.constants["k_mg_mpa_per_wt_2_3"]
    beta["yield_if_beta_mpa"] = ys - k_mg * (np.maximum(mg, 0.0) ** (2 / 3)
                                             - np.maximum(beta["mg_in_solution_if_beta_wt_pct"], 0.0) ** (2 / 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        in_solution = np.where(sc > 0, np.einsum("r,nr->n", w, cast.x_region[..., 0]) / x["SC"], 1.0)
    return AlloyProperties(
        contributions_mpa=contrib, yield_mpa=ys, uts_mpa=uts,
        hardness_mpa=strength.constants["hardness_per_yield"] * ys,
        grain_um=grain_um, primary_al3sc_frac=4.0 * primary_x, sc_threshold_wt_pct=th_wt,
        radius_nm=prec.mean_radius_nm[cols, last], number_density_m3=prec.number_density_m3[cols, last],
        volume_fraction=prec.volume_fraction[cols, last], precipitation=prec,
        status=np.maximum.reduce([prec.status, np.where(th_failed, Status.not_converged, 0),
                                  np.where(zr_over, Status.out_of_range, 0)]).astype(np.int8),
        times_h=(t_out - offset_s) / 3600.0, yield_at_times_mpa=yield_t, as_cast_yield_mpa=yield_t[:, first],
        sc_in_solution_frac=in_solution, cast=cast, yield_regions_mpa=yield_rt[cols, :, last], solute_held_x=held,
        beta=beta)


def _combine_regions(flat: PrecipitationResult, w: np.ndarray, n: int, times_s: np.ndarray) -> PrecipitationResult:
    """One result per scenario from its regions' (flattened (n·R, ...)): volume-weighted sums and means, the
    mean radius weighted by number, the Zr share by precipitated atoms."""
    r = w.size

    def split(a: np.ndarray) -> np.ndarray:
        return a.reshape(n, r, *a.shape[1:])

    num = split(flat.number_density_m3)
    wn = np.einsum("r,nrm->nm", w, num)
    with np.errstate(invalid="ignore", divide="ignore"):
        radius = np.where(wn > 0, np.einsum("r,nrm,nrm->nm", w, num, split(flat.mean_radius_nm)) / wn, 0.0)
        p = split(flat.precipitate_x)
        p_tot = np.einsum("r,nrms->nm", w, p)
        zr_share = np.where(p_tot > 0, np.einsum("r,nrm->nm", w, p[..., -1]) / p_tot, 0.0) if p.shape[-1] > 1 \
            else np.zeros_like(p_tot)
    return PrecipitationResult(
        times_s=times_s, mean_radius_nm=radius, number_density_m3=wn,
        volume_fraction=np.einsum("r,nrm->nm", w, split(flat.volume_fraction)),
        matrix_x=np.einsum("r,nrms->nms", w, split(flat.matrix_x)), zr_site_frac=zr_share,
        radius_grid_nm=flat.radius_grid_nm, psd_m3=np.einsum("r,nrb->nb", w, split(flat.psd_m3)),
        status=split(flat.status).max(axis=1), steps=split(flat.steps).sum(axis=1),
        solute_total_x=np.einsum("r,nrs->ns", w, split(flat.solute_total_x)),
        precipitate_x=np.einsum("r,nrms->nms", w, p))


def precipitation_model(model: Any = None) -> Any:
    """A precipitation model from a name ('kwn', the default, or 'meanfield') or an instance."""
    if model is None or model == "kwn":
        return default_model()
    if model == "meanfield":
        from .meanfield import MeanRadiusModel

        return MeanRadiusModel(default_model())
    if isinstance(model, str):
        raise ScenarioError("alloy.precipitation_model", f"unknown model {model!r}; use kwn or meanfield")
    return model


def _x_to_wt_sc(x_sc: np.ndarray, mg_wt: np.ndarray) -> np.ndarray:
    """Sc wt% of a mole fraction x_sc in an Al-Mg alloy of mg_wt wt% Mg (Sc dilute)."""
    x_mg = (mg_wt / MOLAR_MASS["MG"]) / (mg_wt / MOLAR_MASS["MG"] + (100.0 - mg_wt) / MOLAR_MASS["AL"])
    mean_m = x_mg * MOLAR_MASS["MG"] + (1.0 - x_mg - x_sc) * MOLAR_MASS["AL"] + x_sc * MOLAR_MASS["SC"]
    return 100.0 * x_sc * MOLAR_MASS["SC"] / mean_m
