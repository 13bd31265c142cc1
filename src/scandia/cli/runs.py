"""``scandia runs list | show | compare`` and ``scandia serve``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import __version__
from ..core.errors import ScandiaError, ScenarioError
from .app import app
from .output import (
    _fail,
    err_console,
    out_console,
)

runs_app = typer.Typer(add_completion=False, no_args_is_help=True, help="the run store: list, show, compare")
app.add_typer(runs_app, name="runs")
DbOption = Annotated[str | None, typer.Option(help="SQLite file or database URL (default $SCANDIA_DB)")]


@runs_app.command("list")
def runs_list(db: DbOption = None, limit: Annotated[int, typer.Option(help="newest N runs")] = 20) -> None:
    """Newest runs first."""
    from ..store import list_runs, open_store

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
    from ..store import get_run, open_store

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
    from ..store import compare_runs, open_store

    try:
        df = compare_runs(open_store(db), a, b)
    except ScandiaError as exc:
        _fail(str(exc))
    table = Table(title=f"Run {df.attrs['a'][:8]} (a) vs {df.attrs['b'][:8]} (b)", title_justify="left")
    for col in ("metric", "a", "b", "b - a", "(b - a) / |a|"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for r in df.itertuples(index=False):
        if r.a != r.b:
            pct = f"{100.0 * r.b_minus_a / abs(r.a):+.3g} %" if r.a not in (0.0, None) and r.a == r.a else "n/a"
            table.add_row(r.metric, f"{r.a:.4g}", f"{r.b:.4g}", f"{r.b_minus_a:+.4g}", pct)
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
    max_samples: Annotated[int | None, typer.Option(help="largest run or sweep accepted (data/service.yaml)")] = None,
    sync_slots: Annotated[int | None, typer.Option(help="synchronous runs computing at once")] = None,
    max_jobs: Annotated[int | None, typer.Option(help="queued plus running background jobs")] = None,
    max_job_mb: Annotated[float | None, typer.Option(help="largest estimated memory of one run, MB")] = None,
    lease: Annotated[float | None, typer.Option(help="job lease, s: jobs of a server silent this long fail")] = None,
    max_job_s: Annotated[float | None, typer.Option(help="a queued job's process is killed past this time, s")] = None,
    band_samples: Annotated[int | None, typer.Option(
        help="samples behind each dashboard uncertainty band (data/service.yaml)")] = None,
) -> None:
    """Serve the REST API, the what-if dashboard (at /) and offline API docs (at /docs) with uvicorn.

    Limits (defaults and reasons in data/service.yaml): runs over --max-job-mb are refused with 413, further
    jobs past --max-jobs and synchronous runs past --sync-slots with 429."""
    from ..web.app import create_app, hosts_for, is_loopback, token_from_env

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
        for name, value, lo, hi in (("--max-samples", max_samples, 1, 1_000_000), ("--sync-slots", sync_slots, 1, 64),
                                    ("--max-jobs", max_jobs, 1, 10_000), ("--max-job-mb", max_job_mb, 100, 1e7),
                                    ("--lease", lease, 2, 3600), ("--max-job-s", max_job_s, 1, 7 * 86400),
                                    ("--band-samples", band_samples, 10, 100_000)):
            if value is not None and not lo <= value <= hi:
                raise ScenarioError(name, f"must be between {lo:,} and {hi:,}")
        # a loopback server answers only to its own address and the loopback names (DNS-rebinding defence);
        # elsewhere the token guards
        hosts = hosts_for(host) if is_loopback(host) else None
        api = create_app(db=db, data_dir=data_dir, token=token, max_body_bytes=max_body, workers=workers, warm=warm,
                         allowed_hosts=hosts, max_samples=max_samples, sync_slots=sync_slots,
                         max_active_jobs=max_jobs, max_job_mb=max_job_mb, lease_s=lease, max_job_s=max_job_s,
                         band_samples=band_samples)
    except ScandiaError as exc:
        _fail(str(exc))
    import uvicorn

    from ..core.jit import set_threads

    # requests run side by side in threads; a parallel kernel on a busy machine waits for every thread of its
    # pool at each barrier (a process move with both cores busy: 255-554 ms on two threads, 148-253 ms on one)
    set_threads(1)

    err_console.print(f"scandia {__version__}: dashboard http://{host}:{port}/  API docs http://{host}:{port}/docs"
                      + ("  (token required)" if token else ""))
    uvicorn.run(api, host=host, port=port, log_level="warning")


