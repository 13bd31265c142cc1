"""Québec mining tax and Canadian income tax with capital cost allowance, vectorized over scenarios.

Sources:
- Mining Tax Act (Québec), CQLR c. I-0.4, as summarized by Revenu Québec and NRCan's "Mining taxation regime":
  the mining tax of a year is the higher of (a) the progressive tax on annual profit, 16 % of the part of the
  profit up to a 35 % profit margin, 22 % of the part for margins 35-50 % and 28 % of the rest, and (b) the
  minimum mining tax of 1 % of the output value at the mine shaft up to CAD 80 M and 4 % above. It is computed
  mine by mine and is deductible for income tax; losses are not carried over for the mining tax.
- Income Tax Act (Canada): federal rate 15 % (NRCan, since 2012); Québec corporate rate 11.5 % (Revenu Québec);
  capital cost allowance on a declining balance with the half-year rule (ITR Schedule II).
- Mining Tax Act s.20.1 and Revenu Québec, "Processing allowance" (revenuquebec.ca, mining tax): the processing
  allowance is a share of the capital cost of the processing assets used in the year, 20 % where the operator
  carries out smelting, refining or hydrometallurgy in Québec (10 points less for property used to concentrate
  ore), capped at the greater of 75 % of the annual earnings before the allowance and 30 % of the mine-mouth
  output value before it; it is deducted in computing both the annual earnings and the mine-mouth output value.
- Profit margin = annual profit / gross value of annual output (Northern Miner commentary on the 2013 reform,
  shared/reference/resource_economics_data.md); the mine-mouth output value is the gross value less the costs of
  processing after the mine shaft and the processing allowance, never below 10 % of the gross value (same
  source); the minimum mining tax paid above the tax on profit is a non-refundable credit against the tax on
  profit of later years above their minimum tax (Québec Finances information bulletin 2013-4, "Revision of the
  mining tax regime", credit on account of the minimum mining tax).
All money arrays are (n, years) in one currency; ``cad_per_usd`` converts the CAD 80 M threshold.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ALLOWANCE_CAP_EARNINGS", "ALLOWANCE_CAP_VALUE", "MARGINS", "MINE_MOUTH_FLOOR", "MINIMUM_RATES",
           "PROFIT_RATES", "cca_schedule", "income_tax", "mining_tax_ledger", "quebec_mining_tax"]

#: Québec mining tax on profit by profit-margin bracket, the bracket edges, and the minimum tax on the mine-mouth
#: output value below and above the CAD 80 M threshold (Mining Tax Act, sources above)
PROFIT_RATES = (0.16, 0.22, 0.28)
MARGINS = (0.35, 0.50)
MINIMUM_RATES = (0.01, 0.04)
#: processing-allowance caps (share of the earnings before it, share of the mine-mouth value) and the floor of the
#: mine-mouth value as a share of the gross value (Mining Tax Act s.20.1; sources above)
ALLOWANCE_CAP_EARNINGS = 0.75
ALLOWANCE_CAP_VALUE = 0.30
MINE_MOUTH_FLOOR = 0.10


def quebec_mining_tax(profit: np.ndarray, gross_value: np.ndarray, threshold: float = 80e6,
                      rates: tuple[float, float, float] = PROFIT_RATES,
                      margins: tuple[float, float] = MARGINS,
                      minimum_rates: tuple[float, float] = MINIMUM_RATES,
                      mine_mouth_value: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Mining tax of each year: the higher of the progressive profit tax and the minimum tax.

    profit: annual profit for mining-tax purposes (after the depreciation and processing allowances);
    gross_value: gross value of annual output, on which the profit margin and its brackets are taken;
    mine_mouth_value: output value at the mine shaft, the base of the minimum tax (default: the gross value);
    threshold: CAD 80 M in the arrays' currency. Returns {"progressive", "minimum", "payable"} (no credit; see
    :func:`mining_tax_ledger`).
    """
    p = np.maximum(np.asarray(profit, dtype=float), 0.0)
    gv = np.maximum(np.asarray(gross_value, dtype=float), 0.0)
    ov = gv if mine_mouth_value is None else np.maximum(np.asarray(mine_mouth_value, dtype=float), 0.0)
    cut1 = margins[0] * gv
    cut2 = margins[1] * gv
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


