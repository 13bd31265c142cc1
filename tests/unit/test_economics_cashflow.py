"""Cash flow, NPV/IRR against numpy-financial, Québec mining tax and CCA against hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.economics.cashflow import ProjectInputs, breakeven_price, evaluate, irr, npv
from scandia.economics.taxes import cca_schedule, income_tax, quebec_mining_tax

pytestmark = pytest.mark.unit
npf = pytest.importorskip("numpy_financial")


def project(**kw) -> ProjectInputs:
    base = dict(capex_usd=np.array([300e6, 250e6, 400e6]), production_kg_per_yr=np.array([75e3]),
                price_usd_per_kg=np.array([3000.0]), opex_variable_usd_per_kg=np.array([1300.0]),
                opex_fixed_usd_per_yr=np.array([20e6]), discount_rate=np.array([0.08]),
                closure_usd=np.array([20e6]))
    base.update(kw)
    return ProjectInputs(**base)


def test_npv_and_irr_match_numpy_financial():
    cf = evaluate(project())
    flows = cf.lines["cash_flow_usd"]
    for i in range(3):
        assert cf.npv_usd[i] == pytest.approx(npf.npv(0.08, flows[i]), rel=1e-12)
        assert cf.irr_frac[i] == pytest.approx(npf.irr(flows[i]), abs=1e-9)
        assert npv(np.array([cf.irr_frac[i]]), flows[i:i + 1])[0] == pytest.approx(0.0, abs=1e-3 * abs(flows[i, 0]))


def test_irr_undefined_without_a_sign_change():
    assert np.isnan(irr(np.array([[1.0, 2.0, 3.0]])))[0]


def test_quebec_mining_tax_hand_worked():
    """Profit 60 on output value 100 (margin 60 %): 16 % x 35 + 22 % x 15 + 28 % x 10 = 11.7; minimum tax
    1 % of 100 = 1 (below the 80 M threshold in these units: threshold 1000). Loss year: the minimum applies.
    Output value 200 with threshold 80: 1 % x 80 + 4 % x 120 = 5.6 (Mining Tax Act, minimum mining tax)."""
    t = quebec_mining_tax(np.array([60.0, -5.0, 0.0]), np.array([100.0, 100.0, 200.0]), threshold=1000.0)
    assert t["progressive"][0] == pytest.approx(0.16 * 35 + 0.22 * 15 + 0.28 * 10)
    assert t["payable"][1] == pytest.approx(1.0)
    t2 = quebec_mining_tax(np.array([0.0]), np.array([200.0]), threshold=80.0)
    assert t2["minimum"][0] == pytest.approx(0.01 * 80 + 0.04 * 120)


def test_cca_half_year_rule_hand_worked():
    """Class at 25 %: 100 added in year 0 -> 12.5 (half-year), then 25 % of 87.5 = 21.875, then 16.406."""
    claims = cca_schedule(np.array([[100.0, 0.0, 0.0]]), 0.25)[0]
    np.testing.assert_allclose(claims, [12.5, 21.875, 16.40625])
    full = cca_schedule(np.array([[100.0, 0.0]]), 0.3, half_year=False)[0]
    np.testing.assert_allclose(full, [30.0, 21.0])


def test_losses_carry_forward():
    """-50 then +80 at 26.5 %: tax only on 30 in year 2."""
    tax = income_tax(np.array([[-50.0, 80.0, 10.0]]), 0.265)[0]
    np.testing.assert_allclose(tax, [0.0, 0.265 * 30, 0.265 * 10])


def test_breakeven_price_zeroes_npv():
    p = project()
    be = breakeven_price(p)
    from dataclasses import replace

    at = evaluate(replace(p, price_usd_per_kg=be)).npv_usd
    np.testing.assert_allclose(at, 0.0, atol=1e3)
    assert np.all(be < 3000.0) and np.all(be > 1300.0)


def test_taxes_lower_npv_and_cash_balances():
    cf = evaluate(project())
    lines = cf.lines
    assert np.all(cf.npv_usd < cf.pretax_npv_usd)
    recon = (lines["revenue_usd"] - lines["royalty_usd"] - lines["opex_usd"] - lines["capex_usd"]
             - lines["sustaining_capex_usd"] - lines["closure_usd"] - lines["working_capital_change_usd"]
             - lines["mining_tax_usd"] - lines["income_tax_usd"])
    np.testing.assert_allclose(recon, lines["cash_flow_usd"], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(lines["working_capital_change_usd"].sum(axis=1), 0.0, atol=1e-6)
