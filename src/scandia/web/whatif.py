"""What-if evaluation behind the dashboard: a scenario plus a few slider values, evaluated through the chain.

Speed comes from the chain's :class:`~scandia.chain.StageCache` (a move of the price or discount-rate slider
re-runs only the economics stage), from evaluating only the selected concentration and leach routes, from the
scenario axis (the NPV-vs-price curve is one economics call over 26 prices), from the :class:`AlloyGrid` (yield
strength on the dashboard's (Sc, Zr) slider grid, one vectorized call per Zr row, which is also the
strength-vs-Sc curve), and from a memo of recent answers. No model logic lives here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..chain import StageCache
from ..chain import run as run_chain
from ..core.errors import ScenarioError
from ..report.flows import sankey_data
from ..scenario import load_scenario
from ..scenario.loader import builtin_scenarios, scenario_from_dict

__all__ = ["BAND_METRICS", "AlloyGrid", "WhatIf", "WhatIfRequest", "acid_fields", "held_fields", "scenario_for"]

#: the metrics the dashboard draws uncertainty bands for (P10/P50/P90 over the scenario's uncertainty section)
BAND_METRICS = ("economics.npv_musd", "hydromet.sc2o3_production_tpa", "alloy.yield_mpa")

def acid_fields() -> dict[str, tuple[str, str, float, float]]:
    """The acid field each registered leach route's slider moves: (dotted field, unit label, low, high), from the
    route registry's trade-off entry and the field's declaration."""
    from ..hydromet.routes import LEACH_ROUTES
    from ..scenario.params import PARAMS

    out = {}
    for name in LEACH_ROUTES:
        spec = LEACH_ROUTES[name]
        if spec.tradeoff is None or not spec.offered:
            continue
        key, lo, hi = spec.sweep()
        p = PARAMS[key]
        out[name] = (key, f"{p.display_unit} {p.name.replace('_', ' ')}".strip(), lo, hi)
    return out


class WhatIfRequest(BaseModel):
    """Slider and selector values; a missing value keeps the scenario's own."""

    # strict: a JSON true is not a number and "0.1" is not a float (the schema says number)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True,
                              json_schema_extra=lambda s: _choices(s))

    scenario: str = Field("crater-lake", description="built-in scenario name", max_length=200)
    sample: str | None = Field(None, description="ore sample (its mineralogy and natural head grade)", max_length=50)
    head_grade_sc_ppm: float | None = Field(None, ge=50.0, le=500.0,
                                            description="Sc head grade, ppm; default: the sample's own")
    concentration_route: str | None = Field(None, max_length=50, description="a registered concentration route")
    leach_route: str | None = Field(None, max_length=50, description="a registered leach route")
    acid: float | None = Field(None, description="acid dose in the leach route's unit (see acid_fields)")
    sc_wt_pct: float | None = Field(None, ge=0.0, le=0.6, description="Sc in the alloy, wt%")
    zr_wt_pct: float | None = Field(None, ge=0.0, le=0.3, description="Zr in the alloy, wt%")
    sc2o3_price_usd_per_kg: float | None = Field(None, ge=100.0, le=20000.0)
    discount_rate_frac: float | None = Field(None, ge=0.0, le=0.3)

    @field_validator("concentration_route")
    @classmethod
    def _conc(cls, v: str | None) -> str | None:
        from ..beneficiation.routes import CONCENTRATION_ROUTES

        offered = [r for r in CONCENTRATION_ROUTES if CONCENTRATION_ROUTES[r].offered]
        if v is not None and v not in offered:
            raise ValueError(f"must be one of {', '.join(offered)}")
        return v

    @field_validator("leach_route")
    @classmethod
    def _leach(cls, v: str | None) -> str | None:
        if v is not None and v not in acid_fields():
            raise ValueError(f"must be one of {', '.join(acid_fields())}")
        return v


def _choices(schema: dict[str, Any]) -> None:
    """The selectors' allowed values in the published schema (from the registries and data, at schema time), so
    a schema-valid request is one the server accepts."""
    from ..beneficiation.routes import CONCENTRATION_ROUTES
    from ..core.datafiles import load_data

    props = schema.get("properties", {})
    choices = {"scenario": list(builtin_scenarios()),
               "sample": list(load_data("beneficiation/samples.yaml")["samples"]),
               "concentration_route": [r for r in CONCENTRATION_ROUTES if CONCENTRATION_ROUTES[r].offered],
               "leach_route": list(acid_fields())}
    for name, values in choices.items():
        prop = props.get(name)
        if prop is None:
            continue
        if "anyOf" in prop:  # optional: [{type: string, ...}, {type: null}]
            for alt in prop["anyOf"]:
                if alt.get("type") == "string":
                    alt["enum"] = values
        else:
            prop["enum"] = values


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for p in parents:
        d = d.setdefault(p, {})
    d[leaf] = value


