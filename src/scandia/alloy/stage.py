"""The alloy stage: master alloy from the chain's Sc₂O₃, the Sc(-Zr)-modified alloy after its heat treatment,
its cost premium, and (optionally) the inverse design. Runs alone from the scenario's ``alloy`` section or in the
chain, where ``sc2o3_price_basis: chain`` prices the oxide at the hydromet stage's reagent cost per kg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..core.errors import ScenarioError
from ..core.status import Status, combine
from ..scenario.schema import Scenario
from .design import DesignResult, alloy_cost, design
from .master_alloy import MasterAlloyResult, master_alloy
from .properties import AlloyProperties, base_alloy, base_yield_mpa, predict, to_mole_fractions
from .strength import STRENGTH_DRAWS
from .table import TABLE_MIN_SAMPLES, TableInfo, tabulated_predict
from .thermo import database

__all__ = ["AlloyResult", "run_alloy"]


@dataclass
class AlloyResult:
    """Master alloy, alloy properties, cost premium (arrays (n,)), base-alloy yield and optional design."""

    master: MasterAlloyResult
    properties: AlloyProperties
    base_yield_mpa: np.ndarray
    cost_premium_usd_per_kg: dict[str, np.ndarray]
    sc2o3_price_usd_per_kg: np.ndarray
    status: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    design: DesignResult | None = None
    phase: dict[str, Any] = field(default_factory=dict)
    price_basis_used: str = "market"
    #: how the properties were tabulated over (Sc, Zr) in a large sampled run (None: the model per scenario)
    table: TableInfo | None = None

    @property
    def dataset(self) -> Any:
        """This stage's results as an ``xarray.Dataset`` (named dimensions, units in attributes, status);
        see :mod:`scandia.core.labelled`."""
        from ..core.labelled import stage_dataset

        return stage_dataset("alloy", self)

def run_alloy(scenario: Scenario, n: int = 1, sc2o3_cost_usd_per_kg: np.ndarray | None = None,
              arrays: dict[str, np.ndarray] | None = None) -> AlloyResult:
    """Evaluate the alloy section for ``n`` scenarios; ``sc2o3_cost_usd_per_kg`` is the chain's oxide cost.

    ``arrays`` may vary ``alloy.sc_wt_pct``, ``alloy.zr_wt_pct``, ``alloy.sc2o3_price_usd_per_kg`` and
    ``alloy.master_alloy.*`` per scenario. When nothing in the alloy varies, the alloy itself (precipitation and
    strength) is evaluated once and shared by all scenarios.
    """
    a = scenario.alloy
    arrays = arrays or {}
    known = {"alloy.sc_wt_pct", "alloy.zr_wt_pct", "alloy.sc2o3_price_usd_per_kg"} | {
        f"alloy.master_alloy.{k}" for k in type(a.master_alloy).model_fields} | set(STRENGTH_DRAWS)
    unknown = set(arrays) - known
    if unknown:
        raise ScenarioError(sorted(unknown)[0], "cannot vary per scenario (alloy fields that can: "
                            + ", ".join(sorted(known)) + ")")
    price_status = np.zeros(n, dtype=np.int8)
    if a.sc2o3_price_basis == "chain" and sc2o3_cost_usd_per_kg is not None:
        price = np.broadcast_to(np.asarray(sc2o3_cost_usd_per_kg, dtype=float), (n,)).copy()
        # a chain that made no oxide has no cost per kg: those scenarios fall back to the market price, flagged
        bad = ~np.isfinite(price) | (price <= 0) | (price > 1e5)
        price = np.where(bad, float(a.sc2o3_price_usd_per_kg), price)
        price_status = np.where(bad, Status.out_of_range, 0).astype(np.int8)
        basis_used = "chain"
    else:
        price = np.broadcast_to(arrays.get("alloy.sc2o3_price_usd_per_kg", float(a.sc2o3_price_usd_per_kg)),
                                (n,)).astype(float)
        basis_used = "market" if a.sc2o3_price_basis == "market" else "market (no hydromet stage in this run)"
    ma_params = {k: arrays.get(f"alloy.master_alloy.{k}", v) for k, v in a.master_alloy.model_dump().items()}
    ma = master_alloy(a.master_alloy_route, n, price, **ma_params)
    varies = any(k in arrays for k in ("alloy.sc_wt_pct", "alloy.zr_wt_pct"))
    m = n if varies else 1  # the metallurgy is shared when the composition does not vary
    temps = np.tile([s.temp_c for s in a.aging], (m, 1))
    hours = np.tile([s.duration_h for s in a.aging], (m, 1))
    sc = np.broadcast_to(arrays.get("alloy.sc_wt_pct", float(a.sc_wt_pct)), (m,)).astype(float)
    zr = np.broadcast_to(arrays.get("alloy.zr_wt_pct", float(a.zr_wt_pct)), (m,)).astype(float)
    table = None
    cast_kw = {"casting": a.casting, "cooling_rate_k_s": a.cooling_rate_k_s,
               "homogenise": None if a.homogenise is None else (a.homogenise.temp_c, a.homogenise.duration_h)}
    if varies and m >= TABLE_MIN_SAMPLES:  # the model tabulated over (Sc, Zr), its yield error bounded (1 %)
        props, table = tabulated_predict(a.base, sc, zr, temps[0], hours[0], model=a.precipitation_model,
                                         times_h=_curve_times(hours.sum(axis=1).max()), **cast_kw)
    else:
        props = predict(a.base, sc, zr, temps, hours, times_h=_curve_times(hours.sum(axis=1).max()),
                        model=a.precipitation_model, **cast_kw)
    base_ys = np.full(n, base_yield_mpa(a.base))
    if all(k in arrays for k in STRENGTH_DRAWS):  # the fitted strength constants, sampled jointly
        props, base_ys = _shift_strength(props, base_ys, a.base, n, np.column_stack(
            [np.broadcast_to(np.asarray(arrays[k], dtype=float), (n,)) for k in STRENGTH_DRAWS]))
    cost = alloy_cost(a.base, sc, zr, hours.sum(axis=1), ma.cost_usd_per_kg,
                      np.asarray(ma_params["master_sc_wt_pct"], dtype=float))
    premium = sum(cost.values())
    gain = np.broadcast_to(props.yield_mpa, (n,)) - base_ys
    metrics = {
        "master_alloy_cost_usd_per_kg": ma.cost_usd_per_kg,
        "master_alloy_cost_usd_per_kg_sc": ma.cost_usd_per_kg_sc,
        "master_alloy_co2e_kg_per_kg": ma.co2e_kg_per_kg,
        "master_alloy_energy_kwh_per_kg": ma.energy_kwh,
        "sc2o3_kg_per_kg_master_alloy": ma.inputs_kg["sc2o3"],
        "sc2o3_price_usd_per_kg": price,
        "yield_mpa": props.yield_mpa,
        "as_cast_yield_mpa": props.as_cast_yield_mpa,
        "sc_in_solution_frac": props.sc_in_solution_frac,
        "sdas_um": props.cast.sdas_um[0],
        "beta_possible": props.beta["beta_possible"].astype(float),
        "mg_solvus_c": props.beta["mg_solvus_c"],
        "mg_in_solution_if_beta_wt_pct": props.beta["mg_in_solution_if_beta_wt_pct"],
        "yield_if_beta_mpa": props.beta["yield_if_beta_mpa"],
        "uts_mpa": props.uts_mpa,
        "hardness_mpa": props.hardness_mpa,
        "base_yield_mpa": base_ys,
        "yield_gain_mpa": gain,
        "cost_premium_usd_per_kg": premium,
        "cost_usd_per_mpa_per_kg": np.where(gain > 1e-6, premium / np.maximum(gain, 1e-6), np.nan),
        "grain_um": props.grain_um,
        "primary_al3sc_frac": props.primary_al3sc_frac,
        "sc_threshold_wt_pct": props.sc_threshold_wt_pct,
        "precipitate_radius_nm": props.radius_nm,
        "precipitate_number_density_m3": props.number_density_m3,
        "precipitate_volume_frac": props.volume_fraction,
    }
    db = database()
    t_e, x_l, x_s = db.eutectic()
    phase = {"eutectic_temp_c": t_e - 273.15, "eutectic_liquid_sc_at_frac": x_l, "max_solubility_sc_at_frac": x_s,
             **_phase_tables(a.base, float(a.sc_wt_pct), float(a.zr_wt_pct))}
    metrics = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in metrics.items()}
    result = AlloyResult(master=ma, properties=props, base_yield_mpa=base_ys, cost_premium_usd_per_kg=cost,
                         sc2o3_price_usd_per_kg=price,
                         status=combine(np.broadcast_to(props.status, (n,)), price_status), metrics=metrics,
                         phase=phase, price_basis_used=basis_used, table=table)
    if a.design:
        result.design = design(a.base, float(a.target_yield_mpa), sc2o3_usd_per_kg=float(np.median(price)),
                               master_route=a.master_alloy_route, model=a.precipitation_model,
                               master_sc_wt_pct=float(a.master_alloy.master_sc_wt_pct),
                               cooling_rate_k_s=a.cooling_rate_k_s,
                               second_step=_pair(a.design_second_step), exposure=_pair(a.design_exposure))
    return result


def _pair(step) -> tuple[float, float] | None:
    """An aging step of the scenario as (temp_c, hours), or None (also for a zero duration: no step)."""
    return None if step is None or float(step.duration_h) == 0.0 else (float(step.temp_c), float(step.duration_h))


def _shift_strength(props: AlloyProperties, base_ys: np.ndarray, base: str, n: int,
                    z: np.ndarray) -> tuple[AlloyProperties, np.ndarray]:
    """The properties with the fitted strength constants moved by their joint sample (z: (n, 3) standard
    normals, mapped through the Cholesky factor of :func:`scandia.alloy.strength.fit_base_constants`): each term
    that reads a constant moves, the yield, UTS, hardness and as-cast yield with them, the β-bound yield by the same
    shift less the moved k_Mg's share of the Mg it loses, and the base alloy's yield by its own shift."""
    from dataclasses import replace

    from .strength import StrengthModel, _basis, fit_base_constants

    rec = base_alloy(base)
    delta = z @ np.linalg.cholesky(fit_base_constants()["cov"]).T  # (n, 3)
    grain = np.broadcast_to(props.grain_um, (n,)) * 1e-6
    basis = _basis(np.full(n, rec["mg_wt_pct"]), grain)
    shifts = delta * basis  # intrinsic, solid solution, grain boundary
    contrib = {k: np.broadcast_to(v, (n,)).astype(float) for k, v in props.contributions_mpa.items()}
    for j, term in enumerate(("intrinsic", "solid_solution", "grain_boundary")):
        contrib[term] = contrib[term] + shifts[:, j]
    dy = shifts.sum(axis=1)
    c = StrengthModel().constants
    base_shift = np.einsum("nk,nk->n", delta, _basis(np.full(n, rec["mg_wt_pct"]), np.full(n, rec["grain_um"] * 1e-6)))
    ys = np.broadcast_to(props.yield_mpa, (n,)) + dy
    out = replace(props, contributions_mpa=contrib, yield_mpa=ys, hardness_mpa=c["hardness_per_yield"] * ys,
                  uts_mpa=np.broadcast_to(props.uts_mpa, (n,)) + c["uts_gain_per_yield_gain"] * (dy - base_shift),
                  as_cast_yield_mpa=np.broadcast_to(props.as_cast_yield_mpa, (n,)) + dy)
    if out.beta is not None:
        mg_lost_term = (rec["mg_wt_pct"] ** (2 / 3)
                        - np.maximum(np.broadcast_to(out.beta["mg_in_solution_if_beta_wt_pct"], (n,)), 0.0) ** (2 / 3))
        out.beta = {**out.beta, "yield_if_beta_mpa": np.broadcast_to(out.beta["yield_if_beta_mpa"], (n,)) + dy
                    - delta[:, 1] * mg_lost_term}
    return out, base_ys + base_shift


@lru_cache(maxsize=64)
def _phase_tables(base: str, sc_wt: float, zr_wt: float) -> dict[str, Any]:
    """Equilibrium Al3Sc fraction against temperature and the Scheil path of the scenario's alloy (scenario 0);
    cached, since repeated chain runs (tornado, Sobol, sweeps) ask for the same alloy."""
    db = database()
    rec = base_alloy(base)
    x = to_mole_fractions(np.array([rec["mg_wt_pct"]]), np.array([sc_wt]), np.array([zr_wt]))
    temps_c = np.arange(250.0, 661.0, 10.0)
    frac = db.al3sc_fraction(x["SC"][0], temps_c + 273.15, x["MG"][0])
    solvus = db.solvus(temps_c + 273.15, others={"MG": np.full(temps_c.shape, max(x["MG"][0], 1e-12))})
    x_mg = max(float(x["MG"][0]), 1e-12)
    sch = db.scheil(np.array([[1.0 - x_mg - x["SC"][0], x_mg, x["SC"][0]]]), steps=30)
    return {
        "equilibrium": {"temp_c": temps_c, "solvus_sc_at_frac": solvus, "al3sc_frac": frac},
        "scheil": {"fraction_solid": sch["fraction_solid"], "temp_c": sch["temp_k"][0] - 273.15,
                   "al3sc_frac": sch["al3sc_frac"][0]},
        "primary_al3sc_on_solidification": bool(sch["al3sc_frac"][0, 0] > 0),
    }


def _curve_times(end_h: float) -> np.ndarray:
    """Output times for the aging curve: log-spaced to the end of the schedule."""
    if end_h <= 0:
        return np.array([0.0])
    return np.unique(np.concatenate([[0.0], np.geomspace(min(0.01, end_h), end_h, 25)]))
