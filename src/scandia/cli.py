"""Command-line interface: ``scandia run | validate | scenarios | calibrate``.

User errors (bad scenario values, unknown names, unreadable files) print one line naming the field and the
allowed range, and exit with code 2, without a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from . import __version__
from .core.errors import ScandiaError, ScenarioError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="scandia: scandium supply-chain simulation")
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


@contextmanager
def _spinner() -> Iterator[Callable[[str], None]]:
    """A transient progress line on stderr; yields a function that updates its text."""
    with Progress(transient=True, console=err_console) as progress:
        task = progress.add_task("running", total=None)
        yield lambda msg: progress.update(task, description=msg)


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return f"{_fmt(value['p50'], key)} [{_fmt(value['p10'], key)}-{_fmt(value['p90'], key)}]"
    if key.endswith("_frac"):
        return f"{100 * value:.1f} %"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _print_beneficiation(summary: dict[str, Any]) -> None:
    from .beneficiation.report import HEADLINE_METRICS

    stage = summary["stages"]["beneficiation"]
    title = f"Concentration: {summary['scenario']}, sample {stage['sample']}, seed {summary['seed']}"
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for route in stage["routes"]:
        mark = " *" if route == stage["selected_route"] else ""
        table.add_column(route + mark, justify="right")
    head = next(iter(stage["routes"].values()))
    table.add_row("head grade Sc, ppm", *[_fmt(head["head_grade_sc_ppm"], "ppm")] * len(stage["routes"]))
    for key in HEADLINE_METRICS:
        table.add_row(key, *[_fmt(r[key], key) for r in stage["routes"].values()])
    out_console.print(table)


def _print_hydromet(summary: dict[str, Any]) -> None:
    from .hydromet.report import HEADLINE

    stage = summary["stages"]["hydromet"]
    title = (f"Hydrometallurgy: leach route {stage['leach_route']} ({stage['lixiviant']}), "
             f"purity target {100 * stage['purity_target_frac']:.1f} %")
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for route in stage["routes"]:
        table.add_column(route + (" *" if route == stage["leach_route"] else ""), justify="right")
    for key in HEADLINE:
        if all(key in r for r in stage["routes"].values()):
            table.add_row(key, *[_fmt(r[key], key) for r in stage["routes"].values()])
    out_console.print(table)


def _print_alloy(summary: dict[str, Any]) -> None:
    from .alloy.report import HEADLINE

    stage = summary["stages"]["alloy"]
    aging = ", ".join(f"{s['temp_c']:g} C/{s['duration_h']:g} h" for s in stage["aging"])
    title = (f"Alloy: {stage['base']} + {stage['sc_wt_pct']:g} wt% Sc + {stage['zr_wt_pct']:g} wt% Zr, aged {aging}; "
             f"master alloy by {stage['master_alloy_route']}")
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in HEADLINE:
        table.add_row(key, _fmt(stage["metrics"][key], key))
    for key, val in stage["strength_terms_mpa"].items():
        table.add_row(f"  strength term: {key}, MPa", _fmt(val, key))
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


def _print_economics(summary: dict[str, Any]) -> None:
    from .economics.report import HEADLINE

    stage = summary["stages"]["economics"]
    table = Table(title=f"Economics: product {stage['product']}, {stage['basis']}, "
                        f"discount {100 * stage['discount_rate_frac']:.0f} %", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in HEADLINE:
        if key in stage["metrics"]:
            table.add_row(key, _fmt(stage["metrics"][key], key))
    pos = stage["cost_curve_position"]
    table.add_row("cost-curve rank (by all-in cost)", f"{pos['rank']} of {pos['of']}")
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


@app.command()
def sensitivity(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    base_samples: Annotated[int, typer.Option("--sobol", help="Saltelli base sample count N (runs N(k+2))")] = 256,
    out: Annotated[Path | None, typer.Option(help="folder for the Sobol table (created if missing)")] = None,
) -> None:
    """Sobol first-order and total indices of the scenario's uncertainty output (SALib, one chain call)."""
    from .scenario import load_scenario
    from .uncertainty.analysis import sobol_indices

    try:
        if not 8 <= base_samples <= 1_000_000:
            raise ScenarioError("--sobol", "base sample count must be between 8 and 1,000,000")
        scen = load_scenario(scenario)
        if out is not None:
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ScenarioError("--out", f"cannot create {out}: {exc.strerror or exc}") from None
        with Progress(transient=True, console=err_console) as progress:
            progress.add_task("Sobol indices (Saltelli design through the chain)", total=None)
            df = sobol_indices(scen, base_samples)
        if out is not None:
            df.to_csv(out / "sobol_indices.csv", index=False)
    except ScandiaError as exc:
        _fail(str(exc))
    table = Table(title=f"Sobol indices of {scen.uncertainty.output} (N = {base_samples})", title_justify="left")
    for col in ("input", "S1", "±", "ST", "± "):
        table.add_column(col, justify="left" if col == "input" else "right")
    for _, r in df.iterrows():
        table.add_row(r["input"], f"{r['S1']:.3f}", f"{r['S1_conf']:.3f}", f"{r['ST']:.3f}", f"{r['ST_conf']:.3f}")
    out_console.print(table)


