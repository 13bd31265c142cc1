"""Console output of the CLI: tables per stage, the one-line error, the progress spinner."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..core.outputs import output, unit_label

out_console = Console(width=None if sys.stdout.isatty() else 120)  # files and pipes get readable tables
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class TableFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def progress_columns() -> tuple[Any, ...]:
    """The columns of every long-work bar: what runs, the bar, percent done, elapsed and time left."""
    return (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())


@contextmanager
def _spinner() -> Iterator[Callable[..., None]]:
    """A transient progress bar on stderr; yields ``say(message, done=None, total=None)``: the text, and, when
    the work is counted (chain evaluations of a Monte Carlo, chunks of a sweep), the share done, from which the
    bar shows percent and time left (a pulsing bar while nothing is counted)."""
    with Progress(*progress_columns(), transient=True, console=err_console) as progress:
        task = progress.add_task("running", total=None)

        def say(msg: str, done: float | None = None, total: float | None = None) -> None:
            progress.update(task, description=msg, **({"total": total} if total is not None else {}),
                            **({"completed": done} if done is not None else {}))

        yield say


def _fractional(key: str) -> bool:
    """A 0-1 fraction (shown in percent): declared dimensionless and named ``_frac`` (DESIGN.md)."""
    o = output(key)
    return o is not None and o.unit == "dimensionless" and key.endswith("_frac")


def _unit(key: str) -> str:
    """The unit column of a CLI table: the declared unit (data/outputs.yaml), % for fractions."""
    return "%" if _fractional(key) else unit_label(key)


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        # "to", not a hyphen, between the ends: "-237 [-680 to 63]" cannot be misread as a subtraction
        return f"{_fmt(value['p50'], key)} [{_fmt(value['p10'], key)} to {_fmt(value['p90'], key)}]"
    if _fractional(key):
        return f"{100 * value:.1f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _print_beneficiation(summary: dict[str, Any]) -> None:
    from ..beneficiation.report import HEADLINE_METRICS

    stage = summary["stages"]["beneficiation"]
    title = f"Concentration: {summary['scenario']}, sample {stage['sample']}, seed {summary['seed']}"
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    for route in stage["routes"]:
        mark = " *" if route == stage["selected_route"] else ""
        table.add_column(route + mark, justify="right")
    head = next(iter(stage["routes"].values()))
    table.add_row("head_grade_sc_ppm", _unit("head_grade_sc_ppm"),
                  *[_fmt(head["head_grade_sc_ppm"], "ppm")] * len(stage["routes"]))
    for key in HEADLINE_METRICS:
        table.add_row(key, _unit(key), *[_fmt(r[key], key) for r in stage["routes"].values()])
    out_console.print(table)


def _print_hydromet(summary: dict[str, Any]) -> None:
    from ..hydromet.report import HEADLINE

    stage = summary["stages"]["hydromet"]
    title = (f"Hydrometallurgy: leach route {stage['leach_route']} ({stage['lixiviant']}), "
             f"purity target {100 * stage['purity_target_frac']:.1f} %")
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    for route in stage["routes"]:
        table.add_column(route + (" *" if route == stage["leach_route"] else ""), justify="right")
    for key in HEADLINE:
        if all(key in r for r in stage["routes"].values()):
            table.add_row(key, _unit(key), *[_fmt(r[key], key) for r in stage["routes"].values()])
    out_console.print(table)


def _print_alloy(summary: dict[str, Any]) -> None:
    from ..alloy.report import HEADLINE

    stage = summary["stages"]["alloy"]
    aging = ", ".join(f"{s['temp_c']:g} C/{s['duration_h']:g} h" for s in stage["aging"])
    title = (f"Alloy: {stage['base']} + {stage['sc_wt_pct']:g} wt% Sc + {stage['zr_wt_pct']:g} wt% Zr, aged {aging}; "
             f"master alloy by {stage['master_alloy_route']}")
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("value", justify="right")
    for key in HEADLINE:
        table.add_row(key, _unit(key), _fmt(stage["metrics"][key], key))
    for key, val in stage["strength_terms_mpa"].items():
        table.add_row(f"  strength term: {key}", "MPa", _fmt(val, key))
    out_console.print(table)
    d = stage.get("design")
    if d is not None:
        if d["feasible"]:
            b = d["best"]
            out_console.print(
                f"design for {d['target_yield_mpa']:g} MPa: {b['sc_wt_pct']:g} wt% Sc, {b['zr_wt_pct']:g} wt% Zr, "
                f"{_aging_text(b)} -> {b['yield_mpa']:.0f} MPa at US${b['cost_premium_usd_per_kg']:.2f}/kg casting")
        else:
            out_console.print(f"design: no grid point reaches {d['target_yield_mpa']:g} MPa (infeasible)")


def _metric_table(title: str, metrics: dict[str, Any], keys: tuple[str, ...]) -> Table:
    """A metric | unit | value table of the ``keys`` present in a stage's summary metrics."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("value", justify="right")
    for key in keys:
        if key in metrics:
            table.add_row(key, _unit(key), _fmt(metrics[key], key))
    return table


