"""Annual discounted cash flow of the project, vectorized over scenarios (arrays (n, years)).

Conventions (stated because studies differ): money in real terms, constant US$ of ``currency_year``; discounting
at the end of each year with year 0 the first construction year undiscounted (numpy-financial's ``npv``
convention, Σ CF_t/(1+r)^t for t = 0..T); working capital recovered in the last production year; closure spent
the year after. Taxes from :mod:`scandia.economics.taxes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from ..core.numerics import illinois
from .taxes import cca_schedule, income_tax, mining_tax_ledger

__all__ = ["CashFlow", "ProjectInputs", "breakeven_price", "evaluate", "irr", "npv", "production_ramp"]


@dataclass
class ProjectInputs:
    """Inputs of the cash-flow model; every numeric field is (n,) or broadcasts to it (US$ unless stated)."""

    capex_usd: np.ndarray
    production_kg_per_yr: np.ndarray  # Sc2O3 at full rate
    price_usd_per_kg: np.ndarray
    opex_variable_usd_per_kg: np.ndarray  # per kg Sc2O3 produced
    opex_fixed_usd_per_yr: np.ndarray
    discount_rate: np.ndarray
    coproduct_revenue_usd_per_yr: np.ndarray = field(default_factory=lambda: np.zeros(1))
    payability_frac: np.ndarray = field(default_factory=lambda: np.ones(1))
    sustaining_capex_frac_per_yr: np.ndarray = field(default_factory=lambda: np.full(1, 0.02))
    royalty_frac: np.ndarray = field(default_factory=lambda: np.zeros(1))
    #: share of the operating cost incurred after the mine shaft (processing), deducted for the mine-mouth value
    processing_cost_frac: np.ndarray = field(default_factory=lambda: np.ones(1))
    #: processing allowance before its cap, per production year: rate x capital cost of the processing assets
    processing_allowance_usd_per_yr: np.ndarray = field(default_factory=lambda: np.zeros(1))
    mining_tax_depreciation_rate: np.ndarray = field(default_factory=lambda: np.full(1, 0.30))
    cca_rate: np.ndarray = field(default_factory=lambda: np.full(1, 0.25))
    federal_tax_rate: np.ndarray = field(default_factory=lambda: np.full(1, 0.15))
    provincial_tax_rate: np.ndarray = field(default_factory=lambda: np.full(1, 0.115))
    working_capital_frac_of_opex: np.ndarray = field(default_factory=lambda: np.full(1, 0.25))
    closure_usd: np.ndarray = field(default_factory=lambda: np.zeros(1))
    cad_per_usd: np.ndarray = field(default_factory=lambda: np.full(1, 1.35))
    mining_tax: bool = True
    construction_phasing: tuple[float, ...] = (0.4, 0.6)
    #: production of the first production years as a fraction of nameplate; each entry a number or (n,) array
    ramp_up: tuple[float | np.ndarray, ...] = (0.6, 0.9)
    #: production years, one number or (n,) whole numbers: the year axis runs to the longest life and each
    #: scenario's lines are zero after its own closure year (so a batch of lives equals the single runs)
    life_years: int | np.ndarray = 20
    #: production per production year as a fraction of ``production_kg_per_yr`` (replaces ramp_up when given):
    #: one profile for every scenario, or an (n, years) array, one row per scenario (a mine plan's)
    production_profile: tuple[float, ...] | np.ndarray | None = None
    #: ore throughput per production year as a fraction of the plant's nameplate, (n, years): the variable
    #: operating cost and the co-product revenue follow it (default: they follow the production profile)
    throughput_profile: np.ndarray | None = None
    #: share of each production year's output that is sold, (n, years from first production): the plant makes
    #: what it sells (production, throughput and variable cost follow it); later years sell everything
    sales_frac: np.ndarray | None = None
    #: revenue per kg Sc2O3 by production year, (n, years from first production), replacing
    #: ``price_usd_per_kg`` x ``payability_frac`` (a market price path); later years keep the last value
    price_path_usd_per_kg: np.ndarray | None = None
    #: further capital by production year (index from the first production year), e.g. a stage-2 expansion
    expansion_capex_usd: tuple[tuple[int, float], ...] = ()
    #: income-tax depreciation: "cca" (declining balance, half-year rule) or "straight" over ``tax_life_years``
    tax_depreciation: str = "cca"
    tax_life_years: int = 10

    def broadcast(self, n: int) -> ProjectInputs:
        """A copy with every numeric field as an (n,) float array."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray) and v.ndim == 2:  # per-scenario profiles (n, years)
                out[f.name] = np.broadcast_to(v.astype(float), (n, v.shape[1]))
            elif isinstance(v, np.ndarray | float) and not isinstance(v, bool):
                out[f.name] = np.broadcast_to(np.asarray(v, dtype=float), (n,)).astype(float)
        return replace(self, **out)


