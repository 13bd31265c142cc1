"""Excel export of a run (openpyxl): summary metrics, the run's tables, uncertainty, every assumption with its
source. Each table sheet has two header rows: names, then the units declared for them (data/outputs.yaml and the
parameter declarations; nothing is read from a name)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.datafiles import load_data
from ..core.outputs import TABLES, ordered, unit_label
from ..scenario.quantity import display_unit

__all__ = ["assumptions_table", "unit_of", "write_workbook"]

def unit_of(name: str) -> str:
    """Display unit of a metric, column or scenario field from its declaration (data/outputs.yaml or the
    parameter declarations); blank for labels and undeclared names."""
    return unit_label(name)


def assumptions_table() -> pd.DataFrame:
    """Every default value in the data files with its source, assumption or fit (path, value, basis, note)."""
    root = Path(__file__).resolve().parents[1] / "data"
    rows: list[dict[str, Any]] = []

    def walk(obj: Any, path: str, file: str) -> None:
        if isinstance(obj, dict):
            if "value" in obj and any(k in obj for k in ("source", "assumption", "fitted_to")):
                basis = next(k for k in ("source", "assumption", "fitted_to") if k in obj)
                value = obj["value"]
                unit = obj.get("unit")
                rows.append({"file": file, "field": path, "value": str(value) if isinstance(value, list) else value,
                             "unit": display_unit(unit) if unit else "", "basis": basis, "note": str(obj[basis])})
                return
            for k, v in obj.items():
                walk(v, f"{path}.{k}" if path else str(k), file)

    for f in sorted(root.rglob("*.yaml")):
        if "scenarios" in f.parts:
            continue
        rel = str(f.relative_to(root))
        walk(load_data(rel), "", rel)
    return pd.DataFrame(rows)


def _flatten(summary: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for stage, s in summary.get("stages", {}).items():
        metrics = s.get("metrics") or {}
        if stage == "beneficiation":
            metrics = {f"{r}.{k}": v for r, m in s.get("routes", {}).items() for k, v in m.items()}
        for k, v in metrics.items():
            row = {"stage": stage, "metric": k, "unit": unit_of(k)}
            if isinstance(v, dict):
                row.update({"value": v.get("p50"), "p10": v.get("p10"), "p90": v.get("p90"), "mean": v.get("mean")})
            else:
                row["value"] = v
            rows.append(row)
    return pd.DataFrame(rows)


def _sheet(ws: Any, df: pd.DataFrame, units: bool = True) -> None:
    ws.append(list(map(str, df.columns)))
    if units:
        ws.append([unit_of(str(c)) for c in df.columns])
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                   for v in row])
    ws.freeze_panes = "A3" if units else "A2"


def write_workbook(path: Path, summary: dict[str, Any], tables: dict[str, pd.DataFrame], scenario_yaml: str) -> Path:
    """Write the workbook atomically (temporary file, then rename); returns the path."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    ws.append(["scandia", summary.get("scandia_version"), "scenario", summary.get("scenario"), "seed",
               summary.get("seed"), "scenarios", summary.get("n_scenarios")])
    _sheet(wb.create_sheet("metrics"), _flatten(summary), units=False)
    written = {name: df for name, df in ordered(tables).items() if isinstance(df, pd.DataFrame) and len(df.columns)}
    contents = pd.DataFrame([
        {"sheet": name[:31], "title": TABLES[name].title if name in TABLES else name,
         "stage": TABLES[name].stage if name in TABLES else "",
         "shows": (summary.get("tables_basis", "this run's scenario") if name not in TABLES
                   or TABLES[name].basis == "base" else "one row per Monte Carlo sample")}
        for name in written])
    _sheet(wb.create_sheet("contents"), contents, units=False)
    for name, df in written.items():
        _sheet(wb.create_sheet(name[:31]), df)
    unc = summary.get("uncertainty")
    if unc:
        d = unc["distribution"]
        ws_u = wb.create_sheet("uncertainty")
        ws_u.append(["output", unc["output"], "samples", unc["samples"], "method", unc["method"], "seed", unc["seed"]])
        for key in ("p10", "p50", "p90", "mean", "prob_negative"):
            ws_u.append([key, d.get(key)])
    _sheet(wb.create_sheet("assumptions"), assumptions_table(), units=False)
    ws_s = wb.create_sheet("scenario")
    for line in scenario_yaml.splitlines():
        ws_s.append([line])
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return path
