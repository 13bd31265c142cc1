"""Fit of the market model to the price history: what the data identify, and a held-back-year check.

The history (``data/market/prices.yaml``) is five annual USGS prices on one basis. Replayed through the model
(supply, demand and stocks follow the observed prices), each year's one-step-ahead forecast is
``ln P̂_t = (1 − α) ln P_(t−1) + α ln P*_t``, with ``P*_t`` the clearing price from that year's balance. Two
numbers are identified: the price level, through the incumbents' list markup ``m`` over their cash cost,
and the speed ``α`` at which the price closes the gap to clearing. Everything else (base demand, growth,
elasticities, widths, stocks) shifts the clearing price in ways four residuals cannot tell apart, so it stays
an assumption carried as a distribution. Least squares in log price (scipy.optimize.least_squares, bounded).

The check the issue asks for: fit without the last year, forecast it one step ahead, and compare with a
persistence forecast (last year's price).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.datafiles import load_data

__all__ = ["FIT_FIELDS", "MarketFit", "fit_history", "history", "holdout_check", "write_fitted"]

#: the scenario fields the fit writes (data/market/fitted.yaml)
FIT_FIELDS = ("byproduct_offer_factor", "price_adjust_frac")


@dataclass(frozen=True)
class MarketFit:
    byproduct_offer_factor: float
    price_adjust_frac: float
    years: np.ndarray  #: years forecast one step ahead
    observed_usd_per_kg: np.ndarray
    forecast_usd_per_kg: np.ndarray
    rmse_log: float

    def values(self) -> dict[str, float]:
        return {"byproduct_offer_factor": self.byproduct_offer_factor, "price_adjust_frac": self.price_adjust_frac}


def history() -> tuple[np.ndarray, np.ndarray, int]:
    """The fitted series: years, prices [US$/kg] and the held-back year."""
    fit = load_data("market/prices.yaml")["fit"]
    return (np.asarray(fit["years"], dtype=int), np.asarray(fit["price_usd_per_kg"], dtype=float),
            int(fit["holdout_year"]))


def _clearing(scenario: Any, years: np.ndarray, prices: np.ndarray, markup: float, alpha: float) -> np.ndarray:
    """Clearing prices of the history replayed at the observed prices (the market without the project)."""
    from .model import simulate
    from .stage import market_inputs

    stack, demand, params = market_inputs(scenario, 1, {"market.byproduct_offer_factor": np.array([markup]),
                                                        "market.price_adjust_frac": np.array([alpha])})
    path = simulate(stack, demand, params, years, observed_price_usd_per_kg=prices)
    return path.clearing_price_usd_per_kg[0]


def fit_history(scenario: Any = None, include_holdout: bool = True) -> MarketFit:
    """Least-squares fit of (by-product offer factor, adjustment speed) to the one-step-ahead log-price
    forecasts of the history; ``include_holdout=False`` leaves the held-back year out."""
    from scipy.optimize import least_squares

    from ..scenario import load_scenario

    scenario = scenario if scenario is not None else load_scenario("crater-lake")
    y_all, p_all, hold = history()
    keep = np.ones(y_all.size, dtype=bool) if include_holdout else y_all != hold
    years, prices = y_all[keep], p_all[keep]
    if years.size < 3:
        raise ValueError("the market fit needs at least three years of prices")
    ln_obs = np.log(prices)

    def residuals(theta: np.ndarray) -> np.ndarray:
        markup, alpha = float(np.exp(theta[0])), float(theta[1])
        clear = _clearing(scenario, years, prices, markup, alpha)
        pred = (1.0 - alpha) * ln_obs[:-1] + alpha * np.log(clear[1:])
        return pred - ln_obs[1:]

    best = None
    for m0 in (0.5, 1.0, 2.0):  # a few starts: the level enters through logistic offers
        r = least_squares(residuals, x0=np.array([np.log(m0), 0.5]), bounds=([np.log(0.05), 0.01], [np.log(20.0), 1.0]),
                          xtol=1e-10, ftol=1e-12)
        if best is None or r.cost < best.cost:
            best = r
    markup, alpha = float(np.exp(best.x[0])), float(best.x[1])
    res = residuals(best.x)
    return MarketFit(byproduct_offer_factor=markup, price_adjust_frac=alpha, years=years[1:],
                     observed_usd_per_kg=prices[1:],
                     forecast_usd_per_kg=np.exp(ln_obs[1:] + res), rmse_log=float(np.sqrt(np.mean(res**2))))


def holdout_check(scenario: Any = None) -> dict[str, float]:
    """Fit without the held-back year, forecast it one step ahead; the persistence forecast beside it.

    Returns the year, observed, model and persistence prices [US$/kg] and their absolute log errors."""
    from ..scenario import load_scenario

    scenario = scenario if scenario is not None else load_scenario("crater-lake")
    y_all, p_all, hold = history()
    fit = fit_history(scenario, include_holdout=False)
    i = int(np.flatnonzero(y_all == hold)[0])
    years, prices = y_all[:i + 1], p_all[:i + 1].copy()
    prices[i] = np.nan  # the held-back year is not replayed: the model forecasts it
    from .model import simulate
    from .stage import market_inputs

    stack, demand, params = market_inputs(scenario, 1, {f"market.{k}": np.array([v]) for k, v in fit.values().items()})
    path = simulate(stack, demand, params, years, observed_price_usd_per_kg=prices)
    model = float(path.price_usd_per_kg[0, i])
    persistence = float(p_all[i - 1])
    obs = float(p_all[i])
    return {"year": float(hold), "observed_usd_per_kg": obs, "model_usd_per_kg": model,
            "persistence_usd_per_kg": persistence, "model_abs_log_error": abs(np.log(model / obs)),
            "persistence_abs_log_error": abs(np.log(persistence / obs)), **fit.values()}


def write_fitted(fit: MarketFit, path: Any) -> Any:
    """Write the fitted values (``market/fitted.yaml``) and return the path."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# written by `scandia calibrate --write` or `scandia market calibrate --write`\n"
                    "# (scandia.market.calibrate.fit_history, to data/market/prices.yaml)\n"
                    + "".join(f"{k}: {v:.4f}\n" for k, v in fit.values().items()), encoding="utf-8")
    return path


