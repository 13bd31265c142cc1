"""A period schedule of the nested pit shells: seasonal mining, mill capacity and a stockpile (issue 17, item 4).

- **Order.** Blocks are mined shell by shell (the nested pits as pushbacks, innermost first), and within a
  shell bench by bench from the top. The order respects the slope precedences: a block's required blocks lie in
  its own or an inner shell (each shell is a closure) and on a higher bench (the precedences point up), so
  they come first. This is the "pit-by-pit" sequence of Whittle's nested-pit analysis.
- **Periods** are years of one mining season (``operating_days_per_year``, six months at Crater Lake). Each year
  mines along the order until the ore mined fills the mill (``mill_capacity_t_per_day`` x days) or the fleet
  moves ``mining_capacity_t_per_year`` (with a mill cut-off above the NSR cut-off, only ore above it counts
  towards the mill, and the rest is stockpiled as low grade). Ore beyond the mill's year goes to a stockpile,
  which is reclaimed (richest first) when mining falls short of the mill. The grade of a year's feed is the
  tonnage-weighted mean of the ore mined to the mill and the ore reclaimed.
- **Cash flow** per year (undiscounted, US$): feed x (NSR - processing cost) - material moved x its mining
  cost; discounted at the end of each year. The NPV of mining out each shell in this order is the
  pit-by-pit curve from which the shell of greatest discounted value is chosen (the usual "best case" of a
  nested-pit analysis; capital and taxes are the economics stage's, not here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.datafiles import value_of as _v
from ..core.errors import ScenarioError
from .mine import PitShells, mine_settings

__all__ = ["Schedule", "best_shell", "mining_order", "schedule_shell"]


@dataclass
class Schedule:
    """A year-by-year plan: ``table`` (year, mined, ore, waste, feed, feed grade, stockpile, cash flow) and the
    year each block is mined (-1: not mined)."""

    table: pd.DataFrame
    year_mined: np.ndarray
    order: np.ndarray
    npv_musd: float
    shell: int
    mill_cutoff_sc2o3_g_per_t: float

    @property
    def life_years(self) -> int:
        return int((self.table["feed_t"] > 0).sum())


def mining_order(shells: PitShells, shell: int, z_centre_m: np.ndarray) -> np.ndarray:
    """Indices of the blocks of pit ``shell`` in mining order: by shell (innermost first), then from the top
    bench down; ties by index (module docstring)."""
    nest = shells.nested
    if not 0 <= shell < nest.factors.size:
        raise ScenarioError("schedule shell", f"must lie in [0, {nest.factors.size - 1}]")
    idx = np.flatnonzero(nest.pit(shell) & (shells.economics.tonnes > 0))
    return idx[np.lexsort((idx, -np.asarray(z_centre_m)[idx], nest.shell[idx]))]


def schedule_shell(shells: PitShells, shell: int, z_centre_m: np.ndarray, settings: dict | None = None,
                   discount_rate_frac: float | None = None, mill_cutoff_sc2o3_g_per_t: float | None = None
                   ) -> Schedule:
    """The module docstring's schedule of pit ``shell`` (index into the price factors) at the base price. Ore
    below ``mill_cutoff_sc2o3_g_per_t`` (default: the NSR cut-off, i.e. none) goes to the stockpile rather
    than the mill, and is fed only when mined ore falls short: an elevated cut-off with a low-grade stockpile,
    the usual answer to a mill-bound mine (Lane, *The Economic Definition of Ore*, 1988)."""
    s = settings if settings is not None else mine_settings()
    econ = shells.economics
    mill = float(_v(s["mill_capacity_t_per_day"])) * float(_v(s["operating_days_per_year"]))
    fleet = float(_v(s["mining_capacity_t_per_year"]))
    rate = float(_v(s["schedule_discount_rate_frac"])) if discount_rate_frac is None else float(discount_rate_frac)
    if not 0.0 <= rate <= 0.5:
        raise ScenarioError("schedule discount rate", "must lie in [0, 0.5]")
    max_years = int(_v(s["max_years"]))
    cut = econ.cutoff_sc2o3_g_per_t(1.0) if mill_cutoff_sc2o3_g_per_t is None else float(mill_cutoff_sc2o3_g_per_t)
    if not np.isfinite(cut) or cut < 0:
        raise ScenarioError("mill cut-off", "must be a grade >= 0 g/t Sc2O3")
    order = mining_order(shells, shell, z_centre_m)
    t = econ.tonnes[order]
    ore = econ.is_ore(1.0)[order]
    margin = econ.nsr_usd_per_t[order] - econ.processing_usd_per_t          # US$/t if processed
    mine_cost = econ.mining_usd_per_t[order] * t
    year = np.full(econ.tonnes.size, -1, dtype=np.int64)
    rows: list[dict[str, Any]] = []
    pos, n = 0, order.size
    pile: list[list[float]] = []      # [tonnes, grade, margin per t]
    cum_t = np.cumsum(t)
    feedable = ore & (econ.grade_sc2o3_g_per_t[order] >= cut)   # ore the mill takes as mined
    cum_ore = np.cumsum(np.where(feedable, t, 0.0))
    for y in range(max_years):
        if pos >= n and not pile:
            break
        base_t = cum_t[pos - 1] if pos > 0 else 0.0
        base_o = cum_ore[pos - 1] if pos > 0 else 0.0
        # the last block of the year: the first at which ore reaches the mill or material reaches the fleet
        stop_o = np.searchsorted(cum_ore, base_o + mill, side="left")
        stop_t = np.searchsorted(cum_t, base_t + fleet, side="left")
        end = min(n, max(pos + 1, min(stop_o, stop_t) + 1)) if pos < n else pos
        sl = slice(pos, end)
        ore_t, ore_g, ore_m = t[sl][ore[sl]], econ.grade_sc2o3_g_per_t[order[sl]][ore[sl]], margin[sl][ore[sl]]
        year[order[sl]] = y
        # the mill takes the year's ore, richest first; the rest goes to the stockpile
        rank = np.argsort(-ore_g, kind="stable")
        room = mill
        direct = ore_g >= cut
        feed_t = feed_metal = cash = 0.0
        for k in rank:
            take = min(ore_t[k], room) if direct[k] else 0.0
            if take > 0:
                feed_t += take
                feed_metal += take * ore_g[k]
                cash += take * ore_m[k]
                room -= take
            if ore_t[k] > take:
                pile.append([ore_t[k] - take, ore_g[k], ore_m[k]])
        pile.sort(key=lambda lot: -lot[1])   # reclaim the richest lots first
        while room > 1e-9 and pile:  # mining fell short of the mill (fleet, cut-off or pit exhausted): reclaim
            lot = pile[0]
            take = min(lot[0], room)
            feed_t += take
            feed_metal += take * lot[1]
            cash += take * lot[2]
            room -= take
            lot[0] -= take
            if lot[0] <= 1e-9:
                pile.pop(0)
        moved = float(t[sl].sum())
        cash -= float(mine_cost[sl].sum())
        rows.append({"year": y + 1, "mined_t": moved, "ore_mined_t": float(ore_t.sum()),
                     "waste_t": moved - float(ore_t.sum()), "feed_t": feed_t,
                     "feed_sc2o3_g_per_t": feed_metal / feed_t if feed_t > 0 else float("nan"),
                     "stockpile_t": float(sum(p[0] for p in pile)), "cash_flow_musd": cash / 1e6})
        pos = end
    table = pd.DataFrame(rows)
    disc = (1.0 + rate) ** -table["year"].to_numpy(dtype=float) if len(table) else np.zeros(0)
    npv = float((table["cash_flow_musd"].to_numpy() * disc).sum()) if len(table) else 0.0
    return Schedule(table, year, order, npv, shell, cut)


def best_shell(shells: PitShells, z_centre_m: np.ndarray, settings: dict | None = None,
               discount_rate_frac: float | None = None, cutoff_steps: int = 8) -> tuple[Schedule, pd.DataFrame]:
    """Schedule every shell at ``cutoff_steps`` mill cut-offs (from the NSR cut-off to the grade of the best
    tenth of the ore, geometric steps) and return the plan of greatest NPV, with the pit-by-pit table (shell,
    factor, mill cut-off, ore, life, NPV) of each shell's best cut-off."""
    econ = shells.economics
    low = econ.cutoff_sc2o3_g_per_t(1.0)
    ore = econ.is_ore(1.0)
    high = float(np.quantile(econ.grade_sc2o3_g_per_t[ore], 0.9)) if ore.any() else low
    cuts = np.geomspace(low, max(high, low * 1.0001), max(1, int(cutoff_steps))) if cutoff_steps > 1 else [low]
    rows, best = [], None
    for i in range(shells.nested.factors.size):
        if shells.nested.blocks[i] == 0:
            continue
        plans = [schedule_shell(shells, i, z_centre_m, settings, discount_rate_frac, c) for c in cuts]
        sch = max(plans, key=lambda p: p.npv_musd)
        rows.append({"shell": i, "price_factor": float(shells.nested.factors[i]),
                     "mill_cutoff_sc2o3_g_per_t": sch.mill_cutoff_sc2o3_g_per_t,
                     "ore_mt": float(sch.table["ore_mined_t"].sum() / 1e6), "life_years": sch.life_years,
                     "npv_musd": sch.npv_musd})
        if best is None or sch.npv_musd > best.npv_musd:
            best = sch
    if best is None:
        raise ScenarioError("schedule", "every pit shell is empty: no block pays for its mining at these prices")
    return best, pd.DataFrame(rows)
