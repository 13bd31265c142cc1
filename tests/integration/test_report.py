"""The HTML report: self-contained, complete, built from a run folder or a scenario; bad input exits 2."""

from __future__ import annotations

import json
import re

import pytest
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

from scandia.cli import app
from scandia.report.html import build_report, load_run_dir

from .helpers import write_scenario

runner = CliRunner()
pytestmark = pytest.mark.integration

#: every figure the issue asks for, by its data-figure name; Fe(III) and Th are rejected by the default SX (their
#: aqueous concentration changes < 1 % over the stages), so their McCabe-Thiele diagrams are a sentence instead
FIGURES = {"sankey", "grade_recovery", "leach_tradeoff", "mccabe_thiele", "phase_diagram", "precipitation",
           "strength_vs_sc", "strength_terms", "cashflow", "cost_curve", "histogram", "tornado", "sobol",
           "route_comparison", "market_price", "market_supply", "market_demand", "market_cost_curve"}
SECTIONS = {"summary", "basis", "costs", "headline", "balance",
            "sankey", "streams", "process", "alloy", "market", "economics", "routes", "assumptions",
            "metadata"}


def test_report_from_run_folder_is_complete_and_offline(sampled_run_dir, tmp_path):
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["report", str(sampled_run_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert set(re.findall(r"data-figure='([a-z0-9_]+)'", text)) == FIGURES
    assert SECTIONS <= set(re.findall(r"<section id='([a-z]+)'", text))
    # offline: plotly.js inlined exactly once, nothing fetched from the network
    assert text.count(get_plotlyjs()[:400]) == 1
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)  # no external resource of any kind
    # headline P10/P50/P90 for a sampled run, metadata carries version and seed, the scenario is embedded
    assert "(P50)" in text and "P10 " in text
    assert "Fe(III): the aqueous concentration changes by" in text and "no McCabe-Thiele diagram" in text
    # human headers with declared units, the code name kept as tooltip; no scroll box hides a table
    assert "title='solids_tph'>Solids (t/h)</th>" in text and "class='scroll'" not in text
    assert "Executive summary" in text and "Basis of design" in text and "Initial capital cost by area" in text
    summary = json.loads((sampled_run_dir / "summary.json").read_text())
    assert f"seed {summary['seed']}" in text and "scandia version (run)" in text
    assert "scenario_yaml" not in text and "plant:" in text
    assert out.stat().st_mode & 0o044  # readable by others: meant to be sent


def test_balance_health_table_closes(sampled_run_dir):
    """Invariant: every flowsheet balance (mass, Sc, TREE, Fe, Th) closes to 1e-6 in the shipped run."""
    _, tables, _ = load_run_dir(sampled_run_dir)
    bal = tables["balance_health"]
    assert set(bal["stage"]) == {"beneficiation", "hydromet"}
    assert bal["closes"].all()
    assert (bal["rel_imbalance"].abs() < 1e-6).all()


def test_report_straight_from_a_scenario_deterministic(tmp_path):
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "--out", str(out), "--samples", "1"])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "(P50)" not in text  # one scenario: plain numbers, no ranges
    assert "histogram" not in set(re.findall(r"data-figure='([a-z0-9_]+)'", text))


def test_report_of_one_stage_says_what_is_missing(tmp_path):
    run_dir = tmp_path / "ben"
    assert runner.invoke(app, ["run", "--stage", "beneficiation", "--out", str(run_dir), "--no-store"]).exit_code == 0
    out = tmp_path / "b.html"
    assert runner.invoke(app, ["report", str(run_dir), "--out", str(out)]).exit_code == 0
    figs = set(re.findall(r"data-figure='([a-z0-9_]+)'", out.read_text(encoding="utf-8")))
    assert {"sankey", "grade_recovery"} <= figs and "cashflow" not in figs


def test_failed_run_report_says_what_failed():
    summary = {"scenario": "x", "scandia_version": "0", "seed": 0, "n_scenarios": 1,
               "status": {"ok": 0, "infeasible": 1}, "stages": {},
               "error": "hydromet.tank.temperature_c: must lie in [5, 105]"}
    text = build_report(summary, {}, "")
    assert "This run failed" in text and "must lie in [5, 105]" in text and "infeasible" in text


@pytest.mark.parametrize("args, field", [
    (["report", "/nonexistent/folder/x.yaml"], "scenario"),
    (["report", "--out", "/proc/no/report.html", "--samples", "1"], "--out"),
    (["report", "--samples", "0"], "--samples"),
])
def test_report_bad_input_exit_2(args, field):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output


