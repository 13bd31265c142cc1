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
    """Per-scenario results (arrays (n,) unless noted): strength terms and totals in MPa, microstructure."""

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


@lru_cache(maxsize=16)
def base_yield_mpa(base: str) -> float:
    """Yield strength of the base alloy as cast, without Sc or Zr [MPa] (the reference every gain is measured
    from); computed once per base alloy."""
    return float(predict(base, [0.0], [0.0], [[20.0]], [[0.0]]).yield_mpa[0])


def predict(base: str, sc_wt_pct: np.ndarray, zr_wt_pct: np.ndarray, temp_c: np.ndarray, hours: np.ndarray,
            mg_wt_pct: np.ndarray | None = None, model: PrecipitationModel | str | None = None,
            strength: StrengthModel | None = None, times_h: np.ndarray | None = None) -> AlloyProperties:
    """Properties after a heat treatment for each scenario.

    sc_wt_pct, zr_wt_pct: (n,); temp_c, hours: (n, steps) isothermal steps (zero hours pad); mg_wt_pct overrides
    the base alloy's Mg; ``model`` is 'kwn' (default), 'meanfield' (binary fast path) or a model instance.
    ``times_h`` are extra output times (the end of each schedule is always reported last).
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

    x = to_mole_fractions(mg, sc, zr)
    db = database()
    zr_max = float(db.solvus(np.array([933.9]), solute="ZR", compound="AL3ZR")[0])  # peritectic limit
    zr_over = x["ZR"] > zr_max * (1 + 1e-9)  # primary Al3Zr would form in the melt: outside the model's range
    x["ZR"] = np.minimum(x["ZR"], zr_max)
    x_th = db.primary_al3sc_threshold(x["MG"])
    th_failed = ~np.isfinite(x_th)  # liquidus solve did not converge: flagged, binary eutectic used instead
    x_th = np.where(th_failed, db.eutectic()[1], x_th)
    primary_x = np.maximum(x["SC"] - x_th, 0.0)  # Sc leaving the melt as primary Al3Sc before (Al) forms
    sc_avail = x["SC"] - primary_x
    th_wt = _x_to_wt_sc(x_th, mg)
    excess_wt = np.maximum(sc - th_wt, 0.0)
    d0, d1 = rec["grain_um"], rec["refined_grain_um"]
    grain_um = np.where(sc > th_wt, d1 + (d0 - d1) * np.exp(-excess_wt / rec["refinement_width_wt_pct"]), d0)

    model = precipitation_model(model)
    sched = Schedule(np.broadcast_to(temp_c + 273.15, (n, temp_c.shape[1])),
                     np.broadcast_to(hours * 3600.0, (n, hours.shape[1])))
    end_s = sched.end_s
    t_out = np.unique(np.concatenate([np.asarray(times_h if times_h is not None else [], float) * 3600.0,
                                      end_s]))
    x0 = np.column_stack([sc_avail, x["ZR"]])[:, : len(model.solutes)]
    prec = model.solve(x0, sched, t_out)
    strength = strength or StrengthModel()
    yield_t = _yield_at_times(prec, mg, rec["mn_wt_pct"] * rec["mn_in_solution_frac"], grain_um * 1e-6, strength)
    last = np.searchsorted(t_out, end_s)
    cols = np.arange(n)
    radius = prec.mean_radius_nm[cols, last]
    ndens = prec.number_density_m3[cols, last]
    vf = prec.volume_fraction[cols, last]
    mn = np.full(n, rec["mn_wt_pct"] * rec["mn_in_solution_frac"])
    ms = Microstructure(mg_wt_pct=mg, mn_wt_pct=mn, sc_solution_x=prec.matrix_x[cols, last, 0],
                        grain_m=grain_um * 1e-6, radius_m=radius * 1e-9, volume_fraction=vf)
    contrib = strength.contributions(ms)
    ys = sum(contrib.values())
    base_ms = Microstructure(mg_wt_pct=mg, mn_wt_pct=mn, sc_solution_x=np.zeros(n),
                             grain_m=np.full(n, d0 * 1e-6), radius_m=np.zeros(n), volume_fraction=np.zeros(n))
    base_ys = strength.yield_mpa(base_ms)
    uts = rec["uts_mpa"] + strength.constants["uts_gain_per_yield_gain"] * (ys - base_ys)
    return AlloyProperties(
        contributions_mpa=contrib, yield_mpa=ys, uts_mpa=uts,
        hardness_mpa=strength.constants["hardness_per_yield"] * ys,
        grain_um=grain_um, primary_al3sc_frac=4.0 * primary_x, sc_threshold_wt_pct=th_wt, radius_nm=radius,
        number_density_m3=ndens, volume_fraction=vf, precipitation=prec,
        status=np.maximum.reduce([prec.status, np.where(th_failed, Status.not_converged, 0),
                                  np.where(zr_over, Status.out_of_range, 0)]).astype(np.int8),
        times_h=t_out / 3600.0, yield_at_times_mpa=yield_t)


def _yield_at_times(prec: PrecipitationResult, mg: np.ndarray, mn_wt: float, grain_m: np.ndarray,
                    strength: StrengthModel) -> np.ndarray:
    """Yield strength [MPa] at every output time (n, m)."""
    n, m = prec.mean_radius_nm.shape
    rep = lambda a: np.repeat(np.asarray(a, dtype=float), m)  # noqa: E731
    ms = Microstructure(mg_wt_pct=rep(mg), mn_wt_pct=np.full(n * m, mn_wt),
                        sc_solution_x=prec.matrix_x[..., 0].reshape(-1), grain_m=rep(grain_m),
                        radius_m=prec.mean_radius_nm.reshape(-1) * 1e-9,
                        volume_fraction=prec.volume_fraction.reshape(-1))
    return strength.yield_mpa(ms).reshape(n, m)


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
