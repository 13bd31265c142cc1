"""Excel export of a run (openpyxl): a live cash-flow model, summary metrics, the run's tables, uncertainty, every
assumption with its source. Each table sheet has two header rows: names, then the units declared for them
(data/outputs.yaml and the parameter declarations; nothing is read from a name).

The ``cashflow_model`` sheet is the economics stage's cash flow (scandia.economics.cashflow and .taxes) for the
base case written as Excel formulas, years across, over the ``inputs`` sheet: revenue, operating cost, royalty,
capital, working capital, the Québec mining tax ledger (processing allowance, depreciation, tax on profit, minimum
tax and its credit), capital cost allowance, income tax with losses carried forward, cash flow, discount factor,
discounted cash flow, NPV and IRR. An analyst changes an input cell and the sheet recomputes as the model would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.datafiles import load_data
from ..core.outputs import TABLES, ordered, output, unit_label
from ..scenario.quantity import display_unit

__all__ = ["assumptions_table", "cashflow_model_rows", "unit_of", "write_workbook"]

def unit_of(name: str) -> str:
    """Display unit of a metric, column or scenario field from its declaration (data/outputs.yaml or the
    parameter declarations): "-" for a declared pure number (fraction, ratio, count), blank for labels, flags and
    undeclared names."""
    o = output(name)
    if o is not None and o.unit.strip() == "dimensionless":
        return "-"
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
                             "unit": ("-" if str(unit).strip() == "dimensionless" else display_unit(unit)) if unit
                             else "", "basis": basis, "note": str(obj[basis])})
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


def number_format(values: Any) -> str:
    """An Excel number format showing about four significant figures of a column's typical (median) magnitude,
    with thousands separators; "General" for text and empty columns."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    v = v[np.isfinite(v) & (v != 0)].abs()
    if v.empty:
        return "General"
    mag = float(np.floor(np.log10(float(v.median()))))
    decimals = int(min(6, max(0, 3 - mag)))
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _widths(ws: Any, cap: int = 48) -> None:
    for col in ws.columns:
        letter = col[0].column_letter
        longest = max((len(f"{c.value:,.4g}" if isinstance(c.value, float) else str(c.value))
                       for c in col if c.value is not None), default=6)
        ws.column_dimensions[letter].width = min(cap, max(8, longest + 2))


def _sheet(ws: Any, df: pd.DataFrame, units: bool = True) -> None:
    from openpyxl.styles import Font

    ws.append(list(map(str, df.columns)))
    if units:
        ws.append([unit_of(str(c)) for c in df.columns])
    first = ws.max_row + 1
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                   for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for j, name in enumerate(df.columns, start=1):
        fmt = number_format(df[name]) if pd.api.types.is_float_dtype(df[name]) else "General"
        for (cell,) in ws.iter_rows(min_row=first, min_col=j, max_col=j):
            cell.number_format = fmt
    _widths(ws)
    ws.freeze_panes = "A3" if units else "A2"


