"""Block values for the pit: the net smelter return of each block from the chain's recoveries and prices, and a
mining cost by bench (issue 17, item 4).

- **NSR** per tonne (US$/t) = grade (g/t Sc2O3) x 1e-3 kg/g x Sc recovery, ore to oxide x payability x price
  (US$/kg Sc2O3): the value the plant makes from a tonne of ore before its own costs, the basis of the project's
  published open-pit NSR cut-offs (Crater Lake PEA, 2022; 2025 resource).
- **Ore or waste.** A block is processed when its NSR covers the processing (plus G&A) cost per tonne: the NSR
  cut-off. Its value is then tonnes x (NSR - processing - mining), else -tonnes x mining (Whittle's block value,
  the convention of Lerchs-Grossmann pit optimisation).
- **Mining cost** per tonne = the cost at the pit exit + an increment per bench below the top of the model (the
  haul up the ramp), for ore and waste alike.
- **Price factor** λ scales the NSR; the block value max(λ NSR t - (p + m) t, -m t) is non-decreasing in λ, so
  pits of increasing λ are nested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.datafiles import load_data
from ..core.datafiles import value_of as _v
from ..core.errors import ScenarioError

__all__ = ["BlockEconomics", "PitShells", "block_economics", "mine_settings", "pit_shells", "slope_arcs"]



def mine_settings() -> dict:
    """The defaults of ``data/resource/mine.yaml``."""
    return load_data("resource/mine.yaml")


@dataclass
class BlockEconomics:
    """Per block (n,): tonnes, grade, NSR (US$/t at λ = 1), mining cost (US$/t); the processing cost (US$/t) and
    the NSR of one g/t Sc2O3 (US$/t per g/t)."""

    tonnes: np.ndarray
    grade_sc2o3_g_per_t: np.ndarray
    nsr_usd_per_t: np.ndarray
    mining_usd_per_t: np.ndarray
    processing_usd_per_t: float
    nsr_per_g_per_t: float
    value_unit_usd: float = 1.0

    def values(self, factor: float = 1.0) -> np.ndarray:
        """Block values at price factor λ in whole ``value_unit_usd`` (int64), the pit solver's input."""
        ore = self.tonnes * (factor * self.nsr_usd_per_t - self.processing_usd_per_t - self.mining_usd_per_t)
        waste = -self.tonnes * self.mining_usd_per_t
        return np.rint(np.maximum(ore, waste) / self.value_unit_usd).astype(np.int64)

    def is_ore(self, factor: float = 1.0) -> np.ndarray:
        return (self.tonnes > 0) & (factor * self.nsr_usd_per_t >= self.processing_usd_per_t)

    def cutoff_sc2o3_g_per_t(self, factor: float = 1.0) -> float:
        """The NSR cut-off as a grade: the grade whose NSR at price factor λ equals the processing cost, g/t."""
        k = factor * self.nsr_per_g_per_t
        return self.processing_usd_per_t / k if k > 0 else float("inf")


def block_economics(grade_sc2o3_g_per_t: np.ndarray, tonnes: np.ndarray, z_centre_m: np.ndarray,
                    top_m: float, bench_m: float, sc_recovery_frac: float, sc2o3_price_usd_per_kg: float,
                    payability_frac: float = 1.0, settings: dict | None = None) -> BlockEconomics:
    """The module docstring's values for blocks of the given grades (NaN: no grade, treated as waste), tonnes and
    centre elevations, with the chain's overall Sc recovery and the Sc2O3 price."""
    s = settings if settings is not None else mine_settings()
    for name, val, lo, hi in (("sc_recovery_frac", sc_recovery_frac, 0.0, 1.0),
                              ("payability_frac", payability_frac, 0.0, 1.0),
                              ("sc2o3_price_usd_per_kg", sc2o3_price_usd_per_kg, 1.0, 1.0e6)):
        if not (np.isfinite(val) and lo <= val <= hi):
            raise ScenarioError(name, f"must lie in [{lo:g}, {hi:g}], got {val}")
    g = np.nan_to_num(np.asarray(grade_sc2o3_g_per_t, dtype=float), nan=0.0)
    t = np.asarray(tonnes, dtype=float)
    per_g = 1e-3 * sc_recovery_frac * payability_frac * sc2o3_price_usd_per_kg
    nsr = g * per_g
    benches = np.maximum(np.floor((top_m - np.asarray(z_centre_m, dtype=float)) / bench_m), 0.0)
    mining = float(_v(s["mining_cost_usd_per_t"])) + float(_v(s["haul_increment_usd_per_t_per_bench"])) * benches
    return BlockEconomics(t, g, nsr, mining, float(_v(s["processing_cost_usd_per_t"])), per_g,
                          float(_v(s["value_unit_usd"])))


