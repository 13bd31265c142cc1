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


def test_mining_tax_ledger_hand_worked():
    """Québec mining tax over one construction year and three production years (Mining Tax Act s.10.10, s.20.1;
    Revenu Québec, processing allowance and minimum tax; Finances Québec bulletin 2013-4, minimum-tax credit).

    Capital 100 spent in year 0; EBITDA 50, gross value 200, processing cost 100 in years 1-3; depreciation 30 %
    declining; allowance base 20 a year; CAD 80 M threshold out of reach (1 % minimum rate).
    Year 0: not producing, nothing claimed (the pool keeps all 100).
    Year 1: MMV0 = max(200 - 100, 20) = 100; PA0 = min(20, max(0.75 x 50, 0.30 x 100)) = 20; depreciation
      d = min(0.30 x 100, 50 - 20) = 30 (pool 70); PA = min(20, max(0.75 x 20, 30)) = 20; profit 0;
      MMV = 200 - 100 - 20 = 80; minimum 0.8 paid and banked as credit.
    Year 2: d = min(21, 30) = 21 (pool 49); PA = 20; profit 9 (margin 4.5 %): 16 % x 9 = 1.44; credit used
      min(0.8, 1.44 - 0.8) = 0.64; payable max(1.44 - 0.64, 0.8) = 0.8; credit left 0.16.
    Year 3: d = 14.7; profit 15.3; 16 % x 15.3 = 2.448; credit used 0.16; payable 2.288.
    """
    from scandia.economics.taxes import mining_tax_ledger

    z = np.array([[0.0, 1.0, 1.0, 1.0]])
    t = mining_tax_ledger(ebitda=50 * z, gross_value=200 * z, processing_cost=100 * z,
                          additions=np.array([[100.0, 0, 0, 0]]), producing=z.astype(bool), depreciation_rate=0.30,
                          allowance_base=20 * z, threshold=1e12)
    np.testing.assert_allclose(t["depreciation"][0], [0, 30, 21, 14.7], rtol=1e-12)
    np.testing.assert_allclose(t["processing_allowance"][0], [0, 20, 20, 20], rtol=1e-12)
    np.testing.assert_allclose(t["profit"][0], [0, 0, 9, 15.3], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t["mine_mouth_value"][0], [0, 80, 80, 80], rtol=1e-12)
    np.testing.assert_allclose(t["credit_used"][0], [0, 0, 0.64, 0.16], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t["payable"][0], [0, 0.8, 0.8, 2.288], rtol=1e-12)


def test_margin_on_gross_value_minimum_on_mine_mouth_value():
    """Profit 60 on gross value 100: margin 60 %, so 16 % x 35 + 22 % x 15 + 28 % x 10 = 11.7 whatever the
    mine-mouth value; the minimum tax is 1 % of the mine-mouth value 50 = 0.5 (not of the gross value)."""
    t = quebec_mining_tax(np.array([60.0]), np.array([100.0]), threshold=1000.0, mine_mouth_value=np.array([50.0]))
    assert t["progressive"][0] == pytest.approx(11.7)
    assert t["minimum"][0] == pytest.approx(0.5)


def test_processing_allowance_cap_and_mine_mouth_floor():
    """Allowance base 100 against EBITDA 40, gross value 100, processing cost 95: MMV0 = max(5, 0.10 x 100) = 10
    (the 10 % floor), cap = max(0.75 x 40, 0.30 x 10) = 30, so PA = 30 with no depreciation pool; profit 10."""
    from scandia.economics.taxes import mining_tax_ledger

    one = np.ones((1, 1))
    t = mining_tax_ledger(40 * one, 100 * one, 95 * one, 0 * one, one.astype(bool), 0.30, 100 * one, 1e12)
    assert t["processing_allowance"][0, 0] == pytest.approx(30.0)
    assert t["profit"][0, 0] == pytest.approx(10.0)
    assert t["mine_mouth_value"][0, 0] == pytest.approx(10.0)  # 100 - 95 - 30 < 10: the floor


def test_contingency_is_not_added_to_a_study_total():
    """The hydromet reference (Nyngan DFS total) holds its own indirects and contingency: contingency and
    indirects apply to the other areas only (hand sum from capex_by_area's own parts)."""
    from scandia.economics.costs import capex_by_area, capex_items

    q = {"ore_tph": np.array([100.0]), "concentrate_tpa": np.array([75000.0]), "concentrate_tph": np.array([17.0])}
    c = capex_by_area(q, 2022, np.array([0.25]), np.array([0.25]), capex_items("dms", "caustic"))
    others = sum(c[a] for a in ("mine", "concentrator", "infrastructure"))
    assert c["indirects"][0] == pytest.approx(0.25 * others[0])
    assert c["contingency"][0] == pytest.approx(0.25 * (others[0] + c["indirects"][0]))


def test_capex_follows_the_leach_route():
    """An atmospheric route does without the Nyngan HPAL reference's pressure-leach circuit: Camm (1991) mill
    models at X = 1,000 short tons per day (37.8 t/h), 1989 US$: 96,500 x 1000^0.770 - 50,000 x 1000^0.745
    = 19.702 - 8.590 = 11.113 M, x CEPCI 816.0 / 355.4 (2022 / 1989) = 25.51 M less for the tank route than for the
    caustic (pressure) route, with no contingency or indirects on top (hand calculation)."""
    from scandia.economics.costs import capex_by_area, capex_items

    q = {"ore_tph": np.array([100.0]), "concentrate_tpa": np.array([75000.0]),
         "concentrate_tph": np.array([1000.0 / 26.455])}
    tank, caustic = (capex_by_area(q, 2022, np.array([0.25]), np.array([0.25]), capex_items("dms", r))
                     for r in ("tank", "caustic"))
    assert caustic.get("leach", np.zeros(1))[0] == 0.0
    assert tank["leach"][0] == pytest.approx(-25.51e6, rel=1e-3)
    total = lambda c: sum(v[0] for v in c.values())  # noqa: E731
    assert total(caustic) - total(tank) == pytest.approx(25.51e6, rel=1e-3)
