"""The market model's tabular inputs: the supply stack and the demand by application, as scenario sections.

Defaults are the rows of ``data/market/supply.yaml`` and ``data/market/demand.yaml``, each with its source or
assumption; a scenario may replace either list. Rows are checked as a scenario file is (one-line errors naming
the field, e.g. ``market.supply.3.capacity_tpa``), and the whole stack against the calendar in
:func:`check_calendar`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.datafiles import load_data
from .model import Demand, SupplyStack

__all__ = ["REGIONS", "Application", "SupplySource", "default_demand", "default_supply", "demand_of", "supply_of"]

#: supplier countries the reliability index counts (Herfindahl index over them)
REGIONS = ("china", "russia", "canada", "japan", "australia", "usa", "other")

#: capital recovery factor of the incentive price: 10 % real over 20 years (an assumption, data/market/supply.yaml)
CRF = 0.10 / (1.0 - 1.10**-20)


class SupplySource(BaseModel):
    """One rival source of Sc2O3 (t/a Sc2O3, US$/kg Sc2O3)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[a-z0-9_]+$", max_length=60, description="identifier (snake_case)")
    label: str = Field("", max_length=200)
    region: Literal[REGIONS] = Field(..., description="supplier country (reliability counts them)")  # type: ignore[valid-type]
    kind: Literal["byproduct", "primary"] = Field(
        ..., description="byproduct: committed at its start year; primary: commits when the price pays")
    capacity_tpa: float = Field(..., ge=0.0, le=1.0e5, description="capacity, t/a Sc2O3")
    start_year: int = Field(..., description="first production year")
    ramp_years: int = Field(1, ge=0, le=30,
                            description="years of the linear ramp: full capacity from start_year + ramp_years - 1")
    go_ahead_prob: float = Field(1.0, ge=0.0, le=1.0, description="probability the source goes ahead")
    cash_cost_usd_per_kg: float = Field(..., gt=0.0, le=1.0e5, description="cash cost, US$/kg Sc2O3")
    capex_musd: float | None = Field(None, ge=0.0, le=1.0e5, description="initial capital, US$ M (incentive price)")
    incentive_factor: float | None = Field(
        None, ge=1.0, le=10.0, description="incentive price over cash cost, where no capex is public")
    source: str | None = Field(None, max_length=1000)
    assumption: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _provenance(self) -> SupplySource:
        if not (self.source or self.assumption):
            raise ValueError("needs a source: or an assumption: (where its figures come from)")
        return self

    @property
    def incentive_price_usd_per_kg(self) -> float:
        """Cash cost plus the capital charge per kg (capex x CRF / capacity), or cash cost x incentive_factor."""
        if self.capex_musd is not None and self.capacity_tpa > 0:
            return self.cash_cost_usd_per_kg + self.capex_musd * 1e6 * CRF / (self.capacity_tpa * 1e3)
        return self.cash_cost_usd_per_kg * (self.incentive_factor or 1.0)


class Application(BaseModel):
    """One end use: its base-year share of demand, growth and price elasticity."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=200)
    alloy: bool = Field(False, description="an Al-Sc alloy use")
    share_frac: float = Field(..., ge=0.0, le=1.0, description="share of base-year demand (0-1)")
    growth_frac_per_yr: float = Field(0.0, ge=-0.5, le=1.0, description="demand growth per year at a constant price")
    price_elasticity: float = Field(
        ..., ge=-5.0, le=0.0, description="constant price elasticity of demand (<= 0: demand falls as price rises)")
    source: str | None = Field(None, max_length=1000)
    assumption: str | None = Field(None, max_length=1000)


def default_supply() -> list[SupplySource]:
    return [SupplySource(**row) for row in load_data("market/supply.yaml")["sources"]]


def default_demand() -> dict[str, Application]:
    return {k: Application(**v) for k, v in load_data("market/demand.yaml")["applications"].items()}


def check_stack(supply: list[SupplySource], demand: dict[str, Application], history_start: int,
                horizon: int) -> None:
    """Refuse a stack the calendar cannot hold, and demand shares that do not add up (ValueError, one line)."""
    names = [s.name for s in supply]
    if len(set(names)) != len(names):
        repeated = sorted({x for x in names if names.count(x) > 1})
        raise ValueError(f"supply: source names must be unique (repeated: {repeated})")
    for i, s in enumerate(supply):
        if not 1950 <= s.start_year <= horizon:
            raise ValueError(f"supply.{i}.start_year: {s.start_year} must lie in [1950, {horizon}] (the horizon); "
                             f"history starts {history_start}")
    total = sum(a.share_frac for a in demand.values())
    if demand and abs(total - 1.0) > 1e-6:
        raise ValueError(f"demand: application shares sum to {total:.6g}; they must sum to 1")
    if not demand:
        raise ValueError("demand: needs at least one application")


def supply_of(rows: list[SupplySource]) -> SupplyStack:
    """The model's arrays for a list of sources."""
    return SupplyStack(
        names=tuple(s.name for s in rows), region=tuple(s.region for s in rows),
        byproduct=np.array([s.kind == "byproduct" for s in rows], dtype=bool),
        capacity_tpa=np.array([s.capacity_tpa for s in rows], dtype=float),
        start_year=np.array([s.start_year for s in rows], dtype=int),
        ramp_years=np.array([s.ramp_years for s in rows], dtype=int),
        go_ahead_prob=np.array([s.go_ahead_prob for s in rows], dtype=float),
        cash_cost_usd_per_kg=np.array([s.cash_cost_usd_per_kg for s in rows], dtype=float),
        incentive_price_usd_per_kg=np.array([s.incentive_price_usd_per_kg for s in rows], dtype=float))


def demand_of(apps: dict[str, Application]) -> Demand:
    return Demand(names=tuple(apps), share_frac=np.array([a.share_frac for a in apps.values()]),
                  growth_frac_per_yr=np.array([a.growth_frac_per_yr for a in apps.values()]),
                  price_elasticity=np.array([a.price_elasticity for a in apps.values()]),
                  alloy=np.array([a.alloy for a in apps.values()], dtype=bool))
