"""Executing a run and writing its folder: shared by the CLI (``scandia run``/``report``) and the service.

No model logic: this module calls the chain and the stages' table builders, and writes results all or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .core.errors import ScenarioError
from .core.files import json_safe
from .core.outputs import TABLES, ordered
from .scenario.schema import Scenario

__all__ = ["adapt_progress", "execute", "monte_carlo_run", "resolved_yaml", "result_tables", "sweep_run_folder",
           "write_run_dir"]


def _table_writer(df: Any, fmt: str) -> tuple[str, Callable[[Path], None]]:
    """(file name, writer) of one table in the run folder's format."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ScenarioError("--table-format", "parquet needs pyarrow: pip install 'scandia[parquet]'") from None
        return ".parquet", lambda path: df.to_parquet(path, index=False)
    return ".csv", lambda path: df.to_csv(path, index=False, float_format="%.10g")


def write_run_dir(out: Path, tables: dict[str, Any], scenario_yaml: str, summary: dict, fmt: str = "csv",
                  input_yaml: str | None = None) -> None:
    """Write every result file, all or nothing, even if the process is killed (:mod:`scandia.core.rundir`: a
    staging folder, a journal, then renames; the next write finishes an interrupted one). The folder holds the
    whole earlier run or the whole new one; result files of the earlier run that this run does not produce are
    removed; other files are never touched. ``summary`` gains the file list and each file's sha256.
    ``scenario.yaml`` is the resolved scenario (every value the run used); ``input_yaml``, when given, is kept
    beside it as ``scenario_input.yaml``: the user's file as given, with its comments."""
    from .core.rundir import write_all

    writers: dict[str, Callable[[Path], None]] = {}
    for name, df in tables.items():
        suffix, write = _table_writer(df, fmt)
        writers[name + suffix] = write
    writers["scenario.yaml"] = lambda path: path.write_text(scenario_yaml, encoding="utf-8")
    if input_yaml is not None:
        writers["scenario_input.yaml"] = lambda path: path.write_text(input_yaml, encoding="utf-8")
    # what each table is, from the output registry (data/outputs.yaml), for readers of the folder
    summary["tables"] = {name: {"title": TABLES[name].title, "stage": TABLES[name].stage,
                                "basis": TABLES[name].basis} for name in tables if name in TABLES}
    try:
        write_all(out, writers, summary, lambda s: json.dumps(json_safe(s), indent=2))
    except (OSError, ValueError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError("--out", f"cannot write results to {out}: {getattr(exc, 'strerror', None) or exc}"
                            ) from None


def adapt_progress(progress: Callable[..., None] | None) -> Callable[..., None]:
    """A progress callback as ``say(message, done=None, total=None)``; one written for the earlier one-argument
    protocol (``lambda msg: ...``) still works and receives the message only."""
    import inspect

    if progress is None:
        return lambda *_a, **_k: None
    try:
        params = inspect.signature(progress).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: assume the full protocol
        return progress
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in params) or len(positional) >= 3:
        return progress
    return lambda msg, *_a, **_k: progress(msg)


def monte_carlo_run(scen: Scenario, n: int, stage: str | None = None, sobol: int = 0,
                    progress: Callable[..., None] | None = None, chunk_size: int | None = None
                    ) -> tuple[Any, dict[str, Any]]:
    """Sampled run of the whole chain plus the tornado (and Sobol indices with ``sobol`` > 0, the Saltelli base
    count); returns the result (summary extended) and tables. Past ``chunk_size`` samples (default
    :data:`scandia.chain.CHUNK_SAMPLES`) the Monte Carlo runs chunk by chunk and keeps metrics and status only."""
    from .uncertainty.analysis import distribution_summary, monte_carlo, sobol_indices, tornado

    if stage is not None:
        raise ScenarioError("--samples", "Monte Carlo runs the whole chain; leave out --stage")
    say = adapt_progress(progress)
    k = len(scen.uncertainty.distributions)
    # the work counted in chain evaluations (each phase is one vectorized call; the bar moves between them)
    evals = {"mc": n, "tornado": 2 * k + 1, "sobol": sobol * (k + 2) if sobol else 0}
    total = sum(evals.values())
    say(f"Monte Carlo, {n:,} samples through the chain", 0, total)
    mc = monte_carlo(scen, n, chunk_size=chunk_size,
                     progress=lambda d, t: say(f"Monte Carlo, chunk {d:,} of {t:,}", evals["mc"] * d / t, total))
    say(f"tornado (one input at a time at P10/P90, {evals['tornado']:,} evaluations)", evals["mc"], total)
    torn = tornado(scen)
    if sobol:
        say(f"Sobol indices ({evals['sobol']:,} chain evaluations)", evals["mc"] + evals["tornado"], total)
        sob = sobol_indices(scen, sobol)
    say("summarising", total, total)
    u = scen.uncertainty
    summary = mc.result.summary
    summary["uncertainty"] = {
        "samples": n, "method": u.method, "seed": scen.seed, "inputs": list(u.distributions),
        "correlations": [list(c) for c in u.correlations], "output": u.output,
        "distribution": distribution_summary(mc.values, mc.result.status),
        "tornado": {"base_output": torn.attrs["base_output"], "rows": torn.to_dict(orient="records")},
    }
    samples_df = pd.DataFrame({k: v for k, v in mc.samples.items()})
    samples_df[u.output] = mc.values
    samples_df["status"] = mc.result.status
    tables = {"uncertainty_samples": samples_df, "tornado": torn}
    if sobol:
        summary["uncertainty"]["sobol"] = {"base_samples": sobol, "rows": sob.to_dict(orient="records")}
        tables["sobol_indices"] = sob
    return mc.result, tables


