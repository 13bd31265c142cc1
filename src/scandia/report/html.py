"""The HTML report: one self-contained file a user can send, read offline, and trace to its sources.

Built only from what a run wrote (its JSON summary, result tables and resolved scenario), so a report made from a
run folder and one made straight after a run are the same; no model is evaluated here. plotly.js is embedded once
from the installed ``plotly`` package (no CDN); every figure is a plotly figure whose data and layout are inlined
as JSON, so the file opens anywhere without a network.

Sections: headline figures (P10/P50/P90 when sampled), balance health, a Sankey of the chain switchable between
total mass, Sc and US$, stream tables, grade-recovery per concentration route, the leach trade-off, the SX
McCabe-Thiele diagram, the Al-Sc phase diagram, precipitate evolution and strength vs Sc, cash flow, NPV
histogram, tornado, Sobol indices, the cost curve, every data-file assumption with its source, and run metadata.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import __version__
from ..core.errors import ScenarioError
from ..core.files import atomic_write_text
from ..core.outputs import FIGURES
from ..core.status import Status
from .flows import sankey_data
from .labels import axis_title, format_number, header, human

__all__ = ["build_figures", "build_report", "load_run_dir", "write_report"]

#: headline metrics: (stage, metric, label, format); format is applied to the number (P50 when sampled)
HEADLINE: tuple[tuple[str, str, str, str], ...] = (
    ("economics", "npv_musd", "NPV (after tax)", "US${:,.0f} M"),
    ("economics", "irr_frac", "IRR (after tax)", "{:.1%}"),
    ("economics", "capex_musd", "Initial capex", "US${:,.0f} M"),
    ("economics", "breakeven_sc2o3_usd_per_kg", "Break-even Sc2O3 price", "US${:,.0f}/kg"),
    ("economics", "all_in_cost_usd_per_kg_sc2o3", "All-in cost", "US${:,.0f}/kg Sc2O3"),
    ("hydromet", "sc2o3_production_tpa", "Sc2O3 production", "{:,.1f} t/a"),
    ("hydromet", "sc2o3_purity_frac", "Sc2O3 purity", "{:.2%}"),
    ("hydromet", "overall_sc_recovery_frac", "Sc recovery, ore to oxide", "{:.1%}"),
    ("alloy", "yield_mpa", "Alloy yield strength", "{:,.0f} MPa"),
    ("alloy", "master_alloy_cost_usd_per_kg", "Master alloy cost", "US${:,.0f}/kg"),
    ("economics", "co2e_kg_per_kg_sc2o3", "Footprint", "{:,.0f} kg CO2e/kg Sc2O3"),
)

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#17324d;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:13px}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;margin:16px 0;padding:12px 18px}
h2{font-size:17px;margin:6px 0 10px;color:#17324d}p.note{font-size:12.5px;color:#5a6673;margin:4px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.card{border:1px solid #dde2e8;border-radius:6px;padding:8px 12px;background:#fbfcfd}
.card .v{font-size:19px;font-weight:600}.card .l{font-size:12px;color:#5a6673}.card .r{font-size:11.5px;color:#5a6673}
table{border-collapse:collapse;font-size:12.5px;width:100%}th,td{padding:3px 8px;border-bottom:1px solid #eceff3;
text-align:right}th{background:#f0f3f6;vertical-align:bottom}td.t,th.t{text-align:left}
.tablewrap{overflow-x:auto}.warn{background:#fff4e5;border-color:#f0b45a}.bad{color:#b3261e;font-weight:600}
p.summary{font-size:14.5px;line-height:1.5;margin:6px 0 10px}h3{font-size:14px;margin:12px 0 6px;color:#17324d}
.ok{color:#1b7f3b}.plot{width:100%;min-height:380px}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
@media(max-width:900px){.grid2{grid-template-columns:1fr}}pre{font-size:12px;background:#f6f7f9;padding:8px;
overflow:auto}details summary{cursor:pointer;font-weight:600;margin:6px 0}
figure.diagram{margin:8px 0;overflow-x:auto}figure.diagram svg{max-width:none;height:auto}
@media print{figure.diagram svg{max-width:100%;width:100%}}
body.print .grid2{grid-template-columns:1fr}
@page{size:A4 landscape;margin:11mm}
@media print{body{background:#fff;font-size:11px}header{padding:8px 0;background:#fff;color:#17324d}
main{max-width:none;padding:0}section{border:none;padding:0;margin:0 0 10px;break-inside:auto}
h2{break-after:avoid}.grid2{grid-template-columns:1fr}.plot{break-inside:avoid}
table{font-size:9px;width:100%;table-layout:auto}th,td{padding:1px 3px}thead{display:table-header-group}
tr{break-inside:avoid}.tablewrap{overflow:visible}pre{max-height:none;overflow:visible;white-space:pre-wrap}
details>summary{display:none}figure.diagram{overflow:visible}}
"""


def _num(value: Any) -> float | None:
    """The P50 of a sampled metric or the number itself; None when absent or not finite."""
    if isinstance(value, dict):
        value = value.get("p50")
    if isinstance(value, int | float) and np.isfinite(value):
        return float(value)
    return None


def _fmt(fmt: str, value: Any) -> str:
    """``fmt`` applied to the number; a negative number gets a true minus sign in front of any currency
    (-US$680 M, -10.9 %), which a hyphen in a range cannot be mistaken for."""
    v = _num(value)
    if v is None:
        return "-"
    return "\u2212" + fmt.format(-v) if v < 0 else fmt.format(v)


def _metric(summary: dict[str, Any], stage: str, key: str) -> Any:
    return (summary.get("stages", {}).get(stage, {}).get("metrics") or {}).get(key)


def _table_html(df: pd.DataFrame, max_rows: int = 400, digits: int = 4, labels: bool = True) -> str:
    """A plain HTML table, never in a scroll box: headers are human names with their declared units (the code
    name as tooltip, as in the CSV), numbers to ``digits`` significant figures with solver residue printed as 0,
    text left-aligned."""
    if df is None or df.empty:
        return "<p class='note'>(empty)</p>"
    df = df.head(max_rows)
    cols = list(df.columns)
    head = "".join(f"<th class='{'t' if df[c].dtype == object else ''}' title='{html.escape(str(c))}'>"
                   f"{html.escape(header(str(c)) if labels else str(c))}</th>" for c in cols)
    scale = {c: float(np.nanmax(np.abs(pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float))))
             if pd.api.types.is_numeric_dtype(df[c]) and df[c].notna().any() else None for c in cols}
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            if isinstance(v, bool | np.bool_):
                cells.append(f"<td class='t {'ok' if v else 'bad'}'>{'yes' if v else 'NO'}</td>")
            elif isinstance(v, int | np.integer):
                cells.append(f"<td>{v:,}</td>" if c not in ("year", "no") else f"<td>{v}</td>")
            elif isinstance(v, float | np.floating):
                cells.append(f"<td>{'' if pd.isna(v) else html.escape(format_number(v, scale[c], digits))}</td>")
            else:
                cells.append(f"<td class='t'>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='tablewrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div>")


