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

__all__ = ["CHUNK_SAMPLES", "STAGES", "OutputsRun", "RunResult", "StageCache", "StageOutputs", "run", "run_chunked"]

#: stages in chain order
STAGES: tuple[str, ...] = ("resource", "beneficiation", "hydromet", "alloy", "market", "economics")


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

    #: whether runs with ``summarise=False`` may use this cache (see :class:`_SharedStageCache`)
    unsummarised_ok = False

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


class _SharedStageCache(StageCache):
    """The cache of one chunked run: it keeps only stages none of whose inputs vary (their key holds no array
    digest), which every chunk shares (e.g. the process stages of an economics-only Monte Carlo); a varying
    stage is computed and not kept, so no chunk's streams outlive it. The first chunk, run with its summary,
    fills it."""

    unsummarised_ok = True

    def get(self, stage: str, key: str, compute: Any) -> tuple[Any, Any]:
        if "|arrays=" in key:
            return compute()
        return super().get(stage, key, compute)


def _section_key(scenario: Scenario, *sections: str) -> str:
    return "|".join(scenario.__getattribute__(s).model_dump_json() for s in sections)


def _arrays_key(n: int, arrays: dict[str, np.ndarray]) -> str:
    """The part of a stage's cache key for its scenario count and per-scenario arrays (a digest of their
    values, so two sampled runs share a stage only when its inputs are equal)."""
    if not arrays:
        return f"|n={n}"
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for k in sorted(arrays):
        h.update(k.encode())
        h.update(np.ascontiguousarray(arrays[k], dtype=float).tobytes())
    return f"|n={n}|arrays={h.hexdigest()}"


def _oxide_offer_cost(econ: Any) -> np.ndarray:
    """The project's C1 cash cost per kg Sc2O3 as an oxide seller offers it on the market: without the cost of
    converting oxide to master alloy (a master-alloy product is priced from the oxide price plus its premium)."""
    m = econ.metrics
    conversion = econ.opex_usd_per_yr.get("master_alloy_conversion")
    if conversion is None:
        return m["cash_cost_usd_per_kg_sc2o3"]
    kg = np.asarray(econ.quantities["sc2o3_kg_per_yr"], dtype=float)
    return m["cash_cost_usd_per_kg_sc2o3"] - np.divide(conversion, kg, out=np.zeros_like(kg), where=kg > 0)


