"""The concentration stage: ore feed -> LIMS+WHIMS, DMS, XRT (or HLS) routes -> concentrate.

Each route is a :class:`~scandia.core.flowsheet.Flowsheet` of devices built from the scenario; all scenarios
(and, for grade-recovery curves, all cut points) are solved in one vectorized call per chunk of scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.assay import SC2O3_PER_SC, oxide_factor
from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.flowsheet import Flowsheet, FlowsheetResult
from ..core.registry import SectionView
from ..core.status import combine
from ..core.stream import Stream
from ..core.unit import per_scenario
from ..scenario.schema import Scenario
from .ore import REE, OreModel, ore_model, rrsb_fractions, scenario_ore
from .routes import CONCENTRATION_ROUTES

__all__ = [
    "BeneficiationResult",
    "RouteResult",
    "build_route",
    "concentrate_port",
    "feed_port",
    "feed_stream",
    "fitted_parameters",
    "resolved_scenario",
    "route_metrics",
    "run_beneficiation",
    "stage_arrays",
]


def concentrate_port(route: str) -> str:
    """The product port holding a route's concentrate (registry)."""
    return CONCENTRATION_ROUTES[route].ports["concentrate"]


def feed_port(route: str) -> str:
    """The first unit's ``feed`` port of a route, which takes the ore (registry)."""
    return CONCENTRATION_ROUTES[route].ports["feed"]


def fitted_parameters() -> dict[str, Any]:
    """Fitted values (``data/beneficiation/fitted.yaml``, written by ``scandia calibrate``)."""
    try:
        return load_data("beneficiation/fitted.yaml") or {}
    except FileNotFoundError:
        return {}


def resolved_scenario(scenario: Scenario) -> Scenario:
    """The scenario with the fitted defaults it relies on written in (liberation size, susceptibilities), so a
    saved copy reproduces the run even after a refit changes ``fitted.yaml``."""
    b = scenario.beneficiation
    fit = fitted_parameters()
    d_lib = b.d_lib_mm if b.d_lib_mm is not None else fit.get("d_lib_mm", {}).get(b.sample)
    chi = {**{k: float(v) for k, v in fit.get("susceptibility_m3_kg", {}).items()}, **b.susceptibility_m3_kg}
    return scenario.model_copy(
        update={"beneficiation": b.model_copy(update={"d_lib_mm": d_lib, "susceptibility_m3_kg": chi})}
    )


def stage_arrays(scenario: Scenario, n: int = 1) -> dict[str, np.ndarray]:
    """Numeric inputs of the stage on the scenario axis, with fitted defaults resolved.

    Adds ``beneficiation.d_lib_mm`` (n,) and ``beneficiation.susceptibility_m3_kg`` (n, n_minerals).
    """
    b = scenario.beneficiation
    ore = ore_model(b.sample)
    fit = fitted_parameters()
    arrays = scenario.arrays(n)
    # liberation size: the override beneficiation.d_lib_mm, else the value fitted for the sample, else
    # liberation.d_lib_mm (declared inert: every built-in sample has a fitted value)
    d_lib = b.d_lib_mm if b.d_lib_mm is not None else fit.get("d_lib_mm", {}).get(b.sample, b.liberation.d_lib_mm)
    arrays["beneficiation.d_lib_mm"] = np.full(n, float(d_lib))
    chi = ore.chi_default_m3_kg.copy()
    for name, value in {**fit.get("susceptibility_m3_kg", {}), **b.susceptibility_m3_kg}.items():
        chi[ore.minerals.index(name)] = float(value)
    arrays["beneficiation.susceptibility_m3_kg"] = np.broadcast_to(chi, (n, chi.size)).copy()
    return arrays


