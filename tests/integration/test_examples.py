"""The example notebooks in examples/ run top to bottom: every code cell is executed in order in one fresh
namespace (as a kernel would, without starting one), and each notebook's own asserts (invariants: fractions in
[0, 1], a higher price raises the NPV, P10 <= P90, units carried) must hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_there_are_the_four_examples_the_docs_list():
    assert [p.name for p in NOTEBOOKS] == ["01_run_the_chain.ipynb", "02_change_a_parameter.ipynb",
                                           "03_monte_carlo.ipynb", "04_compare_routes.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a notebook that writes files writes them here
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    namespace: dict = {"__name__": "__main__"}
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert cells
    for i, cell in enumerate(cells):
        src = "".join(cell["source"])
        assert not cell.get("outputs"), f"{path.name} cell {i} is committed with outputs: clear them"
        exec(compile(src, f"{path.name}[{i}]", "exec"), namespace)  # the project's own notebooks
