"""The market stage: the world Sc2O3 market with and without the project, over the scenario axis.

In the chain it takes the project's production by year and cash cost from a price-taker pass of the economics
stage and its alloy's cost per MPa from the alloy stage; alone it reads ``market.project_capacity_tpa``,
``market.project_cash_cost_usd_per_kg`` and ``market.alloy_cost_usd_per_mpa_per_kg`` with the economics
stage's life and ramp-up. The history (data/market/prices.yaml) is replayed first, so every path starts from
the observed prices; the market without the project is simulated beside it (the project's own volume effect
is the difference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import ScenarioError
from ..core.status import Status
from .calibrate import history
from .inputs import demand_of, supply_of
from .model import Demand, MarketParams, MarketPath, ProjectSupply, SupplyStack, simulate

__all__ = ["MarketResult", "SalesPath", "market_inputs", "run_market"]

#: the calendar years whose price the summary reports
REPORT_YEARS = (2030, 2035, 2040, 2050)


@dataclass
class SalesPath:
    """What the economics stage reads: per production year (n, years from first production) the share of
    production sold and the realised Sc2O3 price [US$/kg] (offtake and spot sales blended)."""

    sold_frac: np.ndarray
    price_usd_per_kg: np.ndarray


@dataclass
class MarketResult:
    path: MarketPath  #: with the project
    baseline: MarketPath  #: the market without it
    metrics: dict[str, np.ndarray]
    status: np.ndarray
    project_first_year: int
    sales: SalesPath | None = None
    production_tpa: np.ndarray | None = None  #: the project's production on the market's years (n, years)
    cash_cost_usd_per_kg: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> Any:
        """The metrics and status over ``scenario`` (:mod:`scandia.core.labelled`), with price, demand, supply by
        source and stock over calendar ``year``, ``source`` and ``application``, as an ``xarray.Dataset``."""
        import xarray as xr

        from ..core.labelled import stage_dataset

        p, b = self.path, self.baseline
        series = xr.Dataset(
            {"price_usd_per_kg": (("scenario", "year"), p.price_usd_per_kg, {"units": "USD/kg Sc2O3"}),
             "price_without_project_usd_per_kg": (("scenario", "year"), b.price_usd_per_kg, {"units": "USD/kg"}),
             "demand_tpa": (("scenario", "year"), p.demand_tpa, {"units": "t/a Sc2O3"}),
             "supply_tpa": (("scenario", "year"), p.supply_tpa, {"units": "t/a Sc2O3"}),
             "project_sold_tpa": (("scenario", "year"), p.project_sold_tpa, {"units": "t/a Sc2O3"}),
             "stock_t": (("scenario", "year"), p.stock_t, {"units": "t Sc2O3"}),
             "adoption_frac": (("scenario", "year"), p.adoption_frac, {"units": "1"}),
             "supply_by_source_tpa": (("scenario", "source", "year"), p.supply_by_source_tpa, {"units": "t/a"}),
             "demand_by_application_tpa": (("scenario", "application", "year"), p.demand_by_application_tpa,
                                           {"units": "t/a"})},
            coords={"year": p.years, "source": list(p.names), "application": list(p.applications)})
        ds = stage_dataset("market", self).merge(series)
        ds.attrs["stage"] = "market"
        ds.attrs["project_first_year"] = self.project_first_year
        return ds


def _values(scenario: Any, n: int, arrays: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Every declared field as (n,) by dotted path, ``arrays`` overriding the scenario's values."""
    return {**scenario.arrays(n, views=True),
            **{k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in (arrays or {}).items()}}


def market_inputs(scenario: Any, n: int, arrays: dict[str, np.ndarray] | None = None,
                  values: dict[str, np.ndarray] | None = None) -> tuple[SupplyStack, Demand, MarketParams]:
    """The model's inputs from the scenario's ``market`` section (``arrays`` overrides fields by dotted path;
    ``values``, when given, is :func:`_values` already built). The base-year price is the history's."""
    m = scenario.market
    values = values if values is not None else _values(scenario, n, arrays)
    a = {k.removeprefix("market."): v for k, v in values.items() if k.startswith("market.")}
    years, prices, _ = history()
    at = np.flatnonzero(years == int(m.base_year))
    if at.size == 0:
        raise ScenarioError("market.base_year", f"must be a year of the price history ({years[0]}-{years[-1]})")
    base_price = float(prices[at[0]])
    latent = a["aluminium_mt_per_yr"] * 1e6 * a["latent_penetration_frac"] * a["latent_sc_wt_frac"] * 1.5338
    params = MarketParams(
        base_year=int(m.base_year), base_demand_tpa=a["base_demand_tpa"],
        base_price_usd_per_kg=np.full(n, base_price), byproduct_offer_factor=a["byproduct_offer_factor"],
        price_adjust_frac=a["price_adjust_frac"], offer_width=a["offer_width"], entry_width=a["entry_width"],
        go_ahead_factor=a["go_ahead_factor"], lead_years=int(m.lead_years), expectation_years=a["expectation_years"],
        stock_cover_years=a["stock_cover_years"], growth_fade_years=a["growth_fade_years"],
        elasticity_factor=a["elasticity_factor"],
        stock_restore_years=a["stock_restore_years"],
        initial_stock_years=a["initial_stock_years"],
        china_availability_frac=a["china_availability_frac"] if m.china_export_licensing else np.ones(n),
        licensing_year=int(m.licensing_year), latent_alloy_tpa=latent, bass_p=a["bass_p"], bass_q=a["bass_q"],
        strength_value_usd_per_mpa_per_kg=a["strength_value_usd_per_mpa_per_kg"],
        adoption_width=a["adoption_width"], adoption=bool(m.alloy_adoption))
    return supply_of(m.supply), demand_of(m.demand), params