@dataclass
class CashFlow:
    """Per-year lines (n, years) and the headline metrics (n,)."""

    years: np.ndarray
    lines: dict[str, np.ndarray]
    npv_usd: np.ndarray
    pretax_npv_usd: np.ndarray
    irr_frac: np.ndarray
    pretax_irr_frac: np.ndarray
    payback_years: np.ndarray
    all_in_cost_usd_per_kg: np.ndarray


def npv(rate: np.ndarray, cf: np.ndarray) -> np.ndarray:
    """Σ_t cf[:, t]/(1+rate)^t, t = 0..T (numpy-financial's convention), vectorized over rows."""
    t = np.arange(cf.shape[1])
    return (cf * (1.0 + np.asarray(rate, dtype=float)[..., None]) ** (-t)).sum(axis=1)


_IRR_GRID = np.concatenate([[-0.5, -0.3, -0.2, -0.1, -0.05], np.linspace(0.0, 0.5, 26),
                            [0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0]])


def irr(cf: np.ndarray, iters: int = 50) -> np.ndarray:
    """Internal rate of return: the lowest rate on [-0.5, 5] where NPV crosses from positive to negative (the
    investment-type root; a closure cost at the end can add a second, meaningless root near -100 %). The grid of
    NPVs is one matrix product; the root is refined by the Illinois false-position method inside its bracket.
    NaN where there is no such crossing (e.g. every cash flow of one sign)."""
    t = np.arange(cf.shape[1])
    vals = cf @ (1.0 + _IRR_GRID[None, :]) ** (-t[:, None])  # (n, rates)
    cross = (vals[:, :-1] > 0) & (vals[:, 1:] <= 0)
    ok = cross.any(axis=1)
    k = np.argmax(cross, axis=1)
    rows = np.arange(cf.shape[0])
    a, b, _ = illinois(lambda c: npv(c, cf), _IRR_GRID[k], _IRR_GRID[k + 1], vals[rows, k], vals[rows, k + 1],
                       xtol=1e-12, iters=iters)
    return np.where(ok, 0.5 * (a + b), np.nan)


def _payback(cf: np.ndarray) -> np.ndarray:
    """Years from the start of construction until cumulative cash flow turns positive (interpolated)."""
    cum = np.cumsum(cf, axis=1)
    pos = cum >= 0
    # first year from which the cumulative stays non-negative
    stays = np.flip(np.logical_and.accumulate(np.flip(pos, axis=1), axis=1), axis=1)
    has = stays.any(axis=1) & (cum[:, 0] < 0)
    k = np.argmax(stays, axis=1)
    rows = np.arange(cf.shape[0])
    prev = cum[rows, np.maximum(k - 1, 0)]
    step = cf[rows, k]
    frac = np.divide(-prev, step, out=np.zeros_like(step), where=step > 0)
    return np.where(has, k - 1 + np.clip(frac, 0.0, 1.0) + 1.0, np.nan)


