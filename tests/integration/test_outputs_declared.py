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
    _, summary, tables = execute(load_scenario(name))
    undeclared = {n for n in _metric_names(summary) if not declared(n)}
    for t, df in tables.items():
        undeclared |= {f"{t}:{c}" for c in df.columns if not declared(str(c))}
    assert not undeclared, f"declare these in data/outputs.yaml: {sorted(undeclared)}"
