"""Québec mining tax and Canadian income tax with capital cost allowance, vectorized over scenarios.

Sources:
- Mining Tax Act (Québec), CQLR c. I-0.4, as summarized by Revenu Québec and NRCan's "Mining taxation regime":
  the mining tax of a year is the higher of (a) the progressive tax on annual profit, 16 % of the part of the
  profit up to a 35 % profit margin, 22 % of the part for margins 35-50 % and 28 % of the rest, and (b) the
  minimum mining tax of 1 % of the output value at the mine shaft up to CAD 80 M and 4 % above. It is computed
  mine by mine and is deductible for income tax; losses are not carried over for the mining tax.
- Income Tax Act (Canada): federal rate 15 % (NRCan, since 2012); Québec corporate rate 11.5 % (Revenu Québec);
  capital cost allowance on a declining balance with the half-year rule (ITR Schedule II).
All money arrays are (n, years) in one currency; ``cad_per_usd`` converts the CAD 80 M threshold.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cca_schedule", "income_tax", "quebec_mining_tax"]


def quebec_mining_tax(profit: np.ndarray, output_value: np.ndarray, threshold: float = 80e6,
                      rates: tuple[float, float, float] = (0.16, 0.22, 0.28),
                      margins: tuple[float, float] = (0.35, 0.50),
                      minimum_rates: tuple[float, float] = (0.01, 0.04)) -> dict[str, np.ndarray]:
    """Mining tax of each year: the higher of the progressive profit tax and the minimum tax on output value.

    profit: annual profit for mining-tax purposes (after the mining-tax depreciation allowance);
    output_value: output value at the mine shaft; threshold: CAD 80 M in the arrays' currency.
    Returns {"progressive", "minimum", "payable"}.
    """
    p = np.maximum(np.asarray(profit, dtype=float), 0.0)
    ov = np.maximum(np.asarray(output_value, dtype=float), 0.0)
    cut1 = margins[0] * ov
    cut2 = margins[1] * ov
    slice1 = np.minimum(p, cut1)
    slice2 = np.clip(p - cut1, 0.0, cut2 - cut1)
    slice3 = np.maximum(p - cut2, 0.0)
    progressive = rates[0] * slice1 + rates[1] * slice2 + rates[2] * slice3
    minimum = minimum_rates[0] * np.minimum(ov, threshold) + minimum_rates[1] * np.maximum(ov - threshold, 0.0)
    return {"progressive": progressive, "minimum": minimum, "payable": np.maximum(progressive, minimum)}


def cca_schedule(additions: np.ndarray, rate: float | np.ndarray, half_year: bool = True) -> np.ndarray:
    """Capital cost allowance claimed each year on a declining-balance pool (n, years).

    CCA_y = rate·(UCC_{y-1} + additions_y) with half the year's additions when ``half_year`` (ITR 1100(2)).
    The full allowance is claimed every year (losses carry forward in :func:`income_tax`).
    """
    add = np.asarray(additions, dtype=float)
    rate = np.broadcast_to(np.asarray(rate, dtype=float), add.shape[:1])
    ucc = np.zeros(add.shape[0])
    out = np.zeros_like(add)
    for y in range(add.shape[1]):  # years: a short sequential loop, vectorized over scenarios
        base = ucc + (0.5 if half_year else 1.0) * add[:, y]
        claim = rate * base
        out[:, y] = claim
        ucc = ucc + add[:, y] - claim
    return out


def income_tax(taxable_before_losses: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Income tax each year with losses carried forward without limit (n, years)."""
    income = np.asarray(taxable_before_losses, dtype=float)
    rate = np.broadcast_to(np.asarray(rate, dtype=float), income.shape[:1])
    pool = np.zeros(income.shape[0])  # losses available
    out = np.zeros_like(income)
    for y in range(income.shape[1]):
        inc = income[:, y]
        used = np.minimum(pool, np.maximum(inc, 0.0))
        taxable = np.maximum(inc - used, 0.0)
        pool = pool - used + np.maximum(-inc, 0.0)
        out[:, y] = rate * taxable
    return out