def production_ramp(p: ProjectInputs, n: int, years: np.ndarray, profile: Any = None) -> np.ndarray:
    """Production as a fraction of nameplate, (n, years): zero in construction and after each scenario's life,
    the ramp-up (or the production profile, or ``profile`` when given) in the first production years, 1 after.
    A profile shorter than a life leaves the later years at nameplate."""
    c = len(p.construction_phasing)
    life = np.broadcast_to(np.asarray(p.life_years), (n,)).astype(np.int64)
    longest = int(life.max())
    operating = (years >= c) & (years < c + life[:, None])
    ramp = np.ones((n, years.size))
    ramp[:, :c] = 0.0
    profile = p.production_profile if profile is None else profile
    if profile is not None:
        prof = np.asarray(profile, dtype=float)
        prof = np.broadcast_to(prof, (n, prof.shape[-1]))[:, :longest]
        ramp[:, c:c + prof.shape[1]] = prof
    else:
        for k, frac in enumerate(p.ramp_up[:longest]):
            ramp[:, c + k] = np.broadcast_to(np.asarray(frac, dtype=float), (n,))
    return np.where(operating, ramp, 0.0)


def _by_production_year(v: np.ndarray, n: int, y: int, c: int, fill: float | None) -> np.ndarray:
    """An (n, production years) array placed on the (n, y) year axis from year ``c``; years beyond it take
    ``fill`` (None: the last value), construction years 0."""
    v = np.broadcast_to(np.asarray(v, dtype=float), (n, np.shape(v)[-1]))
    out = np.zeros((n, y))
    k = min(v.shape[1], y - c)
    out[:, c:c + k] = v[:, :k]
    if c + k < y:
        out[:, c + k:] = v[:, k - 1:k] if fill is None else fill
    return out


def _size(p: ProjectInputs) -> int:
    """Number of scenarios: the longest array among the inputs."""
    return max(np.shape(getattr(p, f.name))[0] if np.ndim(getattr(p, f.name)) == 2 else np.size(getattr(p, f.name))
               for f in fields(p) if isinstance(getattr(p, f.name), np.ndarray))