#: the cash-flow model's formula rows: (key, label, unit, formula). In a formula, ``{name}`` is an input cell
#: of the inputs sheet, ``[row]`` the same year's cell of a row above, ``[row-1]`` the previous year's (0 in the
#: first year). Money in US$ M. Mirrors scandia.economics.cashflow.evaluate and taxes.mining_tax_ledger line
#: by line; a test evaluates the sheet with a formula engine against the model.
_LINES: tuple[tuple[str, str, str, str], ...] = (
    ("production", "Sc2O3 production", "kg", "{production_kg_per_yr}*[production_frac]"),
    ("revenue", "Revenue", "US$ M",
     "[production]*{price_usd_per_kg}*{payability_frac}/1000000+{coproduct_revenue_musd_per_yr}*[production_frac]"),
    ("opex", "Operating cost", "US$ M",
     "[production]*{opex_variable_usd_per_kg}/1000000+{opex_fixed_musd_per_yr}*[operating_flag]"),
    ("royalty", "Royalty", "US$ M", "{royalty_frac}*[revenue]"),
    ("ebitda", "EBITDA", "US$ M", "[revenue]-[opex]-[royalty]"),
    ("capex", "Initial and expansion capital", "US$ M", "{capex_musd}*[construction_frac]+[expansion_capex_musd]"),
    ("sustaining", "Sustaining capital", "US$ M",
     "{sustaining_capex_frac_per_yr}*{capex_musd}*[sustaining_flag]"),
    ("closure", "Closure", "US$ M", "{closure_frac_of_capex}*{capex_musd}*[closure_flag]"),
    ("wc_level", "Working capital held", "US$ M", "{working_capital_frac_of_opex}*[opex]*[working_capital_flag]"),
    ("wc_change", "Change in working capital", "US$ M", "[wc_level]-[wc_level-1]"),
    ("additions", "Capital additions (tax pools)", "US$ M", "[capex]+[sustaining]"),
    ("gross_value", "Mining tax: gross value of output", "US$ M", "MAX([revenue],0)"),
    ("processing_cost", "Mining tax: processing cost after the shaft", "US$ M", "{processing_cost_frac}*[opex]"),
    ("mmv0", "Mining tax: mine-mouth value before the allowance", "US$ M",
     "MAX([gross_value]-[processing_cost],{mine_mouth_floor_frac}*[gross_value])"),
    ("pa_base", "Mining tax: processing allowance before caps", "US$ M",
     "{processing_allowance_musd_per_yr}*[operating_flag]"),
    ("pa0", "Mining tax: allowance before depreciation", "US$ M",
     "MIN([pa_base],MAX({allowance_cap_earnings_frac}*MAX([ebitda],0),{allowance_cap_value_frac}*[mmv0]))"),
    ("mt_pool", "Mining tax: depreciation pool before the claim", "US$ M", "[mt_pool_after-1]+[additions]"),
    ("mt_depreciation", "Mining tax: depreciation claimed", "US$ M",
     "[operating_flag]*MIN({mining_tax_depreciation_rate_frac}*[mt_pool],MAX([ebitda]-[pa0],0))"),
    ("mt_pool_after", "Mining tax: depreciation pool after the claim", "US$ M", "[mt_pool]-[mt_depreciation]"),
    ("processing_allowance", "Mining tax: processing allowance", "US$ M",
     "[operating_flag]*MIN([pa_base],MAX({allowance_cap_earnings_frac}*MAX([ebitda]-[mt_depreciation],0),"
     "{allowance_cap_value_frac}*[mmv0]))"),
    ("mt_profit", "Mining tax: annual profit", "US$ M",
     "[operating_flag]*MAX([ebitda]-[mt_depreciation]-[processing_allowance],0)"),
    ("mine_mouth_value", "Mining tax: mine-mouth value", "US$ M",
     "[operating_flag]*MAX([gross_value]-[processing_cost]-[processing_allowance],"
     "{mine_mouth_floor_frac}*[gross_value])"),
    ("tax_on_profit", "Mining tax: tax on profit", "US$ M",
     "[operating_flag]*({profit_rate_1_frac}*MIN([mt_profit],{margin_1_frac}*[gross_value])"
     "+{profit_rate_2_frac}*MIN(MAX([mt_profit]-{margin_1_frac}*[gross_value],0),"
     "({margin_2_frac}-{margin_1_frac})*[gross_value])"
     "+{profit_rate_3_frac}*MAX([mt_profit]-{margin_2_frac}*[gross_value],0))"),
    ("minimum_tax", "Mining tax: minimum tax", "US$ M",
     "[operating_flag]*({minimum_rate_1_frac}*MIN(MAX([mine_mouth_value],0),{minimum_threshold_musd})"
     "+{minimum_rate_2_frac}*MAX(MAX([mine_mouth_value],0)-{minimum_threshold_musd},0))"),
    ("credit_used", "Mining tax: minimum-tax credit used", "US$ M",
     "MIN([mt_credit-1],MAX([tax_on_profit]-[minimum_tax],0))"),
    ("mt_credit", "Mining tax: minimum-tax credit banked", "US$ M",
     "[mt_credit-1]-[credit_used]+MAX([minimum_tax]-[tax_on_profit],0)"),
    ("mining_tax", "Mining tax payable", "US$ M", "{mining_tax_on}*MAX([tax_on_profit]-[credit_used],[minimum_tax])"),
    ("cca_claim", "Capital cost allowance claimed on the pool", "US$ M", "CCA"),
    ("ucc", "Undepreciated capital cost", "US$ M", "[ucc-1]+[additions]-[cca_claim]"),
    ("cca", "Capital cost allowance deducted", "US$ M", "[horizon_flag]*[cca_claim]"),
    ("taxable", "Income before losses carried forward", "US$ M", "[ebitda]-[cca]-[mining_tax]-[closure]"),
    ("loss_used", "Losses used", "US$ M", "MIN([loss_pool-1],MAX([taxable],0))"),
    ("loss_pool", "Losses carried forward", "US$ M", "[loss_pool-1]-[loss_used]+MAX(-[taxable],0)"),
    ("income_tax", "Income tax", "US$ M", "{income_tax_rate_frac}*MAX([taxable]-[loss_used],0)"),
    ("pretax_cash_flow", "Pre-tax cash flow", "US$ M",
     "[ebitda]-[capex]-[sustaining]-[closure]-[wc_change]"),
    ("cash_flow", "After-tax cash flow", "US$ M", "[pretax_cash_flow]-[mining_tax]-[income_tax]"),
    ("discount_factor", "Discount factor", "", "1/(1+{discount_rate_frac})^[year]"),
    ("discounted_cash_flow", "Discounted cash flow", "US$ M", "[cash_flow]*[discount_factor]"),
)

#: the timing rows written as values (from the model's economics_model_years table)
_TIMING = ("construction_frac", "production_frac", "operating_flag", "sustaining_flag", "working_capital_flag",
           "closure_flag", "horizon_flag", "expansion_capex_musd")


