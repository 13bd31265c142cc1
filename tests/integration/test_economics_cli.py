"""Economics stage in the chain and alone; bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scandia.cli import app

from .helpers import write_scenario

pytestmark = pytest.mark.integration
runner = CliRunner()




def test_chain_reports_npv_and_writes_cash_flow(tmp_path):
    res = runner.invoke(app, ["run", "--format", "json", "--no-curves", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    e = json.loads(res.stdout)["stages"]["economics"]["metrics"]
    assert e["capex_musd"] > 0 and e["breakeven_sc2o3_usd_per_kg"] > 0
    # consistency: NPV has the sign of (price - break-even)
    assert (e["npv_musd"] > 0) == (3000.0 > e["breakeven_sc2o3_usd_per_kg"])
    names = {p.name for p in tmp_path.iterdir()}
    assert {"economics_cashflow.csv", "economics_capex.csv", "economics_opex.csv"} <= names


def test_economics_alone_from_inputs(tmp_path):
    text = ("economics:\n  inputs: {concentrate_tpa: 200000, sc2o3_production_tpa: 40, reo_production_tpa: 300,"
            " reagent_cost_usd_per_kg_sc2o3: 900}\n")
    res = runner.invoke(app, ["run", write_scenario(tmp_path, text), "--stage", "economics", "--format", "json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert set(s["stages"]) == {"economics"}
    assert s["stages"]["economics"]["metrics"]["sc2o3_production_tpa"] == pytest.approx(40.0)


def test_higher_price_raises_npv(tmp_path):
    out = []
    for price in (2500, 3500):
        path = write_scenario(tmp_path, f"economics:\n  params: {{sc2o3_price_usd_per_kg: {price}}}\n")
        res = runner.invoke(app, ["run", path, "--format", "json", "--no-curves"])
        out.append(json.loads(res.stdout)["stages"]["economics"]["metrics"]["npv_musd"])
    assert out[1] > out[0]


@pytest.mark.parametrize(("text", "fragment"), [
    ("economics:\n  params: {discount_rate_frac: 2}\n", "economics.params.discount_rate_frac"),
    ("economics:\n  params: {sc2o3_price_usd_per_kg: -5}\n", "sc2o3_price_usd_per_kg"),
    ("economics:\n  product: gold\n", "economics.product"),
])
def test_bad_economics_input(tmp_path, text, fragment):
    res = runner.invoke(app, ["run", write_scenario(tmp_path, text), "--stage", "economics"])
    assert res.exit_code == 2 and fragment in res.stderr and "Traceback" not in res.output


def test_economics_alone_without_inputs_is_a_clear_error():
    res = runner.invoke(app, ["run", "--stage", "economics"])
    assert res.exit_code == 2 and "economics.inputs" in res.stderr


def test_master_alloy_product(tmp_path):
    path = write_scenario(tmp_path, "economics:\n  product: master_alloy\n")
    res = runner.invoke(app, ["run", path, "--format", "json", "--no-curves"])
    assert res.exit_code == 0, res.output
    e = json.loads(res.stdout)["stages"]["economics"]
    assert e["product"] == "master_alloy"
    assert "master_alloy_conversion" in e["opex_musd_per_yr_by_item"]


def test_footprint_and_cost_curve():
    """CO2e per kg Sc2O3 is the sum of its sources; per kg master alloy adds the contained oxide's footprint to
    the master-alloy step; the cost curve is in cost order and holds the project once."""
    from scandia.chain import run
    from scandia.economics.report import cost_curve_table
    from scandia.scenario import load_scenario

    r = run(load_scenario())
    e = r.stages["economics"]
    total = e.metrics["co2e_kg_per_kg_sc2o3"][0]
    assert total == pytest.approx(sum(v[0] for v in e.footprint.values()))
    assert e.footprint["hcl"][0] > 0 and e.footprint["electricity"][0] > 0
    ma = r.stages["alloy"].master
    assert e.metrics["co2e_kg_per_kg_master_alloy"][0] == pytest.approx(
        ma.co2e_kg_per_kg[0] + ma.inputs_kg["sc2o3"][0] * total)
    curve = cost_curve_table(e)
    assert curve["cost_usd_per_kg"].is_monotonic_increasing and curve["is_project"].sum() == 1
    assert curve["cumulative_tpa"].iloc[-1] == pytest.approx(curve["capacity_tpa"].sum())


def test_product_mix_prices_the_master_alloy_from_the_oxide_price():
    """Issue 14 item 4: with product mix, revenue per kg Sc2O3 is the share-weighted price of the two Sc
    products; the master alloy is its contained oxide at the oxide price plus the stated premium (hand sum below
    from the run's own master-alloy figures), so a higher oxide price raises both."""
    import scandia
    from scandia.core.assay import SC2O3_PER_SC

    s = scandia.load("crater-lake").with_values({"economics.product": "mix"})
    r = scandia.run(s)
    e = s.economics.params
    ma = r.stages["alloy"].master
    contained = float(ma.sc_frac[0]) * SC2O3_PER_SC  # kg Sc2O3 per kg Al-2Sc (137.91/89.91)
    ma_price = contained * e.sc2o3_price_usd_per_kg + e.master_alloy_premium_usd_per_kg
    per_oxide = ma_price * e.master_alloy_payability_frac / float(ma.inputs_kg["sc2o3"][0])
    want = (1 - e.master_alloy_share_frac) * e.sc2o3_price_usd_per_kg * e.sc2o3_payability_frac \
        + e.master_alloy_share_frac * per_oxide
    m = {k: float(v[0]) for k, v in r.stages["economics"].metrics.items()}
    h = r.stages["hydromet"].metrics  # the REO is paid on its contained oxides (a product above the purity floor)
    assert float(h["reo_purity_frac"][0]) >= e.reo_min_purity_frac
    reo = float(h["reo_production_tpa"][0] * h["reo_purity_frac"][0]) * 1e3 * e.reo_price_usd_per_kg \
        * e.reo_payability_frac
    assert m["revenue_musd_per_yr"] * 1e6 == pytest.approx(want * m["sc2o3_production_tpa"] * 1e3 + reo, rel=1e-9)
    # a purity floor above the product's purity: the separator buys nothing, the Sc revenue is unchanged
    floor = scandia.run(s.with_values({"economics.params.reo_min_purity_frac": 0.9999}))
    assert float(floor.stages["economics"].metrics["revenue_musd_per_yr"][0]) * 1e6 == pytest.approx(
        want * m["sc2o3_production_tpa"] * 1e3, rel=1e-9)
    # the 2025 China quote the premium comes from: Al-2Sc at 30.70 US$/kg when 99.9 % Sc2O3 sold at 658 US$/kg
    assert 0.02 * 1.5338 * 658 + e.master_alloy_premium_usd_per_kg == pytest.approx(30.70, abs=0.05)


def test_routes_command_compares_every_registered_option(tmp_path):
    """Issue 14 item 6: one row per registered (leach route, lixiviant) on one feed, through the whole chain;
    invariants: recoveries in [0, 1], the overall Sc recovery below the leach extraction, one current option."""
    import pandas as pd
    from typer.testing import CliRunner

    from scandia.cli import app
    from scandia.compare import route_options

    out = tmp_path / "routes.csv"
    res = CliRunner().invoke(app, ["routes", "--out", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert list(zip(df["leach_route"], df["lixiviant"], strict=True)) == route_options()
    assert df["current"].sum() == 1 and df.loc[df["current"], "leach_route"].item() == "caustic"
    ok = df["ok_frac"] == 1.0
    for col in ("leach_sc_extraction_frac", "overall_sc_recovery_frac"):
        assert df.loc[ok, col].between(0.0, 1.0).all()
    assert (df.loc[ok, "overall_sc_recovery_frac"] < df.loc[ok, "leach_sc_extraction_frac"]).all()
    assert "note: heap leach" in res.output  # infeasible options are named, not dropped
    bad = CliRunner().invoke(app, ["routes", "--samples", "0"])
    assert bad.exit_code == 2 and "--samples" in bad.output


def test_co2e_allocation_conserves_the_site_total():
    """Issue 14 item 5: the allocation rule (none, mass, economic; ISO 14044 4.3.4) only shares the site's
    footprint between Sc2O3 and the mixed REO: kg CO2e/kg x kg, summed over both products, is the same under
    every rule; mass gives the Sc2O3 its mass share, economic its revenue share."""
    import scandia

    totals, shares = {}, {}
    for rule in ("none", "mass", "economic"):
        r = scandia.run(scandia.load("crater-lake").with_values({"economics.co2e_allocation": rule}))
        m = {k: float(v[0]) for k, v in r.stages["economics"].metrics.items()}
        h = {k: float(v[0]) for k, v in r.stages["hydromet"].metrics.items()}
        sc, reo = h["sc2o3_production_tpa"], h["reo_production_tpa"]
        reo_part = m["co2e_kg_per_kg_reo"] * reo if np.isfinite(m["co2e_kg_per_kg_reo"]) else 0.0
        totals[rule] = m["co2e_kg_per_kg_sc2o3"] * sc + reo_part
        shares[rule] = (m["co2e_sc2o3_share_frac"], sc, reo)
    assert totals["mass"] == pytest.approx(totals["none"], rel=1e-9)
    assert totals["economic"] == pytest.approx(totals["none"], rel=1e-9)
    share, sc, reo = shares["mass"]
    assert share == pytest.approx(sc / (sc + reo), rel=1e-9)
    assert shares["none"][0] == 1.0 and 0.0 < shares["economic"][0] < 1.0
