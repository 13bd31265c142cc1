"""The price the mine is planned at and the price the market pays, made consistent (a fixed point).

The resource stage plans the pit and its NSR cut-off at ``economics.params.sc2o3_price_usd_per_kg``; the
market stage then prices the plan's production, and the project realises a different price. Iterating

    P_(k+1) = P_k + λ (R(P_k) − P_k),   R = the project's realised price, discounted and weighted by tonnes sold

to ``|R(P_k) − P_k| ≤ tol P_k`` makes the plan's price the one the market pays for its output. Damping
``λ`` (default 0.7) guards against the oscillation a step change in the pit can cause. Run on the base case
(one scenario): each iteration is a whole chain with the resource stage, so it is a CLI command
(``scandia market fixed-point``), not part of every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ScenarioError

__all__ = ["FixedPoint", "price_fixed_point", "solve_fixed_point"]


@dataclass
class FixedPoint:
    price_usd_per_kg: float  #: the plan's price at the fixed point
    converged: bool
    iterations: pd.DataFrame  #: one row per iteration: plan price, realised price, change, and what moved


def solve_fixed_point(realised: Any, p0: float, tol: float = 0.01, max_iter: int = 12, damping: float = 0.7,
                      record: Any = None) -> tuple[float, bool, list[dict[str, float]]]:
    """Damped fixed-point iteration of ``p -> realised(p)`` from ``p0``; ``record(p, r)`` adds columns to each
    iteration's row. Returns the last plan price, whether it converged, and the rows."""
    if not (0.0 < damping <= 1.0 and tol > 0 and 1 <= max_iter <= 50):
        raise ScenarioError("fixed point", "needs 0 < damping <= 1, tol > 0 and 1 <= max_iter <= 50")
    p, rows = float(p0), []
    for it in range(1, max_iter + 1):
        r = float(realised(p))
        if not np.isfinite(r) or r <= 0:
            raise ScenarioError("fixed point", f"the market paid no price at a plan price of {p:.0f} US$/kg "
                                               "(the project sold nothing)")
        row = {"iteration": it, "plan_price_usd_per_kg": p, "realised_price_usd_per_kg": r,
               "change_frac": (r - p) / p, **(record(p, r) if record else {})}
        rows.append(row)
        if abs(r - p) <= tol * p:
            return p, True, rows
        p = p + damping * (r - p)
    return p, False, rows


def price_fixed_point(scenario: Any, tol: float = 0.01, max_iter: int = 12, damping: float = 0.7,
                      progress: Any = None) -> FixedPoint:
    """The base case's fixed point between the resource plan's price and the market's realised price (the
    scenario must plan its mine: ``resource.feeds_chain``). The economics is valued at the market price."""
    from ..chain import StageCache, run

    if not scenario.resource.feeds_chain:
        raise ScenarioError("resource.feeds_chain", "the price fixed point needs the resource stage in the chain "
                                                    "(set resource.feeds_chain: true)")
    base = scenario.with_values({"economics.price_source": "market"})
    cache = StageCache(8)  # the process stages do not depend on the price: computed once
    last: dict[str, Any] = {}

    def realised(p: float) -> float:
        r = run(base.with_values({"economics.params.sc2o3_price_usd_per_kg": p}), cache=cache)
        last["run"] = r
        if progress is not None:
            progress(p)
        return float(r.stages["market"].metrics["realised_price_discounted_usd_per_kg"][0])

    def record(p: float, _r: float) -> dict[str, float]:
        r = last["run"]
        res = r.stages["resource"].metrics  # row 0: the kriged model's plan
        e = r.stages["economics"].metrics
        return {"nsr_cutoff_sc2o3_g_per_t": float(res["nsr_cutoff_sc2o3_g_per_t"][0]),
                "mill_cutoff_sc2o3_g_per_t": float(res["mill_cutoff_sc2o3_g_per_t"][0]),
                "mine_life_years": float(res["mine_life_years"][0]),
                "npv_market_musd": float(e["npv_market_musd"][0]),
                "project_sold_frac": float(r.stages["market"].metrics["project_sold_frac"][0])}

    p, ok, rows = solve_fixed_point(realised, float(scenario.economics.params.sc2o3_price_usd_per_kg), tol,
                                    max_iter, damping, record)
    return FixedPoint(price_usd_per_kg=p, converged=ok, iterations=pd.DataFrame(rows))
