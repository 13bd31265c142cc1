"""Solid-liquid separation: counter-current decantation (CCD) washing.

With N ideal thickeners, a constant underflow liquor ``U`` (t liquor per t solids) and wash ratio
``R = wash water / underflow liquor``, the fraction of the dissolved values that leaves with the final underflow
is ``(R - 1) / (R^(N+1) - 1)`` (``1/(N+1)`` at R = 1): the Kremser form for counter-current washing
(McCabe, Smith & Harriott 2005, Unit Operations of Chemical Engineering, 7th ed., ch. 20). The washed residue
carries ``U`` t of liquor per t solids; the rest reports to the pregnant leach solution (PLS).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import Chemistry, clean

__all__ = ["CCD", "ccd_soluble_loss"]


def ccd_soluble_loss(wash_ratio: np.ndarray, stages: np.ndarray) -> np.ndarray:
    """Fraction of solutes lost to the final underflow of an N-stage CCD at wash ratio R."""
    r = np.asarray(wash_ratio, dtype=float)
    n = np.asarray(stages, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        loss = np.where(np.abs(r - 1.0) < 1e-9, 1.0 / (n + 1.0), (r - 1.0) / (r ** (n + 1.0) - 1.0))
    return np.clip(loss, 0.0, 1.0)


class CCD(Unit):
    """CCD washing of a leach slurry (``solids`` + ``liquor``) with wash water drawn as a reagent."""

    inlets = ("solids", "liquor")
    outlets = ("residue", "pls")

    def __init__(self, chem: Chemistry, stages: Any = 5, wash_ratio: Any = 2.0, underflow_liquor_t_per_t: Any = 1.0):
        self.chem = chem
        self.stages = stages
        self.wash_ratio = wash_ratio
        self.underflow_liquor_t_per_t = underflow_liquor_t_per_t

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        solids, liquor = inlets["solids"], inlets["liquor"]
        n = solids.n
        st = per_scenario(self.stages, n, "hydromet.ccd.stages", 1, 20)
        r = per_scenario(self.wash_ratio, n, "hydromet.ccd.wash_ratio", 0.05, 50.0)
        u = per_scenario(self.underflow_liquor_t_per_t, n, "hydromet.ccd.underflow_liquor_t_per_t", 0.05, 10.0)
        loss = ccd_soluble_loss(r, st)[:, 0]
        w_i = ch.index("H2O")
        solid_t = solids.total_tph
        under_water = u[:, 0] * solid_t
        wash = r[:, 0] * under_water
        liq = liquor.component_tph
        water_total = liq[:, w_i] + wash
        entrained = liq * loss[:, None]
        entrained[:, w_i] = np.minimum(under_water, water_total)
        pls = liq - entrained
        pls[:, w_i] = water_total - entrained[:, w_i]
        reagent = np.zeros((n, len(cs)))
        reagent[:, w_i] = wash
        residue = solids.component_tph + entrained
        return UnitResult({"residue": Stream.solution(cs, clean(residue), "residue"),
                           "pls": Stream.solution(cs, clean(pls), "pls")},
                          np.zeros(n, dtype=np.int8), {"soluble_loss_frac": loss},
                          reagents={"wash_water": Stream.solution(cs, clean(reagent))})
