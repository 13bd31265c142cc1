"""Inverse alloy design: the cheapest Sc/Zr content and aging schedule that meets a target yield strength.

The search space (``data/alloy/design.yaml``) is a grid of Sc, Zr, casting process, aging temperature and time.
One KWN run per (Sc, Zr, temperature) and casting region reports every time on the grid, so the space costs
n_Sc·n_Zr·n_T·regions scenarios in one vectorized call per casting process. The process sets how much Sc the
casting keeps in solution and how Zr is segregated (:mod:`scandia.alloy.casting`); its own cost is not priced.
Cost premium per kg of casting, relative to the base alloy:

  Δc = s/(w_m η)·(c_master - p_base) + z/w_Zr·(p_AlZr - p_base) + heat treatment,

with s, z the Sc and Zr mass fractions, w_m the master alloy's Sc fraction, η the Sc recovery into the casting,
c_master from :func:`scandia.alloy.master_alloy.master_alloy`. Cost per MPa gained = Δc/(σ_y - σ_y,base).
The Pareto front keeps the designs no other design beats on both cost and yield.

Two optional steps follow each design's aging, both (temp_c, hours):

- ``second_step``, a second aging step, priced as one more heat-treatment cycle: nucleate Al₃Sc low, then grow
  it at 375-425 °C, where Zr diffuses;
- ``exposure``, a thermal exposure the part must survive (service at temperature, hot isostatic pressing, hot
  forming), not priced: the criterion becomes the yield after it, and the aged yield is kept beside it.

With either, every design runs its own schedule. This is where Zr pays: Al₃Sc alone coarsens at 400 °C, while
Al₃Sc that takes on Zr-rich layers keeps its size (:mod:`scandia.alloy.kwn`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.status import Status
from .master_alloy import master_alloy
from .properties import base_alloy, base_yield_mpa, predict
from .strength import StrengthModel

__all__ = ["DesignResult", "alloy_cost", "design", "evaluate_grid", "pareto_front"]


def _params() -> dict:
    return load_data("alloy/design.yaml")


def alloy_cost(base: str, sc_wt: np.ndarray, zr_wt: np.ndarray, hours: np.ndarray, master_usd_per_kg: float,
               master_sc_wt_pct: float = 2.0) -> dict[str, np.ndarray]:
    """Cost premium per kg of casting over the base alloy, by item [US$/kg]."""
    p = {k: v["value"] for k, v in _params().items() if k != "grid"}
    price = base_alloy(base)["price_usd_per_kg"]
    sc = np.asarray(sc_wt, dtype=float) / 100.0
    zr = np.asarray(zr_wt, dtype=float) / 100.0
    h = np.asarray(hours, dtype=float)
    m_master = sc / (master_sc_wt_pct / 100.0 * p["sc_alloying_recovery_frac"])
    m_zr = zr / (p["al_zr_master_zr_wt_pct"] / 100.0)
    heat = np.where(h > 0, p["heat_treat_usd_per_kg_cycle"] + p["heat_treat_usd_per_kg_h"] * h, 0.0)
    return {"scandium": m_master * (master_usd_per_kg - price),
            "zirconium": m_zr * (p["al_zr_master_usd_per_kg"] - price), "heat_treatment": heat}


def evaluate_grid(base: str = "535", sc_wt: np.ndarray | None = None, zr_wt: np.ndarray | None = None,
                  temp_c: np.ndarray | None = None, hours: np.ndarray | None = None,
                  sc2o3_usd_per_kg: float = 3000.0, master_route: str = "aluminothermic_sc2o3",
                  master_sc_wt_pct: float = 2.0, model: str = "kwn", castings: Sequence[str] | None = None,
                  cooling_rate_k_s: float | None = None, second_step: tuple[float, float] | None = None,
                  exposure: tuple[float, float] | None = None, progress=None) -> pd.DataFrame:
    """Yield, UTS and cost premium for every (Sc, Zr, casting, T, time) on the grid; one row per design.
    ``cooling_rate_k_s`` overrides every process's cooling rate (a user's measured casting); ``exposure``
    (temp_c, hours) is a thermal exposure after aging whose yield is the one reported and ``second_step`` a
    priced second aging step (module docstring);
    ``progress(done_fraction)`` is called after each casting process."""
    g = {k: np.asarray(v["value"], dtype=float) for k, v in _params()["grid"].items() if k != "casting"}
    sc = g["sc_wt_pct"] if sc_wt is None else np.asarray(sc_wt, dtype=float)
    zr = g["zr_wt_pct"] if zr_wt is None else np.asarray(zr_wt, dtype=float)
    temps = g["temp_c"] if temp_c is None else np.asarray(temp_c, dtype=float)
    hrs = np.unique(g["hours"] if hours is None else np.asarray(hours, dtype=float))
    if np.any(hrs < 0):
        raise ScenarioError("design hours", "must be >= 0")
    s, z, t = (a.reshape(-1) for a in np.meshgrid(sc, zr, temps, indexing="ij"))
    procs = list(_params()["grid"]["casting"]["value"] if castings is None else castings)
    second_step = _step(base, second_step, "design second_step")
    exposure = _step(base, exposure, "design exposure")
    frames = []
    for i, proc in enumerate(procs):
        frames.append(_grid_for(base, s, z, t, hrs, sc2o3_usd_per_kg, master_route, master_sc_wt_pct, model, proc,
                                cooling_rate_k_s, second_step, exposure))
        if progress is not None:
            progress((i + 1) / len(procs))
    return pd.concat(frames, ignore_index=True)


def _step(base: str, step: tuple[float, float] | None, field: str) -> tuple[float, float] | None:
    """A (temp_c, hours) step checked against the base alloy: one-line errors naming ``field``."""
    if step is None:
        return None
    try:
        temp, hours = (float(v) for v in step)
    except (TypeError, ValueError):
        raise ScenarioError(field, "expected (temp_c, hours)") from None
    solidus = base_alloy(base)["solidus_c"]
    if not (np.isfinite(temp) and 20.0 <= temp <= solidus):
        raise ScenarioError(f"{field} temp_c", f"must be between 20 and the solidus ({solidus:g} C)")
    if not (np.isfinite(hours) and 0.0 < hours <= 100000.0):
        raise ScenarioError(f"{field} hours", "must be > 0 and <= 100000 h")
    return temp, hours


def _yields(base: str, s: np.ndarray, z: np.ndarray, t: np.ndarray, hrs: np.ndarray, model: str, casting: str,
            cooling_rate_k_s: float | None, second_step: tuple[float, float] | None,
            exposure: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(yield after the exposure, aged yield before it, status), each (n_designs, n_hours), for the (Sc, Zr, T)
    rows s, z, t and the aging times hrs. With neither extra step one KWN run per row reports every time;
    otherwise every (row, time) runs its own schedule: aging, the second step, the exposure."""
    if second_step is None and exposure is None:
        props = predict(base, s, z, t[:, None], np.full((s.size, 1), float(hrs.max())), times_h=hrs, model=model,
                        casting=casting, cooling_rate_k_s=cooling_rate_k_s)
        t_idx = np.array([int(np.argmin(np.abs(props.times_h - h))) for h in hrs])  # outputs are exactly hrs
        ys = props.yield_at_times_mpa[:, t_idx]
        return ys, ys, np.repeat(props.status[:, None], hrs.size, axis=1)
    n, k = s.size, hrs.size
    hh = np.tile(hrs, n)
    tt = np.where(hh > 0, np.repeat(t, k), 0.0)  # as cast, the aging temperature is no part of the schedule
    # distinct schedules only: the as-cast rows of every aging temperature are one run
    rows, inverse = np.unique(np.column_stack([np.repeat(s, k), np.repeat(z, k), tt, hh]), axis=0,
                              return_inverse=True)
    inverse = inverse.reshape(-1)
    m = rows.shape[0]
    extra = [st for st in (second_step, exposure) if st is not None]
    temps = np.column_stack([np.where(rows[:, 3] > 0, rows[:, 2], extra[0][0]), *[np.full(m, st[0]) for st in extra]])
    hours = np.column_stack([rows[:, 3], *[np.full(m, st[1]) for st in extra]])
    aged_at = rows[:, 3] + (0.0 if second_step is None else second_step[1])
    times = np.unique(np.concatenate([aged_at, hours.sum(axis=1)]))
    props = predict(base, rows[:, 0], rows[:, 1], temps, hours, times_h=times, model=model, casting=casting,
                    cooling_rate_k_s=cooling_rate_k_s)
    aged = props.yield_at_times_mpa[np.arange(m), np.searchsorted(props.times_h, aged_at - 1e-9)]
    return (props.yield_mpa[inverse].reshape(n, k), aged[inverse].reshape(n, k),
            props.status[inverse].reshape(n, k))