@app.command()
def sweep(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    samples: Annotated[int, typer.Option(help="number of samples of the scenario's distributions")] = 10_000,
    out: Annotated[Path, typer.Option(help="folder for chunk Parquet files and the sweep index")] = Path("sweep"),
    chunk_size: Annotated[int, typer.Option(help="samples per chunk (one vectorized chain call each)")] = 1000,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler (default: a local "
                                                       "cluster)")] = None,
    workers: Annotated[int, typer.Option(help="worker processes of the local cluster")] = 2,
    db: Annotated[str | None, typer.Option(help="index database: SQLAlchemy URL or SQLite file (default "
                                                "OUT/sweep.db)")] = None,
) -> None:
    """Monte Carlo sweep on Dask, written chunk by chunk; run it again to resume after an interruption."""
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn

    from .scenario import load_scenario
    from .uncertainty.analysis import distribution_summary
    from .uncertainty.sampling import MAX_SAMPLES
    from .uncertainty.sweep import sweep as run_sweep

    try:
        if not 1 <= samples <= MAX_SAMPLES:
            raise ScenarioError("--samples", f"must be between 1 and {MAX_SAMPLES:,}")
        if not 1 <= workers <= 256:
            raise ScenarioError("--workers", "must be between 1 and 256")
        if out.exists() and not out.is_dir():
            raise ScenarioError("--out", f"{out} exists and is not a folder")
        scen = load_scenario(scenario)
        with Progress(*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console) as progress:
            task = progress.add_task(f"sweep, {samples:,} samples in chunks of {chunk_size:,}", total=None)

            def on_chunk(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            res = run_sweep(scen, samples, out, chunk_size=chunk_size, scheduler=scheduler, workers=workers,
                            db=db, on_chunk=on_chunk)
    except ScandiaError as exc:
        _fail(str(exc))
    output = scen.uncertainty.output
    col = output if output in res.table else "economics.npv_musd"
    d = distribution_summary(res.table[col].to_numpy(), res.table["status"].to_numpy())
    out_console.print(f"sweep {res.sweep_id}: {len(res.table):,} samples, {len(res.computed_chunks)} chunks "
                      f"computed, {len(res.skipped_chunks)} already done; {col}: P10 {d.get('p10', float('nan')):,.0f}"
                      f", P50 {d.get('p50', float('nan')):,.0f}, P90 {d.get('p90', float('nan')):,.0f}, "
                      f"P(<0) {100 * d.get('prob_negative', float('nan')):.1f} %")


def _aging_text(row: Any) -> str:
    hours = float(row["hours"])
    return "as cast" if hours == 0 else f"{float(row['temp_c']):g} C/{hours:g} h"


@app.command()
def run(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    stage: Annotated[str | None, typer.Option(
        help="run one stage alone (beneficiation | hydromet | alloy | economics)")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for results (created if missing)")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="stdout: a table or the JSON summary")] = (
        OutputFormat.table),
    table_format: Annotated[TableFormat, typer.Option(help="file format of result tables")] = TableFormat.csv,
    curves: Annotated[bool, typer.Option(help="also compute grade-recovery curves")] = True,
    samples: Annotated[int | None, typer.Option(
        help="Monte Carlo samples of the scenario's uncertainty section (default: its 'samples', 1 = deterministic)"
    )] = None,
    sobol: Annotated[int, typer.Option(
        help="with --samples > 1: also Sobol indices from a Saltelli design of this base count N (0 = off)")] = 0,
    excel: Annotated[Path | None, typer.Option(
        help="also write an Excel workbook (tables, units, assumptions)")] = None,
    report: Annotated[Path | None, typer.Option(help="also write the HTML report to this file")] = None,
    db: Annotated[str | None, typer.Option(help="run store: SQLite file or database URL (default $SCANDIA_DB or "
                                                "~/.local/share/scandia/runs.db)")] = None,
    store: Annotated[bool, typer.Option(help="record the run in the run store")] = True,
) -> None:
    """Run a scenario and print (and, with --out, write) its results."""
    from .runner import execute, resolved_yaml, write_run_dir
    from .scenario import load_scenario

    try:
        scen = load_scenario(scenario)
        if out is not None:
            if out.exists() and not out.is_dir():
                raise ScenarioError("--out", f"{out} exists and is not a folder")
        n_samples = scen.uncertainty.samples if samples is None else samples
        want_files = out is not None or excel is not None or report is not None
        # results are written only once everything is computed: a failing run leaves earlier files intact
        with _spinner() as say:
            _, summary, tables = execute(scen, n_samples, stage, sobol, curves, tables=want_files,
                                         progress=say)
        resolved = resolved_yaml(scen)
        run_id = None
        if store:
            import secrets

            run_id = summary["run_id"] = secrets.token_hex(16)  # the folder and the store name the same run
        if out is not None:
            write_run_dir(out, tables, resolved, summary, table_format.value)
        if report is not None:
            from .report.html import build_report, write_report

            write_report(report, build_report(summary, tables, resolved, source="scandia run"))
        if excel is not None:
            from .report.excel import write_workbook

            try:
                write_workbook(excel, summary, tables, resolved)
            except OSError as exc:
                raise ScenarioError("--excel", f"cannot write {excel}: {exc.strerror or exc}") from None
        if store:
            from .store import open_store, record_run

            artefacts = [str((out / f).resolve()) for f in summary.get("files", [])] if out is not None else []
            artefacts += [str(p.resolve()) for p in (excel, report) if p is not None]
            record_run(open_store(db), summary, resolved, artefacts, run_id=run_id)
    except ScandiaError as exc:
        _fail(str(exc))
    if format is OutputFormat.json:
        from .core.files import json_safe

        sys.stdout.write(json.dumps(json_safe(summary), indent=2) + "\n")
    else:
        if "beneficiation" in summary["stages"]:
            _print_beneficiation(summary)
        if "hydromet" in summary["stages"]:
            _print_hydromet(summary)
        if "alloy" in summary["stages"]:
            _print_alloy(summary)
        if "economics" in summary["stages"]:
            _print_economics(summary)
        if "uncertainty" in summary:
            _print_uncertainty(summary)
        status = summary["status"]
        bad = {k: v for k, v in status.items() if k != "ok" and v}
        out_console.print(f"status: {status['ok']} ok" + (f", {bad}" if bad else "") + "   (* selected route)")
        if out is not None:
            out_console.print(f"wrote {len(summary['files'])} files to {out}/ (scandia {__version__})")
        if report is not None:
            out_console.print(f"wrote the HTML report {report} (self-contained, opens offline)")
        if run_id is not None:
            out_console.print(f"run {run_id} recorded (scandia runs show {run_id[:8]})")


@app.command("report")
def report_cmd(
    source: Annotated[str | None, typer.Argument(
        help="a run folder (written by scandia run --out), a scenario YAML or a built-in name (default crater-lake)")
    ] = None,
    out: Annotated[Path, typer.Option(help="HTML file to write")] = Path("report.html"),
    samples: Annotated[int | None, typer.Option(help="when running a scenario: Monte Carlo samples")] = None,
    sobol: Annotated[int, typer.Option(help="when running a scenario: Sobol base count N (0 = off)")] = 0,
) -> None:
    """Write the self-contained HTML report of a run folder, or of a scenario (run first, not stored)."""
    from .report.html import build_report, load_run_dir, write_report

    try:
        if source is not None and Path(source).is_dir():
            summary, tables, resolved = load_run_dir(Path(source))
            origin = f"run folder {Path(source).resolve()}"
        else:
            from .runner import execute, resolved_yaml
            from .scenario import load_scenario

            scen = load_scenario(source)
            with _spinner() as say:
                _, summary, tables = execute(scen, scen.uncertainty.samples if samples is None else samples,
                                             sobol=sobol, progress=say)
            resolved = resolved_yaml(scen)
            origin = f"scenario {source or 'crater-lake'}"
        write_report(out, build_report(summary, tables, resolved, source=origin))
    except ScandiaError as exc:
        _fail(str(exc))
    out_console.print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, self-contained)")


