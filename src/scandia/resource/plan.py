"""The mine plan in the chain: cut-off and recovery made consistent, a schedule per grade realisation, and the
cash flow by year (issue 17, item 5).

1. **Cut-off and recovery to a fixed point.** The NSR of a block is grade x the chain's overall Sc recovery x
   payability x price, and the chain's recovery depends on the head grade the plan feeds, which depends on the
   cut-off. Starting from the chain's recovery at its sample's own head grade, each iteration values the blocks
   at the current recovery, picks the plan of greatest NPV over the nested shells and mill cut-offs
   (:func:`scandia.resource.schedule.best_shell`), runs the chain (beneficiation and hydromet) at the plan's
   mean feed grade over the years the economics values (at most 60) and takes its recovery, until two
   recoveries differ by less than ``tol``
   (Lane, *The Economic Definition of Ore*, 1988, ch. 5: the cut-off is a function of the plant's performance,
   which is a function of the cut-off). The shells are solved once at the first recovery: a recovery r values
   every block as the first one r0 does at the price factor r / r0, so shell i at factor f_i is the optimal
   pit at factor f_i r0 / r, and the nested set serves every iteration without another max-flow.
2. **Realisations.** Each conditional simulation gets its own nested pits, solved once over the same price
   factors at the same block economics (its own grades; :func:`realisation_shells`, a few seconds per
   realisation on the default 253,000 blocks, realisations solved side by side on threads), and mines the
   shell of the plan's price factor at the plan's mill cut-off. So which blocks are ore, the pit's extent, the
   feed grade of each year and the mine life differ per realisation: the spread of optimal pits over equally
   probable orebodies (Whittle's risk analysis of simulated models; Dimitrakopoulos, Farrelly & Godoy, Trans.
   IMM A 111 (2002) 82). ``per_realisation_pits=False`` keeps the kriged model's pit for every realisation
   instead (the risk of one given design, the same paper's other test).
3. **Chain per period.** The chain runs at a few head grades spanning the plan's year grades (the recovery
   curve; piecewise-linear between them) and at the plan's mean feed grade over the valued years (the plant's
   nameplate). A year's ore
   throughput is its feed over the plant's nameplate year (ore feed rate x operating hours); its Sc2O3 output is
   that throughput x its head grade over the nameplate grade x its recovery over the nameplate recovery. The
   concentrator's Sc recoveries do not depend on the Sc content of the minerals (their separation properties
   do not change with a trace element), and the hydromet's weak dependence is carried by the recovery curve.
4. **Cash flow by year.** The economics stage takes the years of each realisation (production and throughput
   per year, the plant's ramp-up applied to the first two; variable operating cost and the REO credit follow
   the throughput) and the realisation's mine life, capped at the economics' 60-year horizon.
5. **A sample's own price.** The nested sets are computed once; a Monte Carlo sample whose price x payability
   is λ times the plan's mines, in its realisation's nested set, the shell of the largest factor at or below
   λ x the plan's shell factor, at the mill cut-off over the same ratio, scheduled once per distinct (shell,
   realisation) and never re-solved (:meth:`MinePlan.schedules_for`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ScenarioError
from .drillholes import SC2O3_PER_SC
from .estimate import Estimate
from .mine import PitShells, block_economics, mine_settings, pit_shells, slope_arcs
from .schedule import Schedule, best_shell, schedule_shell

__all__ = ["MinePlan", "chain_recovery", "grade_realisations", "plan_economics", "plan_fractions", "plan_mine",
           "realisation_shells", "schedule_metrics"]

#: the economics' longest life (data/economics/economics.yaml life_years max)
MAX_LIFE_YEARS = 60


def _first(x: Any) -> float:
    return float(np.asarray(x, dtype=float).reshape(-1)[0])


def chain_recovery(scenario: Any, head_grade_sc_ppm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chain's overall Sc recovery (ore to oxide) at each head grade (Sc ppm), and whether every flowsheet
    balance of that run closes (total mass, Sc, TREE, Fe, Th within 1e-6). One chain run (beneficiation and
    hydromet, the base case) per head grade: a handful of grade classes, not one per scenario."""
    from ..chain import run
    from ..core.balance import balance_health_table

    grades = np.clip(np.asarray(head_grade_sc_ppm, dtype=float).reshape(-1), 10.0, 5000.0)
    rec, closed = np.empty(grades.size), np.empty(grades.size, dtype=bool)
    for i, g in enumerate(grades):
        scen = scenario.with_values({"beneficiation.head_grade_sc_ppm": float(g)})
        r = run(scen, n=1, skip=("resource", "alloy", "market", "economics"))
        rec[i] = _first(r.stages["hydromet"].metrics["overall_sc_recovery_frac"])
        table = balance_health_table(scen, r.stages["beneficiation"], r.stages["hydromet"])
        closed[i] = bool(table is None or table["closes"].all())
    return rec, closed


