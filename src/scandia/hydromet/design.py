"""SX circuit design: the fewest extraction and scrub stages, and the O/A, that meet the Sc2O3 purity target at
the lowest reagent cost - per scenario.

Every candidate (stage counts x O/A) is evaluated with the whole hydromet flowsheet; the O/A values lie on the
scenario axis, so one flowsheet solve covers all O/A values of all scenarios for one pair of stage counts.
Choice per scenario: among candidates meeting the purity target, the lowest reagent cost per kg Sc2O3 (which
already charges for lost recovery), with costs within 1 % counted as equal so that the fewest stages
(extraction + scrub, the capital-cost proxy) decide between them. Where no candidate meets the target the scenario
is ``infeasible`` and the candidate with the best purity is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.status import Status
from ..core.stream import Stream
from ..scenario.schema import Scenario
from .stage import run_hydromet

__all__ = ["SXDesign", "design_sx"]


@dataclass
class SXDesign:
    """The chosen design per scenario and every candidate evaluated (arrays over scenarios)."""

    extraction_stages: np.ndarray
    scrub_stages: np.ndarray
    extraction_oa: np.ndarray
    sc2o3_purity_frac: np.ndarray
    reagent_cost_usd_per_kg_sc2o3: np.ndarray
    hydromet_sc_recovery_frac: np.ndarray
    status: np.ndarray
    candidates: list[dict[str, float]]


def design_sx(
    scenario: Scenario,
    concentrate: Stream,
    n: int = 1,
    *,
    extraction_stages: Sequence[int] = (1, 2, 3, 4, 5),
    scrub_stages: Sequence[int] = (0, 1, 2, 3),
    oa_grid: Sequence[float] = (0.03, 0.05, 0.1, 0.2, 0.4),
    arrays: dict[str, np.ndarray] | None = None,
) -> SXDesign:
    """Search stage counts and O/A for every scenario (see module docstring)."""
    target = np.broadcast_to(
        (arrays or {}).get("hydromet.purification.purity_target_frac",
                           scenario.hydromet.purification.purity_target_frac), (n,))
    oa = np.asarray(oa_grid, dtype=float)
    k = oa.size
    conc = Stream(concentrate.components, concentrate.classes, np.repeat(concentrate.class_tph, k, axis=0)
                  if concentrate.n == n else np.repeat(np.repeat(concentrate.class_tph[:1], n, axis=0), k, axis=0),
                  concentrate.w, validate=False)
    base = {key: np.repeat(np.asarray(v, dtype=float), k) for key, v in (arrays or {}).items()}
    best_key = np.full((n, 3), np.inf)  # (cost band, stages, -purity), lexicographic, feasible candidates
    best_any = np.full(n, -np.inf)
    out = {name: np.full(n, np.nan) for name in ("ne", "ns", "oa", "purity", "cost", "recovery")}
    anyout = {name: np.full(n, np.nan) for name in ("ne", "ns", "oa", "purity", "cost", "recovery")}
    candidates: list[dict[str, float]] = []
    for ne in extraction_stages:
        for ns in scrub_stages:
            a = dict(base)
            a["hydromet.sx.extraction_stages"] = np.full(n * k, float(ne))
            a["hydromet.sx.scrub_stages"] = np.full(n * k, float(ns))
            a["hydromet.sx.extraction_oa"] = np.tile(oa, n)
            res = run_hydromet(scenario, n * k, a, concentrate=conc, routes=[scenario.hydromet.leach_route],
                               keep_streams=False)
            m = res.metrics
            purity = m["sc2o3_purity_frac"].reshape(n, k)
            cost = m["reagent_cost_usd_per_kg_sc2o3"].reshape(n, k)
            rec = m["hydromet_sc_recovery_frac"].reshape(n, k)
            ok_solve = (res.status < Status.not_converged) | (res.status == Status.infeasible)
            ok_solve = ok_solve.reshape(n, k)
            for j in range(k):
                candidates.append({"extraction_stages": ne, "scrub_stages": ns, "extraction_oa": float(oa[j]),
                                   "sc2o3_purity_frac": float(purity[0, j]),
                                   "reagent_cost_usd_per_kg_sc2o3": float(cost[0, j]),
                                   "hydromet_sc_recovery_frac": float(rec[0, j])})
            feasible = ok_solve & (purity + 1e-12 >= target[:, None]) & np.isfinite(cost)
            cost_band = np.where(np.isfinite(cost) & (cost > 0), np.round(np.log(np.maximum(cost, 1e-300))
                                                                          / np.log(1.01)), np.inf)
            key = np.stack([cost_band, np.full((n, k), ne + ns, dtype=float), -purity], axis=2)
            for j in range(k):  # k O/A values: a short fixed loop, vectorized over scenarios
                better = feasible[:, j] & _lex_less(key[:, j], best_key)
                best_key[better] = key[better, j]
                for name, val in (("ne", ne), ("ns", ns), ("oa", oa[j]), ("purity", purity[:, j]),
                                  ("cost", cost[:, j]), ("recovery", rec[:, j])):
                    out[name] = np.where(better, val, out[name])
                top = ok_solve[:, j] & (purity[:, j] > best_any)
                best_any = np.where(top, purity[:, j], best_any)
                for name, val in (("ne", ne), ("ns", ns), ("oa", oa[j]), ("purity", purity[:, j]),
                                  ("cost", cost[:, j]), ("recovery", rec[:, j])):
                    anyout[name] = np.where(top, val, anyout[name])
    found = np.isfinite(best_key[:, 0])
    pick = {name: np.where(found, out[name], anyout[name]) for name in out}
    status = np.where(found, Status.ok, Status.infeasible).astype(np.int8)
    return SXDesign(pick["ne"], pick["ns"], pick["oa"], pick["purity"], pick["cost"], pick["recovery"], status,
                    candidates)


def _lex_less(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise lexicographic a < b for (n, 3) keys."""
    less = np.zeros(a.shape[0], dtype=bool)
    equal = np.ones(a.shape[0], dtype=bool)
    for c in range(a.shape[1]):
        less |= equal & (a[:, c] < b[:, c])
        equal &= a[:, c] == b[:, c]
    return less
