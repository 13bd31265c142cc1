"""CLI: runs, outputs, and bad input (exit code 2, one line, no traceback)."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from scandia import __version__
from scandia.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_run_default_prints_three_routes(tmp_path):
    res = runner.invoke(app, ["run", "--out", str(tmp_path / "out"), "--no-curves"])
    assert res.exit_code == 0, res.output
    for route in ("lims_whims", "dms", "xrt"):
        assert route in res.output
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"summary.json", "scenario.yaml", "scenario_input.yaml", "beneficiation_routes.csv",
            "beneficiation_streams.csv"} <= files
    # the user's file as given (the built-in, comments and all) is kept beside the resolved scenario
    given = (tmp_path / "out" / "scenario_input.yaml").read_text()
    assert given == runner.invoke(app, ["scenarios", "show", "crater-lake"]).stdout and "#" in given
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scandia_version"] == __version__
    assert summary["seed"] == 0 and summary["n_scenarios"] == 1
    routes = summary["stages"]["beneficiation"]["routes"]
    assert 0.0 <= routes["dms"]["sc_recovery_frac"] <= 1.0
    # the written scenario reproduces the run
    again = runner.invoke(app, ["run", str(tmp_path / "out" / "scenario.yaml"), "--format", "json", "--no-curves"])
    assert json.loads(again.stdout)["stages"] == summary["stages"]


def test_run_json_shape_matches_design_contract():
    res = runner.invoke(app, ["run", "--format", "json", "--stage", "beneficiation", "--no-curves"])
    assert res.exit_code == 0
    s = json.loads(res.stdout)
    assert set(s) >= {"scandia_version", "scenario", "seed", "n_scenarios", "status", "stages"}
    b = s["stages"]["beneficiation"]
    assert set(b["routes"]) == {"lims_whims", "dms", "xrt"} and b["selected_route"] == "lims_whims"
    assert all(isinstance(v, float) for k, v in b["routes"]["dms"].items() if k.endswith("_frac"))


def test_parquet_tables(tmp_path):
    res = runner.invoke(app, ["run", "--out", str(tmp_path), "--table-format", "parquet", "--no-curves"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "beneficiation_routes.parquet").exists()


def test_validate_and_scenarios():
    assert runner.invoke(app, ["validate"]).exit_code == 0
    res = runner.invoke(app, ["scenarios"])
    assert "crater-lake" in res.output and "crater-lake-olivine" in res.output
    schema = json.loads(runner.invoke(app, ["validate", "--schema"]).stdout)
    assert "beneficiation" in schema["properties"]


def test_scenarios_show_and_init_start_a_file(tmp_path):
    """Issue 15 item 5: a built-in prints as written; `init` writes a commented file that validates and runs
    the same scenario; an existing file is not overwritten without --force (exit 2, one line)."""
    from scandia.scenario import load_scenario

    shown = runner.invoke(app, ["scenarios", "show", "crater-lake-sulfuric"])
    assert shown.exit_code == 0 and "lixiviant: H2SO4" in shown.stdout and "# " in shown.stdout
    bad = runner.invoke(app, ["scenarios", "show", "nope"])
    assert bad.exit_code == 2 and "crater-lake" in bad.output and "Traceback" not in bad.output
    f = tmp_path / "mine.yaml"
    made = runner.invoke(app, ["init", str(f), "--from", "crater-lake-sulfuric"])
    assert made.exit_code == 0, made.output
    assert f.read_text().startswith("# scandia scenario, started from the built-in 'crater-lake-sulfuric'")
    assert load_scenario(f).model_dump() == load_scenario("crater-lake-sulfuric").model_dump()
    again = runner.invoke(app, ["init", str(f)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["init", str(f), "--force"]).exit_code == 0


def _write(tmp_path, text: str):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return str(p)


BAD = [
    ("plant:\n  ore_feed_rate_tph: -3\n", "plant.ore_feed_rate_tph"),
    ("plant:\n  ore_feed_rate_tph: .nan\n", "plant.ore_feed_rate_tph"),
    ("beneficiation:\n  whims:\n    field_t: 7 T\n", "[0.1, 2.0]"),
    ("beneficiation:\n  whims:\n    field_t: 7 furlongs\n", "field_t"),
    ("beneficiation:\n  lims:\n    entrainment_frac: 1.2\n", "entrainment_frac"),
    ("beneficiation:\n  routes: [lims_whims, froth]\n", "routes"),
    ("beneficiation:\n  sample: met07\n", "beneficiation.sample"),
    ("beneficiation:\n  dms:\n    d50: 3.0\n", "beneficiation.dms.d50"),
    ("beneficiation:\n  susceptibility_m3_kg: {kryptonite: 1.0e-7}\n", "kryptonite"),
    ("beneficiation:\n  susceptibility_m3_kg: {hedenbergite: 1.0}\n", "hedenbergite"),
    ("beneficiation:\n  xrt: {bottom_size_mm: 60, top_size_mm: 40}\n", "bottom_size_mm"),
    ("plant: [1, 2\n", "malformed YAML"),
    ("- just\n- a list\n", "mapping"),
    ("seed: -1\n", "seed"),
    ("beneficiation:\n  modal_mass_frac: {hedenbergite: 0.5, felsic: 0.4}\n", "sum to 1"),
    ("beneficiation:\n  modal_mass_frac: {hedenbergite: 1.5, felsic: -0.5}\n", "[0, 1]"),
    ("beneficiation:\n  modal_mass_frac: {jadeite: 0.5, felsic: 0.5}\n", "jadeite"),
    ("hydromet:\n  lixiviant: H2SO4\n  bake:\n    acid_dose_kg_per_t: 9000\n", "[50.0, 3000.0]"),
    ("hydromet:\n  tank:\n    temperature_c: 180\n", "hydromet.tank.temperature_c"),
    ("hydromet:\n  tank:\n    n_tanks: 2.5\n", "whole number"),
    ("hydromet:\n  sx:\n    extraction_stages: 40\n", "hydromet.sx.extraction_stages"),
    ("hydromet:\n  sx:\n    extraction_oa: 0\n", "[0.01, 5.0]"),
    ("hydromet:\n  lixiviant: HNO3\n", "hydromet.lixiviant"),
    ("hydromet:\n  leach_route: vat\n", "hydromet.leach_route"),
    ("hydromet:\n  leach_route: bake\n", "sulfation bake"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_bad_scenarios_exit_2_with_one_line(tmp_path, text, fragment):
    res = runner.invoke(app, ["run", _write(tmp_path, text)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert fragment in err
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output


@pytest.mark.parametrize("args", [["run", "no-such-scenario"], ["run", "--stage", "smelting"],
                                  ["validate", "/nonexistent/file.yaml"]])
def test_bad_names_exit_2(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_bad_input_keeps_earlier_results(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", "--out", str(out), "--no-curves"]).exit_code == 0
    before = (out / "summary.json").read_text()
    bad = _write(tmp_path, "beneficiation:\n  whims:\n    field_t: 9\n")
    assert runner.invoke(app, ["run", bad, "--out", str(out)]).exit_code == 2
    assert (out / "summary.json").read_text() == before
    assert yaml.safe_load((out / "scenario.yaml").read_text())["name"] == "crater-lake"


def test_hydromet_runs_alone_from_a_concentrate_assay():
    res = runner.invoke(app, ["run", "crater-lake-concentrate", "--stage", "hydromet", "--format", "json",
                              "--no-curves"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert set(s["stages"]) == {"hydromet"}
    assert s["stages"]["hydromet"]["metrics"]["sc2o3_purity_frac"] >= 0.995


def test_hydromet_alone_without_feed_is_a_clear_error():
    res = runner.invoke(app, ["run", "crater-lake", "--stage", "hydromet"])
    assert res.exit_code == 2 and "hydromet.feed" in res.stderr


def test_chain_writes_hydromet_tables(tmp_path):
    res = runner.invoke(app, ["run", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Hydrometallurgy" in res.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"hydromet_routes.csv", "hydromet_streams.csv", "sx_mccabe_thiele.csv", "leach_tradeoff.csv"} <= names


def test_unwritable_output_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["run", "--out", str(blocker / "sub"), "--no-curves"])
    assert res.exit_code == 2 and "--out" in res.stderr and "Traceback" not in res.output


def test_rerun_replaces_its_own_files_and_keeps_others(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", "--out", str(out), "--stage", "beneficiation"]).exit_code == 0
    assert (out / "grade_recovery.csv").exists()
    (out / "my_notes.txt").write_text("keep me")
    assert runner.invoke(app, ["run", "--out", str(out), "--stage", "beneficiation", "--no-curves"]).exit_code == 0
    assert not (out / "grade_recovery.csv").exists()  # stale result of the earlier run removed
    assert (out / "my_notes.txt").read_text() == "keep me"
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no temporary or backup files left
