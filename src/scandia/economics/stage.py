"""The economics stage: capital and operating cost from the chain, cash flow, NPV, IRR, break-even.

In the chain it reads the hydromet stage's production, reagent cost and concentrate rate (and, when the
product is master alloy, the alloy stage's conversion cost); alone it reads ``economics.inputs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from ..core.assay import SC2O3_PER_SC
from ..core.errors import ScenarioError
from ..core.status import Status
from ..scenario.schema import Scenario
from .cashflow import CashFlow, ProjectInputs, breakeven_price, evaluate
from .costs import capex_by_area, capex_items, opex_by_item
from .footprint import allocation_share, oxide_footprint

__all__ = ["EconomicsResult", "run_economics"]


@dataclass
class EconomicsResult:
    capex_usd: dict[str, np.ndarray]
    opex_usd_per_yr: dict[str, np.ndarray]
    cashflow: CashFlow
    metrics: dict[str, np.ndarray]
    status: np.ndarray
    quantities: dict[str, np.ndarray] = field(default_factory=dict)
    footprint: dict[str, np.ndarray] = field(default_factory=dict)
    #: the cash-flow model's inputs, every numeric field (n,) (the Excel model is built from scenario 0's)
    inputs: ProjectInputs | None = None

    @property
    def dataset(self) -> Any:
        """This stage's results as an ``xarray.Dataset`` (named dimensions, units in attributes, status);
        see :mod:`scandia.core.labelled`."""
        from ..core.labelled import stage_dataset

        return stage_dataset("economics", self)

def _quantities(scenario: Scenario, n: int, hydromet: Any, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    hours = arrays["plant.operating_hours_per_year_h_per_yr"]
    ore_tph = arrays["plant.ore_feed_rate_tph"]
    if hydromet is not None:
        m = hydromet.metrics
        q = {"concentrate_tpa": m["concentrate_tph"] * hours, "sc2o3_kg_per_yr": m["sc2o3_production_tpa"] * 1e3,
             "reo_kg_per_yr": m["reo_production_tpa"] * 1e3,
             # rare-earth oxides contained in the mixed product (its price is per kg of contained REO)
             "treo_kg_per_yr": m["reo_production_tpa"] * m["reo_purity_frac"] * 1e3,
             "reagent_cost_usd_per_yr": m["reagent_cost_usd_per_h"] * hours,
             "regen_fuel_mw": m.get("regen_fuel_mw", np.zeros(n)),
             "evaporator_kwh_per_yr": m.get("evaporator_mw", np.zeros(n)) * 1e3 * hours}
    else:
        inp = scenario.economics.inputs
        if inp is None:
            raise ScenarioError("economics.inputs", "run alone, the economics stage needs production inputs "
                                "(concentrate_tpa, sc2o3_production_tpa, reo_production_tpa, "
                                "reagent_cost_usd_per_kg_sc2o3), or run it in the chain")
        i = "economics.inputs."  # per-scenario values (a distribution may vary them)
        sc_kg = arrays[i + "sc2o3_production_tpa"] * 1e3
        q = {"concentrate_tpa": arrays[i + "concentrate_tpa"], "sc2o3_kg_per_yr": sc_kg,
             "reo_kg_per_yr": arrays[i + "reo_production_tpa"] * 1e3,
             "treo_kg_per_yr": arrays[i + "reo_production_tpa"] * 1e3 * arrays[i + "reo_purity_frac"],
             "reagent_cost_usd_per_yr": arrays[i + "reagent_cost_usd_per_kg_sc2o3"] * sc_kg,
             "regen_fuel_mw": np.zeros(n), "evaporator_kwh_per_yr": np.zeros(n)}
    q["ore_tph"] = np.broadcast_to(ore_tph, (n,)).astype(float)
    q["ore_tpa"] = q["ore_tph"] * hours
    q["concentrate_tph"] = np.asarray(q["concentrate_tpa"], dtype=float) / hours  # design (operating-hour) rate
    return {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in q.items()}


def _mean_revenue(cf: CashFlow, n: int) -> np.ndarray:
    """Mean yearly revenue over the production years (a market run's revenue changes year by year); NaN when
    the per-year lines were kept for the first chunk only (more than CHUNK scenarios)."""
    rev = cf.lines["revenue_usd"]
    if rev.shape[0] != n:
        return np.full(n, np.nan)
    on = cf.lines["production_kg"] > 0
    return np.where(on, rev, 0.0).sum(axis=1) / np.maximum(on.sum(axis=1), 1)


CHUNK = 50_000


def _evaluate_chunked(p: ProjectInputs, n: int) -> tuple[CashFlow, np.ndarray]:
    """Cash flow and break-even price in chunks of scenarios (keeps the (n, years) arrays in cache and memory)."""
    p = p.broadcast(n)
    if n <= CHUNK:
        return evaluate(p, n), breakeven_price(p, n)
    parts, bes = [], []
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        sub = replace(p, **{f.name: getattr(p, f.name)[lo:hi] for f in fields(p)
                            if isinstance(getattr(p, f.name), np.ndarray)},
                      ramp_up=tuple(np.broadcast_to(r, (n,))[lo:hi] for r in p.ramp_up))
        parts.append(evaluate(sub, hi - lo))
        bes.append(breakeven_price(sub, hi - lo))
    first = parts[0]
    cat = lambda name: np.concatenate([getattr(c, name) for c in parts])  # noqa: E731
    lines = first.lines  # per-year lines of the first chunk only: the tables show scenario 0, memory stays bounded
    cf = CashFlow(years=first.years, lines=lines, npv_usd=cat("npv_usd"), pretax_npv_usd=cat("pretax_npv_usd"),
                  irr_frac=cat("irr_frac"), pretax_irr_frac=cat("pretax_irr_frac"), payback_years=cat("payback_years"),
                  all_in_cost_usd_per_kg=cat("all_in_cost_usd_per_kg"))
    return cf, np.concatenate(bes)


def run_economics(scenario: Scenario, n: int = 1, hydromet: Any = None, alloy: Any = None,
                  arrays: dict[str, np.ndarray] | None = None, plan: dict[str, np.ndarray] | None = None,
                  market: Any = None) -> EconomicsResult:
    """Cash flow of the project for ``n`` scenarios (``arrays`` overrides scenario fields by dotted path).

    ``plan`` gives a mine plan's years instead of the nameplate years and ramp-up: ``production_frac`` and
    ``throughput_frac`` (n, years), Sc2O3 production and ore throughput per production year as fractions of the
    plant's nameplate (the ramp-up included), and ``life_years`` (n,), the years of feed."""
    arr = scenario.arrays(n, views=True)
    if arrays:
        arr.update({k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in arrays.items()})
    e = {k.removeprefix("economics.params."): v for k, v in arr.items() if k.startswith("economics.params.")}
    q = _quantities(scenario, n, hydromet, arr)
    year = int(scenario.economics.params.currency_year)
    items = capex_items(scenario.beneficiation.selected_route, scenario.hydromet.leach_route)
    capex = capex_by_area(q, year, e["indirects_frac"], e["contingency_frac"], items)
    variable, fixed = opex_by_item(q, e)
    sc_kg = q["sc2o3_kg_per_yr"]
    price = e["sc2o3_price_usd_per_kg"]
    payability = e["sc2o3_payability_frac"]
    product = scenario.economics.product
    share = {"sc2o3": 0.0, "master_alloy": 1.0}.get(product)
    if share is None:  # "mix": the declared share of the Sc2O3 sold converted to master alloy
        share = e["master_alloy_share_frac"]
    if product != "sc2o3":
        if alloy is None:
            raise ScenarioError("economics.product", f"{product} needs the alloy stage in the run")
        ma = alloy.master
        per_kg_ma = ma.inputs_kg["sc2o3"]  # Sc2O3 consumed per kg master alloy (alloying losses included)
        conversion = ma.cost_usd_per_kg - ma.cost_usd["sc2o3"]  # everything but the oxide itself
        variable["master_alloy_conversion"] = share * sc_kg / per_kg_ma * conversion
        # the master alloy is priced from the oxide price: its contained Sc2O3 at the oxide price plus a stated
        # conversion premium per kg (data/economics/economics.yaml, master_alloy_premium_usd_per_kg)
        contained = ma.sc_frac * SC2O3_PER_SC  # kg Sc2O3 equivalent per kg master alloy

    def sc_revenue_per_kg(oxide: np.ndarray) -> np.ndarray:
        """Revenue per kg Sc2O3 produced at an oxide price, (n,) or by production year (n, years), over the two
        Sc products (REO is added in the cash flow); payability included."""
        c = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n,)).reshape((n,) + (1,) * (oxide.ndim - 1))  # noqa: E731
        out = (1.0 - c(share)) * oxide * c(e["sc2o3_payability_frac"])
        if product != "sc2o3":
            ma_price = c(contained) * oxide + c(e["master_alloy_premium_usd_per_kg"])
            out = out + c(share) * (ma_price * c(e["master_alloy_payability_frac"]) / c(per_kg_ma))
        return out

    if product != "sc2o3":
        price = sc_revenue_per_kg(np.broadcast_to(np.asarray(price, dtype=float), (n,)))
        payability = np.ones(n)
    if market is not None:  # by production year, at the market's realised oxide price
        market_per_kg = sc_revenue_per_kg(np.asarray(market.price_usd_per_kg, dtype=float))
    var_total = sum(variable.values())
    fixed_total = sum(fixed.values())
    safe_kg = np.where(sc_kg > 0, sc_kg, np.nan)
    status = np.where(sc_kg > 0, Status.ok, Status.infeasible).astype(np.int8)
    capex_total = sum(capex.values())
    # processing allowance base (Québec mining tax): rate x capital cost of the processing assets; the concentrator
    # with its own indirects and contingency, the hydromet plant as costed (its reference holds them)
    conc = capex.get("concentrator", 0.0) * (1.0 + e["indirects_frac"]) * (1.0 + e["contingency_frac"])
    allowance_base = (e["processing_allowance_concentrator_frac"] * conc
                      + e["processing_allowance_hydromet_frac"] * capex.get("hydromet", 0.0))
    # operating cost after the mine shaft (processing and product transport), deducted for the mine-mouth value
    processing = sum(v for k, v in {**variable, **fixed}.items() if k not in ("mining", "general_admin"))
    processing_share = np.where(var_total + fixed_total > 0, processing / np.maximum(var_total + fixed_total, 1e-300),
                                1.0)
    life = e["life_years"].astype(np.int64)  # per scenario: the year axis is masked beyond each one's closure
    if plan is not None:
        life = np.broadcast_to(np.asarray(plan["life_years"], dtype=np.int64), (n,)).copy()
        if np.any(life < 1):
            raise ScenarioError("mine plan", "every realisation needs at least one year of feed")
    c_years = int(scenario.economics.params.construction_years)
    phasing = (0.4, 0.6) if c_years == 2 else tuple(np.full(c_years, 1.0 / c_years))
    first = e["ramp_up_first_year_frac"]
    p = ProjectInputs(
        capex_usd=capex_total, production_kg_per_yr=sc_kg, price_usd_per_kg=price,
        opex_variable_usd_per_kg=np.nan_to_num(var_total / safe_kg), opex_fixed_usd_per_yr=fixed_total,
        discount_rate=e["discount_rate_frac"],
        coproduct_revenue_usd_per_yr=q["treo_kg_per_yr"] * e["reo_price_usd_per_kg"] * e["reo_payability_frac"]
        * (q["treo_kg_per_yr"] >= e["reo_min_purity_frac"] * q["reo_kg_per_yr"]),
        payability_frac=payability, sustaining_capex_frac_per_yr=e["sustaining_capex_frac_per_yr"],
        royalty_frac=e["royalty_frac"], processing_cost_frac=processing_share,
        processing_allowance_usd_per_yr=allowance_base,
        mining_tax_depreciation_rate=e["mining_tax_depreciation_rate_frac"], cca_rate=e["cca_rate_frac"],
        federal_tax_rate=e["federal_tax_rate_frac"], provincial_tax_rate=e["provincial_tax_rate_frac"],
        working_capital_frac_of_opex=e["working_capital_frac_of_opex"],
        closure_usd=e["closure_frac_of_capex"] * capex_total, cad_per_usd=e["cad_per_usd"],
        mining_tax=bool(scenario.economics.params.mining_tax), construction_phasing=phasing,
        ramp_up=(first, 0.5 * (1.0 + first)), life_years=life,
        production_profile=None if plan is None else np.asarray(plan["production_frac"], dtype=float),
        throughput_profile=None if plan is None else np.asarray(plan["throughput_frac"], dtype=float))
    if market is not None:
        p = replace(p, price_path_usd_per_kg=market_per_kg,
                    sales_frac=np.broadcast_to(np.asarray(market.sold_frac, dtype=float), market_per_kg.shape))
    cf, be = _evaluate_chunked(p, n)
    metrics = {
        "npv_musd": cf.npv_usd / 1e6, "pretax_npv_musd": cf.pretax_npv_usd / 1e6, "irr_frac": cf.irr_frac,
        "pretax_irr_frac": cf.pretax_irr_frac, "payback_years": cf.payback_years,
        "breakeven_sc2o3_usd_per_kg": be, "all_in_cost_usd_per_kg_sc2o3": cf.all_in_cost_usd_per_kg,
        "capex_musd": capex_total / 1e6, "opex_usd_per_kg_sc2o3": (var_total + fixed_total) / safe_kg,
        # C1-style cash cost: operating cost less the REO by-product credit, per kg Sc2O3 (the cost curve's basis)
        "cash_cost_usd_per_kg_sc2o3": (var_total + fixed_total - p.coproduct_revenue_usd_per_yr) / safe_kg,
        "revenue_musd_per_yr": (sc_kg * price * payability + p.coproduct_revenue_usd_per_yr) / 1e6
        if market is None else _mean_revenue(cf, n) / 1e6,
        "sc2o3_production_tpa": sc_kg / 1e3,
    }
    if hydromet is not None:
        # the site's whole footprint, then the Sc2O3 share by the scenario's allocation rule (REO takes the rest)
        fp_all = oxide_footprint(hydromet.metrics, q)
        share = allocation_share(scenario.economics.co2e_allocation, sc_kg, q["reo_kg_per_yr"],
                                 sc_kg * price * payability, p.coproduct_revenue_usd_per_yr)
        fp = {k: v * share for k, v in fp_all.items()}
        metrics["co2e_kg_per_kg_sc2o3"] = sum(fp.values())
        metrics["co2e_sc2o3_share_frac"] = share
        reo_kg = np.where(q["reo_kg_per_yr"] > 0, q["reo_kg_per_yr"], np.nan)
        metrics["co2e_kg_per_kg_reo"] = sum(fp_all.values()) * (1.0 - share) * sc_kg / reo_kg
        if alloy is not None:
            ma = alloy.master
            metrics["co2e_kg_per_kg_master_alloy"] = ma.co2e_kg_per_kg + ma.inputs_kg["sc2o3"] * metrics[
                "co2e_kg_per_kg_sc2o3"]
    else:
        fp = {}
    opex = {**variable, **fixed}
    return EconomicsResult(capex_usd=capex, opex_usd_per_yr=opex, cashflow=cf, metrics=metrics, status=status,
                           quantities=q, footprint=fp, inputs=p.broadcast(n))