def run(scenario: Scenario, stage: str | None = None, n: int = 1, progress: Any = None,
        arrays: dict[str, np.ndarray] | None = None, cache: StageCache | None = None,
        skip: tuple[str, ...] = (), summarise: bool = True) -> RunResult:
    """Run one stage alone (``stage=``) or the whole available chain for ``n`` scenarios.

    ``arrays`` gives per-scenario values (n,) of scenario fields by dotted path (e.g. sampled distributions);
    each stage takes the ones in its section. ``cache`` reuses stage results of earlier runs whose inputs (the
    sections a stage reads, ``n`` and the arrays of those sections) are the same. ``skip`` leaves stages out of
    a whole-chain run (e.g. the dashboard takes alloy figures from a precomputed grid). ``summarise=False``
    (the later chunks of :func:`run_chunked`) skips the stage summaries, the stream tables and the balance checks
    behind them: the result holds metrics and status and its summary is empty; such a run uses only a cache
    that keeps unsummarised entries apart (the shared-stage cache of :func:`run_chunked`).
    """
    arrays = arrays or {}
    if not summarise and not getattr(cache, "unsummarised_ok", False):
        cache = None  # an entry without its summary must not reach a later summarised run

    def summary_of(make: Any, *args: Any) -> Any:
        return make(*args) if summarise else None

    def cached(stage_name: str, key: str, compute: Any) -> tuple[Any, Any]:
        return compute() if cache is None else cache.get(stage_name, key, compute)

    hyd_key = ""  # set once it is known whether hydromet takes the chain's concentrate or its own feed
    for key, val in arrays.items():
        if np.shape(val) not in ((n,), (1,), ()):
            raise ScenarioError(key, f"needs {n} values (one per scenario), got shape {np.shape(val)}")
        if key in PARAMS:
            PARAMS[key].refuse_variation(val)

    def part(*prefixes: str) -> dict[str, np.ndarray]:
        return {k: v for k, v in arrays.items() if k.startswith(prefixes)}

    if stage is not None and stage not in STAGES:
        raise ScenarioError("stage", f"unknown stage {stage!r}; available: {', '.join(STAGES)}")
    results: dict[str, Any] = {}
    summaries: dict[str, Any] = {}
    # the resource stage runs alone, or first in a whole chain whose scenario asks for it (resource.feeds_chain)
    plan_rows = sample_plans = None
    if stage == "resource" or (stage is None and "resource" not in skip and scenario.resource.feeds_chain):
        from .resource.stage import realisation_index, run_resource
        from .resource.stage import stage_summary as resource_summary

        res_key = _section_key(scenario, "resource", "plant", "beneficiation", "hydromet", "economics")
        results["resource"], _ = cached("resource", res_key, lambda: (run_resource(scenario, progress), None))
        rr = results["resource"]
        plan_rows = realisation_index(n, rr.plan.feed_t.shape[0] - 1)
        econ_arrays = part("economics.params.sc2o3_price_usd_per_kg", "economics.params.sc2o3_payability_frac")
        if stage is None and econ_arrays:  # each sample mines the shell its own price and payability pay for
            p0 = scenario.economics.params
            lam = (np.broadcast_to(np.asarray(econ_arrays.get("economics.params.sc2o3_price_usd_per_kg",
                                                              p0.sc2o3_price_usd_per_kg), dtype=float), (n,))
                   * np.broadcast_to(np.asarray(econ_arrays.get("economics.params.sc2o3_payability_frac",
                                                                p0.sc2o3_payability_frac), dtype=float), (n,))
                   / (float(p0.sc2o3_price_usd_per_kg) * float(p0.sc2o3_payability_frac)))
            sample_plans = rr.plan.schedules_for(lam, plan_rows)
        summaries["resource"] = summary_of(resource_summary, rr, plan_rows, sample_plans)
        if stage is None:  # the plan's mean feed grade over the valued years is the concentrator's head grade
            head = float(np.clip(rr.plan.head_grade_sc_ppm, 10.0, 5000.0))
            scenario = scenario.with_values({"beneficiation.head_grade_sc_ppm": head})
    # a stage none of whose inputs vary is run once and shared by every scenario (its arrays have length 1)
    n_ben = n if (not arrays or part("beneficiation.", "plant.")) else 1
    n_hyd = n if (not arrays or part("beneficiation.", "hydromet.", "plant.")) else 1
    ben_key = _section_key(scenario, "plant", "beneficiation") + _arrays_key(n_ben, part("beneficiation.", "plant."))

    unknown = set(skip) - set(STAGES)
    if unknown:
        raise ScenarioError("skip", f"unknown stage(s) {sorted(unknown)}; available: {', '.join(STAGES)}")
    wanted = [stage] if stage else [s for s in STAGES if s not in skip and s != "resource"]
    if "beneficiation" in wanted:
        def _ben() -> tuple[Any, Any]:
            r = run_beneficiation(scenario, n_ben, part("beneficiation.", "plant."), progress=progress,
                                  **({} if summarise else {"keep_streams_max": 0}))
            return r, summary_of(stage_summary, r)

        results["beneficiation"], summaries["beneficiation"] = cached("beneficiation", ben_key, _ben)
    if "hydromet" in wanted:
        from .hydromet.report import stage_summary as hydromet_summary
        from .hydromet.stage import run_hydromet

        ben = results.get("beneficiation")
        # hydromet reads plant, beneficiation (sample, head grade) and hydromet, and either the concentrate of
        # this run's beneficiation (same ben_key) or, run without it, the scenario's own feed assay
        hyd_key = (ben_key + "|" + _section_key(scenario, "hydromet") + f"|chained={ben is not None}"
                   + _arrays_key(n_hyd, part("hydromet.")))

        def _hyd() -> tuple[Any, Any]:
            if ben is not None:
                sel = ben.routes[ben.selected_route].metrics
                r = run_hydromet(scenario, n_hyd, part("hydromet.", "plant."), concentrate=ben.concentrate,
                                 ore_tph=sel["feed_tph"], upstream_sc_recovery=sel["sc_recovery_frac"],
                                 keep_streams=summarise)
            else:
                r = run_hydromet(scenario, n_hyd, part("hydromet.", "plant."), keep_streams=summarise)
            return r, summary_of(hydromet_summary, r, scenario)

        results["hydromet"], summary_h = cached("hydromet", hyd_key, _hyd)
        summaries["hydromet"] = dict(summary_h or {})  # the design block must not write into a cached summary
        if scenario.hydromet.design and ben is not None and summarise:
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
        alloy_key = _section_key(scenario, "alloy") + _arrays_key(n, part("alloy.")) + (
            "|" + hyd_key if scenario.alloy.sc2o3_price_basis == "chain" and hyd is not None else "")

        def _alloy() -> tuple[Any, Any]:
            r = run_alloy(scenario, n, sc2o3_cost_usd_per_kg=cost, arrays=part("alloy."))
            return r, summary_of(alloy_summary, r, scenario)

        results["alloy"], summaries["alloy"] = cached("alloy", alloy_key, _alloy)
    if "market" in wanted:
        from .market.report import stage_summary as market_summary
        from .market.stage import run_market
    if "economics" in wanted:
        from .economics.report import stage_summary as econ_summary
        from .economics.stage import run_economics

        plan = None
        hyd = results.get("hydromet")
        if plan_rows is not None and stage is None and hyd is not None:
            from .resource.plan import plan_fractions

            a = {**scenario.arrays(n, views=True), **{k: np.broadcast_to(np.asarray(v, dtype=float), (n,))
                                                      for k, v in part("plant.", "economics.").items()}}
            nameplate = a["plant.ore_feed_rate_tph"] * a["plant.operating_hours_per_year_h_per_yr"]
            rec = np.broadcast_to(np.asarray(hyd.metrics["overall_sc_recovery_frac"], dtype=float), (n,))
            plan = plan_fractions(results["resource"].plan, nameplate, rec,
                                  a["economics.params.ramp_up_first_year_frac"], plan_rows, sample_plans)
        econ_arrays = part("economics.", "plant.")
        econ = run_economics(scenario, n, hydromet=hyd, alloy=results.get("alloy"), arrays=econ_arrays, plan=plan)
        if "market" in wanted:
            # the market takes the price-taker pass's production by year and cash cost; the economics is then
            # valued again at the market's price path and sales (price_source says which pass is the headline)
            c_years = int(scenario.economics.params.construction_years)
            mk = run_market(scenario, n, part("market.", "economics."),
                            production_kg_by_year=econ.cashflow.lines["production_kg"], first_production_index=c_years,
                            cash_cost_usd_per_kg=_oxide_offer_cost(econ),
                            alloy=results.get("alloy"))
            results["market"] = mk
            summaries["market"] = summary_of(market_summary, mk, scenario)
            econ_m = run_economics(scenario, n, hydromet=hyd, alloy=results.get("alloy"), arrays=econ_arrays,
                                   plan=plan, market=mk.sales)
            taker, endogenous = econ.metrics["npv_musd"], econ_m.metrics["npv_musd"]
            if scenario.economics.price_source == "market":
                econ = econ_m
            econ.metrics["npv_price_taker_musd"] = taker
            econ.metrics["npv_market_musd"] = endogenous
        results["economics"] = econ
        summaries["economics"] = summary_of(econ_summary, results["economics"], scenario)
    elif "market" in wanted:  # alone, or a chain without the economics stage: the stated project volume
        results["market"] = run_market(scenario, n, part("market.", "economics."))
        summaries["market"] = summary_of(market_summary, results["market"], scenario)
    status = combine(*(r.status[plan_rows] if k == "resource" else r.status for k, r in results.items()
                       if hasattr(r, "status")))
    summary = run_summary(version=__version__, scenario=scenario.name, seed=scenario.seed, n=n, status=status,
                          stages=summaries) if summarise else {}
    return RunResult(scenario, n, results, status, summary)