def _grid_for(base: str, s: np.ndarray, z: np.ndarray, t: np.ndarray, hrs: np.ndarray, sc2o3_usd_per_kg: float,
              master_route: str, master_sc_wt_pct: float, model: str, casting: str,
              cooling_rate_k_s: float | None, second_step: tuple[float, float] | None = None,
              exposure: tuple[float, float] | None = None) -> pd.DataFrame:
    ys, aged, status = _yields(base, s, z, t, hrs, model, casting, cooling_rate_k_s, second_step, exposure)
    n, k = ys.shape
    base_ys = base_yield_mpa(base)
    master = master_alloy(master_route, 1, sc2o3_usd_per_kg, master_sc_wt_pct=master_sc_wt_pct)
    mcost = float(master.cost_usd_per_kg[0])
    s_r, z_r, t_r, h_r = np.repeat(s, k), np.repeat(z, k), np.repeat(t, k), np.tile(hrs, n)
    cost = alloy_cost(base, s_r, z_r, h_r, mcost, master_sc_wt_pct)
    if second_step is not None:  # one more furnace cycle
        cost["heat_treatment"] = cost["heat_treatment"] + alloy_cost(
            base, 0.0, 0.0, np.full(h_r.size, second_step[1]), mcost, master_sc_wt_pct)["heat_treatment"]
    total = sum(cost.values())
    ys_r = ys.reshape(-1)
    uts = base_alloy(base)["uts_mpa"] + StrengthModel().constants["uts_gain_per_yield_gain"] * (ys_r - base_ys)
    gain = ys_r - base_ys
    df = pd.DataFrame({
        "sc_wt_pct": s_r, "zr_wt_pct": z_r, "casting": casting, "temp_c": np.where(h_r > 0, t_r, np.nan),
        "hours": h_r,
        "yield_mpa": ys_r, "uts_mpa": uts, "yield_gain_mpa": gain,
        "cost_premium_usd_per_kg": total,
        "cost_usd_per_mpa_per_kg": np.where(gain > 1e-6, total / np.maximum(gain, 1e-6), np.nan),
        "status": status.reshape(-1),
        "aged_yield_mpa": aged.reshape(-1),
        "second_temp_c": np.nan if second_step is None else second_step[0],
        "second_hours": 0.0 if second_step is None else second_step[1],
        "exposure_temp_c": np.nan if exposure is None else exposure[0],
        "exposure_hours": 0.0 if exposure is None else exposure[1],
        **{f"cost_{k2}_usd_per_kg": v for k2, v in cost.items()},
    })
    # as-cast rows repeat for every temperature: keep one
    return df.drop_duplicates(subset=["sc_wt_pct", "zr_wt_pct", "casting", "temp_c", "hours"]).reset_index(drop=True)