@app.command()
def validate(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file")] = None,
    schema: Annotated[bool, typer.Option("--schema", help="print the JSON schema of scenario files")] = False,
) -> None:
    """Check a scenario file without running it."""
    from .scenario import load_scenario

    if schema:
        from .scenario import schema

        sys.stdout.write(json.dumps(schema.Scenario.model_json_schema(), indent=2) + "\n")
        return
    try:
        scen = load_scenario(scenario)
    except ScandiaError as exc:
        _fail(str(exc))
    b = scen.beneficiation
    out_console.print(f"[green]ok[/]: {scen.name!r}: sample {b.sample}, routes {', '.join(b.routes)}, "
                      f"feed {scen.plant.ore_feed_rate_tph:.4g} t/h, seed {scen.seed}")


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from .scenario import builtin_scenarios

    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for name, desc in builtin_scenarios().items():
        table.add_row(name, desc)
    out_console.print(table)


@app.command()
def calibrate(write: Annotated[bool, typer.Option(help="rewrite data/beneficiation/fitted.yaml")] = False) -> None:
    """Refit the concentration model (seed recoveries) and the leach kinetics (Phase III) and show the fits."""
    from .beneficiation.calibration import calibrate as fit
    from .beneficiation.calibration import targets, write_fitted

    result = fit()
    table = Table(title="Calibration targets (recovery to concentrate)", title_justify="left")
    for col in ("route", "sample", "element", "target", "model", "error, pp"):
        table.add_column(col, justify="right" if col in ("target", "model", "error, pp") else "left")
    for t, a in zip(targets(), result.achieved, strict=True):
        table.add_row(t["route"], t["sample"], t["element"], f"{100 * t['recovery_frac']:.1f} %",
                      f"{100 * a:.2f} %", f"{100 * (a - t['recovery_frac']):+.2f}")
    out_console.print(table)
    ptable = Table(title="Fitted parameters (within the data files' ranges)", title_justify="left")
    for col in ("parameter", "value", "min", "max"):
        ptable.add_column(col)
    for p in result.params:
        v = result.values[p.name]
        lo, hi = (10**p.lo, 10**p.hi) if p.log else (p.lo, p.hi)
        ptable.add_row(p.name, f"{v:.4g}", f"{lo:.3g}", f"{hi:.3g}")
    out_console.print(ptable)
    from .core.datafiles import load_data as cached_data
    from .hydromet.calibration import calibrate_leach, load_data
    from .hydromet.calibration import write_fitted as write_leach

    if write:  # the leach fit uses the concentrate of the beneficiation fit just made
        out_console.print(f"wrote {write_fitted(result)}")
        cached_data.cache_clear()
    leach = calibrate_leach()
    ltable = Table(title="Leach calibration (HCl tank leach, Phase III MET01)", title_justify="left")
    for col in ("sample", "element", "target", "model"):
        ltable.add_column(col)
    for t, a in zip(load_data("hydromet/targets.yaml")["fit"], leach["achieved"], strict=True):
        ltable.add_row(t["sample"], t["element"], f"{100 * t['extraction_frac']:.1f} %", f"{100 * a:.2f} %")
    out_console.print(ltable)
    out_console.print(f"rate factor {leach['rate_factor']:.4g}, allanite factor {leach['allanite_factor']:.4g}")
    if write:
        out_console.print(f"wrote {write_leach(leach)}")
    from .alloy.thermo import ThermoDB, fit_database
    from .alloy.thermo import write_fitted as write_thermo

    fitted = fit_database()
    db = ThermoDB(cached_data("alloy/thermo.yaml"), fitted)
    t_e, x_l, x_s = db.eutectic()
    dg = fitted["al3sc"]["dG"]
    out_console.print(f"Al-Sc description: dG(Al3Sc) = {dg[0]:.0f} {dg[1]:+.4f} T "
                      f"J/mol, L0(liquid) = {fitted['liquid_al_sc']['L'][0][0]:.0f} J/mol; eutectic "
                      f"{t_e - 273.15:.1f} C at {100 * x_l:.3f} at.% Sc, (Al) {100 * x_s:.3f} at.%")
    if write:
        out_console.print(f"wrote {write_thermo(fitted)}")


