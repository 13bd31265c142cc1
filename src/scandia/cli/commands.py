"""The run-level commands: run, report, sensitivity, sweep, validate, scenarios, calibrate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from .. import __version__
from ..core.errors import ScandiaError, ScenarioError
from .app import app
from .output import (
    OutputFormat,
    TableFormat,
    _fail,
    _fmt,
    _print_alloy,
    _print_beneficiation,
    _print_economics,
    _print_hydromet,
    _print_market,
    _print_resource,
    _print_uncertainty,
    _spinner,
    _unit,
    err_console,
    out_console,
    progress_columns,
)


@app.command()
def sensitivity(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    base_samples: Annotated[int, typer.Option("--sobol", help="Saltelli base sample count N (runs N(k+2))")] = 256,
    out: Annotated[Path | None, typer.Option(help="folder for the Sobol table (created if missing)")] = None,
) -> None:
    """Sobol first-order and total indices of the scenario's uncertainty output (SALib, one chain call)."""
    from ..scenario import load_scenario
    from ..uncertainty.analysis import sobol_indices

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
    store: Annotated[bool, typer.Option(help="record the finished sweep in the run store (scandia runs list)")
                     ] = True,
    runs_db: Annotated[str | None, typer.Option(help="run store: SQLite file or database URL (default "
                                                     "$SCANDIA_DB or ~/.local/share/scandia/runs.db)")] = None,
) -> None:
    """Monte Carlo sweep on Dask, written chunk by chunk; run it again to resume after an interruption. When it
    finishes, OUT is also a run folder (summary.json, the base case's tables, the samples): `scandia report OUT`
    reports it, and the run store lists it."""
    from rich.progress import MofNCompleteColumn

    from ..scenario import load_scenario
    from ..uncertainty.analysis import distribution_summary
    from ..uncertainty.sampling import MAX_SAMPLES
    from ..uncertainty.sweep import sweep as run_sweep

    try:
        if not 1 <= samples <= MAX_SAMPLES:
            raise ScenarioError("--samples", f"must be between 1 and {MAX_SAMPLES:,}")
        if not 1 <= workers <= 256:
            raise ScenarioError("--workers", "must be between 1 and 256")
        if out.exists() and not out.is_dir():
            raise ScenarioError("--out", f"{out} exists and is not a folder")
        scen = load_scenario(scenario)
        with Progress(*progress_columns(), MofNCompleteColumn(), console=err_console) as progress:
            task = progress.add_task(f"sweep, {samples:,} samples in chunks of {chunk_size:,}", total=None)

            def on_chunk(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            if store:  # a store that cannot take the sweep is found before the work, not after
                from ..store import check_writable, open_store

                check_writable(open_store(runs_db))
            res = run_sweep(scen, samples, out, chunk_size=chunk_size, scheduler=scheduler, workers=workers,
                            db=db, on_chunk=on_chunk)
        from ..runner import resolved_yaml, sweep_run_folder

        with _spinner() as say:
            say("base case, tables and the sweep's summary")
            summary = sweep_run_folder(scen, res, out)
        if store:
            from ..store import open_store, record_run

            run_id = record_run(open_store(runs_db), summary, resolved_yaml(scen), [str(out.resolve())])
            out_console.print(f"recorded as run {run_id[:8]} (scandia runs show {run_id[:8]})")
    except ScandiaError as exc:
        _fail(str(exc))
    output = scen.uncertainty.output
    col = output if output in res.table else "economics.npv_musd"
    d = distribution_summary(res.table[col].to_numpy(), res.table["status"].to_numpy())
    out_console.print(f"sweep {res.sweep_id}: {len(res.table):,} samples, {len(res.computed_chunks)} chunks "
                      f"computed, {len(res.skipped_chunks)} already done; {col}: P10 {d.get('p10', float('nan')):,.0f}"
                      f", P50 {d.get('p50', float('nan')):,.0f}, P90 {d.get('p90', float('nan')):,.0f}, "
                      f"P(<0) {100 * d.get('prob_negative', float('nan')):.1f} %")


@app.command()
def run(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    stage: Annotated[str | None, typer.Option(
        help="run one stage alone (resource | beneficiation | hydromet | alloy | market | economics)")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for results (created if missing)")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="stdout: a table or the JSON summary")] = (
        OutputFormat.table),
    table_format: Annotated[TableFormat, typer.Option(help="file format of result tables")] = TableFormat.csv,
    curves: Annotated[bool, typer.Option(help="also compute grade-recovery curves")] = True,
    routes: Annotated[bool, typer.Option(help="also compare every registered leach route (whole chain each)")] = False,
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
    threads: Annotated[int | None, typer.Option(
        help="threads of the compiled kernels, which share the scenarios of a run (default: every core)")] = None,
    chunk_size: Annotated[int | None, typer.Option(
        help="a Monte Carlo of more samples runs in chunks of this many (default 2,500), keeping per sample only "
             "metrics and status (memory: about 0.25 MB per chunk sample plus 2 kB per sample)")] = None,
) -> None:
    """Run a scenario and print (and, with --out, write) its results."""
    from ..runner import execute, resolved_yaml, write_run_dir
    from ..scenario import load_scenario
    from ..scenario.loader import scenario_text

    try:
        if threads is not None:
            from ..core.jit import set_threads

            try:
                set_threads(threads)
            except ValueError as exc:
                raise ScenarioError("--threads", str(exc).removeprefix("threads ")) from None
        if chunk_size is not None and not 1 <= chunk_size <= 10_000_000:
            raise ScenarioError("--chunk-size", "must be between 1 and 10,000,000")
        scen = load_scenario(scenario)
        given, _ = scenario_text(scenario)
        if out is not None:
            if out.exists() and not out.is_dir():
                raise ScenarioError("--out", f"{out} exists and is not a folder")
        n_samples = scen.uncertainty.samples if samples is None else samples
        want_files = out is not None or excel is not None or report is not None
        if store:  # a store that cannot take the run is found before the run is computed, not after
            from ..store import check_writable, open_store

            check_writable(open_store(db))
        # results are written only once everything is computed: a failing run leaves earlier files intact
        with _spinner() as say:
            _, summary, tables = execute(scen, n_samples, stage, sobol, curves, routes, tables=want_files,
                                         progress=say, chunk_size=chunk_size)
        resolved = resolved_yaml(scen)
        run_id = None
        if store:
            import secrets

            run_id = summary["run_id"] = secrets.token_hex(16)  # the folder and the store name the same run
        if out is not None:
            write_run_dir(out, tables, resolved, summary, table_format.value, input_yaml=given)
        if report is not None:
            from ..report.html import build_report, write_report

            write_report(report, build_report(summary, tables, resolved, source="scandia run"))
        if excel is not None:
            from ..report.excel import write_workbook

            try:
                write_workbook(excel, summary, tables, resolved)
            except OSError as exc:
                raise ScenarioError("--excel", f"cannot write {excel}: {exc.strerror or exc}") from None
        if store:
            from ..store import open_store, record_run

            artefacts = [str((out / f).resolve()) for f in summary.get("files", [])] if out is not None else []
            artefacts += [str(p.resolve()) for p in (excel, report) if p is not None]
            record_run(open_store(db), summary, resolved, artefacts, run_id=run_id)
    except ScandiaError as exc:
        _fail(str(exc))
    if format is OutputFormat.json:
        from ..core.files import json_safe

        sys.stdout.write(json.dumps(json_safe(summary), indent=2) + "\n")
    else:
        if "resource" in summary["stages"]:
            _print_resource(summary)
        if "beneficiation" in summary["stages"]:
            _print_beneficiation(summary)
        if "hydromet" in summary["stages"]:
            _print_hydromet(summary)
        if "alloy" in summary["stages"]:
            _print_alloy(summary)
        if "market" in summary["stages"]:
            _print_market(summary)
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
    routes: Annotated[bool, typer.Option(help="when running a scenario: also compare every leach route")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="also print it to PDF beside the HTML (A4 landscape; needs "
                                      "Chromium or Chrome, or SCANDIA_CHROMIUM)")] = False,
) -> None:
    """Write the self-contained HTML report of a run folder, or of a scenario (run first, not stored)."""
    from ..report.html import build_report, load_run_dir, write_report

    try:
        if source is not None and Path(source).is_dir():
            summary, tables, resolved = load_run_dir(Path(source))
            origin = f"run folder {Path(source).resolve()}"
        else:
            from ..runner import execute, resolved_yaml
            from ..scenario import load_scenario

            scen = load_scenario(source)
            with _spinner() as say:
                _, summary, tables = execute(scen, scen.uncertainty.samples if samples is None else samples,
                                             sobol=sobol, routes=routes, progress=say)
            resolved = resolved_yaml(scen)
            origin = f"scenario {source or 'crater-lake'}"
        if pdf:
            from ..report.pdf import chromium

            chromium()  # a missing browser is found before the run's report is written, not after
        write_report(out, build_report(summary, tables, resolved, source=origin))
        if pdf:
            from ..report.pdf import print_pdf

            pdf_path = print_pdf(build_report(summary, tables, resolved, source=origin, printable=True),
                                 out.with_suffix(".pdf"))
    except ScandiaError as exc:
        _fail(str(exc))
    out_console.print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, self-contained)")
    if pdf:
        out_console.print(f"wrote {pdf_path} ({pdf_path.stat().st_size / 1e6:.1f} MB)")


