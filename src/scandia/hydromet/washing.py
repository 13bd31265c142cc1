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

from ..core.status import Status
from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import Chemistry, clean

__all__ = ["CCD", "Acidify", "AcidifyWithReturn", "ccd_soluble_loss"]


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

    def __init__(self, chem: Chemistry, stages: Any, wash_ratio: Any, underflow_liquor_t_per_t: Any) -> None:
        self.chem = chem
        self.stages = stages
        self.wash_ratio = wash_ratio
        self.underflow_liquor_t_per_t = underflow_liquor_t_per_t

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        solids, liquor = inlets["solids"], inlets["liquor"]
        n = solids.n
        st = per_scenario(self.stages, n, "hydromet.ccd.stages")
        r = per_scenario(self.wash_ratio, n, "hydromet.ccd.wash_ratio")
        u = per_scenario(self.underflow_liquor_t_per_t, n, "hydromet.ccd.underflow_liquor_t_per_t")
        loss = ccd_soluble_loss(r, st)[:, 0]
        w_i = ch.index("H2O")
        solid_t = solids.total_tph
        under_water = u[:, 0] * solid_t
        wash = r[:, 0] * under_water
        liq = liquor.component_tph
        water_total = liq[:, w_i] + wash
        # an underflow that would hold all the water holds all the solutes too (no overflow left)
        starved = under_water >= water_total
        loss = np.where(starved, 1.0, loss)
        entrained = liq * loss[:, None]
        entrained[:, w_i] = np.minimum(under_water, water_total)
        pls = liq - entrained
        pls[:, w_i] = water_total - entrained[:, w_i]
        reagent = np.zeros((n, len(cs)))
        reagent[:, w_i] = wash
        residue = solids.component_tph + entrained
        return UnitResult({"residue": Stream.solution(cs, clean(residue), "residue"),
                           "pls": Stream.solution(cs, clean(pls), "pls")},
                          np.where(starved, Status.clipped, Status.ok).astype(np.int8), {"soluble_loss_frac": loss},
                          reagents={"wash_water": Stream.solution(cs, clean(reagent))})


class Acidify(Unit):
    """Adjust a liquor to at least ``min_free_acid_g_per_l`` of free lixiviant acid (per m3 of its water) by adding
    acid: the PLS conditioning ahead of D2EHPA extraction, which keeps REE and Fe(III) co-extraction low."""

    inlets = ("liquor",)
    outlets = ("liquor",)

    def __init__(self, chem: Chemistry, min_free_acid_g_per_l: Any = 20.0) -> None:
        self.chem = chem
        self.min_free_acid_g_per_l = min_free_acid_g_per_l

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        liq = inlets["liquor"]
        n = liq.n
        target = per_scenario(self.min_free_acid_g_per_l, n, "hydromet.sx.feed_min_free_acid_g_per_l")
        comp = liq.component_tph
        acid_i = ch.index(ch.acid)
        add = np.maximum(target[:, 0] * 1e-3 * comp[:, ch.index("H2O")] - comp[:, acid_i], 0.0)
        reagent = np.zeros_like(comp)
        reagent[:, acid_i] = add
        return UnitResult({"liquor": Stream.solution(cs, comp + reagent, "liquor")}, np.zeros(n, dtype=np.int8),
                          {"acid_added_tph": add}, reagents={"acid": Stream.solution(cs, reagent)})


class AcidifyWithReturn(Acidify):
    """:class:`Acidify` with a second inlet, ``acid``: returned (regenerated) acid used before any fresh acid; fresh
    acid tops the liquor up to the minimum only where the returned acid falls short."""

    inlets = ("liquor", "acid")

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        liq = inlets["liquor"]
        mixed = Stream.solution(cs, liq.component_tph + inlets["acid"].component_tph, "liquor")
        res = super()._run({"liquor": mixed})
        res.design["returned_acid_tph"] = inlets["acid"].component_tph[:, ch.index(ch.acid)]
        return res
