"""Summary and tables of the market stage (formatting only; units in data/outputs.yaml)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.results import metric_summary
from ..core.status import Status, count
from .stage import MarketResult

__all__ = ["HEADLINE", "cost_curve_year_table", "demand_table", "price_path_table", "stage_summary",
           "supply_table"]

HEADLINE = ("price_project_life_mean_usd_per_kg", "price_without_project_life_mean_usd_per_kg", "price_effect_frac",
            "project_sold_frac", "project_market_share_frac", "alloy_adoption_2050_frac")


def _quantiles(v: np.ndarray) -> dict[str, np.ndarray]:
    if v.shape[0] == 1:
        return {"p50": v[0]}
    p10, p50, p90 = np.nanpercentile(v, [10, 50, 90], axis=0)
    return {"p10": p10, "p50": p50, "p90": p90}


def price_path_table(result: MarketResult) -> pd.DataFrame:
    """Price by year with and without the project (P10/P50/P90 over scenarios; one column when n = 1), demand,
    supply and the project's sales (medians)."""
    p, b = result.path, result.baseline
    df = pd.DataFrame({"year": p.years})
    for q, v in _quantiles(p.price_usd_per_kg).items():
        df[f"price_{q}_usd_per_kg"] = v
    for q, v in _quantiles(b.price_usd_per_kg).items():
        df[f"price_without_project_{q}_usd_per_kg"] = v
    med = lambda v: np.nanmedian(v, axis=0)  # noqa: E731
    df["demand_tpa"] = med(p.demand_tpa)
    df["supply_tpa"] = med(p.supply_tpa)
    df["project_produced_tpa"] = med(result.production_tpa)
    df["project_sold_tpa"] = med(p.project_sold_tpa)
    df["stock_t"] = med(p.stock_t)
    df["alloy_adoption_frac"] = med(p.adoption_frac)
    df["observed_price_usd_per_kg"] = np.nan
    from .calibrate import history

    y, pr, _ = history()
    df.loc[df["year"].isin(y), "observed_price_usd_per_kg"] = pr
    return df


def supply_table(result: MarketResult) -> pd.DataFrame:
    """Supply by source and year, long format (medians over scenarios), the project as ``crater_lake``:
    what each source sells and the capacity available to it, t/a Sc2O3."""
    p = result.path
    frames = [pd.DataFrame({"year": p.years, "producer": name,
                            "supply_tpa": np.nanmedian(p.supply_by_source_tpa[:, i, :], axis=0),
                            "available_tpa": np.nanmedian(p.extra["available_tpa"][:, i, :], axis=0)})
              for i, name in enumerate(p.names)]
    frames.append(pd.DataFrame({"year": p.years, "producer": "crater_lake",
                                "supply_tpa": np.nanmedian(p.project_sold_tpa, axis=0),
                                "available_tpa": np.nanmedian(result.production_tpa, axis=0)}))
    return pd.concat(frames, ignore_index=True)


def demand_table(result: MarketResult) -> pd.DataFrame:
    """Demand by application and year, long format (medians over scenarios), the latent alloy demand as
    ``al_sc_alloy_latent``; t/a Sc2O3."""
    p = result.path
    return pd.concat([pd.DataFrame({"year": p.years, "application": name,
                                    "demand_tpa": np.nanmedian(p.demand_by_application_tpa[:, i, :], axis=0)})
                      for i, name in enumerate(p.applications)], ignore_index=True)


def cost_curve_year_table(result: MarketResult, scenario: Any, year: int | None = None) -> pd.DataFrame:
    """Every source's available capacity in one year (default the project's first) against its cash cost,
    cumulated in cost order; the project at its own cash cost and production (scenario medians)."""
    year = result.project_first_year if year is None else int(year)
    p = result.path
    i = int(np.clip(year - p.years[0], 0, p.years.size - 1))
    rows = [{"producer": r.name, "region": r.region, "kind": r.kind,
             "available_tpa": float(np.nanmedian(p.extra["available_tpa"][:, j, i])),
             "cash_cost_usd_per_kg": r.cash_cost_usd_per_kg, "is_project": False}
            for j, r in enumerate(scenario.market.supply)]
    rows.append({"producer": "crater_lake", "region": "canada", "kind": "project",
                 "available_tpa": float(np.nanmedian(result.production_tpa[:, i])),
                 "cash_cost_usd_per_kg": float(np.nanmedian(result.cash_cost_usd_per_kg)), "is_project": True})
    df = pd.DataFrame(rows).sort_values("cash_cost_usd_per_kg", kind="stable").reset_index(drop=True)
    df["cumulative_tpa"] = df["available_tpa"].cumsum()
    df.insert(0, "year", year)
    return df


def stage_summary(result: MarketResult, scenario: Any) -> dict[str, Any]:
    ok = result.status < Status.not_converged
    tab = price_path_table(result)
    keep = tab["year"].isin([*range(int(tab["year"].iloc[0]), int(tab["year"].iloc[-1]) + 1, 5)])
    m = scenario.market
    return {
        "basis": "Sc2O3 US$/kg on the USGS MCS 2026 price basis (fitted 2021-2025), t/a Sc2O3",
        "project_first_year": result.project_first_year,
        "china_export_licensing": bool(m.china_export_licensing),
        "alloy_adoption": bool(m.alloy_adoption),
        "price_source": scenario.economics.price_source,
        "metrics": {k: metric_summary(v, ok) for k, v in result.metrics.items()},
        "status": count(result.status),
        "price_path": {str(int(r["year"])): {k: (None if pd.isna(r[k]) else float(r[k]))
                                            for k in tab.columns if k.startswith("price_")}
                       for _, r in tab[keep].iterrows()},
    }