@app.command()
def validate(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file")] = None,
    schema: Annotated[bool, typer.Option("--schema", help="print the JSON schema of scenario files")] = False,
) -> None:
    """Check a scenario file without running it."""
    from ..scenario import load_scenario

    if schema:
        from ..scenario import schema

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
def scenarios(
    action: Annotated[str | None, typer.Argument(help="show: print a built-in scenario file, comments and all")] = None,
    name: Annotated[str | None, typer.Argument(help="the built-in scenario to show")] = None,
) -> None:
    """List the built-in scenarios, or `scenarios show NAME` to print one as written (a file to start from)."""
    from ..scenario import builtin_scenarios
    from ..scenario.loader import scenario_text

    if action is not None:
        try:
            if action != "show":
                raise ScenarioError("ACTION", f"unknown action {action!r}; use `scandia scenarios show NAME`")
            if name not in builtin_scenarios():
                raise ScenarioError("NAME", f"no built-in scenario {name!r}; built-ins: "
                                    + ", ".join(builtin_scenarios()))
            text, _ = scenario_text(name)
        except ScandiaError as exc:
            _fail(str(exc))
        sys.stdout.write(text)
        return
    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for name, desc in builtin_scenarios().items():
        table.add_row(name, desc)
    out_console.print(table)


def _write_text(path: Path, text: str, field: str) -> None:
    """Write a text file atomically; a failure is a one-line error naming the option or argument."""
    from ..core.files import atomic_write_text

    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ScenarioError(field, f"cannot write {path}: {exc.strerror or exc}") from None


