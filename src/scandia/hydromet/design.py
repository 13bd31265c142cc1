"""SX circuit design: the fewest extraction and scrub stages, and the O/A, that meet the Sc2O3 purity target at
the lowest reagent cost - per scenario.

Every candidate (stage counts x O/A) is evaluated with the whole hydromet flowsheet; the O/A values lie on the
scenario axis, so one flowsheet solve covers all O/A values of all scenarios for one pair of stage counts.
Choice per scenario: among candidates meeting the purity target, those within 1 % of the lowest reagent cost per
kg Sc2O3 (which already charges for lost recovery) count as equal, and of those the fewest stages (extraction +
scrub, the capital-cost proxy) win, then the lower cost. Where no candidate meets the target the scenario
is ``infeasible`` and the candidate with the best purity is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    candidates: list[dict[str, Any]]  #: every candidate: stage counts, O/A and its metrics for all scenarios


def design_sx(
    scenario: Scenario,
    concentrate: Stream,
    n: int = 1,
    *,
    extraction_stages: Sequence[int] = (1, 2, 3, 4, 5, 6),
    scrub_stages: Sequence[int] = (0, 1, 2, 3),
    oa_grid: Sequence[float] = (0.02, 0.03, 0.05, 0.1, 0.2, 0.4),
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
    cols: dict[str, list[np.ndarray]] = {"purity": [], "cost": [], "recovery": [], "ok": []}
    meta: list[tuple[int, int, float]] = []
    for ne in extraction_stages:
        for ns in scrub_stages:
            a = dict(base)
            a["hydromet.sx.extraction_stages"] = np.full(n * k, float(ne))
            a["hydromet.sx.scrub_stages"] = np.full(n * k, float(ns))
            a["hydromet.sx.extraction_oa"] = np.tile(oa, n)
            res = run_hydromet(scenario, n * k, a, concentrate=conc, routes=[scenario.hydromet.leach_route],
                               keep_streams=False)
            m = res.metrics
            solved = res.solve_status < Status.not_converged  # the flowsheet's status, before the purity test
            cols["purity"].append(m["sc2o3_purity_frac"].reshape(n, k))
            cols["cost"].append(m["reagent_cost_usd_per_kg_sc2o3"].reshape(n, k))
            cols["recovery"].append(m["hydromet_sc_recovery_frac"].reshape(n, k))
            cols["ok"].append(solved.reshape(n, k))
            meta += [(ne, ns, float(o)) for o in oa]
    purity, cost, rec, ok = (np.concatenate(cols[c], axis=1) for c in ("purity", "cost", "recovery", "ok"))
    ne_c = np.array([c[0] for c in meta], dtype=float)
    ns_c = np.array([c[1] for c in meta], dtype=float)
    oa_c = np.array([c[2] for c in meta])
    cost_ok = np.where(np.isfinite(cost), cost, np.inf)
    feasible = ok & (purity + 1e-12 >= target[:, None]) & np.isfinite(cost_ok)
    # lowest feasible cost; every feasible candidate within 1 % of it counts as equal, then fewest stages, then
    # lowest cost
    best_cost = np.where(feasible, cost_ok, np.inf).min(axis=1)
    near = feasible & (cost_ok <= 1.01 * best_cost[:, None])
    # exact lexicographic choice among the near-optimal: fewest stages, then lowest cost (stable sort)
    order = np.lexsort((cost_ok, np.broadcast_to(ne_c + ns_c, cost_ok.shape), ~near), axis=1)
    pick_feasible = order[:, 0]
    usable = ok & np.isfinite(purity)
    pick_best_purity = np.argmax(np.where(usable, purity, -np.inf), axis=1)
    found = np.isfinite(best_cost)
    j = np.where(found, pick_feasible, pick_best_purity)
    rows = np.arange(n)
    nothing = ~usable.any(axis=1)  # no candidate solved: report NaN rather than an unsolved candidate
    candidates = [{"extraction_stages": int(ne_c[c]), "scrub_stages": int(ns_c[c]), "extraction_oa": float(oa_c[c]),
                   "sc2o3_purity_frac": purity[:, c], "reagent_cost_usd_per_kg_sc2o3": cost[:, c],
                   "hydromet_sc_recovery_frac": rec[:, c]} for c in range(len(meta))]
    status = np.where(found, Status.ok, np.where(nothing, Status.not_converged, Status.infeasible)).astype(np.int8)

    def pick(values: np.ndarray) -> np.ndarray:
        return np.where(nothing, np.nan, values)

    return SXDesign(pick(ne_c[j]), pick(ns_c[j]), pick(oa_c[j]), pick(purity[rows, j]), pick(cost[rows, j]),
                    pick(rec[rows, j]), status, candidates)
