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
from .core.status import Status, combine
from .scenario.params import PARAMS
from .scenario.schema import Scenario

__all__ = ["STAGES", "RunResult", "StageCache", "run"]

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


class StageCache:
    """Stage results of earlier runs, keyed by the scenario sections each stage reads (least recently used first out).

    A what-if that moves only the Sc2O3 price re-runs only the economics stage; one that changes the alloy reuses
    the beneficiation and hydromet results. Only runs without per-scenario ``arrays`` are cached. Keys are the
    JSON of the sections a stage depends on: beneficiation (plant, beneficiation), hydromet (those plus
    hydromet), alloy (alloy, plus the hydromet key when the oxide is priced at the chain's cost).
    """

    def __init__(self, maxsize: int = 64) -> None:
        import threading
        from collections import OrderedDict

        self.maxsize = maxsize
        self._items: OrderedDict[tuple[str, str], tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()  # a service shares one cache between request threads
        self.hits = 0
        self.misses = 0

    def get(self, stage: str, key: str, compute: Any) -> tuple[Any, Any]:
        k = (stage, key)
        with self._lock:
            if k in self._items:
                self._items.move_to_end(k)
                self.hits += 1
                return self._items[k]
            self.misses += 1
        value = compute()  # outside the lock: two threads may compute the same stage once each, never wrongly
        with self._lock:
            self._items[k] = value
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value


def _section_key(scenario: Scenario, *sections: str) -> str:
    return "|".join(scenario.__getattribute__(s).model_dump_json() for s in sections)


def run(scenario: Scenario, stage: str | None = None, n: int = 1, progress: Any = None,
        arrays: dict[str, np.ndarray] | None = None, cache: StageCache | None = None,
        skip: tuple[str, ...] = ()) -> RunResult:
    """Run one stage alone (``stage=``) or the whole available chain for ``n`` scenarios.

    ``arrays`` gives per-scenario values (n,) of scenario fields by dotted path (e.g. sampled distributions);
    each stage takes the ones in its section. ``cache`` reuses stage results of earlier runs whose inputs are
    the same (runs without ``arrays`` only). ``skip`` leaves stages out of a whole-chain run (e.g. the dashboard
    takes alloy figures from a precomputed grid).
    """
    arrays = arrays or {}
    if arrays or n != 1:
        cache = None

    def cached(stage_name: str, key: str, compute: Any) -> tuple[Any, Any]:
        return compute() if cache is None else cache.get(stage_name, key, compute)

    ben_key = _section_key(scenario, "plant", "beneficiation")
    hyd_key = ""  # set once it is known whether hydromet takes the chain's concentrate or its own feed
    for key, val in arrays.items():
        if np.shape(val) not in ((n,), (1,), ()):
            raise ScenarioError(key, f"needs {n} values (one per scenario), got shape {np.shape(val)}")
        if key in PARAMS:
            PARAMS[key].refuse_variation(val)

    def part(*prefixes: str) -> dict[str, np.ndarray]:
        return {k: v for k, v in arrays.items() if k.startswith(prefixes)}

    # a stage none of whose inputs vary is run once and shared by every scenario (its arrays have length 1)
    n_ben = n if (not arrays or part("beneficiation.", "plant.")) else 1
    n_hyd = n if (not arrays or part("beneficiation.", "hydromet.", "plant.")) else 1

    if stage is not None and stage not in STAGES:
        raise ScenarioError("stage", f"unknown stage {stage!r}; available: {', '.join(STAGES)}")
    unknown = set(skip) - set(STAGES)
    if unknown:
        raise ScenarioError("skip", f"unknown stage(s) {sorted(unknown)}; available: {', '.join(STAGES)}")
    wanted = [stage] if stage else [s for s in STAGES if s not in skip]
    results: dict[str, Any] = {}
    summaries: dict[str, Any] = {}
    if "beneficiation" in wanted:
        def _ben() -> tuple[Any, Any]:
            r = run_beneficiation(scenario, n_ben, part("beneficiation.", "plant."), progress=progress)
            return r, stage_summary(r)

        results["beneficiation"], summaries["beneficiation"] = cached("beneficiation", ben_key, _ben)
    if "hydromet" in wanted:
        from .hydromet.report import stage_summary as hydromet_summary
        from .hydromet.stage import run_hydromet

        ben = results.get("beneficiation")
        # hydromet reads plant, beneficiation (sample, head grade) and hydromet, and either the concentrate of
        # this run's beneficiation (same ben_key) or, run without it, the scenario's own feed assay
        hyd_key = ben_key + "|" + _section_key(scenario, "hydromet") + f"|chained={ben is not None}"

        def _hyd() -> tuple[Any, Any]:
            if ben is not None:
                sel = ben.routes[ben.selected_route].metrics
                r = run_hydromet(scenario, n_hyd, part("hydromet.", "plant."), concentrate=ben.concentrate,
                                 ore_tph=sel["feed_tph"], upstream_sc_recovery=sel["sc_recovery_frac"])
            else:
                r = run_hydromet(scenario, n_hyd, part("hydromet.", "plant."))
            return r, hydromet_summary(r, scenario)

        results["hydromet"], summary_h = cached("hydromet", hyd_key, _hyd)
        summaries["hydromet"] = dict(summary_h)  # the design block below must not write into a cached summary
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
                "status": {"ok": int((d.status == Status.ok).sum()),
                           "infeasible": int((d.status == Status.infeasible).sum())},
            }
    if "alloy" in wanted:
        from .alloy.report import stage_summary as alloy_summary
        from .alloy.stage import run_alloy

        hyd = results.get("hydromet")
        cost = hyd.metrics.get("reagent_cost_usd_per_kg_sc2o3") if hyd is not None else None
        alloy_key = _section_key(scenario, "alloy") + (
            "|" + hyd_key if scenario.alloy.sc2o3_price_basis == "chain" and hyd is not None else "")

        def _alloy() -> tuple[Any, Any]:
            r = run_alloy(scenario, n, sc2o3_cost_usd_per_kg=cost, arrays=part("alloy."))
            return r, alloy_summary(r, scenario)

        results["alloy"], summaries["alloy"] = cached("alloy", alloy_key, _alloy)
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