def _standalone_production(a: dict[str, np.ndarray], years: np.ndarray, first: int) -> np.ndarray:
    """Run alone: the stated capacity from the first production year for the economics life, with its ramp-up
    (``a``: every field by dotted path, as :func:`_values`)."""
    cap = a["market.project_capacity_tpa"]
    life = a["economics.params.life_years"].astype(int)
    r1 = a["economics.params.ramp_up_first_year_frac"]
    k = years[None, :] - first
    frac = np.where(k == 0, r1[:, None], np.where(k == 1, 0.5 * (1.0 + r1[:, None]), 1.0))
    return np.where((k >= 0) & (k < life[:, None]), cap[:, None] * frac, 0.0)


def run_market(scenario: Any, n: int = 1, arrays: dict[str, np.ndarray] | None = None,
               production_kg_by_year: np.ndarray | None = None, first_production_index: int = 0,
               cash_cost_usd_per_kg: np.ndarray | None = None, alloy: Any = None) -> MarketResult:
    """The market with and without the project for ``n`` scenarios.

    ``production_kg_by_year`` (n, years of the cash flow) is the project's Sc2O3 production [kg/a] from the
    economics stage, whose ``first_production_index`` is ``market.project_first_year``; without it the stage
    runs alone (see the module docstring).
    """
    m = scenario.market
    values = _values(scenario, n, arrays)
    get = values.__getitem__
    stack, demand, params = market_inputs(scenario, n, values=values)
    history_rmse = None
    if m.condition_on_history:  # each scenario's offer factor refit to the history given its other inputs
        from dataclasses import replace

        from .calibrate import condition_offer_factor

        factor, history_rmse = condition_offer_factor(stack, demand, params)
        params = replace(params, byproduct_offer_factor=factor)
    y_hist, p_hist, _ = history()
    first = int(m.project_first_year)
    horizon = int(m.horizon_year)
    years = np.arange(int(y_hist[0]), horizon + 1)
    observed = np.full(years.size, np.nan)
    observed[np.searchsorted(years, y_hist)] = p_hist
    if first <= int(y_hist[-1]):
        raise ScenarioError("market.project_first_year", f"must come after the price history (after {y_hist[-1]})")
    if production_kg_by_year is None:
        prod = _standalone_production(values, years, first)
        cash = get("market.project_cash_cost_usd_per_kg")
    else:
        p = np.asarray(production_kg_by_year, dtype=float)[:, first_production_index:] / 1e3
        if p.shape[0] not in (1, n):
            raise ScenarioError("samples", f"the market stage needs every scenario's production by year ({n:,} "
                                "scenarios): run more than 50,000 in chunks (scandia.chain.run_chunked, as the CLI "
                                "does)")
        on = np.flatnonzero((p > 0).any(axis=0))
        last = first + (int(on[-1]) if on.size else 0)
        if last > horizon:
            raise ScenarioError("market.horizon_year", f"the project produces until {last}; the horizon must reach "
                                "it (at most 2200)")
        p = p[:, :max(int(on[-1]) + 1 if on.size else 1, 1)]
        prod = np.zeros((n, years.size))
        j = first - years[0]
        prod[:, j:j + p.shape[1]] = np.broadcast_to(p, (n, p.shape[1]))
        cash = np.broadcast_to(np.asarray(cash_cost_usd_per_kg, dtype=float), (n,))
    cash = np.where(np.isfinite(cash) & (cash > 0), cash, 1e5)  # a project making nothing offers nothing
    if alloy is not None:
        cost_mpa = np.broadcast_to(np.asarray(alloy.metrics["cost_usd_per_mpa_per_kg"], dtype=float), (n,))
        alloy_price = np.broadcast_to(np.asarray(alloy.metrics["sc2o3_price_usd_per_kg"], dtype=float), (n,))
        cost_mpa = np.where(np.isfinite(cost_mpa), cost_mpa, 1e3)  # no strength gain: no adoption
    else:
        cost_mpa = get("market.alloy_cost_usd_per_mpa_per_kg")
        alloy_price = params.base_price_usd_per_kg
    project = ProjectSupply(production_tpa=prod, cash_cost_usd_per_kg=cash, offtake_tpa=get("market.offtake_tpa"),
                            max_share_frac=get("market.project_max_share_frac"))
    kw = {"alloy_cost_usd_per_mpa_per_kg": cost_mpa, "alloy_price_usd_per_kg": alloy_price,
          "observed_price_usd_per_kg": observed}
    path = simulate(stack, demand, params, years, project=project, **kw)
    base = simulate(stack, demand, params, years, **kw)
    # the project's sales per production year, with the realised price (offtake at its contract price)
    j = first - years[0]
    life_cols = slice(j, years.size)
    produced = prod[:, life_cols]
    sold = path.project_sold_tpa[:, life_cols]
    off = path.project_offtake_tpa[:, life_cols]
    off_price = get("market.offtake_price_usd_per_kg")[:, None]
    spot = sold - off
    realised = np.divide(off * off_price + spot * path.price_usd_per_kg[:, life_cols], sold,
                         out=path.price_usd_per_kg[:, life_cols].copy(), where=sold > 1e-12)
    sold_frac = np.divide(sold, produced, out=np.ones_like(sold), where=produced > 1e-12)
    sales = SalesPath(sold_frac=np.clip(sold_frac, 0.0, 1.0), price_usd_per_kg=realised)
    metrics = _metrics(path, base, prod, first, years)
    sold_total = sold.sum(axis=1)
    metrics["realised_price_life_mean_usd_per_kg"] = np.divide(
        (realised * sold).sum(axis=1), sold_total, out=np.full(n, np.nan), where=sold_total > 0)
    disc = (1.0 + get("economics.params.discount_rate_frac")[:, None]) ** -np.arange(sold.shape[1])[None, :]
    sold_disc = (sold * disc).sum(axis=1)
    metrics["realised_price_discounted_usd_per_kg"] = np.divide(
        (realised * sold * disc).sum(axis=1), sold_disc, out=np.full(n, np.nan), where=sold_disc > 0)
    status = np.where(path.clipped | base.clipped, Status.clipped, Status.ok).astype(np.int8)
    if history_rmse is not None:
        from .calibrate import CONDITION_RMSE_MAX

        metrics["byproduct_offer_factor_conditioned"] = params.byproduct_offer_factor
        metrics["history_rmse_log_frac"] = history_rmse
        # inputs no offer factor reconciles with the observed prices: kept, flagged out of range
        status = np.maximum(status, np.where(history_rmse > CONDITION_RMSE_MAX, Status.out_of_range, Status.ok)
                            ).astype(np.int8)
    return MarketResult(path=path, baseline=base, metrics=metrics, status=status, project_first_year=first,
                        sales=sales, production_tpa=prod, cash_cost_usd_per_kg=cash)