def result_tables(scen: Scenario, result: Any, curves: bool = True, routes: bool = False) -> dict[str, Any]:
    """Every declared result table of a run (:data:`scandia.core.outputs.TABLES`), by file stem, computed before
    anything is written."""
    from .core.outputs import build_tables

    return build_tables(scen, result.stages, curves, comparisons=routes)


def resolved_yaml(scen: Scenario) -> str:
    """The scenario with every default filled in, as YAML (what a run writes beside its numbers)."""
    import yaml

    from .beneficiation.stage import resolved_scenario

    return yaml.safe_dump(resolved_scenario(scen).model_dump(mode="json"), sort_keys=False)


def execute(scen: Scenario, samples: int = 1, stage: str | None = None, sobol: int = 0, curves: bool = True,
            routes: bool = False, tables: bool = True, progress: Callable[..., None] | None = None,
            chunk_size: int | None = None) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Run a scenario (deterministic, or ``samples`` > 1 Monte Carlo with tornado and optional Sobol indices;
    past ``chunk_size`` samples chunk by chunk, :func:`scandia.chain.run_chunked`).

    Returns (result, summary, tables); tables are empty with ``tables=False``.
    """
    from .chain import run as run_chain

    if samples < 1:
        raise ScenarioError("--samples", "must be >= 1")
    if sobol and not 8 <= sobol <= 1_000_000:
        raise ScenarioError("--sobol", "base sample count must be 0 (off) or between 8 and 1,000,000")
    if sobol and samples == 1:  # it used to be ignored silently
        raise ScenarioError("--sobol", "Sobol indices need a sampled run: give --samples > 1 (or "
                                       "uncertainty.samples in the scenario)")
    mc_tables: dict[str, Any] = {}
    if samples > 1:
        result, mc_tables = monte_carlo_run(scen, samples, stage, sobol, progress, chunk_size)
        # tables and figures of a sampled run show the base case (every field at its nominal value), not the
        # first sample; the summary says so
        if progress is not None and tables:
            progress("base case, tables and figures")
        base = run_chain(scen, stage=stage) if tables else None
        result.summary["tables_basis"] = "base case: the scenario's own values, no field sampled"
    else:
        result = base = run_chain(scen, stage=stage)
        result.summary["tables_basis"] = "this run's scenario"
    out = ordered({**result_tables(scen, base, curves, routes), **mc_tables}) if tables else {}
    return result, result.summary, out


#: a sweep's folder keeps its samples table for the report up to this many samples (beyond it the report draws
#: the histogram from the summary's bins: a million-sample table would make the HTML report tens of MB)
SWEEP_SAMPLES_KEPT = 100_000


def sweep_run_folder(scen: Scenario, sweep_result: Any, out: Path) -> dict[str, Any]:
    """Make a finished sweep's folder a run folder that ``scandia report`` and the run store take: the base case's
    summary and tables (tables and figures show the base case, as for a sampled run), the sweep's distribution
    of the uncertainty output over every sample, its status counts, and (up to :data:`SWEEP_SAMPLES_KEPT`) the
    samples table. The chunk files and the sweep index are left as they are. Returns the summary written."""
    from .chain import run as run_chain
    from .core.status import count
    from .uncertainty.analysis import distribution_summary

    table = sweep_result.table
    u = scen.uncertainty
    col = u.output if u.output in table else "economics.npv_musd"
    base = run_chain(scen)
    summary = base.summary
    summary["n_scenarios"] = len(table)
    summary["status"] = count(table["status"].to_numpy())
    summary["tables_basis"] = "base case: the scenario's own values, no field sampled"
    # the metrics the sweep keeps per sample are summarised over its usable samples, as a sampled run's are (the
    # others stay the base case's, and the summary says which)
    from .core.results import metric_summary
    from .core.status import Status

    ok = table["status"].to_numpy() < Status.not_converged
    sampled = []
    for name in table.columns:
        stage, _, metric = name.partition(".")
        metrics = summary["stages"].get(stage, {}).get("metrics")
        if metric and isinstance(metrics, dict) and metric in metrics:
            metrics[metric] = metric_summary(table[name].to_numpy(dtype=float), ok)
            sampled.append(name)
    summary["metrics_basis"] = {"sampled": sampled, "other": "base case"}
    summary["uncertainty"] = {
        "samples": len(table), "method": u.method, "seed": scen.seed, "inputs": list(u.distributions),
        "correlations": [list(c) for c in u.correlations], "output": col, "sweep_id": sweep_result.sweep_id,
        "distribution": distribution_summary(table[col].to_numpy(), table["status"].to_numpy()),
    }
    tables = result_tables(scen, base, curves=False)
    if len(table) <= SWEEP_SAMPLES_KEPT:
        tables["uncertainty_samples"] = table.drop(columns=["sample"], errors="ignore")
    write_run_dir(out, tables, resolved_yaml(scen), summary, "parquet")
    return summary
