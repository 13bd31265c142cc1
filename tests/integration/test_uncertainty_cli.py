"""Monte Carlo through the whole chain from the CLI; tornado; Sobol; bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scandia.cli import app
from scandia.scenario import load_scenario
from scandia.uncertainty.analysis import monte_carlo, tornado

from .helpers import write_scenario

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_monte_carlo_run_writes_distribution_and_tornado(tmp_path):
    res = runner.invoke(app, ["run", "--samples", "40", "--format", "json", "--no-curves", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["n_scenarios"] == 40
    d = s["uncertainty"]["distribution"]
    assert d["p10"] <= d["p50"] <= d["p90"] and 0.0 <= d["prob_negative"] <= 1.0
    assert sum(d["histogram"]["counts"]) == d["n_usable"]
    swings = [r["swing"] for r in s["uncertainty"]["tornado"]["rows"]]
    assert swings == sorted(swings, reverse=True)
    npv = s["stages"]["economics"]["metrics"]["npv_musd"]
    assert set(npv) == {"mean", "p10", "p50", "p90"}
    assert {"uncertainty_samples.csv", "tornado.csv"} <= {p.name for p in tmp_path.iterdir()}


def test_samples_reach_every_stage():
    """Sampled autoclave conditions and operating hours move the stages that use them, scenario by scenario."""
    mc = monte_carlo(load_scenario(), 16)
    temp = mc.samples["hydromet.caustic.temperature_c"]
    ext = mc.result.stages["hydromet"].metrics["leach_sc_extraction_frac"]
    assert np.corrcoef(temp, ext)[0, 1] > 0.5  # hotter autoclave, higher extraction (time and NaOH vary too)
    price = mc.samples["economics.params.sc2o3_price_usd_per_kg"]
    assert np.corrcoef(price, mc.values)[0, 1] > 0.5


def test_tornado_base_equals_deterministic_run():
    from scandia.chain import run

    scen = load_scenario()
    t = tornado(scen)
    det = run(scen).stages["economics"].metrics["npv_musd"][0]
    assert t.attrs["base_output"] == pytest.approx(det, rel=1e-9)


def test_sensitivity_command(tmp_path):
    res = runner.invoke(app, ["sensitivity", "--sobol", "8", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "sc2o3_price_usd_per_kg" in res.output and (tmp_path / "sobol_indices.csv").exists()




@pytest.mark.parametrize(("text", "fragment"), [
    ("uncertainty:\n  distributions:\n    economics.params.sc2o3_price_usd_per_kg: {dist: uniform, low: 5, high: 1}\n",
     "below high"),
    ("uncertainty:\n  distributions:\n    economics.params.nope: {dist: uniform, low: 1, high: 2}\n", "nope"),
    ("uncertainty:\n  distributions:\n    economics.params.discount_rate_frac: {dist: normal, mean: 0.08, sd: -1}\n",
     "sd must be > 0"),
    ("uncertainty:\n  samples: 0\n", "uncertainty.samples"),
])
def test_bad_uncertainty_input(tmp_path, text, fragment):
    res = runner.invoke(app, ["run", write_scenario(tmp_path, text)])
    assert res.exit_code == 2 and fragment in res.stderr and "Traceback" not in res.output


def test_non_psd_correlation_is_one_line(tmp_path):
    text = ("uncertainty:\n  distributions:\n"
            "    economics.params.sc2o3_price_usd_per_kg: {dist: uniform, low: 2000, high: 4000}\n"
            "    economics.params.reo_price_usd_per_kg: {dist: uniform, low: 10, high: 40}\n"
            "    economics.params.discount_rate_frac: {dist: uniform, low: 0.05, high: 0.1}\n"
            "  correlations:\n"
            "    - [economics.params.sc2o3_price_usd_per_kg, economics.params.reo_price_usd_per_kg, 0.9]\n"
            "    - [economics.params.sc2o3_price_usd_per_kg, economics.params.discount_rate_frac, 0.9]\n"
            "    - [economics.params.reo_price_usd_per_kg, economics.params.discount_rate_frac, -0.9]\n")
    res = runner.invoke(app, ["run", write_scenario(tmp_path, text), "--samples", "10"])
    assert res.exit_code == 2 and "positive semi-definite" in res.stderr


def test_more_samples_than_a_beneficiation_chunk():
    """The chain passes every scenario's concentrate to hydromet when beneficiation works in chunks."""
    from scandia.chain import run

    n = 9
    scen = load_scenario()
    hours = np.linspace(3800, 4600, n)
    from scandia.beneficiation import stage as bstage

    res = bstage.run_beneficiation(scen, n, {"plant.operating_hours_per_year_h_per_yr": hours}, chunk_size=4)
    assert res.concentrate.n == n
    full = run(scen, n=n, arrays={"plant.operating_hours_per_year_h_per_yr": hours})
    assert full.stages["hydromet"].metrics["sc2o3_production_tpa"].shape == (n,)
    prod = full.stages["hydromet"].metrics["sc2o3_production_tpa"]
    np.testing.assert_allclose(prod / hours, prod[0] / hours[0], rtol=1e-9)