alloy_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="alloy tools: inverse design, phase diagram data, TDB export")
app.add_typer(alloy_app, name="alloy")


@alloy_app.command("design")
def alloy_design(
    base: Annotated[str, typer.Option(help="base alloy (535 | al)")] = "535",
    target_yield: Annotated[str, typer.Option(help='target yield strength, e.g. "250 MPa"')] = "250 MPa",
    sc2o3_price: Annotated[str, typer.Option(help="Sc2O3 price, US$/kg")] = "3000",
    route: Annotated[str, typer.Option(help="master-alloy route")] = "aluminothermic_sc2o3",
    out: Annotated[Path | None, typer.Option(help="folder for the design table and Pareto front")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="stdout: a table or JSON")] = OutputFormat.table,
) -> None:
    """Cheapest Sc/Zr content and aging schedule meeting a target yield; the cost-strength Pareto front."""
    from .alloy.design import design
    from .alloy.master_alloy import MASTER_ROUTES
    from .scenario.quantity import to_unit

    try:
        try:
            bare = target_yield.strip().replace(".", "", 1).isdigit()
            target = to_unit(float(target_yield) if bare else target_yield, "megapascal")
        except ValueError as exc:
            raise ScenarioError("--target-yield", str(exc)) from None
        try:
            price = float(sc2o3_price)
        except ValueError:
            raise ScenarioError("--sc2o3-price", f"expected a number of US$/kg, got {sc2o3_price!r}") from None
        if not 100.0 <= price <= 20000.0:
            raise ScenarioError("--sc2o3-price", "must be between 100 and 20000 US$/kg")
        if route not in MASTER_ROUTES:
            raise ScenarioError("--route", f"unknown route {route!r}; available: {', '.join(MASTER_ROUTES)}")
        if out is not None:
            if out.exists() and not out.is_dir():
                raise ScenarioError("--out", f"{out} exists and is not a folder")
            try:  # fail before the computation, not after it
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ScenarioError("--out", f"cannot create {out}: {exc.strerror or exc}") from None
        with Progress(transient=True, console=err_console) as progress:
            progress.add_task("evaluating the design grid (KWN + strength)", total=None)
            res = design(base, target, sc2o3_usd_per_kg=price, master_route=route)
        if out is not None:
            try:
                res.table.to_csv(out / "alloy_design_grid.csv", index=False)
                res.pareto.to_csv(out / "alloy_design_pareto.csv", index=False)
            except OSError as exc:
                raise ScenarioError("--out", f"cannot write results: {exc.strerror or exc}") from None
    except ScandiaError as exc:
        _fail(str(exc))
    best = None if res.best is None else {k: (None if pd.isna(v) else float(v)) for k, v in res.best.items()}
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps({"base": base, "target_yield_mpa": target, "base_yield_mpa": res.base_yield_mpa,
                                     "feasible": res.feasible, "best": best,
                                     "pareto": res.pareto.to_dict(orient="records")}, indent=2, default=float) + "\n")
        return
    table = Table(title=f"Cost-strength Pareto front, {base} (base yield {res.base_yield_mpa:.0f} MPa)",
                  title_justify="left")
    for col in ("Sc wt%", "Zr wt%", "aging", "yield, MPa", "UTS, MPa", "premium US$/kg", "US$/MPa per t"):
        table.add_column(col, justify="right")
    for _, r in res.pareto.iterrows():
        per_mpa = r["cost_usd_per_mpa_per_kg"]
        mark = best is not None and r["sc_wt_pct"] == best["sc_wt_pct"] and r["hours"] == best["hours"] and (
            r["zr_wt_pct"] == best["zr_wt_pct"]) and r["yield_mpa"] == best["yield_mpa"]
        table.add_row(f"{r['sc_wt_pct']:g}", f"{r['zr_wt_pct']:g}", _aging_text(r), f"{r['yield_mpa']:.0f}" + (
            " *" if mark else ""), f"{r['uts_mpa']:.0f}", f"{r['cost_premium_usd_per_kg']:.2f}",
            "-" if pd.isna(per_mpa) else f"{1000 * per_mpa:.1f}")
    out_console.print(table)
    if best is None:
        out_console.print(f"[yellow]infeasible[/]: no design on the grid reaches {target:g} MPa")
    else:
        out_console.print(f"cheapest design for {target:g} MPa (*): {best['sc_wt_pct']:g} wt% Sc, "
                          f"{best['zr_wt_pct']:g} wt% Zr, {_aging_text(best)}: {best['yield_mpa']:.0f} MPa, "
                          f"US${best['cost_premium_usd_per_kg']:.2f} per kg casting")