#: samples per chunk of a chunked run. Measured (benchmarks/bench_memory.py, every default input varying): a
#: chunk of 2,500 peaks at 1.31 GiB resident (5,000: 2.26 GiB) at the same 237 samples/s, and each sample kept
#: adds about 2.0 kB, so 1e6 samples fit in about 3.2 GiB.
CHUNK_SAMPLES = 2_500


@dataclass
class StageOutputs:
    """What a chunked run keeps of one stage: per-scenario metrics (n,), status (n,) and, for beneficiation and
    the leach trade-off, the same per route (the shape of the stage results that :func:`scandia.api.metric_arrays`
    and :func:`scandia.uncertainty.analysis.output_values` read)."""

    metrics: dict[str, np.ndarray]
    status: np.ndarray
    routes: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutputsRun:
    """The result of a chunked run: per scenario only what a sampled run reports (every stage's metrics and
    status, the combined status), with the summary of the whole run. Stream tables, flowsheets and cash-flow
    lines are not kept; the summary says which figures were summarised over every sample."""

    scenario: Scenario
    n: int
    stages: dict[str, StageOutputs]
    status: np.ndarray
    summary: dict[str, Any]
    chunk_size: int


def _stage_outputs(res: RunResult, n: int) -> dict[str, StageOutputs]:
    """One chunk's kept outputs, every array broadcast to the chunk's ``n`` (a stage none of whose inputs vary
    ran once and holds length-1 arrays)."""

    def col(v: Any) -> np.ndarray:
        a = np.asarray(v, dtype=float)
        return np.broadcast_to(a, (n,)).copy() if a.size == 1 else a.reshape(n)

    def keep(metrics: dict[str, Any]) -> dict[str, np.ndarray]:
        return {k: col(v) for k, v in metrics.items() if np.size(v) in (1, n)}

    out: dict[str, StageOutputs] = {}
    for name, r in res.stages.items():
        if not hasattr(r, "status"):
            continue
        status = np.broadcast_to(np.asarray(r.status), (n,)).astype(np.int8)
        if name == "beneficiation":
            routes = {k: StageOutputs(keep(rr.metrics), np.broadcast_to(np.asarray(rr.status), (n,)).astype(np.int8))
                      for k, rr in r.routes.items()}
            out[name] = StageOutputs({}, status, routes)
        else:
            routes = {k: keep(m) for k, m in r.routes.items()} if name == "hydromet" else {}
            out[name] = StageOutputs(keep(r.metrics), status, routes)
    return out