class _Report:
    """Collects sections and figures; figures are rendered by one script at the end of the page."""

    def __init__(self) -> None:
        self.sections: list[str] = []
        self.figures: list[tuple[str, str]] = []  # (div id, figure JSON)
        self.objects: dict[str, Any] = {}  # figure name -> plotly Figure (the Python API's result.figure)

    def figure(self, fig: Any, name: str) -> str:
        if name not in FIGURES:  # every figure is declared once, in data/outputs.yaml
            raise KeyError(f"report figure {name!r} is not declared in data/outputs.yaml figures")
        div = f"fig-{len(self.figures)}-{name}"
        margin = {"l": 60, "r": 20, "t": 50, "b": 50}  # a figure's own margins win (the Sankey's room for buttons)
        margin.update({k: v for k in margin if (v := getattr(fig.layout.margin, k)) is not None})
        fig.update_layout(template="plotly_white", margin=margin, font={"size": 12})
        self.objects[name] = fig
        self.figures.append((div, fig.to_json()))
        return f"<div class='plot' id='{div}' data-figure='{name}'></div>"

    def section(self, title: str, body: str, anchor: str, cls: str = "") -> None:
        self.sections.append(f"<section id='{anchor}' class='{cls}'><h2>{html.escape(title)}</h2>{body}</section>")


def _basis_of(summary: dict[str, Any]) -> str:
    """What the tables and flow figures show: the run's scenario, or the base case of a sampled run."""
    return html.escape(str(summary.get("tables_basis") or ("base case" if _count(summary.get("n_scenarios")) > 1
                                                            else "this run's scenario")))


