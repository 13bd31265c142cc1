"""Result tables of the resource stage (declared in ``data/outputs.yaml``): the grade-tonnage curve of the
mineralised domain (kriged, and the P10-P50-P90 of the simulations), the nested pit shells, the plan's schedule
with its spread over realisations, and the ore blocks of the plan's pit for the report's 3-D view."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .drillholes import SC2O3_PER_SC
from .estimate import grade_tonnage

__all__ = ["grade_tonnage_table", "pit_blocks_table", "pit_shells_table", "schedule_table"]

_CUTOFFS = np.arange(0.0, 601.0, 25.0)


def grade_tonnage_table(resource: Any) -> pd.DataFrame | None:
    """Tonnes (Mt) and grade (Sc2O3 g/t) above each cut-off of the mineralised domain: kriged blocks and, with
    simulations, the P10-P50-P90 of the simulated SMUs (the same blocks)."""
    if resource is None:
        return None
    d = resource.estimate.blocks.data
    m = ((d["domain"] == 1) & np.isfinite(d["sc_ppm"])).to_numpy()
    kr = grade_tonnage(d["sc2o3_g_per_t"].to_numpy()[m], d["tonnes"].to_numpy()[m], _CUTOFFS)
    out = pd.DataFrame({"cutoff_sc2o3_g_per_t": _CUTOFFS, "kriged_mt": kr["tonnes"] / 1e6,
                        "kriged_sc2o3_g_per_t": kr["grade"]})
    sim = resource.simulation
    if sim is not None:
        band = sim.grade_tonnage_band(_CUTOFFS)
        for p in (10, 50, 90):
            out[f"simulated_mt_p{p}"] = band[f"tonnes_mt_p{p}"].to_numpy()
        out["simulated_sc2o3_g_per_t_p50"] = band["sc2o3_g_per_t_p50"].to_numpy()
    return out


def pit_shells_table(resource: Any) -> pd.DataFrame | None:
    """The nested shells: price factor, ore and waste (Mt), ore grade, strip ratio, NSR cut-off, undiscounted
    value (US$M, at the plan's recovery where the shells were solved), and which shell the plan mines; with
    each simulation's own pits, the P10 and P90 over them of the ore and the value at each factor."""
    if resource is None:
        return None
    plan = resource.plan
    t = plan.shells.table.copy()
    t["planned"] = np.arange(len(t)) == plan.base.shell
    if plan.row_shells:  # each simulation's own nested pits at the same factors
        for col in ("ore_mt", "value_musd"):
            v = np.stack([r.table[col].to_numpy() for r in plan.row_shells[1:]])
            t[f"{col}_p10"], t[f"{col}_p90"] = np.percentile(v, 10, axis=0), np.percentile(v, 90, axis=0)
    return t


def schedule_table(resource: Any) -> pd.DataFrame | None:
    """The plan by year: the kriged model's material moved, ore, feed (t), feed grade and stockpile; and with
    simulations the P10 and P90 of each year's feed grade over them."""
    if resource is None:
        return None
    plan = resource.plan
    t = plan.base.table.copy()
    rows = plan.feed_t.shape[0]
    if rows > 1:
        g = np.where(plan.feed_t[1:] > 0, plan.feed_sc2o3_g_per_t[1:], np.nan)[:, : len(t)]
        with warnings.catch_warnings():  # a year no realisation feeds is NaN, not a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            t["feed_sc2o3_g_per_t_p10"] = np.nanpercentile(g, 10, axis=0)
            t["feed_sc2o3_g_per_t_p90"] = np.nanpercentile(g, 90, axis=0)
    return t


def pit_blocks_table(resource: Any, max_blocks: int = 20_000) -> pd.DataFrame | None:
    """Blocks of the planned pit above the NSR cut-off (x, y, z of the centre, m; Sc2O3 g/t; CIM class), at most
    ``max_blocks`` of them (the richest), for the report's 3-D view."""
    if resource is None:
        return None
    plan = resource.plan
    econ = plan.shells.economics
    pit = plan.shells.nested.pit(plan.base.shell) & econ.is_ore(1.0)
    idx = np.flatnonzero(pit)
    if idx.size > max_blocks:
        idx = idx[np.argsort(-econ.grade_sc2o3_g_per_t[idx])[:max_blocks]]
    c = resource.estimate.blocks.grid.centres()[idx]
    d = resource.estimate.blocks.data
    return pd.DataFrame({"x_m": c[:, 0], "y_m": c[:, 1], "z_m": c[:, 2],
                         "sc2o3_g_per_t": econ.grade_sc2o3_g_per_t[idx],
                         "sc_ppm": econ.grade_sc2o3_g_per_t[idx] / SC2O3_PER_SC,
                         "cim_class": d["cim_class"].to_numpy()[idx]})
