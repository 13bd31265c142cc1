"""The chain: runs the stages a scenario asks for, in value-chain order, and builds the run summary.

Stages: ``beneficiation``, ``hydromet`` and ``alloy``; the hydromet stage takes the selected concentration
route's concentrate (or, run alone, the scenario's ``hydromet.feed``); the alloy stage can price Sc2O3 at the
hydromet stage's reagent cost. The economics stage joins here next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import __version__
from .beneficiation.report import stage_summary
from .beneficiation.stage import BeneficiationResult, run_beneficiation
from .core.errors import ScenarioError
from .core.results import run_summary
from .core.status import combine
from .scenario.schema import Scenario

__all__ = ["STAGES", "RunResult", "run"]

#: stages in chain order
STAGES: tuple[str, ...] = ("beneficiation", "hydromet", "alloy", "economics")


@dataclass
class RunResult:
    """Results of a run: the scenario, each stage's result, the combined status and the JSON summary."""

    scenario: Scenario
    n: int
    stages: dict[str, Any]
    status: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def beneficiation(self) -> BeneficiationResult:
        return self.stages["beneficiation"]

    @property
    def hydromet(self) -> Any:
        return self.stages["hydromet"]


def run(scenario: Scenario, stage: str | None = None, n: int = 1, progress: Any = None,
        arrays: dict[str, np.ndarray] | None = None) -> RunResult:
    """Run one stage alone (``stage=``) or the whole available chain for ``n`` scenarios.

    ``arrays`` gives per-scenario values (n,) of scenario fields by dotted path (e.g. sampled distributions);
    each stage takes the ones in its section.
    """
    arrays = arrays or {}
    for key, val in arrays.items():
        if np.shape(val) not in ((n,), (1,), ()):
            raise ScenarioError(key, f"needs {n} values (one per scenario), got shape {np.shape(val)}")

    def part(*prefixes: str) -> dict[str, np.ndarray]:
        return {k: v for k, v in arrays.items() if k.startswith(prefixes)}

    # a stage none of whose inputs vary is run once and shared by every scenario (its arrays have length 1)
    n_ben = n if (not arrays or part("beneficiation.", "plant.")) else 1
    n_hyd = n if (not arrays or part("beneficiation.", "hydromet.", "plant.")) else 1

    if stage is not None and stage not in STAGES:
        raise ScenarioError("stage", f"unknown stage {stage!r}; available: {', '.join(STAGES)}")
    wanted = [stage] if stage else list(STAGES)
    results: dict[str, Any] = {}
    summaries: dict[str, Any] = {}
    if "beneficiation" in wanted:
        results["beneficiation"] = run_beneficiation(scenario, n_ben, part("beneficiation.", "plant."),
                                                     progress=progress)
        summaries["beneficiation"] = stage_summary(results["beneficiation"])
    if "hydromet" in wanted:
        from .hydromet.report import stage_summary as hydromet_summary
        from .hydromet.stage import run_hydromet

        ben = results.get("beneficiation")
        if ben is not None:
            sel = ben.routes[ben.selected_route].metrics
            results["hydromet"] = run_hydromet(scenario, n_hyd, part("hydromet.", "plant."),
                                               concentrate=ben.concentrate, ore_tph=sel["feed_tph"],
                                               upstream_sc_recovery=sel["sc_recovery_frac"])
        else:
            results["hydromet"] = run_hydromet(scenario, n_hyd, part("hydromet.", "plant."))
        summaries["hydromet"] = hydromet_summary(results["hydromet"], scenario)
        if scenario.hydromet.design and ben is not None:
            from .core.results import metric_summary
            from .hydromet.design import design_sx

            d = design_sx(scenario, ben.concentrate, n)
            results["hydromet_design"] = d
            summaries["hydromet"]["design"] = {
                "extraction_stages": metric_summary(d.extraction_stages),
                "scrub_stages": metric_summary(d.scrub_stages),
                "extraction_oa": metric_summary(d.extraction_oa),
                "sc2o3_purity_frac": metric_summary(d.sc2o3_purity_frac),
                "reagent_cost_usd_per_kg_sc2o3": metric_summary(d.reagent_cost_usd_per_kg_sc2o3),
                "hydromet_sc_recovery_frac": metric_summary(d.hydromet_sc_recovery_frac),
                "status": {"ok": int((d.status == 0).sum()), "infeasible": int((d.status == 4).sum())},
            }
    if "alloy" in wanted:
        from .alloy.report import stage_summary as alloy_summary
        from .alloy.stage import run_alloy

        hyd = results.get("hydromet")
        cost = hyd.metrics.get("reagent_cost_usd_per_kg_sc2o3") if hyd is not None else None
        results["alloy"] = run_alloy(scenario, n, sc2o3_cost_usd_per_kg=cost, arrays=part("alloy."))
        summaries["alloy"] = alloy_summary(results["alloy"], scenario)
    if "economics" in wanted:
        from .economics.report import stage_summary as econ_summary
        from .economics.stage import run_economics

        results["economics"] = run_economics(scenario, n, hydromet=results.get("hydromet"),
                                             alloy=results.get("alloy"), arrays=part("economics.", "plant."))
        summaries["economics"] = econ_summary(results["economics"], scenario)
    status = combine(*(r.status for r in results.values() if hasattr(r, "status")))
    summary = run_summary(version=__version__, scenario=scenario.name, seed=scenario.seed, n=n, status=status,
                          stages=summaries)
    return RunResult(scenario, n, results, status, summary)