@alloy_app.command("tdb")
def alloy_tdb(out: Annotated[Path, typer.Argument(help="TDB file to write")]) -> None:
    """Write scandia's Al-Mg-Sc-Zr description as a TDB file (for pycalphad or other CALPHAD tools)."""
    from .alloy.thermo import to_tdb

    try:
        out.write_text(to_tdb())
    except OSError as exc:
        _fail(str(ScenarioError("OUT", f"cannot write {out}: {exc.strerror or exc}")))
    out_console.print(f"wrote {out}")


runs_app = typer.Typer(add_completion=False, no_args_is_help=True, help="the run store: list, show, compare")
app.add_typer(runs_app, name="runs")
DbOption = Annotated[str | None, typer.Option(help="SQLite file or database URL (default $SCANDIA_DB)")]


@runs_app.command("list")
def runs_list(db: DbOption = None, limit: Annotated[int, typer.Option(help="newest N runs")] = 20) -> None:
    """Newest runs first."""
    from .store import list_runs, open_store

    try:
        df = list_runs(open_store(db), limit)
    except ScandiaError as exc:
        _fail(str(exc))
    table = Table(title=f"Runs ({len(df)})", title_justify="left")
    for col in ("id", "created (UTC)", "scenario", "version", "seed", "scenarios", "status"):
        table.add_column(col)
    for r in df.itertuples(index=False):
        counts = json.loads(r.status) if r.status else {}
        status = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "-"
        table.add_row(r.run_id[:12], str(r.created_utc)[:19], str(r.scenario), str(r.version), str(r.seed),
                      str(r.n_scenarios), status)
    out_console.print(table)


