"""Excel export: sheets, unit header rows, values equal to the run summary, assumptions with sources."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scandia.cli import app

pytestmark = pytest.mark.integration
openpyxl = pytest.importorskip("openpyxl")


def test_excel_workbook(tmp_path):
    path = tmp_path / "run.xlsx"
    res = CliRunner().invoke(app, ["run", "--no-curves", "--format", "json", "--excel", str(path)])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    wb = openpyxl.load_workbook(path)
    assert {"metrics", "economics_cashflow", "hydromet_streams", "assumptions", "scenario"} <= set(wb.sheetnames)
    cash = wb["economics_cashflow"]
    header = [c.value for c in cash[1]]
    units = [c.value for c in cash[2]]
    assert units[header.index("revenue_musd")] == "US$ M"
    metrics = {(r[0], r[1]): r[3] for r in wb["metrics"].iter_rows(min_row=2, values_only=True)}
    assert metrics[("economics", "npv_musd")] == pytest.approx(summary["stages"]["economics"]["metrics"]["npv_musd"])
    rows = list(wb["assumptions"].iter_rows(min_row=2, values_only=True))
    assert len(rows) > 100 and all(r[4] in ("source", "assumption", "fitted_to") and r[5] for r in rows)
    assert not (tmp_path / "run.xlsx.tmp").exists()


def test_excel_bad_path_exit_2():
    res = CliRunner().invoke(app, ["run", "--no-curves", "--excel", "/nonexistent/dir/x.xlsx"])
    assert res.exit_code == 2 and "--excel" in res.stderr and "Traceback" not in res.output