@lru_cache(maxsize=16)
def _base_uncertainty(name: str) -> Any:
    if name not in builtin_scenarios():
        raise ScenarioError("scenario", f"unknown built-in scenario {name!r}; known: {', '.join(builtin_scenarios())}")
    return load_scenario(name).uncertainty


@lru_cache(maxsize=16)
def _base_scenario(name: str) -> dict[str, Any]:
    if name not in builtin_scenarios():
        raise ScenarioError("scenario", f"unknown built-in scenario {name!r}; known: {', '.join(builtin_scenarios())}")
    return load_scenario(name).model_dump(mode="json", exclude={"uncertainty"})


#: the numeric sliders and the scenario field each sets (the price sets the oxide's price in both stages)
_SLIDER_PATHS = (("sc_wt_pct", "alloy.sc_wt_pct"), ("zr_wt_pct", "alloy.zr_wt_pct"),
                 ("sc2o3_price_usd_per_kg", "economics.params.sc2o3_price_usd_per_kg"),
                 ("sc2o3_price_usd_per_kg", "alloy.sc2o3_price_usd_per_kg"),
                 ("discount_rate_frac", "economics.params.discount_rate_frac"))


def scenario_for(req: WhatIfRequest) -> Any:
    """The scenario with the request's values applied, evaluating only the selected routes."""
    import copy

    d = copy.deepcopy(_base_scenario(req.scenario))
    ben = d.setdefault("beneficiation", {})
    if req.sample is not None:
        ben["sample"] = req.sample
    if req.head_grade_sc_ppm is not None:
        ben["head_grade_sc_ppm"] = req.head_grade_sc_ppm
    if req.concentration_route is not None:
        ben["selected_route"] = req.concentration_route
    ben["routes"] = [ben.get("selected_route", "lims_whims")]
    hyd = d.setdefault("hydromet", {})
    if req.leach_route is not None:
        hyd["leach_route"] = req.leach_route
    from ..scenario.schema import default_leach_route

    route = hyd.get("leach_route") or default_leach_route(hyd.get("lixiviant", "HCl"))
    from ..hydromet.routes import LEACH_ROUTES

    takes = LEACH_ROUTES[route].reagents
    if hyd.get("lixiviant", "HCl") not in takes:
        hyd["lixiviant"] = takes[0]  # e.g. the sulphation bake needs sulphuric acid
    hyd["routes"] = [route]
    if req.acid is not None:
        _set(d, acid_fields()[route][0], req.acid)
    for key, path in _SLIDER_PATHS:
        v = getattr(req, key)
        if v is not None:
            _set(d, path, v)
    d.setdefault("alloy", {})["design"] = False  # the inverse-design grid is not a what-if
    return scenario_from_dict(d)


def held_fields(req: WhatIfRequest, scen: Any) -> set[str]:
    """The scenario fields a what-if request sets (its sliders): the bands hold them at the slider's value, so a
    distribution on one of them is not sampled."""
    held = {path for key, path in (("head_grade_sc_ppm", "beneficiation.head_grade_sc_ppm"), *_SLIDER_PATHS)
            if getattr(req, key) is not None}
    if req.acid is not None:
        held.add(acid_fields()[scen.hydromet.leach_route][0])
    return held


#: slider positions of the alloy grid (wt%)
SC_GRID = np.round(np.arange(0.0, 0.5 + 1e-9, 0.01), 3)
ZR_GRID = np.round(np.arange(0.0, 0.3 + 1e-9, 0.02), 3)