@dataclass
class PitShells:
    """Nested pit shells of a block model: the per-block shell index, the economics used and a table per
    shell (price factor, ore and waste tonnes, ore grade, strip ratio, contained Sc2O3, undiscounted value)."""

    nested: Any
    economics: BlockEconomics
    table: Any
    slope_deg: float

    def shell_blocks(self, factor: float = 1.0) -> np.ndarray:
        """Blocks (n,) mined by the shell of the largest factor at or below ``factor``."""
        i = int(self.nested.shell_for(np.array([factor]))[0])
        return self.nested.pit(i) if i >= 0 else np.zeros_like(self.nested.shell, dtype=bool)


def slope_arcs(grid: Any, settings: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The slope precedences (CSR ``ptr``, ``to``) of the block grid at the settings' slope angle and benches."""
    from .pit import precedence_offsets, precedences

    s = settings if settings is not None else mine_settings()
    offs = precedence_offsets(grid.size_m, float(_v(s["slope_deg"])), int(_v(s["precedence_benches"])))
    return precedences(grid.shape, offs)


def pit_shells(grid: Any, grade_sc2o3_g_per_t: np.ndarray, tonnes: np.ndarray, sc_recovery_frac: float,
               sc2o3_price_usd_per_kg: float, payability_frac: float = 1.0, top_m: float | None = None,
               settings: dict | None = None, arcs: tuple[np.ndarray, np.ndarray] | None = None) -> PitShells:
    """Nested pits over the block grid (a :class:`~scandia.resource.estimate.BlockGrid`) at the price factors of
    ``data/resource/mine.yaml``, with the block values of the module docstring; ``arcs`` are the grid's slope
    precedences (:func:`slope_arcs`) when already built (e.g. shared by the realisations of one grid)."""
    import pandas as pd

    from .pit import nested_pits

    s = settings if settings is not None else mine_settings()
    centres = grid.centres()
    top = float(centres[:, 2].max() + grid.size_m[2] / 2) if top_m is None else float(top_m)
    econ = block_economics(grade_sc2o3_g_per_t, tonnes, centres[:, 2], top, grid.size_m[2], sc_recovery_frac,
                           sc2o3_price_usd_per_kg, payability_frac, s)
    slope = float(_v(s["slope_deg"]))
    ptr, to = arcs if arcs is not None else slope_arcs(grid, s)
    nest = nested_pits(econ.values, ptr, to, np.asarray(_v(s["price_factors"]), dtype=float))
    rows = []
    for i, f in enumerate(nest.factors):
        pit = nest.pit(i)
        ore = pit & econ.is_ore(f)
        t_ore, t_all = float(econ.tonnes[ore].sum()), float(econ.tonnes[pit].sum())
        g = float((econ.tonnes[ore] * econ.grade_sc2o3_g_per_t[ore]).sum() / t_ore) if t_ore > 0 else float("nan")
        rows.append({"price_factor": f, "ore_mt": t_ore / 1e6, "waste_mt": (t_all - t_ore) / 1e6,
                     "strip_ratio": (t_all - t_ore) / t_ore if t_ore > 0 else float("nan"),
                     "ore_sc2o3_g_per_t": g, "contained_sc2o3_t": t_ore * (g if t_ore > 0 else 0.0) / 1e6,
                     "cutoff_sc2o3_g_per_t": econ.cutoff_sc2o3_g_per_t(f),
                     "value_musd": nest.values[i] * econ.value_unit_usd / 1e6, "blocks": int(nest.blocks[i])})
    return PitShells(nest, econ, pd.DataFrame(rows), slope)
