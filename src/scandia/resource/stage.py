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
from .plan import MinePlan, grade_realisations, plan_mine

__all__ = ["ResourceResult", "load_holes", "realisation_index", "run_resource", "stage_summary"]


def load_holes(section: Any) -> tuple[Any, dict[str, Any]]:
    """The drill holes of a ``resource`` section (a folder, or the synthetic deposit) and what they are."""
    from .drillholes import load_drillholes
    from .synthetic import synthetic_deposit

    if section.holes is None:
        dep = synthetic_deposit(section.synthetic_seed)
        return dep.drillholes(), {"source": "synthetic", "seed": dep.seed, "surface_m": float(dep.origin[2])}
    folder = Path(section.holes).expanduser()
    files = {k: folder / f"{k}.csv" for k in ("collars", "surveys", "assays")}
    missing = [p.name for p in files.values() if not p.is_file()]
    if not folder.is_dir() or missing:
        raise ScenarioError("resource.holes", f"{folder} needs collars.csv, surveys.csv and assays.csv"
                            + (f" (lacks {', '.join(missing)})" if folder.is_dir() else " (not a folder)"))
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
    holes, meta = load_holes(sec)
    est = estimate_resource(holes, surface_m=meta.get("surface_m"))
    sim = sims = None
    if sec.realisations > 0:
        say(f"resource: {sec.realisations} conditional simulations")
        sim = simulate_resource(est, sec.realisations, seed=sec.simulation_seed)
        sims = grade_realisations(est, sim)
    say("resource: pit shells, cut-off and recovery fixed point, schedules")
    plan = plan_mine(scenario, est, sims, top_m=meta.get("surface_m"))
    rows = plan.feed_t.shape[0]
    fed = plan.feed_t.sum(axis=1)
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
    metrics.update({"mine_life_years": plan.life_years.astype(float), "feed_mt": fed / 1e6,
                    "feed_sc2o3_g_per_t": (plan.feed_t * plan.feed_sc2o3_g_per_t).sum(axis=1) / np.maximum(fed, 1e-300),
                    "mined_mt": plan.mined_t.sum(axis=1) / 1e6})
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
        fed = sample_plans["feed_t"].sum(axis=1)
        metrics.update({"mine_life_years": sample_plans["life_years"].astype(float), "feed_mt": fed / 1e6,
                        "feed_sc2o3_g_per_t": (sample_plans["feed_t"] * sample_plans["feed_sc2o3_g_per_t"]).sum(
                            axis=1) / np.maximum(fed, 1e-300),
                        "mined_mt": sample_plans["mined_t"].sum(axis=1) / 1e6,
                        "shell_price_factor": result.plan.shells.nested.factors[sample_plans["shell"]]})
    out: dict[str, Any] = {k: metric_summary(v) for k, v in metrics.items()}
    out["drill_holes"] = result.meta
    out["fixed_point"] = {"converged": result.plan.converged, "iterations": len(fp),
                          "last_change_frac": float(fp["change_frac"].iloc[-1]),
                          "head_grade_sc_ppm": result.plan.head_grade_sc_ppm}
    out["realisations"] = int(result.plan.feed_t.shape[0] - 1)
    return out
