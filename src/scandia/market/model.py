"""The scandium market year by year: a supply stack, demand by application, stocks and a sticky price.

Every array carries the scenario axis first: parameters are (n,), paths (n, years), supply by source
(n, sources, years). The years are looped in Python (a few dozen); nothing loops over scenarios.

The model (equations; docs/market.md derives them):

- **Supply.** Source i offers ``Q_i,t(P) = K_i a_i,t u_i(P)``: capacity ``K_i`` (t/a Sc2O3), availability
  ``a_i,t`` (the committed share ramped linearly over ``ramp_years`` from ``start_year``) and an offer curve
  ``u_i(P) = σ((ln P − ln(m_i c_i)) / w)``, a logistic in log price around ``m_i`` times the source's cash
  cost ``c_i``: for by-product sources ``m_i = m`` (``byproduct_offer_factor``), the level of their offer curve
  fitted to the price history (their stated cash costs are assumptions, and by-product recovery is priced
  at its marginal cost); a development project offers at its own cash cost (``m_i = 1``). By-product
  sources (``kind: byproduct``) are committed at their start year; a development project (``kind: primary``)
  commits when its expected price (the price smoothed over
  ``expectation_years``, adaptive expectations, Nerlove 1958) clears its incentive price (cash cost plus the
  capital charge of its capex), ``lead_years`` before first production, with probability ``go_ahead_prob``
  (commitment is a logistic of width ``entry_width`` in log price, irreversible).
- **The project** (Crater Lake from the chain) sells its contracted offtake and offers the rest on the market
  down to its own cash cost (an entrant seeking volume does not hold a list premium), at most
  ``max_share_frac`` of the year's demand (customers qualify a new source slowly).
- **Demand.** Application a: ``D_a,t(P) = D_0 s_a exp(ln(1 + g_a) T (1 − e^(−(t − t_0)/T))) (P / P_0)^(f ε_a)``
  (constant elasticity about the base year's demand ``D_0`` at the base-year price ``P_0``; growth ``g_a``
  fading over ``T`` = ``growth_fade_years`` as uses mature, so cumulative growth is bounded by
  ``(1 + g_a)^T``; no elasticity is published, so their spread is carried by one factor ``f``,
  ``elasticity_factor``), plus the latent Al-Sc alloy demand
  ``L A_t (P / P_0)^(f ε_alloy)`` (ε_alloy the share-weighted elasticity of the alloy uses), whose adoption
  ``A_t`` follows Bass diffusion (Bass 1969, Management Science 15:215; coefficients from Sultan, Farley &
  Lehmann 1990, J. Marketing Research 27:70) towards a ceiling set by the alloy's cost per MPa against the
  value of strength and by supply reliability (1 − Herfindahl index of supply by country).
- **Price.** The clearing price ``P*_t`` solves ``S_t(P) = D_t(P) + (c D_t(P) − I_(t−1)) / τ`` (flows plus the
  stock traders want, cover ``c`` years, restored over ``τ`` years); the quoted price adjusts part-way
  (partial adjustment, Nerlove 1958; the stock-driven price of WORLD6, Sverdrup & Olafsdottir 2019, Mineral
  Economics 33:285): ``ln P_t = (1 − α) ln P_(t−1) + α ln P*_t``. Flows are then taken at ``P_t`` and the
  stock closes the balance: ``supply = demand served + stock change`` every year exactly (demand beyond
  supply plus stock is unmet, and reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.numerics import illinois

__all__ = ["Demand", "MarketParams", "MarketPath", "ProjectSupply", "SupplyStack", "simulate"]

#: clearing-price search range [US$/kg Sc2O3]; a price at either end is reported as clipped
PRICE_RANGE = (10.0, 100_000.0)
#: tolerance of the clearing price in log price (1e-9 relative)
XTOL_LN = 1e-9


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass(frozen=True)
class SupplyStack:
    """The rival sources, one entry per source (arrays of shape (k,))."""

    names: tuple[str, ...]
    region: tuple[str, ...]
    byproduct: np.ndarray  #: bool: by-product (committed at its start year) or primary (commits on price)
    capacity_tpa: np.ndarray
    start_year: np.ndarray
    ramp_years: np.ndarray
    go_ahead_prob: np.ndarray
    cash_cost_usd_per_kg: np.ndarray
    incentive_price_usd_per_kg: np.ndarray

    @property
    def size(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Demand:
    """Applications (arrays of shape (m,)): base-year share, growth and price elasticity."""

    names: tuple[str, ...]
    share_frac: np.ndarray
    growth_frac_per_yr: np.ndarray
    price_elasticity: np.ndarray
    alloy: np.ndarray  #: bool: an Al-Sc alloy application (its latent demand follows adoption)


@dataclass
class MarketParams:
    """Scenario-axis parameters, each (n,) (see data/market/market.yaml for units and sources)."""

    base_year: int
    base_demand_tpa: np.ndarray
    base_price_usd_per_kg: np.ndarray
    byproduct_offer_factor: np.ndarray
    price_adjust_frac: np.ndarray
    offer_width: np.ndarray
    entry_width: np.ndarray
    go_ahead_factor: np.ndarray
    lead_years: int
    expectation_years: np.ndarray
    stock_cover_years: np.ndarray
    growth_fade_years: np.ndarray
    elasticity_factor: np.ndarray
    stock_restore_years: np.ndarray
    initial_stock_years: np.ndarray
    china_availability_frac: np.ndarray  #: share of Chinese supply reaching the market (export licensing)
    licensing_year: int
    latent_alloy_tpa: np.ndarray
    bass_p: np.ndarray
    bass_q: np.ndarray
    strength_value_usd_per_mpa_per_kg: np.ndarray
    adoption_width: np.ndarray
    adoption: bool = True

    def size(self) -> int:
        return int(np.size(self.base_demand_tpa))


@dataclass
class ProjectSupply:
    """The project's volume on the market's years: production (n, years), and its cash cost, offtake and sales
    limit (n,) each."""

    production_tpa: np.ndarray
    cash_cost_usd_per_kg: np.ndarray
    offtake_tpa: np.ndarray
    max_share_frac: np.ndarray
    region: str = "canada"


@dataclass
class MarketPath:
    """The market's path over ``years``: every array (n, years) unless stated."""

    years: np.ndarray
    price_usd_per_kg: np.ndarray
    clearing_price_usd_per_kg: np.ndarray
    supply_by_source_tpa: np.ndarray  #: (n, k, years): the rivals
    project_sold_tpa: np.ndarray
    project_offtake_tpa: np.ndarray
    demand_by_application_tpa: np.ndarray  #: (n, m + 1, years): the applications, then the latent alloy demand
    demand_tpa: np.ndarray
    served_tpa: np.ndarray
    unmet_tpa: np.ndarray
    stock_t: np.ndarray
    stock_change_tpa: np.ndarray
    adoption_frac: np.ndarray
    reliability_frac: np.ndarray
    clipped: np.ndarray  #: (n,) bool: a clearing price hit the search range
    names: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def supply_tpa(self) -> np.ndarray:
        """World supply: the rivals plus the project's sales."""
        return self.supply_by_source_tpa.sum(axis=1) + self.project_sold_tpa