def mining_tax_ledger(ebitda: np.ndarray, gross_value: np.ndarray, processing_cost: np.ndarray,
                      additions: np.ndarray, producing: np.ndarray, depreciation_rate: float | np.ndarray,
                      allowance_base: np.ndarray, threshold: float | np.ndarray = 80e6) -> dict[str, np.ndarray]:
    """The Québec mining tax year by year, vectorized over scenarios (arrays (n, years)).

    ebitda: earnings before the allowances (revenue less operating costs and royalty); gross_value: gross value of
    annual output; processing_cost: operating costs of processing after the mine shaft (deducted for the
    mine-mouth value); additions: capital spent each year (the depreciation pool); producing: (n, years) bool,
    the production years; depreciation_rate: declining-balance rate of the pool (Mining Tax Act s.10.10, class 2A
    30 %); allowance_base: processing allowance before its cap in a production year (rate x capital cost of the
    processing assets in use), (n, years).

    Each production year, in this order:

    1. the processing allowance before its cap, PA0 = min(base, max(0.75 max(E, 0), 0.30 MMV0)) with
       MMV0 = max(GV - processing cost, 0.10 GV);
    2. the depreciation allowance, claimed from the first production year (the assets are in use) and only as far
       as it lowers the tax: d = min(rate x UCC, max(E - PA0, 0)) (the claim is discretionary and a mining-tax
       loss cannot be carried over, so an unused claim is kept in the pool rather than lost; assumption: the
       operator claims to this point);
    3. the processing allowance on the earnings after depreciation, PA = min(base, max(0.75 max(E - d, 0),
       0.30 MMV0)), and the annual profit max(E - d - PA, 0);
    4. the mine-mouth value MMV = max(GV - processing cost - PA, 0.10 GV), the tax on profit and the minimum
       tax; the minimum tax paid above the tax on profit is banked as a credit, and a year's tax on profit above
       its minimum tax is reduced by the banked credit (never below the minimum tax).

    Returns {"depreciation", "processing_allowance", "profit", "mine_mouth_value", "progressive", "minimum",
    "credit_used", "payable"}, each (n, years); zero outside production years.
    """
    e = np.asarray(ebitda, dtype=float)
    n, years = e.shape
    gv = np.maximum(np.asarray(gross_value, dtype=float), 0.0)
    cost = np.asarray(processing_cost, dtype=float)
    add = np.asarray(additions, dtype=float)
    prod = np.asarray(producing, dtype=bool)
    rate = np.broadcast_to(np.asarray(depreciation_rate, dtype=float), (n,))
    base = np.asarray(allowance_base, dtype=float)
    thr = np.broadcast_to(np.asarray(threshold, dtype=float), (n,))
    out = {k: np.zeros((n, years)) for k in ("depreciation", "processing_allowance", "profit", "mine_mouth_value",
                                             "progressive", "minimum", "credit_used", "payable")}
    ucc = np.zeros(n)
    credit = np.zeros(n)
    for y in range(years):  # a short sequential loop over years, vectorized over scenarios
        ucc = ucc + add[:, y]
        on = prod[:, y]
        ey, g = e[:, y], gv[:, y]
        mmv0 = np.maximum(g - cost[:, y], MINE_MOUTH_FLOOR * g)
        pa0 = np.minimum(base[:, y], np.maximum(ALLOWANCE_CAP_EARNINGS * np.maximum(ey, 0.0),
                                                ALLOWANCE_CAP_VALUE * mmv0))
        d = np.where(on, np.minimum(rate * ucc, np.maximum(ey - pa0, 0.0)), 0.0)
        ucc = ucc - d
        pa = np.where(on, np.minimum(base[:, y], np.maximum(ALLOWANCE_CAP_EARNINGS * np.maximum(ey - d, 0.0),
                                                            ALLOWANCE_CAP_VALUE * mmv0)), 0.0)
        profit = np.where(on, np.maximum(ey - d - pa, 0.0), 0.0)
        mmv = np.where(on, np.maximum(g - cost[:, y] - pa, MINE_MOUTH_FLOOR * g), 0.0)
        mt = quebec_mining_tax(profit[:, None], g[:, None], thr[:, None], mine_mouth_value=mmv[:, None])
        prog, mini = np.where(on, mt["progressive"][:, 0], 0.0), np.where(on, mt["minimum"][:, 0], 0.0)
        used = np.minimum(credit, np.maximum(prog - mini, 0.0))
        credit = credit - used + np.maximum(mini - prog, 0.0)
        for k, v in (("depreciation", d), ("processing_allowance", pa), ("profit", profit),
                     ("mine_mouth_value", mmv), ("progressive", prog), ("minimum", mini), ("credit_used", used),
                     ("payable", np.maximum(prog - used, mini))):
            out[k][:, y] = v
    return out