def _allocate(like: Any, n: int) -> Any:
    """Empty (n,) arrays in the shape of one chunk's nest of StageOutputs / dicts / arrays."""
    if isinstance(like, np.ndarray):
        return np.empty(n, dtype=like.dtype)
    if isinstance(like, StageOutputs):
        return StageOutputs(_allocate(like.metrics, n), _allocate(like.status, n), _allocate(like.routes, n))
    return {k: _allocate(v, n) for k, v in like.items()}


def _fill(into: Any, part: Any, lo: int, hi: int) -> None:
    """Copy one chunk's nest into rows lo:hi of the run's arrays."""
    if isinstance(into, np.ndarray):
        into[lo:hi] = part
    elif isinstance(into, StageOutputs):
        _fill(into.metrics, part.metrics, lo, hi)
        _fill(into.status, part.status, lo, hi)
        _fill(into.routes, part.routes, lo, hi)
    else:
        for k in into:
            _fill(into[k], part[k], lo, hi)


def _summarise(summary: dict[str, Any], stages: dict[str, StageOutputs], status: np.ndarray, n: int) -> None:
    """Replace the first chunk's per-metric summaries by those over every sample, with each stage's own mask of
    usable scenarios (as its ``stage_summary`` uses)."""
    from .core.results import metric_summary
    from .core.status import count

    summary["n_scenarios"] = int(n)
    summary["status"] = count(status)
    for name, so in stages.items():
        target = summary["stages"].get(name)
        if target is None:
            continue
        usable = so.status < Status.not_converged
        if name == "beneficiation":
            for route, rr in so.routes.items():
                ok = rr.status < Status.not_converged
                target["routes"][route].update({k: metric_summary(v, ok) for k, v in rr.metrics.items()})
            continue
        mask = usable | (so.status == Status.infeasible) if name == "hydromet" else usable
        target["metrics"].update({k: metric_summary(v, mask) for k, v in so.metrics.items()})
        for route, m in so.routes.items():
            target["routes"][route].update({k: metric_summary(v) for k, v in m.items()})