class AlloyGrid:
    """Yield strength on the dashboard's (Sc, Zr) slider grid for one base alloy and aging schedule.

    A request computes the whole Sc row of its Zr in one vectorized :func:`~scandia.alloy.properties.predict`
    call (51 compositions), so every later Sc position at that Zr is a lookup, and the row is the strength-vs-Sc
    curve. :meth:`warm` fills every row (816 compositions) in the background: the server's warm-up, default case
    included, is done 9.9 s after it starts (``benchmarks/bench_service.py``, 2026-12-02; 21 s before the KWN
    step loop was compiled).
    Off-grid compositions are computed one at a time and kept.
    """

    def __init__(self, base: str, temps_c: tuple[float, ...], hours: tuple[float, ...], model: str) -> None:
        self.base, self.temps, self.hours, self.model = base, temps_c, hours, model
        self._rows: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._single: dict[tuple[float, float], tuple[float, int]] = {}
        self._lock = threading.Lock()
        from ..alloy.properties import base_yield_mpa

        self.base_yield_mpa = base_yield_mpa(base)

    def _predict(self, sc: np.ndarray, zr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from ..alloy.properties import predict

        k = sc.size
        p = predict(self.base, sc, zr, np.tile(self.temps, (k, 1)), np.tile(self.hours, (k, 1)), model=self.model)
        return np.broadcast_to(p.yield_mpa, (k,)).astype(float), np.broadcast_to(p.status, (k,)).astype(int)

    def row(self, zr: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Sc grid, yield MPa, status) at Zr ``zr`` (computed once)."""
        key = round(float(zr), 3)
        with self._lock:
            hit = self._rows.get(key)
        if hit is None:
            ys, st = self._predict(SC_GRID, np.full(SC_GRID.size, key))
            hit = (SC_GRID, ys, st)
            with self._lock:
                self._rows[key] = hit
        return hit

    def yield_mpa(self, sc: float, zr: float) -> tuple[float, int]:
        sc_r, zr_r = round(float(sc), 3), round(float(zr), 3)
        if np.any(np.isclose(ZR_GRID, zr_r)) and np.any(np.isclose(SC_GRID, sc_r)):
            grid, ys, st = self.row(zr_r)
            i = int(np.argmin(np.abs(grid - sc_r)))
            return float(ys[i]), int(st[i])
        with self._lock:
            hit = self._single.get((sc_r, zr_r))
        if hit is None:
            ys, st = self._predict(np.array([sc_r]), np.array([zr_r]))
            hit = (float(ys[0]), int(st[0]))
            with self._lock:
                self._single[(sc_r, zr_r)] = hit
        return hit

    def warm(self) -> None:
        """Compute every Zr row not yet computed (one vectorized call)."""
        with self._lock:
            todo = [z for z in ZR_GRID if round(float(z), 3) not in self._rows]
        if not todo:
            return
        sc = np.tile(SC_GRID, len(todo))
        zr = np.repeat(np.asarray(todo, dtype=float), SC_GRID.size)
        ys, st = self._predict(sc, zr)
        with self._lock:
            for j, z in enumerate(todo):
                sl = slice(j * SC_GRID.size, (j + 1) * SC_GRID.size)
                self._rows.setdefault(round(float(z), 3), (SC_GRID, ys[sl], st[sl]))


def _num(v: Any) -> float | None:
    v = v.get("p50") if isinstance(v, dict) else v
    return float(v) if isinstance(v, int | float) and np.isfinite(v) else None


class WhatIf:
    """Evaluates what-if requests with a shared stage cache (thread-safe)."""

    def __init__(self, cache_size: int = 128, band_samples: int = 1000) -> None:
        self.cache = StageCache(cache_size)
        # sampled stage results of the bands: one entry holds every sample's streams (about 30 MB at 1,000)
        self.band_cache = StageCache(6)
        self.band_samples = int(band_samples)
        self._lock = threading.Lock()
        self._grids: dict[tuple, AlloyGrid] = {}
        self.warmed = False  #: True once :meth:`warm` has finished
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._bands: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def grid(self, scen: Any) -> AlloyGrid:
        a = scen.alloy
        key = (a.base, tuple(s.temp_c for s in a.aging), tuple(s.duration_h for s in a.aging), a.precipitation_model)
        with self._lock:
            g = self._grids.get(key)
        if g is None:  # built outside the lock (its base-alloy prediction takes a moment)
            new = AlloyGrid(*key)
            with self._lock:
                g = self._grids.setdefault(key, new)
        return g

    def warm(self, scenario: str = "crater-lake") -> None:
        """Precompute the default scenario's chain and its whole alloy grid (call from a background thread)."""
        self.evaluate(WhatIfRequest(scenario=scenario))
        self.grid(scenario_for(WhatIfRequest(scenario=scenario))).warm()
        self.warmed = True

    def _alloy(self, scen: Any) -> dict[str, Any]:
        from ..alloy.design import alloy_cost
        from ..alloy.master_alloy import master_alloy

        a = scen.alloy
        g = self.grid(scen)
        ys, st = g.yield_mpa(a.sc_wt_pct, a.zr_wt_pct)
        ma = master_alloy(a.master_alloy_route, 1, np.array([float(a.sc2o3_price_usd_per_kg)]),
                          **a.master_alloy.model_dump())
        hours = sum(s.duration_h for s in a.aging)
        cost = alloy_cost(a.base, np.array([a.sc_wt_pct]), np.array([a.zr_wt_pct]), np.array([hours]),
                          ma.cost_usd_per_kg, float(a.master_alloy.master_sc_wt_pct))
        grid, row, row_st = g.row(a.zr_wt_pct)
        return {"yield_mpa": ys, "status": st, "base_yield_mpa": g.base_yield_mpa,
                "cost_premium_usd_per_kg": float(np.ravel(sum(cost.values()))[0]),
                "curve": {"sc_wt_pct": grid.tolist(), "aged_yield_mpa": row.tolist(),
                          "ok": (row_st == 0).tolist()}}

    def evaluate(self, req: WhatIfRequest) -> dict[str, Any]:
        """The what-if answer; identical requests are answered from a memo of the last 256 answers (the chain
        is deterministic), with ``elapsed_ms`` the time of this call."""
        t0 = time.perf_counter()
        hit = self._memo(self._answers, 256, req, self._evaluate)
        return {**hit, "elapsed_ms": 1e3 * (time.perf_counter() - t0),
                "cache": {"hits": self.cache.hits, "misses": self.cache.misses}}

    def _memo(self, memo: OrderedDict[str, dict[str, Any]], size: int, req: WhatIfRequest,
              compute: Any) -> dict[str, Any]:
        """``compute(req)`` through a least-recently-used memo of ``size`` answers keyed by the request."""
        key = req.model_dump_json()
        with self._lock:
            hit = memo.get(key)
            if hit is not None:
                memo.move_to_end(key)
        if hit is None:
            hit = compute(req)
            with self._lock:
                memo[key] = hit
                while len(memo) > size:
                    memo.popitem(last=False)
        return hit

    def bands(self, req: WhatIfRequest) -> dict[str, Any]:
        """P10/P50/P90 of :data:`BAND_METRICS` over ``band_samples`` samples (Latin hypercube, the scenario's
        seed) of the scenario's uncertainty section at the request's slider values: the fields the sliders set
        are held (:func:`held_fields`), every other distribution is sampled. Sampled stage results are cached,
        so a move of the price or discount rate re-runs only the economics over the samples; identical requests
        are answered from a memo of the last 64."""
        t0 = time.perf_counter()
        hit = self._memo(self._bands, 64, req, self._compute_bands)
        return {**hit, "elapsed_ms": 1e3 * (time.perf_counter() - t0)}

    def _compute_bands(self, req: WhatIfRequest) -> dict[str, Any]:
        from ..core.status import count
        from ..uncertainty.sampling import sample

        scen = self._checked(req)
        u = _base_uncertainty(req.scenario)
        held = held_fields(req, scen)
        dists = {p: d for p, d in u.distributions.items() if p not in held}
        corr = [c for c in u.correlations if c[0] in dists and c[1] in dists]
        n = self.band_samples
        info = {"samples": n, "method": u.method, "seed": int(scen.seed), "varied": list(dists),
                "held": sorted(held & set(u.distributions))}
        # no alloy field sampled and the oxide sold: the alloy is one point, taken from the slider grid
        alloy_fixed = scen.economics.product == "sc2o3" and not any(p.startswith("alloy.") for p in dists)
        skip = ("alloy",) if alloy_fixed else ()
        if not dists:  # every uncertain field is on a slider: the band is the point itself
            res = run_chain(scen, cache=self.cache, skip=skip)
            n = 1
        else:
            arrays = sample(dists, n, u.method, scen.seed, corr)
            res = run_chain(scen, n=n, arrays=arrays, cache=self.band_cache, skip=skip)
        stages = res.summary["stages"]
        if alloy_fixed:
            stages = {**stages, "alloy": {"metrics": {"yield_mpa": self._alloy(scen)["yield_mpa"]}}}
        metrics = {}
        for name in BAND_METRICS:
            stage, metric = name.split(".", 1)
            v = stages.get(stage, {}).get("metrics", {}).get(metric)  # over the stage's usable samples
            if isinstance(v, dict):
                metrics[name] = {k: v[k] for k in ("p10", "p50", "p90")}
            elif isinstance(v, int | float):  # the stage did not vary: one value for every sample
                metrics[name] = {"p10": float(v), "p50": float(v), "p90": float(v)}
            else:
                metrics[name] = None
        return {**info, "samples": n, "metrics": metrics, "status": count(np.asarray(res.status))}

    def _checked(self, req: WhatIfRequest) -> Any:
        """The request's scenario, its acid dose checked against the chosen route's range."""
        scen = scenario_for(req)
        route = scen.hydromet.leach_route
        if req.acid is not None:
            lo, hi = acid_fields()[route][2:]
            if not lo <= req.acid <= hi:
                raise ScenarioError("acid", f"for the {route} route must lie in [{lo:g}, {hi:g}] "
                                            f"{acid_fields()[route][1]}")
        return scen

    def _evaluate(self, req: WhatIfRequest) -> dict[str, Any]:
        from ..core.outputs import build_table
        from ..economics.stage import run_economics

        scen = self._checked(req)
        route = scen.hydromet.leach_route
        # the alloy figures come from the precomputed grid unless the product is the master alloy
        skip = ("alloy",) if scen.economics.product == "sc2o3" else ()
        res = run_chain(scen, cache=self.cache, skip=skip)
        alloy = self._alloy(scen)
        s = res.summary
        # the tables the Sankey is drawn from, built by their declared builders (data/outputs.yaml)
        tables = {name: build_table(name, scen, res.stages) for name in
                  ("beneficiation_streams", "hydromet_streams", "economics_cashflow", "economics_opex")}
        flows = {k: {"labels": v[0], "source": v[1], "target": v[2], "value": v[3], "unit": v[4]}
                 for k, v in sankey_data(s, tables).items()}
        prices = np.linspace(1000.0, 6000.0, 26)
        curve = run_economics(scen, prices.size, hydromet=res.stages["hydromet"], alloy=None,
                              arrays={"economics.params.sc2o3_price_usd_per_kg": prices})
        npv_curve = np.asarray(curve.metrics["npv_musd"], dtype=float)
        picked = {"economics": ("npv_musd", "irr_frac", "capex_musd", "breakeven_sc2o3_usd_per_kg",
                                "all_in_cost_usd_per_kg_sc2o3"),
                  "hydromet": ("sc2o3_production_tpa", "overall_sc_recovery_frac", "sc2o3_purity_frac")}
        metrics = {f"{stage}.{k}": _num(s["stages"][stage]["metrics"].get(k))
                   for stage, keys in picked.items() for k in keys}
        metrics.update({"alloy.yield_mpa": alloy["yield_mpa"],
                        "alloy.cost_premium_usd_per_kg": alloy["cost_premium_usd_per_kg"]})
        sel = s["stages"]["beneficiation"]["routes"][scen.beneficiation.selected_route]
        metrics["beneficiation.head_grade_sc_ppm"] = _num(sel["head_grade_sc_ppm"])
        metrics["beneficiation.sc_recovery_frac"] = _num(sel["sc_recovery_frac"])
        status = {k: v for k, v in s["status"].items() if v}
        if alloy["status"]:
            from ..core.status import Status

            status[f"alloy: {Status(alloy['status']).name}"] = 1
        from ..report.html import stage_diagrams
        from ..report.specs import specifications

        return {
            "specifications": specifications(s), "diagram": stage_diagrams(s).get("hydromet", ""),
            "scenario": req.scenario, "inputs": {
                "sample": scen.beneficiation.sample, "concentration_route": scen.beneficiation.selected_route,
                "leach_route": route, "acid_field": acid_fields()[route][0], "acid_unit": acid_fields()[route][1],
                "acid": _get(scen, acid_fields()[route][0]), "sc_wt_pct": scen.alloy.sc_wt_pct,
                "zr_wt_pct": scen.alloy.zr_wt_pct,
                "sc2o3_price_usd_per_kg": scen.economics.params.sc2o3_price_usd_per_kg,
                "discount_rate_frac": scen.economics.params.discount_rate_frac},
            "metrics": metrics, "status": status, "sankey": flows,
            "npv_vs_price": {"sc2o3_price_usd_per_kg": prices.tolist(),
                             "npv_musd": [float(v) if np.isfinite(v) else None for v in npv_curve]},
            "strength_vs_sc": {**alloy["curve"], "base_yield_mpa": alloy["base_yield_mpa"]},
        }


def _get(scen: Any, path: str) -> Any:
    obj = scen
    for p in path.split("."):
        obj = getattr(obj, p)
    return obj