#: a scenario whose conditioned one-step forecasts miss the history by more than this (log RMSE) is out of range
CONDITION_RMSE_MAX = 0.08


def condition_offer_factor(stack: Any, demand: Any, params: Any, iters: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Per scenario, the by-product offer factor that best replays the price history given that scenario's
    other inputs (base demand, growth, elasticities, widths, stocks), with its own adjustment speed: a
    golden-section search in log m on [0.05, 20] (the field's declared range), vectorized over the scenario axis.

    The history identifies the price level, so a sampled base demand moves the offer factor with it (20 t/a of
    demand fits m = 1.41, 45 t/a m = 0.42 at the defaults): conditioning keeps every sampled market consistent
    with the observed prices instead of sampling the two independently. Returns (m, log RMSE of the one-step
    forecasts) per scenario."""
    from dataclasses import replace

    from .model import simulate

    years, prices, _ = history()
    ln_obs = np.log(prices)
    alpha = np.asarray(params.price_adjust_frac, dtype=float)

    def cost(ln_m: np.ndarray) -> np.ndarray:
        path = simulate(stack, demand, replace(params, byproduct_offer_factor=np.exp(ln_m)), years,
                        observed_price_usd_per_kg=prices)
        pred = (1.0 - alpha[:, None]) * ln_obs[None, :-1] + alpha[:, None] * np.log(
            path.clearing_price_usd_per_kg[:, 1:])
        return ((pred - ln_obs[None, 1:]) ** 2).mean(axis=1)

    n = alpha.size
    a, b = np.full(n, np.log(0.05)), np.full(n, np.log(20.0))  # the field's declared bounds
    g = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = cost(c), cost(d)
    for _ in range(iters):  # the bracket shrinks by 0.618 a step: 40 steps leave 1e-8 of ln(400)
        left = fc < fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        new_c, new_d = b - g * (b - a), a + g * (b - a)
        c_eval = np.where(left, new_c, d)
        d_eval = np.where(left, c, new_d)
        f_new = cost(np.where(left, new_c, new_d))
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
        c, d = c_eval, d_eval
    ln_m = 0.5 * (a + b)
    return np.exp(ln_m), np.sqrt(cost(ln_m))
