"""Summary and tables of the economics stage (formatting only)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.results import metric_summary
from ..core.status import Status
from ..scenario.schema import Scenario
from . import taxes
from .cashflow import production_ramp
from .footprint import cost_curve, curve_position
from .stage import EconomicsResult

__all__ = ["HEADLINE", "capex_table", "cashflow_table", "cost_curve_table", "model_inputs_table",
           "model_years_table", "opex_table", "stage_summary"]

HEADLINE = ("npv_musd", "irr_frac", "pretax_npv_musd", "pretax_irr_frac", "payback_years",
            "breakeven_sc2o3_usd_per_kg", "all_in_cost_usd_per_kg_sc2o3", "capex_musd", "opex_usd_per_kg_sc2o3",
            "revenue_musd_per_yr", "co2e_kg_per_kg_sc2o3", "co2e_kg_per_kg_master_alloy", "npv_price_taker_musd",
            "npv_market_musd")


def stage_summary(result: EconomicsResult, scenario: Scenario) -> dict[str, Any]:
    ok = result.status < Status.not_converged
    p = scenario.economics.params
    return {
        "product": scenario.economics.product,
        "basis": f"real US$ of {int(p.currency_year)}, end-of-year discounting from the first construction year, "
                 f"after Québec mining tax and federal + Québec income tax",
        "discount_rate_frac": float(p.discount_rate_frac),
        # share of the Sc2O3 made converted to master alloy (0 when the oxide is sold; the Sankey follows it)
        "master_alloy_share_frac": {"sc2o3": 0.0, "master_alloy": 1.0}.get(
            scenario.economics.product, float(p.master_alloy_share_frac)),
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


def _first(v: Any) -> float:
    return float(np.ravel(np.asarray(v, dtype=float))[0])


def model_inputs_table(result: EconomicsResult) -> pd.DataFrame:
    """The cash-flow model's scalar inputs for scenario 0 (the inputs sheet of the Excel model): one row per
    input with its value, unit and meaning. Money in US$ M so the sheet reads as the cash-flow table does."""
    p = result.inputs
    if p is None:
        return pd.DataFrame(columns=["quantity", "value", "unit", "description"])
    rows = [
        ("price_usd_per_kg", _first(p.price_usd_per_kg), "US$/kg",
         "Sc product price per kg Sc2O3 produced (oxide, or its master-alloy equivalent)"),
        ("payability_frac", _first(p.payability_frac), "fraction", "share of the price paid for the Sc product"),
        ("production_kg_per_yr", _first(p.production_kg_per_yr), "kg/yr", "Sc2O3 at nameplate rate"),
        ("opex_variable_usd_per_kg", _first(p.opex_variable_usd_per_kg), "US$/kg",
         "variable operating cost per kg Sc2O3 produced"),
        ("opex_fixed_musd_per_yr", _first(p.opex_fixed_usd_per_yr) / 1e6, "US$ M/yr",
         "fixed operating cost per production year"),
        ("coproduct_revenue_musd_per_yr", _first(p.coproduct_revenue_usd_per_yr) / 1e6, "US$ M/yr",
         "mixed rare-earth oxide revenue at nameplate rate"),
        ("royalty_frac", _first(p.royalty_frac), "fraction", "royalty on revenue"),
        ("capex_musd", _first(p.capex_usd) / 1e6, "US$ M", "initial capital, spent by the construction phasing"),
        ("sustaining_capex_frac_per_yr", _first(p.sustaining_capex_frac_per_yr), "fraction/yr",
         "sustaining capital per production year as a share of the initial capital"),
        ("working_capital_frac_of_opex", _first(p.working_capital_frac_of_opex), "fraction",
         "working capital held as a share of the year's operating cost"),
        ("closure_frac_of_capex", _first(p.closure_usd) / _first(p.capex_usd) if _first(p.capex_usd) else 0.0,
         "fraction", "closure cost, spent the year after production, as a share of the initial capital"),
        ("discount_rate_frac", _first(p.discount_rate), "fraction/yr", "real discount rate"),
        ("mining_tax_on", float(bool(p.mining_tax)), "1 = yes", "Québec mining tax applied"),
        ("processing_cost_frac", _first(p.processing_cost_frac), "fraction",
         "share of the operating cost incurred after the mine shaft"),
        ("processing_allowance_musd_per_yr", _first(p.processing_allowance_usd_per_yr) / 1e6, "US$ M/yr",
         "processing allowance before its caps (rate x processing assets, from the capital by area when written)"),
        ("allowance_cap_earnings_frac", taxes.ALLOWANCE_CAP_EARNINGS, "fraction",
         "processing allowance cap: share of the earnings before it"),
        ("allowance_cap_value_frac", taxes.ALLOWANCE_CAP_VALUE, "fraction",
         "processing allowance cap: share of the mine-mouth value"),
        ("mine_mouth_floor_frac", taxes.MINE_MOUTH_FLOOR, "fraction", "floor of the mine-mouth value (share of gross)"),
        ("mining_tax_depreciation_rate_frac", _first(p.mining_tax_depreciation_rate), "fraction/yr",
         "mining-tax depreciation, declining balance"),
        ("profit_rate_1_frac", taxes.PROFIT_RATES[0], "fraction", "mining tax on profit up to margin 1"),
        ("profit_rate_2_frac", taxes.PROFIT_RATES[1], "fraction", "mining tax on profit between margins 1 and 2"),
        ("profit_rate_3_frac", taxes.PROFIT_RATES[2], "fraction", "mining tax on profit above margin 2"),
        ("margin_1_frac", taxes.MARGINS[0], "fraction", "profit margin bracket 1 (profit / gross value)"),
        ("margin_2_frac", taxes.MARGINS[1], "fraction", "profit margin bracket 2"),
        ("minimum_rate_1_frac", taxes.MINIMUM_RATES[0], "fraction", "minimum mining tax below the threshold"),
        ("minimum_rate_2_frac", taxes.MINIMUM_RATES[1], "fraction", "minimum mining tax above the threshold"),
        ("minimum_threshold_musd", 80.0 / _first(p.cad_per_usd), "US$ M", "CAD 80 M mine-mouth value threshold"),
        ("cca_rate_frac", _first(p.cca_rate), "fraction/yr", "capital cost allowance, declining balance, half-year"),
        ("straight_line_tax_depreciation", float(p.tax_depreciation == "straight"), "1 = yes",
         "income-tax depreciation straight line over the tax life (else CCA, declining balance)"),
        ("tax_life_years", float(p.tax_life_years), "yr", "straight-line tax life (when not CCA)"),
        ("income_tax_rate_frac", _first(p.federal_tax_rate) + _first(p.provincial_tax_rate), "fraction",
         "federal + Québec corporate income tax"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "unit", "description"])


def model_years_table(result: EconomicsResult) -> pd.DataFrame:
    """The cash-flow model's by-year inputs for scenario 0 (the timing rows of the Excel model): construction
    phasing, production as a share of nameplate, and the 0/1 flags the model's year masks apply."""
    p = result.inputs
    years = result.cashflow.years
    if p is None:
        return pd.DataFrame({"year": years})
    c = len(p.construction_phasing)
    life = int(np.ravel(np.asarray(p.life_years))[0])
    end = c + life
    # the ramp itself (not production / nameplate, which is undefined when nothing is produced), one code path
    first = replace(p, life_years=life, ramp_up=tuple(_first(r) for r in p.ramp_up))  # scenario 0's timing
    ramp = production_ramp(first, 1, years)[0]
    operating = (years >= c) & (years < end)
    phasing = np.zeros(years.size)
    phasing[:c] = p.construction_phasing
    expansion = np.zeros(years.size)
    for year, amount in p.expansion_capex_usd:
        expansion[c + int(year)] += amount / 1e6
    return pd.DataFrame({
        "year": years,
        "construction_frac": phasing,
        "production_frac": ramp,
        "operating_flag": operating.astype(int),
        "sustaining_flag": (operating & (years != c)).astype(int),
        "working_capital_flag": (operating & (years < end - 1)).astype(int),
        "closure_flag": (years == end).astype(int),
        "horizon_flag": (years <= end).astype(int),
        "expansion_capex_musd": expansion,
    })
