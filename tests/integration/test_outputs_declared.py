"""Every metric and table column a run writes has a declared unit (data/outputs.yaml or a parameter
declaration): nothing downstream reads a unit from a name."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scandia.core.outputs import declared
from scandia.runner import execute
from scandia.scenario import builtin_scenarios, load_scenario

pytestmark = pytest.mark.integration


def _metric_names(summary: dict) -> set[str]:
    names: set[str] = set()
    for stage, s in summary["stages"].items():
        names |= set(s.get("metrics") or {})
        if stage == "beneficiation":
            for m in s.get("routes", {}).values():
                names |= set(m)
    return names


def test_sampled_run_outputs_are_declared(sampled_run_dir):
    summary = json.loads((sampled_run_dir / "summary.json").read_text())
    undeclared = {n for n in _metric_names(summary) if not declared(n)}
    for csv in sampled_run_dir.glob("*.csv"):
        undeclared |= {f"{csv.stem}:{c}" for c in pd.read_csv(csv, nrows=1).columns if not declared(str(c))}
    assert not undeclared, f"declare these in data/outputs.yaml: {sorted(undeclared)}"


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtin_scenario_outputs_are_declared(name):
    _, summary, tables = execute(load_scenario(name), curves=False)  # the curve tables: the sampled run above
    undeclared = {n for n in _metric_names(summary) if not declared(n)}
    for t, df in tables.items():
        undeclared |= {f"{t}:{c}" for c in df.columns if not declared(str(c))}
    assert not undeclared, f"declare these in data/outputs.yaml: {sorted(undeclared)}"


# --- the output registry: every table and figure declared once (data/outputs.yaml tables/figures) ---------------

def test_every_declared_builder_imports_and_every_figure_reads_declared_tables():
    from scandia.core.outputs import FIGURES, TABLES

    for name, spec in TABLES.items():
        assert spec.kind in ("stage", "curve", "comparison", "sampled"), name
        assert spec.basis in ("base", "samples"), name
        if spec.kind == "sampled":
            assert not spec.builder, f"{name}: sampled tables are written by the Monte Carlo, not built"
        else:
            assert callable(spec.function()), name
    for name, fig in FIGURES.items():
        assert set(fig.tables) <= set(TABLES), f"figure {name} reads undeclared tables"


def test_sampled_run_writes_only_declared_tables_in_declared_order(sampled_run_dir):
    """The run folder, its summary's table index and the report's figures all follow the registry."""
    from scandia.core.outputs import FIGURES, TABLES
    from scandia.report.html import build_figures, load_run_dir

    summary = json.loads((sampled_run_dir / "summary.json").read_text())
    written = [f.rsplit(".", 1)[0] for f in summary["files"] if f.endswith(".csv")]
    assert set(written) <= set(TABLES), sorted(set(written) - set(TABLES))
    assert list(summary["tables"]) == [n for n in TABLES if n in written]  # declaration order
    assert summary["tables"]["tornado"]["basis"] == "samples"
    assert summary["tables"]["hydromet_streams"]["basis"] == "base"
    # a sampled run with Sobol indices writes every sampled table
    assert {"uncertainty_samples", "tornado", "sobol_indices"} <= set(written)
    s, tables, _ = load_run_dir(sampled_run_dir)
    figs = build_figures(s, tables)
    assert set(figs) <= set(FIGURES)
    # a figure is drawn whenever its tables are there (the Fe/Th McCabe-Thiele plots are drawn when those
    # elements have points)
    expected = {n for n, f in FIGURES.items() if all(t in tables for t in f.tables)}
    assert expected - set(figs) <= {"mccabe_thiele_fe3", "mccabe_thiele_th"}, sorted(expected - set(figs))


def test_excel_contents_sheet_lists_the_declared_tables(tmp_path):
    from openpyxl import load_workbook

    from scandia.core.outputs import TABLES
    from scandia.report.excel import write_workbook
    from scandia.runner import resolved_yaml

    scen = load_scenario("crater-lake")
    _, summary, tables = execute(scen, curves=False)
    path = write_workbook(tmp_path / "run.xlsx", summary, tables, resolved_yaml(scen))
    rows = list(load_workbook(path, read_only=True)["contents"].iter_rows(values_only=True))
    assert rows[0][:2] == ("sheet", "title")
    sheets = [r[0] for r in rows[1:]]
    assert sheets == [n for n in TABLES if n in tables]
    assert rows[1][1] == TABLES[sheets[0]].title
