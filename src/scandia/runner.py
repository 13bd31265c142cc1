"""Executing a run and writing its folder: shared by the CLI (``scandia run``/``report``) and the service.

No model logic: this module calls the chain and the stages' table builders, and writes results all or nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .core.errors import ScenarioError
from .core.files import json_safe, staged_text
from .core.outputs import TABLES, ordered
from .scenario.schema import Scenario

__all__ = ["execute", "monte_carlo_run", "resolved_yaml", "result_tables", "write_run_dir"]


def _stage_table(df: Any, path: Path, fmt: str) -> tuple[Path, Path]:
    """Write a table to a hidden temporary file beside its target; returns (temporary, target)."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ScenarioError("--table-format", "parquet needs pyarrow: pip install 'scandia[parquet]'") from None
        target = path.with_suffix(".parquet")
        tmp = target.with_name(f".{target.name}.tmp")
        df.to_parquet(tmp, index=False)
    else:
        target = path.with_suffix(".csv")
        tmp = target.with_name(f".{target.name}.tmp")
        df.to_csv(tmp, index=False, float_format="%.10g")
    return tmp, target


def _stage_text(path: Path, text: str) -> tuple[Path, Path]:
    return staged_text(path, text), path


def write_run_dir(out: Path, tables: dict[str, Any], scenario_yaml: str, summary: dict, fmt: str = "csv") -> None:
    """Write every result file, all or nothing.

    Everything is first written to hidden temporary files; the current files are then set aside as backups and
    the new ones renamed into place. On any failure the new files are removed and the backups restored, so the
    folder holds either the whole earlier run or the whole new one. Result files of the earlier run that this run
    does not produce (listed in its summary.json) are removed at the end; other files are never touched.
    """
    staged: list[tuple[Path, Path]] = []
    placed: list[tuple[Path, Path | None]] = []  # (target, backup)
    try:
        out.mkdir(parents=True, exist_ok=True)
        previous = _previous_files(out)
        for name, df in tables.items():
            staged.append(_stage_table(df, out / name, fmt))
        staged.append(_stage_text(out / "scenario.yaml", scenario_yaml))
        summary["files"] = sorted([t.name for _, t in staged] + ["summary.json"])
        # what each table is, from the output registry (data/outputs.yaml), for readers of the folder
        summary["tables"] = {name: {"title": TABLES[name].title, "stage": TABLES[name].stage,
                                    "basis": TABLES[name].basis} for name in tables if name in TABLES}
        staged.append(_stage_text(out / "summary.json", json.dumps(json_safe(summary), indent=2)))
        for tmp, target in staged:
            backup = None
            if target.exists():
                backup = target.with_name(f".{target.name}.bak")
                os.replace(target, backup)
            placed.append((target, backup))
            os.replace(tmp, target)
    except Exception as exc:
        for target, backup in reversed(placed):
            _quiet_unlink(target)
            if backup is not None:
                os.replace(backup, target)
        for tmp, _ in staged:
            _quiet_unlink(tmp)
        for name in tables:  # a table that failed while being staged
            for suffix in (".csv", ".parquet"):
                _quiet_unlink(out / f".{name}{suffix}.tmp")
        if isinstance(exc, OSError | ValueError):
            raise ScenarioError("--out", f"cannot write results to {out}: {getattr(exc, 'strerror', None) or exc}"
                                ) from None
        raise
    for _, backup in placed:
        if backup is not None:
            backup.unlink(missing_ok=True)
    for name in previous - set(summary["files"]):
        (out / name).unlink(missing_ok=True)


def _quiet_unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _previous_files(out: Path) -> set[str]:
    """Result files written by an earlier run into ``out`` (from its summary.json), as plain names."""
    try:
        files = json.loads((out / "summary.json").read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {f for f in files if isinstance(f, str) and "/" not in f and not f.startswith(".")}


def monte_carlo_run(scen: Scenario, n: int, stage: str | None = None, sobol: int = 0,
                    progress: Callable[[str], None] | None = None) -> tuple[Any, dict[str, Any]]:
    """Sampled run of the whole chain plus the tornado (and Sobol indices with ``sobol`` > 0, the Saltelli base
    count); returns the result (summary extended) and tables."""
    from .uncertainty.analysis import distribution_summary, monte_carlo, sobol_indices, tornado

    if stage is not None:
        raise ScenarioError("--samples", "Monte Carlo runs the whole chain; leave out --stage")
    say = progress or (lambda _msg: None)
    say(f"Monte Carlo, {n:,} samples through the chain")
    mc = monte_carlo(scen, n)
    say("tornado (one input at a time, P10/P90)")
    torn = tornado(scen)
    if sobol:
        say(f"Sobol indices ({sobol * (len(scen.uncertainty.distributions) + 2):,} chain evaluations)")
        sob = sobol_indices(scen, sobol)
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


def result_tables(scen: Scenario, result: Any, curves: bool = True) -> dict[str, Any]:
    """Every declared result table of a run (:data:`scandia.core.outputs.TABLES`), by file stem, computed before
    anything is written."""
    from .core.outputs import build_tables

    return build_tables(scen, result.stages, curves)


def resolved_yaml(scen: Scenario) -> str:
    """The scenario with every default filled in, as YAML (what a run writes beside its numbers)."""
    import yaml

    from .beneficiation.stage import resolved_scenario

    return yaml.safe_dump(resolved_scenario(scen).model_dump(mode="json"), sort_keys=False)


def execute(scen: Scenario, samples: int = 1, stage: str | None = None, sobol: int = 0, curves: bool = True,
            tables: bool = True, progress: Callable[[str], None] | None = None
            ) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Run a scenario (deterministic, or ``samples`` > 1 Monte Carlo with tornado and optional Sobol indices).

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
        result, mc_tables = monte_carlo_run(scen, samples, stage, sobol, progress)
        # tables and figures of a sampled run show the base case (every field at its nominal value), not the
        # first sample; the summary says so
        base = run_chain(scen, stage=stage) if tables else None
        result.summary["tables_basis"] = "base case: the scenario's own values, no field sampled"
    else:
        result = base = run_chain(scen, stage=stage)
        result.summary["tables_basis"] = "this run's scenario"
    out = ordered({**result_tables(scen, base, curves), **mc_tables}) if tables else {}
    return result, result.summary, out