def _metrics(path: MarketPath, base: MarketPath, prod: np.ndarray, first: int, years: np.ndarray
             ) -> dict[str, np.ndarray]:
    """Headline numbers per scenario (units in data/outputs.yaml)."""
    n = prod.shape[0]
    life = prod > 1e-12
    years_on = np.maximum(life.sum(axis=1), 1)
    mean_on = lambda v: np.where(life, v, 0.0).sum(axis=1) / years_on  # noqa: E731
    produced = prod.sum(axis=1)
    sold = np.where(life, path.project_sold_tpa, 0.0).sum(axis=1)
    supply = path.supply_tpa
    share = np.divide(path.project_sold_tpa, supply, out=np.zeros_like(supply), where=supply > 0)
    at = lambda y: int(np.clip(y - years[0], 0, years.size - 1))  # noqa: E731
    out = {
        "price_project_life_mean_usd_per_kg": mean_on(path.price_usd_per_kg),
        "price_without_project_life_mean_usd_per_kg": mean_on(base.price_usd_per_kg),
        "price_effect_frac": mean_on(path.price_usd_per_kg / base.price_usd_per_kg) - 1.0,
        "project_sold_frac": np.divide(sold, produced, out=np.zeros(n), where=produced > 0),
        "project_market_share_frac": mean_on(share),
        "demand_first_year_tpa": path.demand_tpa[:, at(first)],
        "supply_first_year_tpa": supply[:, at(first)],
        "unmet_demand_max_tpa": path.unmet_tpa.max(axis=1),
        "alloy_adoption_2050_frac": path.adoption_frac[:, at(2050)],
        "supply_reliability_first_year_frac": path.reliability_frac[:, at(first)],
    }
    for y in REPORT_YEARS:
        out[f"price_{y}_usd_per_kg"] = path.price_usd_per_kg[:, at(y)]
    return out