def feed_stream(
    ore: OreModel, a: dict[str, np.ndarray], modal_mass_frac: dict[str, float] | None = None
) -> tuple[Stream, np.ndarray]:
    """Run-of-mine ore at the plant feed rate and ROM size distribution; returns (stream, status)."""
    n = a["plant.ore_feed_rate_tph"].shape[0]
    tph = per_scenario(a["plant.ore_feed_rate_tph"], n, "plant.ore_feed_rate_tph")
    p80 = per_scenario(a["beneficiation.feed.rom_p80_mm"], n, "beneficiation.feed.rom_p80_mm")
    m = per_scenario(a["beneficiation.comminution.rrsb_uniformity"], n, "comminution.rrsb_uniformity")
    sizes = rrsb_fractions(p80, m, ore.size_upper_mm)
    modal = ore.modal_vector(modal_mass_frac)
    minerals = np.broadcast_to(tph * modal[None, :], (n, modal.size))
    d_lib = per_scenario(a["beneficiation.d_lib_mm"], n, "beneficiation.d_lib_mm", 1e-3, None)
    k = per_scenario(a["beneficiation.liberation.exponent"], n, "beneficiation.liberation.exponent")
    class_tph, status = ore.liberate(minerals, sizes, d_lib, k)
    return ore.stream(class_tph, a["beneficiation.susceptibility_m3_kg"]), status


def build_route(route: str, ore: OreModel, a: dict[str, np.ndarray]) -> Flowsheet:
    """The flowsheet of one registered concentration route (:data:`CONCENTRATION_ROUTES`), parameters as arrays
    over scenarios read through its sections."""
    spec = CONCENTRATION_ROUTES[route]
    crush = {"uniformity": a["beneficiation.comminution.rrsb_uniformity"], "d_lib_mm": a["beneficiation.d_lib_mm"],
             "liberation_exponent": a["beneficiation.liberation.exponent"]}
    fs = Flowsheet(route)
    spec.builder(fs, ore, lambda name: SectionView(a, f"beneficiation.{name}."), crush)
    return fs


def route_metrics(feed: Stream, concentrate: Stream, hours_per_year: np.ndarray) -> dict[str, np.ndarray]:
    """Mass pull, grades (Sc, Sc2O3, TREO ppm) and recoveries (0-1) of a concentrate; arrays over scenarios."""
    els = feed.components.elements
    ef, ec = feed.element_tph, concentrate.element_tph
    idx = {e: els.index(e) for e in ("Sc", *REE)}
    ree_idx = [idx[e] for e in REE]
    tf, tc = feed.total_tph, concentrate.total_tph
    safe_c = np.where(tc > 0, tc, np.inf)
    treo_c = sum(ec[:, idx[e]] * oxide_factor(e) for e in REE)
    treo_f = sum(ef[:, idx[e]] * oxide_factor(e) for e in REE)
    out = {
        "feed_tph": tf,
        "concentrate_tph": tc,
        "concentrate_tpa": tc * hours_per_year,
        "mass_pull_frac": tc / tf,
        "head_grade_sc_ppm": ef[:, idx["Sc"]] / tf * 1e6,
        "head_grade_sc2o3_ppm": ef[:, idx["Sc"]] / tf * 1e6 * SC2O3_PER_SC,
        "head_treo_ppm": treo_f / tf * 1e6,
        "concentrate_grade_sc_ppm": ec[:, idx["Sc"]] / safe_c * 1e6,
        "concentrate_grade_sc2o3_ppm": ec[:, idx["Sc"]] / safe_c * 1e6 * SC2O3_PER_SC,
        "concentrate_treo_ppm": treo_c / safe_c * 1e6,
        "sc_recovery_frac": ec[:, idx["Sc"]] / ef[:, idx["Sc"]],
        "tree_recovery_frac": ec[:, ree_idx].sum(axis=1) / ef[:, ree_idx].sum(axis=1),
        "treo_recovery_frac": treo_c / treo_f,
        "sc_upgrade_ratio": (ec[:, idx["Sc"]] / safe_c) / (ef[:, idx["Sc"]] / tf),
    }
    for e in REE:
        out[f"{e.lower()}_recovery_frac"] = ec[:, idx[e]] / ef[:, idx[e]]
    return out


@dataclass
class RouteResult:
    """One route's metrics (arrays over scenarios), status, and its solved flowsheet (small runs only)."""

    route: str
    metrics: dict[str, np.ndarray]
    status: np.ndarray
    flowsheet: FlowsheetResult | None = None