def _count(value: Any) -> int:
    """A count from a run summary (0 when it is missing or not a number: a tampered or partial summary.json)."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value == value else 0


def _short_basis(summary: dict[str, Any]) -> str:
    return "base case" if _count(summary.get("n_scenarios")) > 1 else "this scenario"


def _headline(rep: _Report, summary: dict[str, Any]) -> None:
    cards = []
    for stage, key, label, fmt in HEADLINE:
        value = _metric(summary, stage, key)
        if value is None:
            continue
        rng = ""
        if isinstance(value, dict):
            rng = (f"<div class='r'>P10 {_fmt(fmt, value.get('p10'))} · P90 {_fmt(fmt, value.get('p90'))}</div>")
        cards.append(f"<div class='card' data-metric='{stage}.{key}'><div class='l'>{html.escape(label)}"
                     f"{' (P50)' if rng else ''}</div><div class='v'>{_fmt(fmt, value)}</div>{rng}</div>")
    status = summary.get("status", {})
    bad = {k: v for k, v in status.items() if k != "ok" and v}
    note = (f"<p class='note'>{summary.get('n_scenarios', 1):,} scenario(s): {status.get('ok', 0):,} ok"
            + (f", <span class='bad'>{html.escape(json.dumps(bad))}</span>" if bad else "") + "</p>")
    warn = ""
    if bad:
        warn = ("<p class='bad'>Some scenarios did not finish cleanly. The stage figures below leave out those "
                "that did not converge but keep the infeasible ones (a specification missed, e.g. the Sc2O3 purity "
                "target) with their best values; the uncertainty distribution (histogram, tornado, the summary's "
                "sentence) leaves out both. "
                "Status codes: clipped = an input was clipped to its range; out_of_range = outside the model's "
                "validated range; not_converged = a solver hit its limit; infeasible = no physical solution.</p>")
    from .specs import missed_text

    missed = missed_text(summary)
    if missed:
        warn += "<p class='bad'>Specification missed: " + "; ".join(html.escape(t) for t in missed) + ".</p>"
    rep.section("Headline figures", note + warn + f"<div class='cards'>{''.join(cards)}</div>", "headline",
                "warn" if bad else "")


_MINUS = "\u2212"


def _money(v: float | None, unit: str = "M") -> str:
    if v is None:
        return "-"
    body = f"{abs(v):,.0f}" if abs(v) >= 10 else f"{abs(v):,.1f}"
    return f"{_MINUS if v < 0 else ''}US${body}{' M' if unit == 'M' else unit}"


def _field(scenario: dict[str, Any], path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _scenario_dict(scenario_yaml: str) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(scenario_yaml) if scenario_yaml else {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _executive_summary(rep: _Report, summary: dict[str, Any], scenario: dict[str, Any]) -> None:
    """What the run says, in sentences a reader can quote: route, output, recovery, cost, value, uncertainty."""
    st = summary.get("stages", {})
    m = lambda stage, key: _num(_metric(summary, stage, key))  # noqa: E731
    parts = []
    desc = scenario.get("description") or ""
    if desc:
        parts.append(f"{html.escape(str(desc))}.")
    ben, hyd = st.get("beneficiation", {}), st.get("hydromet", {})
    route = ben.get("selected_route")
    if route:
        r = (ben.get("routes") or {}).get(route, {})
        rec, grade = _num(r.get("sc_recovery_frac")), _num(r.get("concentrate_grade_sc_ppm"))
        head = _num(r.get("head_grade_sc_ppm"))
        parts.append(f"Concentration by <b>{html.escape(str(route))}</b> takes the ore from "
                     f"{_fmt('{:,.0f}', head)} ppm Sc to a concentrate of {_fmt('{:,.0f}', grade)} ppm at "
                     f"{_fmt('{:.1%}', rec)} Sc recovery.")
    if hyd:
        leach = hyd.get("leach_route") or _field(scenario, "hydromet.leach_route")
        parts.append(
            f"The <b>{html.escape(str(leach))}</b> leach route with solvent extraction makes "
            f"<b>{_fmt('{:,.1f}', m('hydromet', 'sc2o3_production_tpa'))} t/a Sc2O3</b> at "
            f"{_fmt('{:.2%}', m('hydromet', 'sc2o3_purity_frac'))} purity and "
            f"{_fmt('{:,.0f}', m('hydromet', 'reo_production_tpa'))} t/a mixed rare-earth oxide at "
            f"{_fmt('{:.1%}', m('hydromet', 'reo_purity_frac'))}; "
            f"{_fmt('{:.1%}', m('hydromet', 'overall_sc_recovery_frac'))} of the Sc in the ore reaches the oxide.")
    if "alloy" in st:
        parts.append(f"The alloy stage gives a yield strength of {_fmt('{:,.0f}', m('alloy', 'yield_mpa'))} MPa "
                     f"(base {_fmt('{:,.0f}', m('alloy', 'base_yield_mpa'))} MPa) and a master-alloy cost of "
                     f"{_fmt('US${:,.0f}', m('alloy', 'master_alloy_cost_usd_per_kg'))}/kg.")
    if "economics" in st:
        price = _num(_field(scenario, "economics.params.sc2o3_price_usd_per_kg"))
        rate = _num(_field(scenario, "economics.params.discount_rate_frac"))
        parts.append(
            f"Initial capital is {_money(m('economics', 'capex_musd'))} and the operating cost "
            f"{_money(m('economics', 'opex_usd_per_kg_sc2o3'), '/kg')} Sc2O3 "
            f"({_money(m('economics', 'cash_cost_usd_per_kg_sc2o3'), '/kg')} after the REO credit). At "
            f"{_money(price, '/kg')} Sc2O3 and {_fmt('{:.1%}', rate)} real, the after-tax NPV is "
            f"<b>{_money(m('economics', 'npv_musd'))}</b> (IRR {_fmt('{:.1%}', m('economics', 'irr_frac'))}); "
            f"the price at which the NPV is zero is {_money(m('economics', 'breakeven_sc2o3_usd_per_kg'), '/kg')}. "
            f"Footprint {_fmt('{:,.0f}', m('economics', 'co2e_kg_per_kg_sc2o3'))} kg CO2e/kg Sc2O3.")
    u = summary.get("uncertainty")
    if u:
        d = u.get("distribution", {})
        name = u.get("output", "")
        unit = header(name).removeprefix(human(name)).strip(" ()")
        q = lambda k: _fmt("{:,.4g}", d.get(k)) + (f" {unit}" if unit else "")  # noqa: E731
        used = int(d.get("n_usable", 0) or 0)
        of = f" ({used:,} usable)" if used and used != u.get("samples") else ""
        method = html.escape(str(u.get("method")))
        parts.append(f"Over {_count(u.get('samples')):,} Monte Carlo samples{of} ({method}), "
                     f"{html.escape(human(name))} runs from P10 {q('p10')} to P90 {q('p90')} (P50 {q('p50')}); "
                     f"the probability it is below zero is {_fmt('{:.0%}', d.get('prob_negative'))}.")
    rep.section("Executive summary", f"<p class='summary'>{' '.join(parts)}</p>", "summary")


#: the basis of design: the scenario fields a reader checks first, with their declared units and bases
_BASIS_FIELDS = (
    "plant.ore_feed_rate_tph", "plant.operating_hours_per_year_h_per_yr", "beneficiation.sample",
    "beneficiation.selected_route", "hydromet.leach_route", "hydromet.lixiviant",
    "hydromet.{leach}.temperature_c", "hydromet.{leach}.residence_time_h", "hydromet.{leach}.free_acid_g_per_l",
    "hydromet.{leach}.acid_temperature_c", "hydromet.sx.dosage_vol_pct", "hydromet.sx.extraction_stages",
    "hydromet.sx.extraction_oa", "hydromet.sx.scrub_stages", "hydromet.sx.strip_stages",
    "hydromet.purification.purity_target_frac", "economics.product", "economics.params.sc2o3_price_usd_per_kg",
    "economics.params.reo_price_usd_per_kg", "economics.params.discount_rate_frac",
    "economics.params.currency_year", "economics.params.life_years", "economics.params.construction_years",
    "economics.params.contingency_frac", "economics.params.mining_tax",
)


def basis_of_design(summary: dict[str, Any], scenario: dict[str, Any]) -> pd.DataFrame:
    """The basis-of-design table: item, value, unit, and where the value comes from (the parameter
    declaration's basis and note, shortened), for the fields of :data:`_BASIS_FIELDS` present in the scenario."""
    from ..scenario.params import PARAMS

    leach = str(_field(scenario, "hydromet.leach_route") or "")
    rows = []
    for template in _BASIS_FIELDS:
        path = template.format(leach=leach)
        value = _field(scenario, path)
        if value is None or isinstance(value, dict | list):
            continue
        p = PARAMS.get(path)
        unit = p.display_unit if p is not None else ""
        basis = f"{p.basis}: {p.note}" if p is not None and p.note else (p.basis if p is not None else "choice")
        if len(basis) > 150:
            basis = basis[:147].rstrip() + "..."
        if isinstance(value, float) and p is not None and p.unit == "dimensionless" and path.endswith("_frac"):
            shown = f"{value:.1%}"
            unit = ""
        elif isinstance(value, int | float) and not isinstance(value, bool):
            shown = f"{value:,.6g}" if isinstance(value, float) else f"{value}"
        else:
            shown = str(value)
        rows.append({"item": human(path), "value": shown, "unit": unit, "basis": basis})
    return pd.DataFrame(rows, columns=["item", "value", "unit", "basis"])


def _basis_section(rep: _Report, summary: dict[str, Any], scenario: dict[str, Any]) -> None:
    df = basis_of_design(summary, scenario)
    if df.empty:
        return
    rep.section("Basis of design", "<p class='note'>The scenario's main choices and inputs; every other value is "
                "in the assumptions table and the scenario file at the end.</p>" + _table_html(df, labels=False),
                "basis")


def _economics_tables(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    """Capital cost by area, operating cost by item (per year and per kg Sc2O3) and the cash flow by year."""
    parts = []
    capex = tables.get("economics_capex")
    if capex is not None and not capex.empty:
        c = capex.copy()
        total = float(c["capex_musd"].sum())
        c["area"] = c["area"].map(lambda a: human(str(a)))
        c = pd.concat([c, pd.DataFrame([{"area": "Total", "capex_musd": total}])], ignore_index=True)
        c["share_pct"] = 100.0 * c["capex_musd"] / total if total else np.nan
        parts.append("<h3>Initial capital cost by area</h3>" + _table_html(c))
    opex = tables.get("economics_opex")
    if opex is not None and not opex.empty:
        o = opex.copy()
        kg = _num(_metric(summary, "economics", "sc2o3_production_tpa"))
        total = float(o["opex_musd_per_yr"].sum())
        o["item"] = o["item"].map(lambda a: human(str(a)))
        o = pd.concat([o, pd.DataFrame([{"item": "Total", "opex_musd_per_yr": total}])], ignore_index=True)
        if kg:
            o["usd_per_kg_sc2o3"] = o["opex_musd_per_yr"] * 1e6 / (kg * 1e3)
        o["share_pct"] = 100.0 * o["opex_musd_per_yr"] / total if total else np.nan
        parts.append("<h3>Operating cost by item (full production year)</h3>" + _table_html(o))
    cf = tables.get("economics_cashflow")
    if cf is not None and not cf.empty:
        keep = [c for c in ("year", "sc2o3_production_t", "revenue_musd", "opex_musd", "royalty_musd",
                            "ebitda_musd", "capex_musd", "sustaining_capex_musd", "working_capital_change_musd",
                            "closure_musd", "mining_tax_musd", "income_tax_musd", "cash_flow_musd") if c in cf]
        t = cf[keep].copy()
        t["cumulative_cash_flow_musd"] = t["cash_flow_musd"].cumsum()
        parts.append("<h3>Cash flow by year (real US$ M; year 0 is the first construction year)</h3>"
                     + _table_html(t))
    if parts:
        rep.section("Capital, operating cost and cash flow", f"<p class='note'>The {_basis_of(summary)}.</p>"
                    + "".join(parts), "costs")


def _balance(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    df = tables.get("balance_health")
    if df is None or df.empty:
        rep.section("Balance health", "<p class='note'>No flowsheet stage in this run.</p>", "balance")
        return
    worst = float(df["rel_imbalance"].abs().max())
    all_ok = bool(df["closes"].all())
    msg = (f"<p class='note'>In = feeds + reagents, out = product streams, {_basis_of(summary)}. Worst "
           "relative imbalance "
           f"{worst:.2g}; <span class='{'ok' if all_ok else 'bad'}'>"
           f"{'every balance closes' if all_ok else 'SOME BALANCES DO NOT CLOSE'}</span> (tolerance 1e-6).</p>")
    rep.section("Balance health", msg + _table_html(df), "balance", "" if all_ok else "warn")


def _sankey(rep: _Report, summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    traces = sankey_data(summary, tables)
    if not traces:
        rep.section("The chain as flows", "<p class='note'>No streams in this run.</p>", "sankey")
        return
    fig = go.Figure()
    names = list(traces)
    for i, (basis, (labels, src, tgt, val, unit)) in enumerate(traces.items()):
        inflow, outflow = np.zeros(len(labels)), np.zeros(len(labels))
        np.add.at(inflow, np.asarray(tgt, dtype=int), np.asarray(val, dtype=float))
        np.add.at(outflow, np.asarray(src, dtype=int), np.asarray(val, dtype=float))
        through = np.maximum(inflow, outflow)  # each node's throughput: the larger of what enters and leaves
        shown = [f"{name}: {format_number(v, figures=3)} {unit.split(' ')[0] if basis != 'US$' else 'US$ M'}"
                 for name, v in zip(labels, through, strict=True)]
        fig.add_trace(go.Sankey(visible=i == 0, name=basis, valueformat=".4g", valuesuffix=f" {unit}",
                                node={"label": shown, "pad": 14, "thickness": 14},
                                link={"source": src, "target": tgt, "value": val}))
    buttons = [{"label": {"mass": "Total mass", "Sc": "Scandium", "US$": "US$"}[b], "method": "update",
                "args": [{"visible": [j == i for j in range(len(names))]},
                         {"title.text": f"Chain Sankey: {b} ({traces[b][-1]})"}]} for i, b in enumerate(names)]
    fig.update_layout(title={"text": f"Chain Sankey: {names[0]} ({traces[names[0]][-1]})", "y": 0.98},
                      height=520, margin={"t": 90},
                      updatemenus=[{"type": "buttons", "direction": "right", "x": 1.0, "y": 1.02,
                                    "xanchor": "right", "yanchor": "bottom", "buttons": buttons}])
    note = ("<p class='note'>Switch the basis with the buttons. Mass and Sc follow the selected concentration "
            "route and leach route; US$ splits the year of highest revenue into where the money goes. Flows, "
            f"stream tables, cash flow and alloy curves show the {_basis_of(summary)}; the headline figures of a "
            "sampled run are P50 with P10-P90.</p>")
    rep.section("The chain as flows", note + rep.figure(fig, "sankey"), "sankey")


def stage_diagrams(summary: dict[str, Any]) -> dict[str, str]:
    """SVG flowsheet diagrams of the run, by name (``chain``, and each stage whose flowsheet the summary carries),
    drawn by :mod:`scandia.core.diagram`; stream numbers match the stream tables."""
    from ..core.diagram import chain_graph, flowsheet_svg, graph_from_dict

    stages = summary.get("stages", {})
    product = str(stages.get("economics", {}).get("product", "sc2o3"))
    out = {"chain": flowsheet_svg(chain_graph(product), "The chain: stages and products")}
    titles = {"beneficiation": "Concentration ({route})", "hydromet": "Hydrometallurgy ({route})"}
    for stage, title in titles.items():
        data = stages.get(stage, {}).get("flowsheet")
        if data:
            route = stages[stage].get("selected_route") or stages[stage].get("leach_route") or ""
            out[stage] = flowsheet_svg(graph_from_dict(data), title.format(route=route))
    return out


def _diagrams(rep: _Report, summary: dict[str, Any]) -> None:
    svgs = stage_diagrams(summary)
    body = "".join(f"<figure class='diagram' id='diagram-{html.escape(name)}'>{svg}</figure>"
                   for name, svg in svgs.items())
    rep.section("Flowsheet", "<p class='note'>Units, numbered streams (the numbers of the stream table), products "
                "and wastes; dashed streams are recycles, cut by the solver at its tear streams.</p>" + body,
                "flowsheet")


def _streams(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    parts = []
    ben = tables.get("beneficiation_streams")
    route = summary.get("stages", {}).get("beneficiation", {}).get("selected_route")
    if ben is not None and not ben.empty:
        parts.append(f"<details open><summary>Concentration ({html.escape(str(route))}), t/h and ppm</summary>"
                     f"{_table_html(ben[ben['route'] == route] if route else ben)}</details>")
    hyd = tables.get("hydromet_streams")
    if hyd is not None and not hyd.empty:
        conc = [c for c in hyd.columns if c.endswith(("_solids_ppm", "_liquor_mg_per_l_water"))]
        flows = hyd.drop(columns=conc)
        parts.append("<details open><summary>Hydrometallurgy: flows by phase, t/h and kg/h</summary>"
                     f"{_table_html(flows)}</details>")
        parts.append("<details open><summary>Hydrometallurgy: concentrations, ppm in the solids and mg per litre "
                     "of liquor water (the model carries no liquor density)</summary>"
                     f"{_table_html(hyd[['no', 'stream', *conc]])}</details>")
    if parts:
        rep.section("Stream table", f"<p class='note'>The {_basis_of(summary)}; every unit outlet.</p>"
                    + "".join(parts),
                    "streams")


def _process_figures(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any] | None = None) -> None:
    summary = summary or {}
    stages = summary.get("stages", {})
    blocks = []
    notes = []
    gr = tables.get("grade_recovery")
    if gr is not None and not gr.empty:
        fig = go.Figure()
        ben = stages.get("beneficiation", {})
        routes = ben.get("routes", {})
        for i, (route, d) in enumerate(gr.groupby("route", sort=False)):
            varied = header(f"beneficiation.{d['cut_parameter'].iloc[0]}")
            color = _PALETTE[i % len(_PALETTE)]
            fig.add_trace(go.Scatter(x=d["sc_recovery_frac"] * 100, y=d["concentrate_grade_sc_ppm"],
                                     mode="lines+markers", name=f"{route}: {varied} varied", line={"color": color},
                                     hovertext=[f"{varied} = {v:.3g}" for v in d["cut_value"]]))
            m = routes.get(route, {})
            x, y = _num(m.get("sc_recovery_frac")), _num(m.get("concentrate_grade_sc_ppm"))
            if x is not None and y is not None:
                fig.add_trace(go.Scatter(x=[x * 100], y=[y], mode="markers", name=f"{route}: operating point",
                                         marker={"symbol": "star", "size": 14, "color": color,
                                                 "line": {"width": 1, "color": "#222"}}))
        head = _num(next(iter(routes.values()), {}).get("head_grade_sc_ppm")) if routes else None
        if head is not None:
            fig.add_hline(y=head, line_dash="dot", annotation_text=f"head grade {head:,.0f} ppm Sc")
        fig.update_layout(title="Grade-recovery by concentration route", xaxis_title="Sc recovery (%)",
                          yaxis_title="concentrate grade (ppm Sc)", legend={"font": {"size": 10}})
        blocks.append(rep.figure(fig, "grade_recovery"))
    lt = tables.get("leach_tradeoff")
    if lt is not None and not lt.empty:
        fig = go.Figure()
        hyd = stages.get("hydromet", {})
        current = hyd.get("leach_route")
        for i, (route, d) in enumerate(lt.groupby("leach_route", sort=False)):
            varied = header(f"hydromet.{d['acid_parameter'].iloc[0]}")
            color = _PALETTE[i % len(_PALETTE)]
            fig.add_trace(go.Scatter(x=d["leach_acid_cost_usd_per_t_ore"], y=d["payable_sc_recovery_frac"] * 100,
                                     mode="lines+markers", name=f"{route}: {varied} varied", line={"color": color},
                                     hovertext=[f"{varied} = {v:.3g}" for v in d["acid_value"]]))
            if route == current:
                mt = hyd.get("metrics", {})
                x, y = _num(mt.get("leach_acid_cost_usd_per_t_ore")), _num(mt.get("payable_sc_recovery_frac"))
                if x is not None and y is not None:
                    fig.add_trace(go.Scatter(x=[x], y=[y * 100], mode="markers", name=f"{route}: operating point",
                                             marker={"symbol": "star", "size": 14, "color": color,
                                                     "line": {"width": 1, "color": "#222"}}))
        fig.update_layout(title="Leach trade-off: acid cost against payable Sc recovery",
                          xaxis_title="leach acid cost (US$/t ore)", yaxis_title="payable Sc recovery (%)",
                          legend={"font": {"size": 10}})
        blocks.append(rep.figure(fig, "leach_tradeoff"))
    mt = tables.get("sx_mccabe_thiele")
    if mt is not None and not mt.empty:
        for element, d in mt.groupby("element", sort=False):
            x, y = d["x_aq_mol_l"].to_numpy(), d["y_org_mol_l"].to_numpy()
            ox, oy = d["operating_x_mol_l"].to_numpy(), d["operating_y_mol_l"].to_numpy()
            label = {"Fe3": "Fe(III)"}.get(str(element), str(element))
            x_in = float(np.max(x))  # the stage next to the feed holds the richest aqueous
            change = 1.0 - float(np.min(x)) / x_in if x_in > 0 else 0.0
            if change < _EXTRACTED_MIN:
                # a cascade that extracts almost none of it draws as a point: say so instead of a degenerate plot
                notes.append(f"{label}: the aqueous concentration changes by {change:.2%} across the {len(x)} "
                             "extraction stages (it stays in the raffinate), so no McCabe-Thiele diagram is drawn.")
                continue
            stair_x, stair_y = [], []
            for i in range(len(x)):  # stage i: its equilibrium point, then along the operating line to the next
                stair_x += [x[i], ox[i]]
                stair_y += [y[i], oy[i]]
            order = np.argsort(x)
            fig = go.Figure([
                go.Scatter(x=x[order] * 1e3, y=y[order] * 1e3, mode="lines+markers+text", name="equilibrium (stages)",
                           text=[str(int(k)) for k in d["stage"].to_numpy()[order]], textposition="top left"),
                go.Scatter(x=ox * 1e3, y=oy * 1e3, mode="lines", name="operating line"),
                go.Scatter(x=np.array(stair_x) * 1e3, y=np.array(stair_y) * 1e3, mode="lines", name="stages",
                           line={"dash": "dot", "color": "#888"}),
            ])
            fig.update_xaxes(range=[0, x_in * 1e3 * 1.08])  # from zero, so every step of the cascade shows
            fig.update_yaxes(range=[0, float(np.max(np.concatenate([y, oy]))) * 1e3 * 1.12])
            fig.update_layout(title=f"SX extraction McCabe-Thiele, {label} ({len(x)} stages)",
                              xaxis_title=f"{label} in aqueous (mmol/L)",
                              yaxis_title=f"{label} in organic (mmol/L)")
            blocks.append(rep.figure(fig, "mccabe_thiele" if element == "Sc" else f"mccabe_thiele_{element}".lower()))
    if blocks:
        note = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes)
        rep.section("Process: concentration, leaching, solvent extraction",
                    note + "<div class='grid2'>" + "".join(blocks) + "</div>", "process")


_PALETTE = ("#1f77b4", "#d35400", "#2e7d32", "#8e44ad", "#c0392b", "#7f8c8d")
#: an element whose aqueous concentration the SX cascade changes by less than this share is not drawn as a
#: McCabe-Thiele diagram
_EXTRACTED_MIN = 0.01


#: standard atomic weights (IUPAC 2021), for the phase diagram's at.% -> wt% conversion
_M_SC, _M_AL = 44.955907, 26.9815384


def sc_wt_pct(sc_at_pct: Any) -> np.ndarray:
    """Sc in wt% from at.% in a binary Al-Sc alloy: w = x M_Sc / (x M_Sc + (1 - x) M_Al)."""
    x = np.asarray(sc_at_pct, dtype=float) / 100.0
    return 100.0 * x * _M_SC / (x * _M_SC + (1.0 - x) * _M_AL)


def _phase_diagram_figure(pd_: pd.DataFrame) -> Any:
    """The Al-rich Al-Sc phase diagram in wt% (as the alloy plots), the eutectic isotherm drawn, fields named."""
    fig = go.Figure()
    curves = {str(c): d for c, d in pd_.groupby("curve", sort=False)}
    for curve, d in curves.items():
        fig.add_trace(go.Scatter(x=sc_wt_pct(d["sc_at_pct"]), y=d["temp_c"], name=curve,
                                 mode="markers" if len(d) == 1 else "lines"))
    eut, solvus, liq3 = curves.get("eutectic"), curves.get("(Al) solvus"), curves.get("Al3Sc liquidus")
    if eut is not None and solvus is not None and liq3 is not None:
        t_e = float(eut["temp_c"].iloc[0])
        w_e = float(sc_wt_pct(eut["sc_at_pct"].iloc[0]))
        w_s = float(sc_wt_pct(solvus["sc_at_pct"].max()))
        w_max = float(sc_wt_pct(liq3["sc_at_pct"].max()))
        t_min, t_max = float(pd_["temp_c"].min()), float(pd_["temp_c"].max())
        fig.add_trace(go.Scatter(x=[w_s, w_max], y=[t_e, t_e], mode="lines", name="eutectic isotherm",
                                 line={"color": "#555", "dash": "dash"}))
        w_liq = (w_e + w_max) / 2
        t_liq = float(np.interp(sc_wt_pct(liq3["sc_at_pct"]).mean(), sc_wt_pct(liq3["sc_at_pct"]), liq3["temp_c"]))
        fields = [("L", 0.5 * w_e, t_e + 0.7 * (t_max - t_e)),
                  ("(Al)", 0.35 * w_s, t_min + 0.75 * (t_e - t_min)),
                  ("(Al) + Al3Sc", 0.5 * (w_s + w_max), t_min + 0.4 * (t_e - t_min)),
                  ("L + Al3Sc", w_liq + 0.15 * (w_max - w_e), t_e + 0.45 * (t_liq - t_e))]
        for text, x, y in fields:
            fig.add_annotation(x=x, y=y, text=f"<b>{text}</b>", showarrow=False, font={"size": 13})
    fig.update_layout(title="Al-rich Al-Sc phase diagram (scandia CALPHAD description)",
                      xaxis_title="Sc (wt%)", yaxis_title="temperature (°C)", legend={"font": {"size": 10}})
    return fig


def _alloy_figures(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    from plotly.subplots import make_subplots

    blocks = []
    pd_ = tables.get("alloy_phase_diagram")
    if pd_ is not None and not pd_.empty:
        blocks.append(rep.figure(_phase_diagram_figure(pd_), "phase_diagram"))
    ac = tables.get("alloy_aging_curve")
    if ac is not None and not ac.empty:
        d = ac[ac["time_h"] > 0]
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_trace(go.Scatter(x=d["time_h"], y=d["radius_nm"], name="mean radius, nm"), secondary_y=False)
        nd = d[d["number_density_m3"] >= 1e15]  # below ~1e15 m^-3 there is no precipitate to speak of
        fig.add_trace(go.Scatter(x=nd["time_h"], y=nd["number_density_m3"], name="number density, m⁻³"),
                      secondary_y=True)
        fig.add_trace(go.Scatter(x=d["time_h"], y=d["volume_frac"] * 1e3, name="volume fraction, ‰"),
                      secondary_y=False)
        fig.update_xaxes(type="log", title_text="aging time, h")
        fig.update_yaxes(title_text="radius, nm / volume, ‰", secondary_y=False)
        fig.update_yaxes(title_text="number density, m⁻³", type="log", secondary_y=True)
        fig.update_layout(title="Al3(Sc,Zr) precipitate evolution",
                          legend={"orientation": "h", "y": -0.25})
        blocks.append(rep.figure(fig, "precipitation"))
    sv = tables.get("alloy_strength_vs_sc")
    if sv is not None and not sv.empty:
        a = summary.get("stages", {}).get("alloy", {})
        aging = ", ".join(f"{s['temp_c']:g} °C/{s['duration_h']:g} h" for s in a.get("aging", []))
        fig = go.Figure([go.Scatter(x=sv["sc_wt_pct"], y=sv["aged_yield_mpa"], mode="lines+markers",
                                    name=f"aged ({aging})"),
                         go.Scatter(x=sv["sc_wt_pct"], y=sv["as_cast_yield_mpa"], mode="lines+markers",
                                    name="as cast")])
        if a.get("sc_wt_pct") is not None:
            fig.add_vline(x=a["sc_wt_pct"], line_dash="dot", annotation_text="this alloy")
        fig.update_layout(title=f"Yield strength vs Sc, {a.get('base', '')} + {a.get('zr_wt_pct', 0):g} wt% Zr",
                          xaxis_title="Sc, wt%", yaxis_title="yield strength, MPa")
        blocks.append(rep.figure(fig, "strength_vs_sc"))
    st = tables.get("alloy_strength_terms")
    if st is not None and not st.empty:
        cols = [c for c in st.columns if c.endswith("_mpa") and c != "yield_mpa"]
        fig = go.Figure([go.Bar(x=[c.removesuffix("_mpa").replace("_", " ") for c in cols],
                                y=[float(st[c].median()) for c in cols])])
        fig.update_layout(title=f"Strength build-up: {float(st['yield_mpa'].median()):.0f} MPa",
                          yaxis_title="contribution, MPa")
        blocks.append(rep.figure(fig, "strength_terms"))
    if blocks:
        rep.section("Alloy: thermodynamics, precipitation, strength",
                    "<div class='grid2'>" + "".join(blocks) + "</div>", "alloy")


def _resource_figures(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    """The resource stage: grade-tonnage (kriged against the simulations' P10-P90), the nested shells, the plan
    by year and a 3-D view of the planned pit's ore blocks."""
    blocks = []
    gt = tables.get("resource_grade_tonnage")
    if gt is not None and not gt.empty:
        fig = go.Figure()
        if "simulated_mt_p90" in gt:
            fig.add_trace(go.Scatter(x=gt["cutoff_sc2o3_g_per_t"], y=gt["simulated_mt_p90"], mode="lines",
                                     line={"width": 0}, showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=gt["cutoff_sc2o3_g_per_t"], y=gt["simulated_mt_p10"], mode="lines",
                                     fill="tonexty", line={"width": 0}, name="simulated SMUs, P10-P90"))
            fig.add_trace(go.Scatter(x=gt["cutoff_sc2o3_g_per_t"], y=gt["simulated_mt_p50"], mode="lines",
                                     name="simulated SMUs, P50"))
        fig.add_trace(go.Scatter(x=gt["cutoff_sc2o3_g_per_t"], y=gt["kriged_mt"], mode="lines+markers",
                                 name="kriged blocks (smoothed)"))
        fig.update_layout(title="Grade-tonnage, mineralised domain", xaxis_title="cut-off, g/t Sc2O3",
                          yaxis_title="tonnes above cut-off, Mt", legend={"orientation": "h", "y": -0.25})
        blocks.append(rep.figure(fig, "resource_grade_tonnage"))
    ps = tables.get("resource_pit_shells")
    if ps is not None and not ps.empty:
        x = [f"{f:g}" for f in ps["price_factor"]]
        err = None
        if "ore_mt_p90" in ps:  # the simulations' own pits: P10-P90 of the ore at each factor
            err = {"type": "data", "symmetric": False, "array": (ps["ore_mt_p90"] - ps["ore_mt"]).clip(lower=0),
                   "arrayminus": (ps["ore_mt"] - ps["ore_mt_p10"]).clip(lower=0)}
        fig = go.Figure([go.Bar(x=x, y=ps["ore_mt"], name="ore, Mt" + (" (bars: simulations P10-P90)" if err else ""),
                                error_y=err), go.Bar(x=x, y=ps["waste_mt"], name="waste, Mt")])
        planned = ps[ps["planned"].astype(bool)]
        if not planned.empty:
            fig.add_annotation(x=f"{float(planned['price_factor'].iloc[0]):g}", y=float(
                planned["ore_mt"].iloc[0] + planned["waste_mt"].iloc[0]), text="planned", showarrow=True)
        fig.update_layout(barmode="stack", title="Nested pit shells", xaxis_title="price factor",
                          yaxis_title="Mt", legend={"orientation": "h", "y": -0.25})
        blocks.append(rep.figure(fig, "resource_pit_shells"))
    sc = tables.get("resource_schedule")
    if sc is not None and not sc.empty:
        from plotly.subplots import make_subplots

        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_trace(go.Bar(x=sc["year"], y=sc["feed_t"] / 1e3, name="feed, kt", opacity=0.5), secondary_y=False)
        if "feed_sc2o3_g_per_t_p90" in sc:
            fig.add_trace(go.Scatter(x=sc["year"], y=sc["feed_sc2o3_g_per_t_p90"], mode="lines", line={"width": 0},
                                     showlegend=False, hoverinfo="skip"), secondary_y=True)
            fig.add_trace(go.Scatter(x=sc["year"], y=sc["feed_sc2o3_g_per_t_p10"], mode="lines", fill="tonexty",
                                     line={"width": 0}, name="feed grade, simulations P10-P90"), secondary_y=True)
        fig.add_trace(go.Scatter(x=sc["year"], y=sc["feed_sc2o3_g_per_t"], mode="lines",
                                 name="feed grade, kriged plan"), secondary_y=True)
        fig.update_xaxes(title_text="year")
        fig.update_yaxes(title_text="feed, kt", secondary_y=False)
        fig.update_yaxes(title_text="feed grade, g/t Sc2O3", secondary_y=True)
        fig.update_layout(title="Mine plan by year", legend={"orientation": "h", "y": -0.25})
        blocks.append(rep.figure(fig, "resource_schedule"))
    pb = tables.get("resource_pit_blocks")
    if pb is not None and not pb.empty:
        fig = go.Figure([go.Scatter3d(x=pb["x_m"], y=pb["y_m"], z=pb["z_m"], mode="markers",
                                      marker={"size": 2, "color": pb["sc2o3_g_per_t"], "colorscale": "Viridis",
                                              "colorbar": {"title": "g/t Sc2O3"}},
                                      hovertemplate="%{x:.0f} E, %{y:.0f} N, %{z:.0f} m<br>%{marker.color:.0f} g/t"
                                                    "<extra></extra>")])
        fig.update_layout(title="Ore blocks of the planned pit", scene={"aspectmode": "data", "xaxis_title": "east, m",
                          "yaxis_title": "north, m", "zaxis_title": "elevation, m"})
        blocks.append(rep.figure(fig, "resource_pit_blocks"))
    if blocks:
        r = summary.get("stages", {}).get("resource", {})
        fp = r.get("fixed_point", {})
        src = r.get("drill_holes", {}).get("source", "")
        note = ("<p class='note'>Drill holes: " + html.escape(str(src))
                + (" (SYNTHETIC data generated by code, not the Crater Lake deposit)" if src == "synthetic" else "")
                + f". Cut-off and recovery {'converged' if fp.get('converged') else 'did not converge'} in "
                f"{fp.get('iterations', '?')} iterations (last change {fp.get('last_change_frac', float('nan')):+.1e})"
                f"; {r.get('realisations', 0)} simulations run through the plan.</p>")
        rep.section("Resource and mine plan", note + "<div class='grid2'>" + "".join(blocks) + "</div>", "resource")


def _economics_figures(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    blocks = []
    cf = tables.get("economics_cashflow")
    if cf is not None and not cf.empty:
        fig = go.Figure([go.Bar(x=cf["year"], y=cf["cash_flow_musd"], name="after-tax cash flow",
                                marker_color=np.where(cf["cash_flow_musd"] < 0, "#c0392b", "#2e7d32").tolist()),
                         go.Scatter(x=cf["year"], y=cf["cash_flow_musd"].cumsum(), name="cumulative",
                                    mode="lines")])
        fig.update_layout(title=f"Cash flow by year (real US$ M, {_short_basis(summary)})", xaxis_title="year",
                          yaxis_title="US$ M")
        blocks.append(rep.figure(fig, "cashflow"))
    cc = tables.get("cost_curve")
    if cc is not None and not cc.empty:
        fig = go.Figure()
        left = cc["cumulative_tpa"] - cc["capacity_tpa"]
        colors = np.where(cc["is_project"].astype(bool), "#d35400", "#5d6d7e").tolist()
        fig.add_trace(go.Bar(x=left + cc["capacity_tpa"] / 2, y=cc["cost_usd_per_kg"], width=cc["capacity_tpa"],
                             marker_color=colors, hovertext=cc["producer"], name="producers"))
        fig.update_layout(title="Sc2O3 cash-cost curve (this project in orange)",
                          xaxis_title="cumulative capacity, t/a", yaxis_title="cash cost, US$/kg Sc2O3", bargap=0)
        blocks.append(rep.figure(fig, "cost_curve"))
    u = summary.get("uncertainty")
    samples = tables.get("uncertainty_samples")
    if u is not None:
        out_name = u.get("output", "economics.npv_musd")
        if samples is not None and out_name in samples:
            ok = samples["status"] == Status.ok if "status" in samples else slice(None)
            vals = samples.loc[ok, out_name]
        else:
            vals = None
        d = u.get("distribution", {})
        fig = go.Figure()
        if vals is not None:
            fig.add_trace(go.Histogram(x=vals, nbinsx=40, name="samples"))
        elif d.get("histogram"):  # a large sweep keeps its bins, not every sample
            edges = np.asarray(d["histogram"]["edges"], dtype=float)
            fig.add_trace(go.Bar(x=0.5 * (edges[1:] + edges[:-1]), y=d["histogram"]["counts"],
                                 width=np.diff(edges).tolist(), name="samples"))
        for q in ("p10", "p50", "p90"):
            if d.get(q) is not None:
                fig.add_vline(x=d[q], line_dash="dash", annotation_text=q.upper())
        fig.update_layout(title=f"{human(out_name)}: {_count(u.get('samples')):,} samples ({u.get('method')}), "
                                f"P(<0) = {d.get('prob_negative', float('nan')):.1%}",
                          xaxis_title=axis_title(out_name), yaxis_title="samples", showlegend=False)
        blocks.append(rep.figure(fig, "histogram"))
        torn = u.get("tornado", {}).get("rows", [])
        if torn:
            t = pd.DataFrame(torn).sort_values("swing")
            base = u["tornado"]["base_output"]
            labels = [f"{header(r)}: {format_number(lo, figures=3)} to {format_number(hi, figures=3)}"
                      if "p10_value" in t else header(r)
                      for r, lo, hi in zip(t["input"], t.get("p10_value", t["input"]), t.get("p90_value", t["input"]),
                                           strict=True)]
            fig = go.Figure([go.Bar(y=labels, x=t["output_at_p10"] - base, base=base, orientation="h",
                                    name="input at P10"),
                             go.Bar(y=labels, x=t["output_at_p90"] - base, base=base, orientation="h",
                                    name="input at P90")])
            fig.update_layout(title=f"Tornado: {human(out_name)} (base {_fmt('{:,.0f}', base)}), each input at "
                              "its P10 and P90", barmode="overlay", xaxis_title=axis_title(out_name))
            blocks.append(rep.figure(fig, "tornado"))
        sob = u.get("sobol", {}).get("rows", [])
        if sob:
            s = pd.DataFrame(sob)
            labels = [header(r) for r in s["input"]]
            fig = go.Figure([go.Bar(x=labels, y=s["S1"], error_y={"array": s["S1_conf"]}, name="first order S1"),
                             go.Bar(x=labels, y=s["ST"], error_y={"array": s["ST_conf"]}, name="total ST")])
            fig.update_layout(title=f"Sobol indices of {human(out_name)} (N = {u['sobol']['base_samples']})",
                              yaxis_title="share of the variance", barmode="group")
            blocks.append(rep.figure(fig, "sobol"))
    if blocks:
        e = summary.get("stages", {}).get("economics", {})
        note = f"<p class='note'>{html.escape(str(e.get('basis', '')))}</p>" if e else ""
        if u is not None and not u.get("sobol"):
            note += "<p class='note'>Sobol indices were not computed for this run (scandia run --sobol N).</p>"
        rep.section("Economics and uncertainty", note + "<div class='grid2'>" + "".join(blocks) + "</div>",
                    "economics")


def _market_figures(rep: _Report, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    """The market: price fan with and without the project, supply stack, demand by application, the cost
    curve in the project's first year, and the two NPVs side by side."""
    from ..market.figures import market_figures

    m = summary.get("stages", {}).get("market")
    figs = market_figures(tables)
    if m is None or not figs:
        return
    met = m.get("metrics", {})
    e = summary.get("stages", {}).get("economics", {}).get("metrics", {})

    def val(d: dict[str, Any], k: str) -> float | None:
        v = d.get(k)
        return _num(v.get("p50") if isinstance(v, dict) else v)

    parts = [f"Prices are US$/kg Sc2O3 on the USGS MCS 2026 basis, fitted to 2021-2025 (black points); the project "
             f"sells from {m['project_first_year']}."]
    pe, share = val(met, "price_effect_frac"), val(met, "project_market_share_frac")
    sold = val(met, "project_sold_frac")
    if pe is not None and share is not None and sold is not None:
        parts.append(f"Over its life the project moves the price by {100 * pe:+.0f} %, takes {100 * share:.0f} % of "
                     f"world supply and sells {100 * sold:.0f} % of what it can make.")
    taker, mkt = val(e, "npv_price_taker_musd"), val(e, "npv_market_musd")
    if taker is not None and mkt is not None:
        parts.append(f"NPV at the fixed price {_money(taker)}; at the market's price and sales {_money(mkt)} "
                     f"(the headline uses economics.price_source = {m.get('price_source', 'fixed')}).")
    if not m.get("alloy_adoption", True):
        parts.append("Alloy adoption is switched off.")
    note = f"<p class='note'>{html.escape(' '.join(parts))}</p>"
    blocks = [rep.figure(f, name) for name, f in figs.items()]
    rep.section("Market: supply, demand and price", note + "<div class='grid2'>" + "".join(blocks) + "</div>",
                "market")


def _assumptions(rep: _Report, assumptions: pd.DataFrame | None) -> None:
    if assumptions is None:
        from .excel import assumptions_table

        assumptions = assumptions_table()
    n_assumed = int((assumptions.get("basis", pd.Series(dtype=str)) == "assumption").sum())
    rep.section("Every default value and its source",
                f"<p class='note'>{len(assumptions)} values from the package's data files; {n_assumed} are labelled "
                "assumptions (no published figure found), the rest cite a source or the targets they were fitted "
                f"to.</p><details><summary>show the table</summary>{_table_html(assumptions, 5000)}</details>",
                "assumptions")


def _metadata(rep: _Report, summary: dict[str, Any], scenario_yaml: str, source: str) -> None:
    meta = pd.DataFrame([
        ("scenario", summary.get("scenario")), ("scandia version (run)", summary.get("scandia_version")),
        ("scandia version (report)", __version__), ("seed", summary.get("seed")),
        ("scenarios evaluated", summary.get("n_scenarios")), ("status", json.dumps(summary.get("status"))),
        ("built from", source), ("report written (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
    ], columns=["item", "value"]).astype(str)
    rep.section("Run metadata", _table_html(meta) + "<details><summary>resolved scenario (YAML): rerun with "
                "<code>scandia run scenario.yaml</code></summary><pre>" + html.escape(scenario_yaml) +
                "</pre></details>", "metadata")


def _routes(rep: _Report, tables: dict[str, pd.DataFrame]) -> None:
    """The route table: every registered leach route and lixiviant through the whole chain on this feed."""
    rt = tables.get("route_comparison")
    if rt is None or rt.empty:
        return
    fig = go.Figure(go.Bar(x=rt["option"], y=rt["npv_musd"],
                           marker_color=np.where(rt["current"].astype(bool), "#d35400", "#5d6d7e").tolist(),
                           hovertext=[f"cash cost {c:,.0f} US$/kg, {e:,.0f} kg CO2e/kg"
                                      for c, e in zip(rt["cash_cost_usd_per_kg_sc2o3"], rt["co2e_kg_per_kg_sc2o3"],
                                                      strict=True)]))
    fig.update_layout(title="NPV by leach route (this scenario's route in orange)", yaxis_title="NPV, US$ M")
    shown = rt.drop(columns=[c for c in ("leach_route", "lixiviant") if c in rt])
    rep.section("Leach routes compared", "<p class='note'>Each option is this scenario with only the leach route "
                "and lixiviant changed (same ore, concentrate, SX, purification and prices; a route's own section "
                "keeps the scenario's values). Options come from the route registry.</p>"
                + rep.figure(fig, "route_comparison") + _table_html(shown), "routes")


def _all_sections(rep: _Report, summary: dict[str, Any], tables: dict[str, pd.DataFrame],
                  scenario: dict[str, Any] | None = None) -> None:
    if scenario is not None:
        _executive_summary(rep, summary, scenario)
        _basis_section(rep, summary, scenario)
    _headline(rep, summary)
    _balance(rep, tables, summary)
    _sankey(rep, summary, tables)
    _diagrams(rep, summary)
    _streams(rep, tables, summary)
    _resource_figures(rep, tables, summary)
    _process_figures(rep, tables, summary)
    _alloy_figures(rep, tables, summary)
    _market_figures(rep, tables, summary)
    _economics_figures(rep, tables, summary)
    _economics_tables(rep, tables, summary)
    _routes(rep, tables)


def build_figures(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Every figure of the report as a plotly Figure, by name (``sankey``, ``histogram``, ``tornado``, ...):
    the same figures the HTML report draws, for notebooks."""
    rep = _Report()
    _all_sections(rep, summary, tables)
    return rep.objects


def build_report(summary: dict[str, Any], tables: dict[str, pd.DataFrame], scenario_yaml: str,
                 assumptions: pd.DataFrame | None = None, source: str = "run", printable: bool = False) -> str:
    """The report as one HTML string (plotly.js inlined once, no network needed to view it).

    ``printable``: laid out for paper (every collapsed section open, one figure per row, figures drawn at the
    printed width), as ``scandia report --pdf`` prints it; a browser's own print of the normal report applies the
    same print stylesheet and redraws the figures at the page width."""
    import plotly
    from plotly.offline import get_plotlyjs

    rep = _Report()
    error = summary.get("error")
    if error:
        rep.section("This run failed", f"<p class='bad'>{html.escape(str(error))}</p>", "failure", "warn")
    _all_sections(rep, summary, tables, _scenario_dict(scenario_yaml))
    _assumptions(rep, assumptions)
    _metadata(rep, summary, scenario_yaml, source)
    script = "\n".join(
        f"(function(){{var f={fig};Plotly.newPlot('{div}',f.data,f.layout,{{responsive:true,displaylogo:false}});}})();"
        for div, fig in rep.figures)
    # printing from a browser: open every collapsed section and redraw the figures at the page width
    script += ("window.addEventListener('beforeprint',function(){document.querySelectorAll('details')"
               ".forEach(function(d){d.open=true;});document.querySelectorAll('div.plot').forEach(function(p){"
               "Plotly.Plots.resize(p);});});")
    title = f"scandia report: {summary.get('scenario', '')}"
    body_cls = " class='print'" if printable else ""
    sections = "".join(rep.sections)
    if printable:
        sections = sections.replace("<details>", "<details open>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style><script>{get_plotlyjs()}</script></head><body{body_cls}>"
        f"<header><h1>{html.escape(title)}</h1><p>scandia {html.escape(str(summary.get('scandia_version')))} · "
        f"seed {html.escape(str(summary.get('seed')))} · {html.escape(str(summary.get('n_scenarios', 1)))} "
        f"scenario(s) · plotly.js {plotly.__version__} embedded</p></header><main>{sections}</main>"
        f"<script>{script}</script></body></html>"
    )


def load_run_dir(path: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame], str]:
    """(summary, tables, scenario YAML) of a folder written by ``scandia run --out``."""
    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError("RUN_DIR", f"{path} has no summary.json (write one with scandia run --out)") from None
    except (OSError, ValueError) as exc:
        raise ScenarioError("RUN_DIR", f"cannot read {path / 'summary.json'}: {exc}") from None
    from ..core.rundir import check_complete

    check_complete(path, summary)  # never a report of a half-written or mixed folder
    tables: dict[str, pd.DataFrame] = {}
    for name in summary.get("files", []):
        f = path / name
        try:
            if name.endswith(".csv"):
                tables[name.removesuffix(".csv")] = pd.read_csv(f)
            elif name.endswith(".parquet"):
                tables[name.removesuffix(".parquet")] = pd.read_parquet(f)
        except (OSError, ValueError, ImportError) as exc:
            raise ScenarioError("RUN_DIR", f"cannot read {f}: {exc}") from None
    scen = path / "scenario.yaml"
    return summary, tables, scen.read_text(encoding="utf-8") if scen.exists() else ""


def write_report(path: Path, text: str) -> Path:
    """Write the report atomically (a temporary file renamed into place); a bad path is a one-line error."""
    try:
        atomic_write_text(Path(path), text)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot write {path}: {exc.strerror or exc}") from None
    return path
