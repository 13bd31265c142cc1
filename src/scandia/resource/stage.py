"""The resource stage of the chain (issue 17, items 5 and 7): the scenario's ``resource`` section to a block
model, conditional simulations and a mine plan (:mod:`scandia.resource.plan`), with per-scenario metrics.

Run alone (``scandia run --stage resource``) it reports the resource and the plan. In the chain, with
``resource.feeds_chain``, it runs first: the plan's mean feed grade over the valued years (at most 60) becomes
the beneficiation head grade and its years the economics' production, throughput and life. The realisations
lie on the scenario axis: a deterministic run (n = 1) takes the kriged model's plan; a sampled run gives sample
i the simulation 1 + (i mod realisations) (i counted within its chunk in a chunked run), or the kriged plan
when there are none. The stage's inputs do not vary per sample, so a sampled run computes it once; a sample
whose Sc2O3 price or payability varies mines the nested shell its own value pays for
(:meth:`~scandia.resource.plan.MinePlan.schedules_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ScenarioError
from ..core.status import Status
from .plan import MinePlan, grade_realisations, plan_mine, schedule_metrics

__all__ = ["ResourceResult", "hole_files", "load_holes", "realisation_index", "run_resource", "stage_summary"]


def hole_files(folder: str | Path, field: str = "resource.holes") -> dict[str, Path]:
    """The three tables of a drill-hole folder, or a one-line error naming ``field`` before any work."""
    d = Path(folder).expanduser()
    if not d.is_dir():
        raise ScenarioError(field, f"{d} is not a folder")
    files = {k: d / f"{k}.csv" for k in ("collars", "surveys", "assays")}
    missing = [p.name for p in files.values() if not p.is_file()]
    if missing:
        raise ScenarioError(field, f"{d} lacks {', '.join(missing)}")
    return files


def load_holes(folder: str | Path | None, synthetic_seed: int | None = None, field: str = "resource.holes"
               ) -> tuple[Any, dict[str, Any]]:
    """The drill holes of a folder (collars.csv, surveys.csv, assays.csv), or of the synthetic deposit when
    ``folder`` is None, and what they are."""
    from .drillholes import load_drillholes
    from .synthetic import synthetic_deposit

    if folder is None:
        dep = synthetic_deposit(synthetic_seed)
        return dep.drillholes(), {"source": "synthetic", "seed": dep.seed, "surface_m": float(dep.origin[2])}
    files = hole_files(folder, field)
    return load_drillholes(files["collars"], files["surveys"], files["assays"]), {"source": str(folder)}


@dataclass
class ResourceResult:
    """The stage's estimate, simulations, plan, drill-hole provenance, and metrics per plan row (kriged model
    first, then each simulation) with their status."""

    estimate: Any
    simulation: Any
    plan: MinePlan
    meta: dict[str, Any]
    metrics: dict[str, np.ndarray]
    status: np.ndarray

    def take(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        """Metrics of the plan rows ``idx`` (one per scenario)."""
        return {k: v[idx] for k, v in self.metrics.items()}


def realisation_index(n: int, realisations: int) -> np.ndarray:
    """The plan row of each of ``n`` scenarios (module docstring)."""
    if n == 1 or realisations == 0:
        return np.zeros(n, dtype=np.int64)
    return 1 + np.arange(n, dtype=np.int64) % realisations


def run_resource(scenario: Any, progress: Any = None) -> ResourceResult:
    """Estimate, simulate and plan from the scenario's ``resource`` section (module docstring)."""
    from .estimate import estimate_resource
    from .simulate import simulate_resource

    say = progress if callable(progress) else (lambda *_: None)
    sec = scenario.resource
    say("resource: drill holes and block kriging")
    holes, meta = load_holes(sec.holes, sec.synthetic_seed)
    est = estimate_resource(holes, surface_m=meta.get("surface_m"))
    sim = sims = None
    if sec.realisations > 0:
        say(f"resource: {sec.realisations} conditional simulations")
        sim = simulate_resource(est, sec.realisations, seed=sec.simulation_seed)
        sims = grade_realisations(est, sim)
    say("resource: nested pits (each simulation its own), cut-off and recovery fixed point, schedules")
    plan = plan_mine(scenario, est, sims, top_m=meta.get("surface_m"), per_realisation_pits=sec.realisation_pits)
    rows = plan.feed_t.shape[0]
    stmt = est.statement(0.0).set_index("class")
    mi_t = float(stmt.loc[["measured", "indicated"], "tonnes_mt"].sum())
    mi_metal = float(stmt.loc[["measured", "indicated"], "contained_sc2o3_t"].sum())
    const = {"resource_mi_mt": mi_t, "resource_mi_sc2o3_g_per_t": mi_metal / mi_t if mi_t > 0 else np.nan,
             "resource_inferred_mt": float(stmt.loc["inferred", "tonnes_mt"]),
             "plan_sc_recovery_frac": plan.sc_recovery_frac,
             "mill_cutoff_sc2o3_g_per_t": plan.base.mill_cutoff_sc2o3_g_per_t,
             "nsr_cutoff_sc2o3_g_per_t": plan.shells.economics.cutoff_sc2o3_g_per_t(1.0),
             "fixed_point_iterations": float(len(plan.fixed_point))}
    metrics = {k: np.full(rows, v, dtype=float) for k, v in const.items()}
    metrics.update(schedule_metrics(plan.feed_t, plan.feed_sc2o3_g_per_t, plan.mined_t))
    status = np.full(rows, Status.ok if plan.converged else Status.not_converged, dtype=np.int8)
    return ResourceResult(est, sim, plan, meta, metrics, status)


def stage_summary(result: ResourceResult, idx: np.ndarray, sample_plans: dict[str, np.ndarray] | None = None
                  ) -> dict[str, Any]:
    """The stage's block of the run summary for the scenarios' plan rows ``idx``; with ``sample_plans`` (the
    schedules of each sample's own price, :meth:`~scandia.resource.plan.MinePlan.schedules_for`) the life, feed
    and material moved are those, and the shell factor each sample mined is reported."""
    from ..core.results import metric_summary

    fp = result.plan.fixed_point
    metrics = result.take(idx)
    if sample_plans is not None:
        metrics.update(schedule_metrics(sample_plans["feed_t"], sample_plans["feed_sc2o3_g_per_t"],
                                        sample_plans["mined_t"]))
        metrics["shell_price_factor"] = result.plan.shells.nested.factors[sample_plans["shell"]]
    out: dict[str, Any] = {k: metric_summary(v) for k, v in metrics.items()}
    out["drill_holes"] = result.meta
    out["fixed_point"] = {"converged": result.plan.converged, "iterations": len(fp),
                          "last_change_frac": float(fp["change_frac"].iloc[-1]),
                          "head_grade_sc_ppm": result.plan.head_grade_sc_ppm}
    out["realisations"] = int(result.plan.feed_t.shape[0] - 1)
    return out