def out_folder(out: Any, field: str = "--out") -> None:
    """Create the results folder before any work (a one-line ScenarioError if it cannot be)."""
    from ..core.errors import ScenarioError

    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise ScenarioError(field, f"{out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(field, f"cannot create {out}: {exc.strerror or exc}") from None


def _print_economics(summary: dict[str, Any]) -> None:
    from ..economics.report import HEADLINE

    stage = summary["stages"]["economics"]
    table = _metric_table(f"Economics: product {stage['product']}, {stage['basis']}, "
                          f"discount {100 * stage['discount_rate_frac']:.0f} %", stage["metrics"], HEADLINE)
    pos = stage["cost_curve_position"]
    table.add_row("cost-curve rank (by cash cost)", "", f"{pos['rank']} of {pos['of']}")
    out_console.print(table)


def _print_market(summary: dict[str, Any]) -> None:
    from ..market.report import HEADLINE

    stage = summary["stages"]["market"]
    out_console.print(_metric_table(
        f"Market: {stage['basis']}; project from {stage['project_first_year']}, economics price source "
        f"{stage['price_source']}", stage["metrics"],
        (*HEADLINE, "realised_price_life_mean_usd_per_kg", "price_2030_usd_per_kg", "price_2040_usd_per_kg")))


RESOURCE_HEADLINE = ("resource_mi_mt", "resource_mi_sc2o3_g_per_t", "resource_inferred_mt", "nsr_cutoff_sc2o3_g_per_t",
                     "mill_cutoff_sc2o3_g_per_t", "plan_sc_recovery_frac", "feed_mt", "feed_sc2o3_g_per_t",
                     "mined_mt", "mine_life_years")


def _print_resource(summary: dict[str, Any]) -> None:
    stage = summary["stages"]["resource"]
    fp = stage["fixed_point"]
    src = stage["drill_holes"].get("source", "")
    table = Table(title=f"Resource and mine plan: drill holes {src}{' (SYNTHETIC)' if src == 'synthetic' else ''}; "
                        f"cut-off and recovery {'converged' if fp['converged'] else 'NOT converged'} in "
                        f"{fp['iterations']} iterations", title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("value", justify="right")
    for key in RESOURCE_HEADLINE:
        if stage.get(key) is not None:
            table.add_row(key, _unit(key), _fmt(stage[key], key))
    out_console.print(table)


def _print_uncertainty(summary: dict[str, Any]) -> None:
    u = summary["uncertainty"]
    d = u["distribution"]
    table = Table(title=f"{u['output']}: {u['samples']:,} samples ({u['method']}, seed {u['seed']}), "
                        f"{d.get('n_usable', 0):,} usable", title_justify="left")
    for col in ("P10", "P50", "P90", "mean", "P(<0)"):
        table.add_column(col, justify="right")
    if d.get("n_usable"):
        table.add_row(f"{d['p10']:,.0f}", f"{d['p50']:,.0f}", f"{d['p90']:,.0f}", f"{d['mean']:,.0f}",
                      f"{100 * d['prob_negative']:.1f} %")
    out_console.print(table)
    t = Table(title=f"Tornado: {u['output']} at each input's P10 and P90 (base {u['tornado']['base_output']:,.0f})",
              title_justify="left")
    for col in ("input", "P10 value", "P90 value", "output at P10", "output at P90", "swing"):
        t.add_column(col, justify="left" if col == "input" else "right", no_wrap=col == "input")
    for r in u["tornado"]["rows"]:
        t.add_row(r["input"].replace("economics.params.", ""), f"{r['p10_value']:.4g}", f"{r['p90_value']:.4g}",
                  f"{r['output_at_p10']:,.0f}",
                  f"{r['output_at_p90']:,.0f}", f"{r['swing']:,.0f}")
    out_console.print(t)


def _aging_text(row: Any) -> str:
    hours = float(row["hours"])
    text = "as cast" if hours == 0 else f"{float(row['temp_c']):g} C/{hours:g} h"
    second = float(row.get("second_hours", 0.0) or 0.0)
    if second > 0:
        text += f" + {float(row['second_temp_c']):g} C/{second:g} h"
    exposure = float(row.get("exposure_hours", 0.0) or 0.0)
    if exposure > 0:
        text += f", after {float(row['exposure_temp_c']):g} C/{exposure:g} h exposure"
    return text