def evaluate(p: ProjectInputs, n: int | None = None, full: bool = True) -> CashFlow:
    """The cash flow of every scenario (``full=False``: NPV only, for root searches on a price)."""
    n = n or _size(p)
    p = p.broadcast(n)
    c = len(p.construction_phasing)
    life = np.broadcast_to(np.asarray(p.life_years), (n,)).astype(np.int64)
    longest = int(life.max())
    years = np.arange(c + longest + 1)
    y = years.size
    rows = np.arange(n)
    col = lambda v: np.asarray(v, dtype=float)[:, None]  # noqa: E731
    end = c + life[:, None]  # first year after production, per scenario: closure is spent then
    operating = (years >= c) & (years < end)  # (n, years)
    horizon = years <= end  # a scenario's own year axis; later years of a longer-lived batch stay zero
    ramp = production_ramp(p, n, years)
    thr = ramp if p.throughput_profile is None else production_ramp(p, n, years, p.throughput_profile)
    if p.sales_frac is not None:
        sold = _by_production_year(p.sales_frac, n, years.size, c, 1.0)
        ramp, thr = ramp * sold, thr * sold
    prod = col(p.production_kg_per_yr) * ramp
    per_kg = (col(p.price_usd_per_kg) * col(p.payability_frac) if p.price_path_usd_per_kg is None
              else _by_production_year(p.price_path_usd_per_kg, n, years.size, c, None))
    revenue = prod * per_kg + col(p.coproduct_revenue_usd_per_yr) * thr
    opex = (col(p.production_kg_per_yr) * thr * col(p.opex_variable_usd_per_kg)
            + col(p.opex_fixed_usd_per_yr) * operating)
    royalty = col(p.royalty_frac) * revenue
    capex = np.zeros((n, y))
    capex[:, :c] = col(p.capex_usd) * np.asarray(p.construction_phasing, dtype=float)
    sustaining = col(p.sustaining_capex_frac_per_yr * p.capex_usd) * operating
    sustaining[:, c] = 0.0  # no sustaining capital in the first production year
    for year, amount in p.expansion_capex_usd:
        capex[:, c + int(year)] += amount
    closure = np.zeros((n, y))
    closure[rows, c + life] = p.closure_usd
    wc_level = col(p.working_capital_frac_of_opex) * opex
    wc_level[years >= end - 1] = 0.0  # recovered in the last production year
    d_wc = np.diff(np.concatenate([np.zeros((n, 1)), wc_level], axis=1), axis=1)
    ebitda = revenue - opex - royalty
    additions = capex + sustaining
    if p.mining_tax:
        # gross value of output = revenue; depreciation from the first production year; processing allowance;
        # minimum-tax credit (economics.taxes.mining_tax_ledger)
        mt = mining_tax_ledger(ebitda, revenue, col(p.processing_cost_frac) * opex, additions, operating,
                               p.mining_tax_depreciation_rate, col(p.processing_allowance_usd_per_yr) * operating,
                               threshold=80e6 / p.cad_per_usd)
        mining_tax = mt["payable"]
        mt_lines = {"mining_tax_depreciation_usd": mt["depreciation"], "processing_allowance_usd":
                    mt["processing_allowance"], "mine_mouth_value_usd": mt["mine_mouth_value"]}
    else:
        mining_tax = np.zeros((n, y))
        mt_lines = {}
    if p.tax_depreciation == "straight":
        life_t = int(p.tax_life_years)
        cca = np.zeros_like(additions)
        for yy in range(y):  # each year's additions written off evenly over the tax life
            cca[:, yy:yy + life_t] += additions[:, yy:yy + 1] / life_t
    else:
        cca = cca_schedule(additions, p.cca_rate)
    cca = np.where(horizon, cca, 0.0)
    taxable = ebitda - cca - mining_tax - closure
    tax = income_tax(taxable, p.federal_tax_rate + p.provincial_tax_rate)
    pretax_cf = ebitda - capex - sustaining - closure - d_wc
    cf = pretax_cf - mining_tax - tax
    lines = {"production_kg": prod, "revenue_usd": revenue, "royalty_usd": royalty, "opex_usd": opex,
             "ebitda_usd": ebitda, "capex_usd": capex, "sustaining_capex_usd": sustaining,
             "working_capital_change_usd": d_wc, "closure_usd": closure, "cca_usd": cca,
             "mining_tax_usd": mining_tax, **mt_lines, "income_tax_usd": tax, "pretax_cash_flow_usd": pretax_cf,
             "cash_flow_usd": cf}
    total_kg = prod.sum(axis=1)
    disc = (1.0 + col(p.discount_rate)) ** years
    kg_disc = (prod / disc).sum(axis=1)  # NaN where nothing is produced (no cost per kg), without overflow
    all_in = np.divide(((opex + royalty + sustaining + capex + closure + mining_tax + tax) / disc).sum(axis=1),
                       kg_disc, out=np.full(n, np.nan), where=kg_disc > 0)
    if not full:
        nan = np.full(n, np.nan)
        return CashFlow(years=years, lines=lines, npv_usd=npv(p.discount_rate, cf), pretax_npv_usd=nan,
                        irr_frac=nan, pretax_irr_frac=nan, payback_years=nan, all_in_cost_usd_per_kg=nan)
    return CashFlow(years=years, lines=lines, npv_usd=npv(p.discount_rate, cf),
                    pretax_npv_usd=npv(p.discount_rate, pretax_cf), irr_frac=irr(cf), pretax_irr_frac=irr(pretax_cf),
                    payback_years=_payback(cf), all_in_cost_usd_per_kg=np.where(total_kg > 0, all_in, np.nan))


def breakeven_price(p: ProjectInputs, n: int | None = None, hi: float = 100000.0, iters: int = 40) -> np.ndarray:
    """Sc2O3 price [US$/kg] at which the after-tax NPV is zero.

    NPV rises with price and is piecewise linear in it (tax brackets), so the Illinois false-position method on
    [0, hi] converges in a few iterations; scenarios stop once the bracket is below a cent.
    """
    n = n or _size(p)
    a = np.zeros(n)
    b = np.full(n, hi)
    # a fixed price, every tonne sold: the price-taker's break-even (a market run's volumes exist only at its prices)
    p = replace(p, price_path_usd_per_kg=None, sales_frac=None)
    fa = evaluate(replace(p, price_usd_per_kg=a), n, full=False).npv_usd
    fb = evaluate(replace(p, price_usd_per_kg=b), n, full=False).npv_usd
    a, b, c = illinois(lambda c: evaluate(replace(p, price_usd_per_kg=c), n, full=False).npv_usd, a, b, fa, fb,
                       xtol=0.01, ftol=1.0, iters=iters, clip=True)
    return np.where(b - a < 0.01, 0.5 * (a + b), c)