def _commit_history(stack: SupplyStack, lead: int, go: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, int]:
    """Commitment by decision year, (n, k, pad + years), filled for decisions before the first simulated year
    (sources decided in the past are committed at their go-ahead probability ``go``, (n, k)); returns it and
    the padding."""
    n = go.shape[0]
    decision = stack.start_year - lead
    # columns before the first simulated year: back to the earliest decision window, and at least the lead plus
    # the longest ramp, so the availability window of year 0 never starts before column 0
    ramp_max = int(np.maximum(stack.ramp_years, 1).max())
    pad = int(max(1 + lead + ramp_max, years[0] - (decision.min() - ramp_max - 1)))
    hist = np.zeros((n, stack.size, pad + years.size))
    cal = np.arange(years[0] - pad, years[-1] + 1)
    # by-product sources, and every source decided before the simulation starts, commit at their decision year
    forced = stack.byproduct[:, None] | (decision[:, None] < years[0])
    hist[:] = np.where(forced & (cal[None, :] >= decision[:, None]), 1.0, 0.0)[None] * go[:, :, None]
    return hist, pad


def _availability(hist: np.ndarray, pad: int, t: int, stack: SupplyStack, lead: int) -> np.ndarray:
    """Available share of capacity in simulated year index ``t``: the commitment of the decision years
    ``lead`` to ``lead + ramp - 1`` before it, averaged (a linear ramp of ``ramp_years`` after each commitment)."""
    col = pad + t - lead  # decision year of a source producing its first year in year t
    ramp = np.maximum(stack.ramp_years, 1).astype(int)
    out = np.empty(hist.shape[:2])
    for j in range(stack.size):  # a dozen sources, each its own ramp length
        lo = max(col - ramp[j] + 1, 0)
        seg = hist[:, j, lo:col + 1]
        out[:, j] = seg.sum(axis=1) / ramp[j] if seg.shape[1] else 0.0
    return out