def test_empty_folder_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "summary.json" in res.output


def test_run_writes_report_beside_results(tmp_path):
    scen = write_scenario(tmp_path, "name: small\nuncertainty:\n  samples: 1\n")
    out = tmp_path / "rep.html"
    res = runner.invoke(app, ["run", scen, "--stage", "alloy", "--report", str(out), "--no-store"])
    assert res.exit_code == 0, res.output
    assert "phase_diagram" in out.read_text(encoding="utf-8")


def test_sankey_follows_the_oxide_into_the_master_alloy():
    """With the product set to master alloy, the Sankey continues from the Sc2O3 product into the Al-Sc master
    alloy node; invariants: mass into that node equals mass out (Sc2O3 + aluminium and flux = alloy + dross),
    and the Sc reaching the alloy is at most the Sc in the oxide (alloying losses go to their own node)."""
    import scandia
    from scandia.report.flows import sankey_data

    r = scandia.run(scandia.load_scenario("crater-lake").with_values({"economics.product": "master_alloy"}),
                    curves=False)
    flows = sankey_data(r.summary, r.tables)
    for basis in ("mass", "Sc"):
        labels, src, tgt, val, _ = flows[basis]
        alloy = next(i for i, name in enumerate(labels) if name.startswith("Master alloy (Al-"))
        into = sum(v for t, v in zip(tgt, val, strict=True) if t == alloy)
        oxide = next(i for i, name in enumerate(labels) if name == "Sc2O3 product")
        from_oxide = sum(v for s_, v in zip(src, val, strict=True) if s_ == oxide)
        if basis == "mass":
            out = sum(v for s_, v in zip(src, val, strict=True) if s_ == alloy)
            assert out == pytest.approx(into, rel=1e-12)
        else:
            assert 0 < into <= from_oxide


def test_an_infeasible_case_says_which_specification_it_misses_and_by_how_much():
    """A purity target above what the flowsheet reaches (99.99 % against the default's 99.57 %) makes the case
    infeasible; the report's headline names the specification, the value, the target and the shortfall, which
    equals target - value (an invariant of the arithmetic, not a model value)."""
    import scandia
    from scandia.report.html import build_report
    from scandia.report.specs import specifications
    from scandia.runner import resolved_yaml

    scen = scandia.load_scenario("crater-lake").with_values({"hydromet.purification.purity_target_frac": 0.9999})
    r = scandia.run(scen, curves=False)
    assert r.summary["status"]["infeasible"] == 1
    purity = next(s for s in specifications(r.summary) if s["name"] == "Sc2O3 purity")
    assert not purity["met"] and purity["margin"] == pytest.approx(purity["value"] - 99.99, abs=1e-9)
    text = build_report(r.summary, r.tables, resolved_yaml(scen))
    assert "Specification missed: Sc2O3 purity" in text and "misses its target 99.99 %" in text


def test_stream_table_ph_and_temperature_only_where_the_model_has_them(sampled_run_dir):
    """The pH column is filled for the SX raffinate alone (the cascade's last-stage equilibrium, the same value as
    the McCabe-Thiele table's last stage) and is strongly acid: the SX feed is held at >= 100 g/L free HCl
    (2.7 mol/L, so pH <= -0.4 at unit activity) and extraction releases protons, so pH < 0.5 (physical bound)."""
    _, tables, _ = load_run_dir(sampled_run_dir)
    st, mt = tables["hydromet_streams"], tables["sx_mccabe_thiele"]
    filled = st[st["ph"].notna()]
    assert list(filled["stream"]) == ["extract.raffinate"]
    sc = mt[mt["element"] == "Sc"]
    assert filled["ph"].iloc[0] == pytest.approx(sc["stage_ph"].iloc[-1], abs=1e-9)
    assert filled["ph"].iloc[0] < 0.5
    # temperature only at the leach outlets, the caustic route's HCl leach temperature (an input; no heat balance)
    import yaml

    _, _, resolved = load_run_dir(sampled_run_dir)
    warm = st[st["temperature_c"].notna()]
    assert sorted(warm["stream"]) == ["leach.liquor", "leach.residue"]
    assert (warm["temperature_c"] == yaml.safe_load(resolved)["hydromet"]["caustic"]["acid_temperature_c"]).all()