@runs_app.command("show")
def runs_show(run_id: Annotated[str, typer.Argument(help="run id or a unique prefix")], db: DbOption = None) -> None:
    """A stored run's summary (JSON), scenario and artefacts."""
    from .store import get_run, open_store

    try:
        row = get_run(open_store(db), run_id)
    except ScandiaError as exc:
        _fail(str(exc))
    sys.stdout.write(json.dumps({"run_id": row["run_id"], "created_utc": str(row["created_utc"]),
                                 "artefacts": row["artefacts"], "summary": row["summary"]}, indent=2) + "\n")


@runs_app.command("compare")
def runs_compare(a: Annotated[str, typer.Argument(help="first run id (prefix)")],
                 b: Annotated[str, typer.Argument(help="second run id (prefix)")], db: DbOption = None) -> None:
    """Key figures of two runs side by side and their differences."""
    from .store import compare_runs, open_store

    try:
        df = compare_runs(open_store(db), a, b)
    except ScandiaError as exc:
        _fail(str(exc))
    table = Table(title=f"Run {df.attrs['a'][:8]} (a) vs {df.attrs['b'][:8]} (b)", title_justify="left")
    for col in ("metric", "a", "b", "b - a"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for r in df.itertuples(index=False):
        if r.a != r.b:
            table.add_row(r.metric, f"{r.a:.4g}", f"{r.b:.4g}", f"{r.b_minus_a:+.4g}")
    out_console.print(table)
    out_console.print(f"{int((df['a'] == df['b']).sum())} further metrics are equal")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind (loopback by default; any other needs SCANDIA_TOKEN)")] = (
        "127.0.0.1"),
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    db: Annotated[str | None, typer.Option(help="run store: SQLite file or database URL (default $SCANDIA_DB)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="folder for run results and sweeps")] = None,
    max_body: Annotated[int, typer.Option(help="largest request body accepted, bytes")] = 1_000_000,
    workers: Annotated[int, typer.Option(help="background job threads")] = 1,
    warm: Annotated[bool, typer.Option(help="precompute the dashboard's default case and alloy grid at start")] = True,
) -> None:
    """Serve the REST API, the what-if dashboard (at /) and offline API docs (at /docs) with uvicorn."""
    from .web.app import LOOPBACK_HOSTS, create_app, is_loopback, token_from_env

    token = token_from_env()
    try:
        if not is_loopback(host) and token is None:
            raise ScenarioError("--host", f"binding to {host} (not loopback) needs a token: set SCANDIA_TOKEN")
        if not 1 <= port <= 65535:
            raise ScenarioError("--port", "must be between 1 and 65535")
        if not 1_000 <= max_body <= 1_000_000_000:
            raise ScenarioError("--max-body", "must be between 1,000 and 1,000,000,000 bytes")
        if not 1 <= workers <= 64:
            raise ScenarioError("--workers", "must be between 1 and 64")
        # a loopback server answers only to loopback host names (DNS-rebinding defence); elsewhere the token guards
        hosts = LOOPBACK_HOSTS if is_loopback(host) else None
        api = create_app(db=db, data_dir=data_dir, token=token, max_body_bytes=max_body, workers=workers, warm=warm,
                         allowed_hosts=hosts)
    except ScandiaError as exc:
        _fail(str(exc))
    import uvicorn

    err_console.print(f"scandia {__version__}: dashboard http://{host}:{port}/  API docs http://{host}:{port}/docs"
                      + ("  (token required)" if token else ""))
    uvicorn.run(api, host=host, port=port, log_level="warning")


@app.callback(invoke_without_command=True)
def _version(version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False) -> None:
    if version:
        out_console.print(f"scandia {__version__}")
        raise typer.Exit()


def main() -> None:
    """Entry point of the ``scandia`` console script."""
    from .core.perf import tune_allocator

    tune_allocator()
    try:
        app()
    except ScandiaError as exc:  # pragma: no cover - commands catch their own
        err_console.print(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