@app.command()
def routes(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    samples: Annotated[int, typer.Option(help="Monte Carlo samples per option (1: the scenario's own values)")] = 1,
    out: Annotated[Path | None, typer.Option(help="also write the table to this CSV file")] = None,
) -> None:
    """Compare every registered leach route and lixiviant on the scenario's feed, through the whole chain."""
    from ..compare import COLUMNS, route_table
    from ..scenario import load_scenario

    try:
        if not 1 <= samples <= 100_000:
            raise ScenarioError("--samples", "must be between 1 and 100,000")
        scen = load_scenario(scenario)
        with _spinner() as say:
            df = route_table(scen, samples, progress=say)
        if out is not None:
            _write_text(out, df.to_csv(index=False, float_format="%.6g"), "--out")
    except ScandiaError as exc:
        _fail(str(exc))
    basis = "P50 of " + f"{samples:,} samples" if samples > 1 else "the scenario's own values"
    table = Table(title=f"Leach routes on {scen.name} ({basis}; * this scenario's route)", title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    for _, r in df.iterrows():
        table.add_column(("* " if r["current"] else "") + str(r["option"]), justify="right")
    keys = [m for _, m in COLUMNS] + (["npv_p10_musd", "npv_p90_musd"] if samples > 1 else [])
    for key in keys:
        table.add_row(key, _unit(key), *[_fmt(r.get(key), key) for _, r in df.iterrows()])
    notes = [f"{r['option']}: {r['note']}" for _, r in df.iterrows() if r["note"]]
    out_console.print(table)
    for n in notes:
        out_console.print(f"note: {n}")


@app.command()
def init(
    file: Annotated[Path, typer.Argument(help="scenario file to write")],
    from_: Annotated[str, typer.Option("--from", help="built-in scenario to start from")] = "crater-lake",
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Write a short, commented scenario file to start from (a built-in's own file, with a header)."""
    from ..scenario import builtin_scenarios
    from ..scenario.loader import scenario_text

    try:
        if from_ not in builtin_scenarios():
            raise ScenarioError("--from", f"no built-in scenario {from_!r}; built-ins: "
                                + ", ".join(builtin_scenarios()))
        if file.exists() and not force:
            raise ScenarioError("FILE", f"{file} exists; pass --force to overwrite it")
        text, _ = scenario_text(from_)
        header = (f"# scandia scenario, started from the built-in {from_!r} by `scandia init` "
                  f"(scandia {__version__}).\n"
                  "# Any field left out takes its declared default; `scandia validate --schema` lists every\n"
                  "# field with its unit, range and source; `scandia validate FILE` checks this file.\n")
        _write_text(file, header + text, "FILE")
    except ScandiaError as exc:
        _fail(str(exc))
    out_console.print(f"wrote {file} (from {from_}); run it with `scandia run {file}`")


@app.command()
def diagram(
    stage: Annotated[str, typer.Argument(help="chain | beneficiation | hydromet")] = "chain",
    scenario: Annotated[str | None, typer.Option(help="built-in name or YAML file (default crater-lake)")] = None,
    out: Annotated[Path | None, typer.Option(help="SVG file to write (default: <stage>.svg)")] = None,
) -> None:
    """Draw a flowsheet as SVG: units, numbered streams (those of the stream table), recycles and tears, products
    and wastes. Runs the chain up to the stage for its selected route."""
    from ..chain import run as run_chain
    from ..report.html import stage_diagrams
    from ..scenario import load_scenario

    try:
        if stage not in ("chain", "beneficiation", "hydromet"):
            raise ScenarioError("STAGE", f"unknown diagram {stage!r}; choose chain, beneficiation or hydromet")
        scen = load_scenario(scenario)
        skip = () if stage == "chain" else ("alloy", "economics")
        with _spinner() as say:
            say(f"solving {stage}")
            res = run_chain(scen, skip=skip) if stage != "chain" else None
        svgs = stage_diagrams(res.summary if res is not None else {"stages": {"economics": {
            "product": scen.economics.product}}})
        if stage not in svgs:
            raise ScenarioError("STAGE", f"the {stage} stage of {scen.name} has no flowsheet to draw")
        path = out or Path(f"{stage}.svg")
        _write_text(path, svgs[stage], "--out")
    except ScandiaError as exc:
        _fail(str(exc))
    out_console.print(f"wrote {path}")


@app.command()
def calibrate(
    write: Annotated[bool, typer.Option(
        help="write the fitted values (concentration, leach, Al-Sc, market)")] = False,
    to: Annotated[Path | None, typer.Option(help="folder to write them to (default: the package's data folder, "
                                                 "i.e. the source tree of a checkout); use it with "
                                                 "SCANDIA_FITTED_DIR=FOLDER")] = None,
) -> None:
    """Refit the concentration model (seed recoveries), the leach kinetics (Phase III), the Al-Sc description and
    the market's price formation (USGS prices), and show the fits; ``--write`` stores them, and every later run
    applies them when it builds the scenario."""
    import os

    from ..core.datafiles import package_data_dir, reload_data

    root = (to or package_data_dir()).expanduser()
    if write:
        try:
            for sub in ("beneficiation", "hydromet", "alloy"):
                (root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _fail(f"--to: cannot write to {root}: {exc.strerror or exc}")
    from ..beneficiation.calibration import calibrate as fit
    from ..beneficiation.calibration import targets, write_fitted

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
    from ..core.datafiles import load_data as cached_data
    from ..hydromet.calibration import calibrate_caustic, calibrate_leach, load_data
    from ..hydromet.calibration import write_fitted as write_leach

    if write:  # the leach fit uses the concentrate of the beneficiation fit just made
        out_console.print(f"wrote {write_fitted(result, root / 'beneficiation' / 'fitted.yaml')}")
        if to is not None:  # the leach fit below reads the concentration fit just written
            os.environ["SCANDIA_FITTED_DIR"] = str(root)
        reload_data()
    leach = calibrate_leach()
    ltable = Table(title="Leach calibration (HCl tank leach, Phase III MET01)", title_justify="left")
    for col in ("sample", "element", "target", "model"):
        ltable.add_column(col)
    for t, a in zip(load_data("hydromet/targets.yaml")["fit"], leach["achieved"], strict=True):
        ltable.add_row(t["sample"], t["element"], f"{100 * t['extraction_frac']:.1f} %", f"{100 * a:.2f} %")
    out_console.print(ltable)
    out_console.print(f"rate factor {leach['rate_factor']:.4g}, allanite factor {leach['allanite_factor']:.4g}")
    if write:  # the caustic fit's acid step uses the tank factors just fitted
        write_leach(leach, root / "hydromet" / "fitted.yaml")
        reload_data()
    caustic = calibrate_caustic()
    ctable = Table(title="Leach calibration (caustic crack then HCl, Phase III MET01 + MET02)",
                   title_justify="left")
    for col in ("sample", "element", "target", "model"):
        ctable.add_column(col)
    for t, a in zip(caustic["fit"], caustic["achieved"], strict=True):
        ctable.add_row(t["sample"], t["element"], f"{100 * t['extraction_frac']:.1f} %", f"{100 * a:.2f} %")
    out_console.print(ctable)
    out_console.print(f"NaOH rate factor {caustic['crack_rate_factor']:.4g}, allanite factor in NaOH "
                      f"{caustic['crack_allanite_factor']:.4g}")
    if write:
        out_console.print(f"wrote {write_leach(leach, root / 'hydromet' / 'fitted.yaml', caustic)}")
    from ..alloy.thermo import ThermoDB, fit_database
    from ..alloy.thermo import write_fitted as write_thermo

    fitted = fit_database()
    db = ThermoDB(cached_data("alloy/thermo.yaml"), fitted)
    t_e, x_l, x_s = db.eutectic()
    dg = fitted["al3sc"]["dG"]
    out_console.print(f"Al-Sc description: dG(Al3Sc) = {dg[0]:.0f} {dg[1]:+.4f} T "
                      f"J/mol, L0(liquid) = {fitted['liquid_al_sc']['L'][0][0]:.0f} J/mol; eutectic "
                      f"{t_e - 273.15:.1f} C at {100 * x_l:.3f} at.% Sc, (Al) {100 * x_s:.3f} at.%")
    if write:
        out_console.print(f"wrote {write_thermo(fitted, root / 'alloy' / 'thermo_fitted.yaml')}")
        reload_data()
    from ..market.calibrate import fit_history
    from ..market.calibrate import write_fitted as write_market

    market = fit_history()
    out_console.print(f"market: by-product offer factor {market.byproduct_offer_factor:.4f}, price adjustment "
                      f"{market.price_adjust_frac:.4f} a year, RMSE {100 * market.rmse_log:.1f} % (log) on "
                      f"{market.years[0]}-{market.years[-1]} (held-back check: `scandia market calibrate`)")
    if write:
        out_console.print(f"wrote {write_market(market, root / 'market' / 'fitted.yaml')}")
        reload_data()
        if to is not None:
            out_console.print(f"runs use these values with SCANDIA_FITTED_DIR={root}")