def _herfindahl(supply: np.ndarray, region_index: np.ndarray, n_regions: int) -> np.ndarray:
    """1 − Σ share² of supply by region, (n,): 0 for one source country, towards 1 for many."""
    by = np.zeros((supply.shape[0], n_regions))
    for r in range(n_regions):
        by[:, r] = supply[:, region_index == r].sum(axis=1)
    tot = by.sum(axis=1, keepdims=True)
    share = np.divide(by, tot, out=np.zeros_like(by), where=tot > 0)
    return np.where(tot[:, 0] > 0, 1.0 - (share**2).sum(axis=1), 0.0)


@dataclass
class _Year:
    """One year's market at a trial price: the offers, the project's sales and the demand (all (n, ...))."""

    base_t: np.ndarray  #: (n, m + 1) demand at the base price: the applications, then the latent alloy demand
    cap: np.ndarray
    ln_offer: np.ndarray
    w: np.ndarray
    ln_p0: np.ndarray
    elasticity: np.ndarray  #: (n, m + 1)
    project: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None  #: offtake, spot capacity, share, ln cost

    def flows(self, ln_p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rivals' sales (n, k), the project's (n,), demand by application (n, m + 1) and in total (n,)."""
        d_app = self.base_t * np.exp(self.elasticity * (ln_p - self.ln_p0)[:, None])
        d = d_app.sum(axis=1)
        s_src = self.cap * _sigmoid((ln_p[:, None] - self.ln_offer) / self.w)
        if self.project is None:
            return s_src, np.zeros_like(d), d_app, d
        off, spot_cap, share_cap, ln_proj = self.project
        spot = np.minimum(spot_cap, np.maximum(share_cap * d - off, 0.0)) * _sigmoid((ln_p - ln_proj) / self.w[:, 0])
        return s_src, off + spot, d_app, d

    def excess_function(self, stock: np.ndarray, cover: np.ndarray, tau: np.ndarray) -> Any:
        """Excess supply at a price, less the stock traders want to add: rises with price."""

        def excess(ln_p: np.ndarray) -> np.ndarray:
            s_src, sold, _, d = self.flows(ln_p)
            return s_src.sum(axis=1) + sold - d - (cover * d - stock) / tau

        return excess


def simulate(stack: SupplyStack, demand: Demand, p: MarketParams, years: np.ndarray,
             project: ProjectSupply | None = None, alloy_cost_usd_per_mpa_per_kg: np.ndarray | None = None,
             alloy_price_usd_per_kg: np.ndarray | None = None, observed_price_usd_per_kg: np.ndarray | None = None,
             iters: int = 80) -> MarketPath:
    """The market over ``years`` (whole calendar years, ascending) for every scenario.

    ``observed_price_usd_per_kg`` (years,), NaN where there is no observation: those years take the observed
    price (history replayed: supply, demand and stocks follow it) and the others the model's. The first year's
    price is its observation, else the base-year price. ``alloy_cost_...``
    (n,) is the Sc alloy's cost premium per MPa per kg at the Sc2O3 price ``alloy_price_usd_per_kg``; it scales
    with the market price (an approximation: the whole premium is taken as the Sc it contains). Without it,
    latent adoption stays at zero.
    """
    n = p.size()
    years = np.asarray(years, dtype=int)
    ny = years.size
    k = stack.size
    m = demand.names.__len__()
    col = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n,))  # noqa: E731
    obs = np.full(ny, np.nan) if observed_price_usd_per_kg is None else np.asarray(observed_price_usd_per_kg, float)
    regions = sorted(set(stack.region) | {project.region if project else "canada"})
    reg_idx = np.array([regions.index(r) for r in (*stack.region, project.region if project else "canada")])
    china = np.array([r == "china" for r in stack.region])
    decision = stack.start_year - p.lead_years
    free = ~stack.byproduct & (decision >= years[0])
    # go-ahead: a by-product row's own probability, a development project's scaled by go_ahead_factor
    scale = np.where(stack.byproduct[None, :], 1.0, col(p.go_ahead_factor)[:, None])
    go = np.clip(stack.go_ahead_prob[None, :] * scale, 0.0, 1.0)
    hist, pad = _commit_history(stack, p.lead_years, go, years)
    factor = np.where(stack.byproduct[None, :], col(p.byproduct_offer_factor)[:, None], 1.0)
    ln_offer = np.log(np.maximum(factor * stack.cash_cost_usd_per_kg[None, :], 1e-9))
    ln_incentive = np.log(stack.incentive_price_usd_per_kg)[None, :]
    ln_p0 = np.log(col(p.base_price_usd_per_kg))
    w = col(p.offer_width)[:, None]
    tau = col(p.stock_restore_years)
    cover = col(p.stock_cover_years)
    alpha = col(p.price_adjust_frac)
    if project is not None:
        prod = np.broadcast_to(np.asarray(project.production_tpa, dtype=float), (n, ny))
        offtake_cap = col(project.offtake_tpa)
        ln_proj = np.log(np.maximum(col(project.cash_cost_usd_per_kg), 1e-9))
        share_cap = col(project.max_share_frac)
    cost_mpa = None if alloy_cost_usd_per_mpa_per_kg is None else col(alloy_cost_usd_per_mpa_per_kg)
    adopt_on = bool(p.adoption) and cost_mpa is not None
    seen = years[np.isfinite(obs)]
    last_observed = max(int(p.base_year), int(seen.max()) if seen.size else int(p.base_year))

    out = {name: np.zeros((n, ny)) for name in ("price", "clear", "sold", "off", "demand", "served", "unmet",
                                                "stock", "dstock", "adopt", "rel")}
    sup = np.zeros((n, k, ny))
    avail_rec = np.zeros((n, k, ny))
    dem = np.zeros((n, m + 1, ny))
    ln_prev = np.log(col(obs[0] if np.isfinite(obs[0]) else p.base_price_usd_per_kg))
    ln_expect = ln_prev.copy()
    adopt = np.zeros(n)
    growth = np.log1p(demand.growth_frac_per_yr)[None, :]
    fade = col(p.growth_fade_years)
    # the latent alloy demand answers the price as the alloy uses do (their share-weighted elasticity): an
    # adopter of Sc alloys trims Sc content or falls back to the base alloy when scandium turns dear
    w_alloy = demand.share_frac * demand.alloy
    e_alloy = float((demand.price_elasticity * w_alloy).sum() / w_alloy.sum()) if w_alloy.sum() > 0 else float(
        (demand.price_elasticity * demand.share_frac).sum())
    elasticity = np.append(demand.price_elasticity, e_alloy)[None, :] * col(p.elasticity_factor)[:, None]
    shares = col(p.base_demand_tpa)[:, None] * demand.share_frac[None, :]
    stock = None
    clipped = np.zeros(n, dtype=bool)
    for t, year in enumerate(years):
        avail = _availability(hist, pad, t, stack, p.lead_years)
        cap = stack.capacity_tpa[None, :] * avail
        if year >= p.licensing_year:
            cap = np.where(china[None, :], cap * col(p.china_availability_frac)[:, None], cap)
        dt = year - p.base_year  # growth fades over growth_fade_years: factor exp(g T (1 - exp(-dt/T)))
        base_t = shares * np.exp(growth * fade[:, None] * -np.expm1(-dt / fade[:, None]))  # (n, m), base price
        latent = col(p.latent_alloy_tpa) * adopt
        off = spot_cap = None
        if project is not None:
            off = np.minimum(offtake_cap, prod[:, t])
            spot_cap = prod[:, t] - off

        yr = _Year(base_t=np.concatenate([base_t, latent[:, None]], axis=1), cap=cap, ln_offer=ln_offer, w=w,
                   ln_p0=ln_p0,
                   elasticity=elasticity, project=None if project is None else (
                       off, spot_cap, share_cap, ln_proj))
        if stock is None:
            stock = col(p.initial_stock_years) * yr.flows(ln_prev)[3]
        excess = yr.excess_function(stock, cover, tau)
        lo = np.full(n, np.log(PRICE_RANGE[0]))
        hi = np.full(n, np.log(PRICE_RANGE[1]))
        e_lo, e_hi = excess(lo), excess(hi)
        bad = (e_lo > 0) | (e_hi < 0)  # no root in range: clipped (a zero-width bracket, so not iterated)
        # the excess supply rises with price (offers up, demand down): one root, found by Illinois false
        # position in log price with a per-scenario stop (core.numerics)
        a, b, c = illinois(excess, np.where(bad, hi, lo), hi, np.where(bad, e_hi, e_lo), e_hi, xtol=XTOL_LN,
                           iters=iters)
        root = np.where(b - a < XTOL_LN, 0.5 * (a + b), c)
        ln_star = np.where(e_lo > 0, np.log(PRICE_RANGE[0]), np.where(e_hi < 0, np.log(PRICE_RANGE[1]), root))
        clipped |= bad
        ln_p = np.log(col(obs[t])) if np.isfinite(obs[t]) else (1.0 - alpha) * ln_prev + alpha * ln_star
        s_src, sold, d_app, d = yr.flows(ln_p)
        supply = s_src.sum(axis=1) + sold
        served = np.minimum(d, stock + supply)
        dstock = supply - served
        stock = stock + dstock
        sup[:, :, t] = s_src
        avail_rec[:, :, t] = cap
        dem[:, :, t] = d_app
        rel_t = _herfindahl(np.concatenate([s_src, sold[:, None]], axis=1), reg_idx, len(regions))
        for name, v in (("price", np.exp(ln_p)), ("clear", np.exp(ln_star)), ("sold", sold), ("demand", d),
                        ("served", served), ("unmet", d - served), ("stock", stock), ("dstock", dstock),
                        ("adopt", adopt), ("rel", rel_t)):
            out[name][:, t] = v
        if project is not None:
            out["off"][:, t] = off
        # expectations and commitments for the next years
        ln_expect = ln_expect + (ln_p - ln_expect) / np.maximum(col(p.expectation_years), 1.0)
        if free.any():  # a development project not yet decided may commit from its decision year on
            can = free & (year >= decision)
            want = go * _sigmoid((ln_expect[:, None] - ln_incentive) / col(p.entry_width)[:, None])
            c = pad + t
            hist[:, :, c] = np.where(can[None, :], np.maximum(hist[:, :, c - 1], want), hist[:, :, c])
        if adopt_on and year >= last_observed:  # the history's demand holds today's adoption; new adoption after
            # adoption ceiling: the alloy pays where the value of strength covers its cost per MPa (which scales
            # with the Sc2O3 price), times the reliability of supply; Bass diffusion towards it
            ref = col(alloy_price_usd_per_kg) if alloy_price_usd_per_kg is not None else np.exp(ln_p0)
            c_mpa = np.maximum(cost_mpa * np.exp(ln_p) / ref, 1e-12)
            ceiling = _sigmoid(np.log(col(p.strength_value_usd_per_mpa_per_kg) / c_mpa)
                               / col(p.adoption_width)) * rel_t
            adopt = np.clip(adopt + (col(p.bass_p) + col(p.bass_q) * adopt) * (ceiling - adopt), 0.0, 1.0)
        ln_prev = ln_p
    return MarketPath(
        years=years, price_usd_per_kg=out["price"], clearing_price_usd_per_kg=out["clear"],
        supply_by_source_tpa=sup, project_sold_tpa=out["sold"], project_offtake_tpa=out["off"],
        demand_by_application_tpa=dem, demand_tpa=out["demand"], served_tpa=out["served"],
        unmet_tpa=out["unmet"], stock_t=out["stock"], stock_change_tpa=out["dstock"],
        adoption_frac=out["adopt"], reliability_frac=out["rel"], clipped=clipped, names=stack.names,
        applications=(*demand.names, "al_sc_alloy_latent"), extra={"available_tpa": avail_rec})
