"""Balance health of a solved flowsheet: what came in, what left, and how well it closes.

In = feeds + reagents added by units; out = the flowsheet's product ports. The relative imbalance is
(in - out)/in per quantity, which the solver already holds below its tolerance (1e-9 per unit, 100x the
recycle tolerance around tears); the table shows it so a reader can see it rather than trust it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .flowsheet import FlowsheetResult

__all__ = ["balance_table"]

#: tolerance the report uses to call a balance closed (relative); the solver's own checks are tighter
CLOSED_RTOL = 1e-6


def balance_table(fs: FlowsheetResult, stage: str, route: str, groups: dict[str, tuple[str, ...]],
                  scenario_index: int = 0) -> pd.DataFrame:
    """One row per quantity: total mass and each element group, in and out [t/h], relative imbalance.

    groups: label -> elements summed (e.g. ``{"Sc": ("Sc",), "TREE": ("La", ...)}``); scenario ``scenario_index``.
    """
    reagents = [s for r in fs.units.values() for s in r.reagents.values()]
    ins = [*fs.feeds.values(), *reagents]
    outs = [fs.streams[p] for p in fs.products]
    if not ins or not outs:
        return pd.DataFrame()
    els = ins[0].components.elements
    e_in = sum(s.element_tph[scenario_index] for s in ins)
    e_out = sum(s.element_tph[scenario_index] for s in outs)
    rows = [("total mass", float(np.sum(e_in)), float(np.sum(e_out)))]
    for label, members in groups.items():
        idx = [els.index(m) for m in members if m in els]
        rows.append((label, float(np.sum(e_in[idx])), float(np.sum(e_out[idx]))))
    df = pd.DataFrame(rows, columns=["quantity", "in_tph", "out_tph"])
    df.insert(0, "route", route)
    df.insert(0, "stage", stage)
    df["rel_imbalance"] = (df["in_tph"] - df["out_tph"]) / df["in_tph"].where(df["in_tph"] > 0, np.nan)
    df["closes"] = df["rel_imbalance"].abs().fillna(0.0) <= CLOSED_RTOL
    return df


def balance_health_table(scenario: Any, beneficiation: Any, hydromet: Any) -> pd.DataFrame | None:
    """Balance closure (total mass, Sc, TREE, Fe, Th) of every solved flowsheet of a run: each concentration
    route and the leach route; None when no flowsheet stage ran."""
    from ..beneficiation.ore import REE

    groups = {"Sc": ("Sc",), "TREE": tuple(REE), "Fe": ("Fe",), "Th": ("Th",)}
    frames = []
    if beneficiation is not None:
        frames += [balance_table(rr.flowsheet, "beneficiation", name, groups)
                   for name, rr in beneficiation.routes.items() if rr.flowsheet is not None]
    if hydromet is not None and hydromet.flowsheet is not None:
        frames.append(balance_table(hydromet.flowsheet, "hydromet", scenario.hydromet.leach_route, groups))
    return pd.concat(frames, ignore_index=True) if frames else None
