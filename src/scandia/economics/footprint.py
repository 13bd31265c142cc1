"""Carbon footprint per kg Sc2O3 and per kg master alloy, and the project's place on the supply cost curve.

Footprint = Σ reagent use (the hydromet stage's kg per kg Sc2O3) × emission factor + electricity (concentrator
per t ore, hydromet per t concentrate) × grid factor + mining diesel; factors and their status in
``data/economics/emissions.yaml``. Master alloy: the Sc2O3 it contains times the oxide footprint plus the
master-alloy step (:mod:`scandia.alloy.master_alloy`). Cost curve: rival supply from ``data/market/supply.yaml``
with the project added at its all-in cost, sorted by cost (a merit-order curve).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.datafiles import load_data

__all__ = ["allocation_share", "cost_curve", "oxide_footprint"]

REAGENTS = ("hcl", "h2so4", "naoh", "cao", "h2c2o4", "d2ehpa", "kerosene", "ch4")


def oxide_footprint(hydromet_metrics: dict[str, np.ndarray], q: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """kg CO2e per kg Sc2O3 by source (arrays (n,))."""
    f = {k: v["value"] for k, v in load_data("economics/emissions.yaml").items()}
    sc_kg = np.where(q["sc2o3_kg_per_yr"] > 0, q["sc2o3_kg_per_yr"], np.nan)
    out = {r: np.asarray(hydromet_metrics.get(f"{r}_kg_per_kg_sc2o3", 0.0), dtype=float) * f[r] for r in REAGENTS}
    kwh = q["ore_tpa"] * f["concentrator_kwh_per_t_ore"] + q["concentrate_tpa"] * f["hydromet_kwh_per_t_concentrate"] \
        + q.get("evaporator_kwh_per_yr", 0.0)
    out["electricity"] = kwh * f["electricity_kg_co2e_per_kwh"] / sc_kg
    out["mining_diesel"] = q["ore_tpa"] * f["mining_diesel_l_per_t_ore"] * f["diesel_kg_co2e_per_l"] / sc_kg
    return out


def allocation_share(rule: str, sc2o3_kg: np.ndarray, reo_kg: np.ndarray, sc2o3_revenue: np.ndarray,
                     reo_revenue: np.ndarray) -> np.ndarray:
    """Share of the site's footprint borne by the Sc2O3 (the mixed REO takes the rest), per ISO 14044 sect. 4.3.4:
    ``none`` (all to Sc2O3, the conservative reading when the REO is a minor co-product), ``mass`` (by product
    mass) or ``economic`` (by revenue). Arrays (n,)."""
    sc = np.asarray(sc2o3_kg, dtype=float)
    if rule == "none":
        return np.ones_like(sc)
    if rule == "mass":
        a, b = sc, np.asarray(reo_kg, dtype=float)
    else:
        a, b = np.asarray(sc2o3_revenue, dtype=float), np.asarray(reo_revenue, dtype=float)
    total = a + b
    return np.divide(a, total, out=np.ones_like(total), where=total > 0)


def cost_curve(project_cost_usd_per_kg: float, project_tpa: float, name: str = "this project") -> pd.DataFrame:
    """Supply ordered by cash cost with cumulative capacity; the project's row is flagged.

    Like for like: every row is a cash operating cost per kg Sc2O3 (site operating cost and product transport,
    net of by-product credits; no capital charge, royalty or tax), the rivals' from the market model's supply stack
    (``data/market/supply.yaml``: the sources started by the project's first year, capacity weighted by its
    go-ahead probability; ``cost_basis`` says whether a cost is cited or an assumption) and the project's its
    own ``cash_cost_usd_per_kg_sc2o3``. The market stage's ``market_cost_curve`` is the same comparison with the
    capacity actually available that year (committed and ramped) in each simulated market.
    """
    from ..market.inputs import default_supply

    first = int(load_data("market/market.yaml")["project_first_year"]["value"])
    rows = [{"producer": r.label or r.name, "capacity_tpa": r.capacity_tpa * r.go_ahead_prob,
             "cost_usd_per_kg": r.cash_cost_usd_per_kg,
             "cost_basis": "cited" if any(w in (r.source or "") for w in ("cost", "opex", "C1")) else "assumption",
             "is_project": False} for r in default_supply() if r.start_year <= first]
    rows.append({"producer": name, "capacity_tpa": project_tpa, "cost_usd_per_kg": project_cost_usd_per_kg,
                 "cost_basis": "model (cash cost net of REO credit)", "is_project": True})
    df = pd.DataFrame(rows).sort_values("cost_usd_per_kg", kind="stable").reset_index(drop=True)
    df["cumulative_tpa"] = df["capacity_tpa"].cumsum()
    return df


def curve_position(df: pd.DataFrame) -> dict[str, Any]:
    """Where the project sits: its rank by cost and the capacity cheaper than it."""
    i = int(np.flatnonzero(df["is_project"])[0])
    return {"rank": i + 1, "of": len(df), "cheaper_capacity_tpa": float(df["capacity_tpa"][:i].sum()),
            "total_capacity_tpa": float(df["capacity_tpa"].sum())}
