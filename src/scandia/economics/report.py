"""Summary and tables of the economics stage (formatting only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.results import metric_summary
from ..core.status import Status
from ..scenario.schema import Scenario
from .footprint import cost_curve, curve_position
from .stage import EconomicsResult

__all__ = ["HEADLINE", "capex_table", "cashflow_table", "cost_curve_table", "opex_table", "stage_summary"]

HEADLINE = ("npv_musd", "irr_frac", "pretax_npv_musd", "pretax_irr_frac", "payback_years",
            "breakeven_sc2o3_usd_per_kg", "all_in_cost_usd_per_kg_sc2o3", "capex_musd", "opex_usd_per_kg_sc2o3",
            "revenue_musd_per_yr", "co2e_kg_per_kg_sc2o3", "co2e_kg_per_kg_master_alloy")


def stage_summary(result: EconomicsResult, scenario: Scenario) -> dict[str, Any]:
    ok = result.status < Status.not_converged
    p = scenario.economics.params
    return {
        "product": scenario.economics.product,
        "basis": f"real US$ of {int(p.currency_year)}, end-of-year discounting from the first construction year, "
                 f"after Québec mining tax and federal + Québec income tax",
        "discount_rate_frac": float(p.discount_rate_frac),
        "metrics": {k: metric_summary(v, ok) for k, v in result.metrics.items()},
        "capex_musd_by_area": {k: metric_summary(v / 1e6, ok) for k, v in result.capex_usd.items()},
        "opex_musd_per_yr_by_item": {k: metric_summary(v / 1e6, ok) for k, v in result.opex_usd_per_yr.items()},
        "co2e_kg_per_kg_sc2o3_by_source": {k: metric_summary(v, ok if np.size(v) == ok.size else None)
                                           for k, v in result.footprint.items()},
        "cost_curve_position": curve_position(cost_curve_table(result)),
    }


def cost_curve_table(result: EconomicsResult) -> pd.DataFrame:
    """Rival supply and the project (scenario median cash cost and output) ordered by cash cost: like for like,
    cash cost against cash cost (the all-in cost, capital and taxes included, is not what rivals publish)."""
    cost = float(np.nanmedian(result.metrics["cash_cost_usd_per_kg_sc2o3"]))
    tpa = float(np.nanmedian(result.metrics["sc2o3_production_tpa"]))
    return cost_curve(cost, tpa)


def cashflow_table(result: EconomicsResult) -> pd.DataFrame:
    """Cash flow of scenario 0 by year; columns carry units."""
    lines = result.cashflow.lines
    df = pd.DataFrame({"year": result.cashflow.years})
    for k, v in lines.items():
        name = k.replace("_usd", "_musd").replace("production_kg", "sc2o3_production_t")
        scale = 1e-6 if k.endswith("_usd") else 1e-3
        df[name] = v[0] * scale
    return df


def capex_table(result: EconomicsResult) -> pd.DataFrame:
    return pd.DataFrame({"area": list(result.capex_usd), "capex_musd": [float(np.ravel(v)[0]) / 1e6
                                                                          for v in result.capex_usd.values()]})


def opex_table(result: EconomicsResult) -> pd.DataFrame:
    return pd.DataFrame({"item": list(result.opex_usd_per_yr),
                         "opex_musd_per_yr": [float(np.ravel(v)[0]) / 1e6 for v in result.opex_usd_per_yr.values()]})