@dataclass
class BeneficiationResult:
    """The stage's result: every route, the selected route and the combined status."""

    routes: dict[str, RouteResult]
    selected_route: str
    status: np.ndarray
    sample: str
    feed: Stream | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    concentrate_stream: Stream | None = None

    @property
    def concentrate(self) -> Stream:
        """The selected route's concentrate, every scenario (all chunks)."""
        if self.concentrate_stream is not None:
            return self.concentrate_stream
        fs = self.routes[self.selected_route].flowsheet
        if fs is None:
            raise ScenarioError("beneficiation", "streams were not kept for this run (n above keep_streams_max)")
        return fs[concentrate_port(self.selected_route)]

    @property
    def dataset(self) -> Any:
        """This stage's results as an ``xarray.Dataset`` (named dimensions, units in attributes, status);
        see :mod:`scandia.core.labelled`."""
        from ..core.labelled import stage_dataset

        return stage_dataset("beneficiation", self)

def _run_chunk(scenario: Scenario, routes: list[str], a: dict[str, np.ndarray], keep: bool,
               concentrate_of: str | None = None):
    ore = scenario_ore(scenario.beneficiation.sample, scenario.beneficiation.head_grade_sc_ppm)
    feed, feed_status = feed_stream(ore, a, scenario.beneficiation.modal_mass_frac)
    hours = a["plant.operating_hours_per_year_h_per_yr"]
    out = {}
    for route in routes:
        fs = build_route(route, ore, a)
        res = fs.solve({feed_port(route): feed}, check_balance=keep)
        metrics = route_metrics(feed, res[concentrate_port(route)], hours)
        out[route] = RouteResult(route, metrics, combine(feed_status, res.status), res if keep else None)
        if route == concentrate_of:
            out["_concentrate"] = res[concentrate_port(route)]
    return out, feed


def run_beneficiation(
    scenario: Scenario,
    n: int = 1,
    arrays: dict[str, np.ndarray] | None = None,
    *,
    routes: list[str] | None = None,
    chunk_size: int = 4_000,
    keep_streams_max: int = 10_000,
    progress: Any = None,
) -> BeneficiationResult:
    """Run the concentration stage for ``n`` scenarios (all routes of the scenario, or ``routes``).

    ``arrays`` overrides numeric inputs (see :func:`stage_arrays`; every array has a leading axis of ``n``).
    Work proceeds in chunks of ``chunk_size`` scenarios (vectorized within a chunk) to bound memory; streams are
    kept for ``n <= keep_streams_max``. ``progress`` is an optional callable receiving the scenarios done.
    """
    if n < 1:
        raise ScenarioError("n_scenarios", "must be >= 1")
    a = stage_arrays(scenario, n)
    if arrays:
        for key, value in arrays.items():
            v = np.asarray(value, dtype=float)
            if v.shape[:1] != (n,):
                raise ScenarioError(key, f"array must have a leading axis of {n} scenarios, got shape {v.shape}")
            if key == "beneficiation.head_grade_sc_ppm" and np.ptp(v) > 0:
                raise ScenarioError(key, "cannot vary per scenario (it sets the ore model); run one scenario per "
                                         "head grade, e.g. with the dashboard or a loop over scenario files")
            a[key] = v
    routes = list(routes or scenario.beneficiation.routes)
    keep = n <= keep_streams_max
    parts: list[dict[str, RouteResult]] = []
    feed = None
    selected = scenario.beneficiation.selected_route if scenario.beneficiation.selected_route in routes else routes[0]
    concentrates: list[Stream] = []
    for start in range(0, n, chunk_size):
        sl = slice(start, min(n, start + chunk_size))
        chunk = {k: v[sl] for k, v in a.items()}
        res, feed = _run_chunk(scenario, routes, chunk, keep, concentrate_of=selected)
        concentrates.append(res.pop("_concentrate"))  # the next stage needs every scenario's concentrate
        parts.append(res)
        if progress is not None:
            progress(sl.stop - sl.start)
    merged = {
        r: RouteResult(
            r,
            {m: np.concatenate([p[r].metrics[m] for p in parts]) for m in parts[0][r].metrics},
            np.concatenate([p[r].status for p in parts]),
            parts[0][r].flowsheet if keep else None,
        )
        for r in routes
    }
    status = combine(*(rr.status for rr in merged.values()))
    result = BeneficiationResult(merged, selected, status, scenario.beneficiation.sample, feed if keep else None)
    result.concentrate_stream = Stream.concat(concentrates)
    return result