@dataclass
class MinePlan:
    """A converged mine plan and its schedule per realisation (module docstring).

    ``fixed_point`` has one row per iteration (recovery used, shell, mill cut-off, mean feed grade over the
    valued years, the chain's recovery there); arrays (R, years) hold each realisation's feed (t), feed grade
    (Sc2O3 g/t) and material moved (t), realisation 0 being the kriged model; ``life_years`` (R,) the years of
    feed; ``row_shells`` the nested pits of each row (the kriged model's ``shells`` first; empty: every row
    mines those)."""

    shells: PitShells
    base: Schedule
    fixed_point: pd.DataFrame
    converged: bool
    sc_recovery_frac: float
    head_grade_sc_ppm: float
    labels: list[str]
    feed_t: np.ndarray
    feed_sc2o3_g_per_t: np.ndarray
    mined_t: np.ndarray
    life_years: np.ndarray
    curve_sc_ppm: np.ndarray
    curve_recovery_frac: np.ndarray
    curve_balances_closed: np.ndarray
    #: full-grid Sc2O3 grades of each row (R, n_blocks) and what a schedule at another price needs (elevations,
    #: top, bench, base price and payability, settings, discount rate): see :meth:`schedules_for`
    grades: np.ndarray | None = None
    context: dict[str, Any] = field(default_factory=dict)
    row_shells: list[PitShells] = field(default_factory=list)
    _cache: dict[tuple[int, int], Schedule] = field(default_factory=dict, repr=False)

    def schedules_for(self, nsr_factor: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Each scenario's schedule at its own block value (module docstring, step 5): ``nsr_factor`` (n,) is
        its price x payability over the plan's, ``rows`` (n,) its plan row. The scenario mines the nested
        shell of the largest factor at or below the plan's shell factor x ``nsr_factor`` (the smallest shell
        below the first), with the mill cut-off scaled by the inverse of the picked factor's ratio (Lane's
        cut-off is the cost over the value of a unit of grade). One schedule per distinct (shell, row),
        computed once and kept. Returns feed (t), feed grade (Sc2O3 g/t), material moved (t), each (n, years),
        the life (n,) and the picked shell (n,)."""
        if self.grades is None or not self.context:
            raise ScenarioError("mine plan", "was made without its grades; re-plan with plan_mine")
        f = self.shells.nested.factors
        base_f = float(f[self.base.shell])
        shell = np.maximum(self.shells.nested.shell_for(base_f * np.asarray(nsr_factor, dtype=float)), 0)
        rows = np.broadcast_to(np.asarray(rows, dtype=np.int64), shell.shape)
        pairs, inverse = np.unique(np.column_stack([shell, rows]), axis=0, return_inverse=True)
        c = self.context
        plans = []
        for sh, row in pairs:  # distinct (shell, realisation) pairs: at most shells x rows schedules, not n
            key = (int(sh), int(row))
            if key not in self._cache:
                lam = float(f[sh]) / base_f
                valued = _valued(self.shells_of(int(row)), self.grades[row], c["z"], c["top"], c["bench"],
                                 self.sc_recovery_frac, c["price"] * lam, c["pay"], c["settings"])
                self._cache[key] = schedule_shell(valued, int(sh), c["z"], c["settings"], c["rate"],
                                                  self.base.mill_cutoff_sc2o3_g_per_t / lam)
            plans.append(self._cache[key])
        feed, grade, moved = _pack(plans)
        inv = np.asarray(inverse).reshape(-1)
        return {"feed_t": feed[inv], "feed_sc2o3_g_per_t": grade[inv], "mined_t": moved[inv],
                "life_years": (feed[inv] > 0).sum(axis=1), "shell": shell}

    def shells_of(self, row: int) -> PitShells:
        """The nested pits row ``row`` mines (its own, or the kriged model's)."""
        return self.row_shells[row] if self.row_shells else self.shells

    def recovery(self, head_grade_sc_ppm: np.ndarray) -> np.ndarray:
        """The chain's recovery at head grades (Sc ppm), piecewise linear on the recovery curve."""
        return np.interp(head_grade_sc_ppm, self.curve_sc_ppm, self.curve_recovery_frac)

    def table(self) -> pd.DataFrame:
        """Long table: realisation, year, feed (t), feed grade (Sc2O3 g/t), material moved (t)."""
        r, y = np.nonzero(self.feed_t > 0)
        return pd.DataFrame({"realisation": np.asarray(self.labels)[r], "year": y + 1, "feed_t": self.feed_t[r, y],
                             "feed_sc2o3_g_per_t": self.feed_sc2o3_g_per_t[r, y], "mined_t": self.mined_t[r, y]})


def _valued(shells: PitShells, grade: np.ndarray, z: np.ndarray, top: float, bench: float, rec: float,
            price: float, pay: float, settings: dict) -> PitShells:
    econ = block_economics(grade, shells.economics.tonnes, z, top, bench, rec, price, pay, settings)
    return replace(shells, economics=econ)


def realisation_shells(grid: Any, grades: np.ndarray, tonnes: np.ndarray, sc_recovery_frac: float,
                       sc2o3_price_usd_per_kg: float, payability_frac: float, top_m: float,
                       settings: dict | None = None, workers: int | None = None,
                       arcs: tuple[np.ndarray, np.ndarray] | None = None) -> list[PitShells]:
    """Nested pits (:func:`scandia.resource.mine.pit_shells`) of each row of ``grades`` (R, n_blocks; Sc2O3 g/t)
    at the same tonnes, economics and price factors, solved side by side on ``workers`` threads (default: the
    compiled kernels' thread count; the max-flow kernel releases the GIL), on the grid's slope precedences
    ``arcs`` (built here once when not given)."""
    from ..core.jit import threads

    g = np.asarray(grades, dtype=float)
    if g.ndim != 2 or g.shape[1] != tonnes.size:
        raise ScenarioError("realisations", f"need grades of shape (R, {tonnes.size})")
    k = max(1, min(int(workers or threads()), g.shape[0] or 1))
    arcs = arcs if arcs is not None else slope_arcs(grid, settings)  # one grid: built once for every row
    with ThreadPoolExecutor(max_workers=k) as pool:
        return list(pool.map(lambda row: pit_shells(grid, row, tonnes, sc_recovery_frac, sc2o3_price_usd_per_kg,
                                                    payability_frac, top_m, settings, arcs), g))


def plan_mine(scenario: Any, est: Estimate, realisations: np.ndarray | None = None, top_m: float | None = None,
              settings: dict | None = None, tol: float = 1e-4, max_iter: int = 10, cutoff_steps: int = 4,
              curve_points: int = 5, per_realisation_pits: bool = True) -> MinePlan:
    """Steps 1-3 of the module docstring for a scenario (its base-case price, payability and discount rate) and
    an estimate; ``realisations`` (R, n_blocks) are full-grid Sc2O3 grades (g/t) of simulated models (e.g.
    from :func:`grade_realisations`), each with its own nested pits unless ``per_realisation_pits`` is False."""
    from ..chain import run

    if not 1 <= max_iter <= 50 or not tol > 0:
        raise ScenarioError("plan", "needs 1 <= max_iter <= 50 and tol > 0")
    s = settings if settings is not None else mine_settings()
    p = scenario.economics.params
    price, pay, rate = (_first(p.sc2o3_price_usd_per_kg), _first(p.sc2o3_payability_frac),
                        _first(p.discount_rate_frac))
    grid = est.blocks.grid
    d = est.blocks.data
    grade = d["sc2o3_g_per_t"].to_numpy()
    z = grid.centres()[:, 2]
    top = float(z.max() + grid.size_m[2] / 2) if top_m is None else float(top_m)
    base_run = run(scenario, n=1, skip=("resource", "alloy", "market", "economics"))
    rec0 = _first(base_run.stages["hydromet"].metrics["overall_sc_recovery_frac"])
    arcs = slope_arcs(grid, s)  # the kriged model and every realisation share the grid's precedences
    shells = pit_shells(grid, grade, d["tonnes"].to_numpy(), rec0, price, pay, top, s, arcs)
    rec, rows, converged = rec0, [], False
    for it in range(max_iter):
        valued = _valued(shells, grade, z, top, grid.size_m[2], rec, price, pay, s)
        plan, _ = best_shell(valued, z, s, rate, cutoff_steps)
        t = plan.table.iloc[:MAX_LIFE_YEARS]  # the years the economics values
        head = float((t["feed_t"] * t["feed_sc2o3_g_per_t"].fillna(0.0)).sum() / t["feed_t"].sum()) / SC2O3_PER_SC
        new = float(chain_recovery(scenario, np.array([head]))[0][0])
        rows.append({"iteration": it + 1, "sc_recovery_frac": rec, "shell": plan.shell,
                     "mill_cutoff_sc2o3_g_per_t": plan.mill_cutoff_sc2o3_g_per_t, "life_years": plan.life_years,
                     "head_grade_sc_ppm": head, "chain_sc_recovery_frac": new, "change_frac": new - rec})
        if abs(new - rec) < tol:
            converged = True
            break
        rec = new
    base_valued = _valued(shells, grade, z, top, grid.size_m[2], rec, price, pay, s)
    grades = [grade] + ([] if realisations is None else list(np.asarray(realisations, dtype=float)))
    labels = ["kriged"] + [f"simulation {i}" for i in range(len(grades) - 1)]
    row_shells = [shells]
    if per_realisation_pits and len(grades) > 1:  # solved at the first recovery, as the kriged model's were
        row_shells += realisation_shells(grid, np.asarray(grades[1:]), shells.economics.tonnes, rec0, price, pay,
                                         top, s, arcs=arcs)
    own = row_shells if len(row_shells) > 1 else [shells] * len(grades)
    plans = [plan] + [schedule_shell(_valued(own[r], g, z, top, grid.size_m[2], rec, price, pay, s), plan.shell, z, s,
                                     rate, plan.mill_cutoff_sc2o3_g_per_t) for r, g in enumerate(grades[1:], start=1)]
    feed, fgrade, moved = _pack(plans)
    life = (feed > 0).sum(axis=1)
    fed = fgrade[feed > 0]
    lo, hi = (float(fed.min()), float(fed.max())) if fed.size else (head * SC2O3_PER_SC,) * 2
    curve = np.unique(np.linspace(lo, max(hi, lo * 1.0001), max(2, int(curve_points))) / SC2O3_PER_SC)
    curve_rec, closed = chain_recovery(scenario, curve)
    context = {"z": z, "top": top, "bench": grid.size_m[2], "price": price, "pay": pay, "settings": s, "rate": rate}
    return MinePlan(base_valued, plan, pd.DataFrame(rows), converged, rec, head, labels, feed, fgrade, moved, life,
                    curve, curve_rec, closed, np.asarray(grades), context, row_shells if len(row_shells) > 1 else [])


def schedule_metrics(feed_t: np.ndarray, feed_sc2o3_g_per_t: np.ndarray, mined_t: np.ndarray
                     ) -> dict[str, np.ndarray]:
    """Per row of (rows, years) schedules: years of feed, feed (Mt), its tonnage-weighted grade (Sc2O3 g/t) and
    the material moved (Mt)."""
    fed = feed_t.sum(axis=1)
    return {"mine_life_years": (feed_t > 0).sum(axis=1).astype(float), "feed_mt": fed / 1e6,
            "feed_sc2o3_g_per_t": (feed_t * feed_sc2o3_g_per_t).sum(axis=1) / np.maximum(fed, 1e-300),
            "mined_mt": mined_t.sum(axis=1) / 1e6}


def _pack(plans: list[Schedule]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feed (t), feed grade (Sc2O3 g/t) and material moved (t) of schedules as (len(plans), years) arrays, zero
    after each one's last year."""
    years = max(len(q.table) for q in plans)
    feed, grade, moved = (np.zeros((len(plans), years)) for _ in range(3))
    for i, q in enumerate(plans):
        k = len(q.table)
        feed[i, :k] = q.table["feed_t"].to_numpy()
        grade[i, :k] = q.table["feed_sc2o3_g_per_t"].fillna(0.0).to_numpy()
        moved[i, :k] = q.table["mined_t"].to_numpy()
    return feed, grade, moved


def grade_realisations(est: Estimate, sim: Any) -> np.ndarray:
    """Full-grid Sc2O3 grades (R, n_blocks) of each realisation: the simulated SMUs of the mineralised domain,
    the kriged grades elsewhere (the waste domain is not simulated)."""
    base = est.blocks.data["sc2o3_g_per_t"].to_numpy()
    out = np.repeat(base[None, :], sim.realisations, axis=0)
    out[:, sim.blocks] = sim.sc_ppm * SC2O3_PER_SC
    return out


def plan_fractions(plan: MinePlan, nameplate_t_per_yr: Any, rec_head: Any, ramp_first: Any,
                   rows: np.ndarray | None = None, schedules: dict[str, np.ndarray] | None = None
                   ) -> dict[str, np.ndarray]:
    """Step 4's inputs for the economics stage: production and throughput per production year as fractions of
    nameplate (the ramp-up applied to the first two years) and the life, for the plan's realisations ``rows``
    (default all) or the ``schedules`` of :meth:`MinePlan.schedules_for`. ``nameplate_t_per_yr`` (the plant's
    ore feed rate x operating hours), ``rec_head`` (the nameplate's recovery at the plan's head grade) and
    ``ramp_first`` are one value or one per row; throughput is capped at the nameplate."""
    if schedules is None:
        idx = np.arange(plan.feed_t.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
        schedules = {"feed_t": plan.feed_t[idx], "feed_sc2o3_g_per_t": plan.feed_sc2o3_g_per_t[idx],
                     "life_years": plan.life_years[idx]}
    years = min(schedules["feed_t"].shape[1], MAX_LIFE_YEARS)
    feed, g = schedules["feed_t"][:, :years], schedules["feed_sc2o3_g_per_t"][:, :years] / SC2O3_PER_SC
    # the plant cannot run above its nameplate (a sampled run may shorten its operating hours below the mill
    # season the schedule assumed): throughput is capped at 1
    thr = np.minimum(feed / np.asarray(nameplate_t_per_yr, dtype=float).reshape(-1, 1), 1.0)
    rec = np.asarray(rec_head, dtype=float).reshape(-1, 1)
    prod = thr * g / plan.head_grade_sc_ppm * plan.recovery(g) / rec
    first = np.asarray(ramp_first, dtype=float).reshape(-1)
    for k, f in enumerate((first, 0.5 * (1.0 + first))[:years]):
        thr[:, k] *= f
        prod[:, k] *= f
    return {"production_frac": prod, "throughput_frac": thr,
            "life_years": np.minimum(np.maximum(schedules["life_years"], 1), MAX_LIFE_YEARS)}


def plan_economics(scenario: Any, plan: MinePlan) -> tuple[Any, dict[str, np.ndarray]]:
    """Step 4 of the module docstring: the economics stage for every realisation of ``plan`` (the scenario axis
    is the realisation axis), the chain run at the plan's head grade (mean over the valued years). Returns the
    economics result and the plan's per-year fractions it was given."""
    from ..chain import run
    from ..economics.stage import run_economics

    scen = scenario.with_values({"beneficiation.head_grade_sc_ppm": float(np.clip(plan.head_grade_sc_ppm, 10, 5000))})
    base = run(scen, n=1, skip=("resource", "market", "economics"))
    p = scen.plant
    nameplate_t = _first(p.ore_feed_rate_tph) * _first(p.operating_hours_per_year_h_per_yr)
    rec_design = _first(base.stages["hydromet"].metrics["overall_sc_recovery_frac"])  # the nameplate's own
    fractions = plan_fractions(plan, nameplate_t, rec_design, _first(scen.economics.params.ramp_up_first_year_frac))
    n = plan.feed_t.shape[0]
    econ = run_economics(scen, n, hydromet=base.stages["hydromet"], alloy=base.stages.get("alloy"), plan=fractions)
    return econ, fractions