def run_chunked(scenario: Scenario, n: int, arrays: dict[str, np.ndarray], chunk_size: int = CHUNK_SAMPLES,
                progress: Any = None, stage: str | None = None) -> RunResult | OutputsRun:
    """The whole chain (or one ``stage`` alone) over ``n`` scenarios in chunks of ``chunk_size``, keeping per
    scenario only the metrics and status (:class:`OutputsRun`), so memory is bounded by one chunk plus about 2 kB
    per scenario (260 metrics) whatever ``n`` is. Each chunk is one vectorized :func:`run`; scenarios are
    independent, so the metrics equal one call's. Runs of at most ``chunk_size`` scenarios are one :func:`run`
    and keep everything.

    ``progress(done, total)`` is called after each chunk. The summary's metric figures (P10/P50/P90) are over
    every sample; its other figures (capex by area, opex by item, footprint by source, flowsheets) are those of
    the first chunk, and ``summary["chunks"]`` says so.
    """
    if not 1 <= chunk_size <= 10_000_000:
        raise ScenarioError("chunk_size", "must be between 1 and 10,000,000")
    if n <= chunk_size:
        return run(scenario, stage=stage, n=n, arrays=arrays)
    stages: dict[str, StageOutputs] = {}
    status = np.zeros(n, dtype=np.int8)
    summary: dict[str, Any] = {}
    shared = _SharedStageCache(8)
    n_chunks = (n + chunk_size - 1) // chunk_size
    for k in range(n_chunks):
        lo, hi = k * chunk_size, min(n, (k + 1) * chunk_size)
        sub = {p: (v[lo:hi] if np.size(v) == n else v) for p, v in arrays.items()}
        # the first chunk is run in full (summary, flowsheets, balance checks); the others keep metrics only
        res = run(scenario, stage=stage, n=hi - lo, arrays=sub, summarise=k == 0, cache=shared)
        part = _stage_outputs(res, hi - lo)
        if k == 0:
            summary = res.summary
            stages = _allocate(part, n)  # every sample's outputs filled in place: no second copy at the end
        _fill(stages, part, lo, hi)
        status[lo:hi] = np.asarray(res.status)
        del res, part
        if progress is not None:
            progress(k + 1, n_chunks)
    _summarise(summary, stages, status, n)
    summary["chunks"] = {"chunk_size": int(chunk_size), "chunks": int(n_chunks),
                         "basis": "metrics (P10/P50/P90) over every sample; capex by area, opex by item, footprint "
                                  f"by source and the flowsheets are those of the first chunk ({chunk_size:,} "
                                  "samples); stream tables are not kept"}
    return OutputsRun(scenario, n, stages, status, summary, chunk_size)