def cashflow_model_rows(straight_life: int | None = None) -> tuple[tuple[str, str, str, str], ...]:
    """The formula rows of the cash-flow sheet; the capital cost allowance row is the declining-balance claim
    with the half-year rule, or straight line over ``straight_life`` years when given."""
    cca = ("{cca_rate_frac}*([ucc-1]+0.5*[additions])" if straight_life is None
           else f"STRAIGHT{int(straight_life)}")
    return tuple((k, lab, u, cca if f == "CCA" else f) for k, lab, u, f in _LINES)


def _write_cashflow_model(wb: Any, inputs: pd.DataFrame, timing: pd.DataFrame, straight_life: int | None) -> None:
    import re

    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws_in = wb.create_sheet("inputs")
    ws_in.append(["input", "value", "unit", "description"])
    for cell in ws_in[1]:
        cell.font = Font(bold=True)
    ref = {}
    # the tax-depreciation method shapes the formulas themselves: it is stated below the live inputs, not editable
    fixed = {"straight_line_tax_depreciation", "tax_life_years"} | ({"cca_rate_frac"} if straight_life else set())
    live = inputs[~inputs["quantity"].isin(fixed)]
    for r, row in enumerate(live.itertuples(index=False), start=2):
        ws_in.append([row.quantity, float(row.value), row.unit, row.description])
        ref[row.quantity] = f"inputs!$B${r}"
        ws_in.cell(r, 2).number_format = ("0.0%" if row.unit.startswith("fraction")
                                          else "0" if row.unit in ("1 = yes", "yr") else "#,##0.00")
    ws_in.append([])
    method = (f"straight line over {straight_life} years" if straight_life
              else "capital cost allowance, declining balance with the half-year rule")
    ws_in.append(["income-tax depreciation", method, "", "fixed when the workbook was written (it shapes the "
                  "formulas); rerun scandia with economics settings to change it"])
    _widths(ws_in, cap=80)
    ws = wb.create_sheet("cashflow_model", 0)
    years = [int(y) for y in timing["year"]]
    ws.append(["Cash flow (live formulas over the inputs sheet; real US$ M)", "unit"])
    ws.append(["year", "", *years])
    rows = {"year": 2}
    for key in _TIMING:
        ws.append([key, unit_of(key)] + [float(v) for v in timing[key]])
        rows[key] = ws.max_row
    lines = cashflow_model_rows(straight_life)
    start = ws.max_row + 1  # every line's row is known before any formula refers to it
    for i, (k, *_rest) in enumerate(lines):
        rows[k] = start + i
    token = re.compile(r"\{(\w+)\}|\[(\w+?)(-1)?\]")

    def cell_formula(formula: str, j: int) -> str:
        col = get_column_letter(j)
        prev = get_column_letter(j - 1)
        first = j == 3

        def sub(m: re.Match[str]) -> str:
            if m.group(1):
                return ref[m.group(1)]
            if m.group(3):
                return "0" if first else f"{prev}{rows[m.group(2)]}"
            return f"{col}{rows[m.group(2)]}"

        if formula.startswith("STRAIGHT"):
            life = int(formula.removeprefix("STRAIGHT"))
            lo = get_column_letter(max(3, j - life + 1))
            return f"=SUM({lo}{rows['additions']}:{col}{rows['additions']})/{life}"
        return "=" + token.sub(sub, formula)

    for k, label, unit, formula in lines:
        ws.append([label, unit] + [cell_formula(formula, j) for j in range(3, 3 + len(years))])
        fmt = "0.0000" if k == "discount_factor" else "#,##0" if unit == "kg" else "#,##0.00"
        for cell in ws[ws.max_row][2:]:
            cell.number_format = fmt
        if k in ("ebitda", "cash_flow", "discounted_cash_flow"):
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    last = get_column_letter(2 + len(years))
    span = lambda k: f"C{rows[k]}:{last}{rows[k]}"  # noqa: E731
    ws.append([])
    results = [("NPV after tax", "US$ M", f"=SUM({span('discounted_cash_flow')})", "#,##0.00"),
               ("IRR after tax", "fraction", f"=IRR({span('cash_flow')})", "0.00%"),
               ("NPV before tax", "US$ M", f"=SUMPRODUCT({span('pretax_cash_flow')},{span('discount_factor')})",
                "#,##0.00"),
               ("IRR before tax", "fraction", f"=IRR({span('pretax_cash_flow')})", "0.00%")]
    for label, unit, formula, fmt in results:
        ws.append([label, unit, formula])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.cell(ws.max_row, 3).number_format = fmt
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 9
    for j in range(3, 3 + len(years)):
        ws.column_dimensions[get_column_letter(j)].width = 11
    ws.freeze_panes = "C3"


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
    inputs, timing = tables.get("economics_model_inputs"), tables.get("economics_model_years")
    if inputs is not None and timing is not None and len(inputs) and "production_frac" in timing:
        v = dict(zip(inputs["quantity"], inputs["value"], strict=True))
        straight = int(v["tax_life_years"]) if v.get("straight_line_tax_depreciation") else None
        _write_cashflow_model(wb, inputs, timing, straight)
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