def pareto_front(df: pd.DataFrame) -> pd.DataFrame:
    """Designs not beaten on both cost (lower) and yield (higher), sorted by cost."""
    ok = df[df["status"] == Status.ok].sort_values(["cost_premium_usd_per_kg", "yield_mpa"], ascending=[True, False])
    best = -np.inf
    keep = []
    for idx, y in zip(ok.index, ok["yield_mpa"], strict=True):
        if y > best:
            keep.append(idx)
            best = y
    return ok.loc[keep].reset_index(drop=True)


@dataclass
class DesignResult:
    target_yield_mpa: float
    best: pd.Series | None
    pareto: pd.DataFrame
    table: pd.DataFrame
    base_yield_mpa: float

    @property
    def feasible(self) -> bool:
        return self.best is not None

    def best_dict(self) -> dict[str, float | str | None] | None:
        """The best design as plain JSON values (the casting process stays a string, NaN becomes None)."""
        if self.best is None:
            return None
        return {k: (v if isinstance(v, str) else None if pd.isna(v) else float(v)) for k, v in self.best.items()}


def design(base: str = "535", target_yield_mpa: float = 250.0, **grid_kwargs) -> DesignResult:
    """Cheapest design on the grid with yield ≥ target (ties: higher yield); ``best`` is None when none reaches it."""
    if not np.isfinite(target_yield_mpa) or target_yield_mpa <= 0 or target_yield_mpa > 1000:
        raise ScenarioError("target_yield", "must be between 0 and 1000 MPa")
    table = evaluate_grid(base, **grid_kwargs)
    ok = table[(table["status"] == Status.ok) & (table["yield_mpa"] >= target_yield_mpa)]
    best = None
    if len(ok):
        best = ok.sort_values(["cost_premium_usd_per_kg", "yield_mpa"], ascending=[True, False]).iloc[0]
    base_ys = base_yield_mpa(base)
    return DesignResult(target_yield_mpa, best, pareto_front(table), table, base_ys)
