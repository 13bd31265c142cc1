"""Summary and tables of the alloy stage (formatting only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.results import metric_summary
from ..core.status import Status
from ..scenario.schema import Scenario
from .stage import AlloyResult

__all__ = ["HEADLINE", "aging_curve_table", "binary_phase_table", "casting_regions_table", "equilibrium_table",
           "master_alloy_table", "scheil_table", "stage_summary", "strength_table", "strength_vs_sc_table"]

HEADLINE = ("yield_mpa", "as_cast_yield_mpa", "uts_mpa", "base_yield_mpa", "yield_gain_mpa", "sc_in_solution_frac",
            "precipitate_radius_nm", "grain_um",
            "master_alloy_cost_usd_per_kg", "master_alloy_cost_usd_per_kg_sc", "master_alloy_co2e_kg_per_kg",
            "cost_premium_usd_per_kg", "cost_usd_per_mpa_per_kg")


def stage_summary(result: AlloyResult, scenario: Scenario) -> dict[str, Any]:
    """The ``stages.alloy`` object of the run summary."""
    ok = result.status < Status.not_converged
    a = scenario.alloy
    out: dict[str, Any] = {
        "base": a.base, "sc_wt_pct": a.sc_wt_pct, "zr_wt_pct": a.zr_wt_pct,
        "aging": [{"temp_c": s.temp_c, "duration_h": s.duration_h} for s in a.aging],
        "master_alloy_route": a.master_alloy_route, "sc2o3_price_basis": result.price_basis_used,
        "metrics": {k: metric_summary(v, ok) for k, v in result.metrics.items()},
        "strength_terms_mpa": {k: metric_summary(v, ok if np.size(v) == ok.size else None)
                               for k, v in result.properties.contributions_mpa.items()},
        "phase_diagram": {k: v for k, v in result.phase.items() if not isinstance(v, dict)},
    }
    cast = result.properties.cast
    if cast is not None:
        out["casting"] = {
            "process": a.casting, "cooling_rate_k_s": float(cast.cooling_rate_k_s[0]),
            "sdas_um": float(cast.sdas_um[0]), "regions": int(cast.region_frac.size),
            "partition_coefficient": {"sc": cast.partition[0], "zr": cast.partition[1]},
            "homogenise": None if a.homogenise is None else {"temp_c": a.homogenise.temp_c,
                                                             "duration_h": a.homogenise.duration_h}}
    if result.table is not None:
        out["table"] = result.table.as_dict()
    if result.design is not None:
        d = result.design
        out["design"] = {"target_yield_mpa": d.target_yield_mpa, "feasible": d.feasible,
                         "best": d.best_dict(),
                         "pareto_points": len(d.pareto)}
    return out


def strength_table(result: AlloyResult) -> pd.DataFrame:
    """Strength contributions per scenario (MPa), in the model's order."""
    df = pd.DataFrame({f"{k}_mpa": v for k, v in result.properties.contributions_mpa.items()})
    df["yield_mpa"] = result.properties.yield_mpa
    df.insert(0, "scenario", np.arange(len(df)))
    return df


def aging_curve_table(result: AlloyResult) -> pd.DataFrame:
    """Yield, radius, number density and volume fraction against aging time for scenario 0."""
    p = result.properties
    prec = p.precipitation
    return pd.DataFrame({"time_h": p.times_h, "yield_mpa": p.yield_at_times_mpa[0],
                         "radius_nm": prec.mean_radius_nm[0], "number_density_m3": prec.number_density_m3[0],
                         "volume_frac": prec.volume_fraction[0], "zr_site_frac": prec.zr_site_frac[0]})


def equilibrium_table(result: AlloyResult) -> pd.DataFrame:
    """(Al) solvus and equilibrium Al3Sc fraction of the scenario's alloy against temperature."""
    return pd.DataFrame(result.phase["equilibrium"])


def casting_regions_table(result: AlloyResult) -> pd.DataFrame:
    """Scenario 0's casting regions: fraction-solid interval, volume share, Sc and Zr in solution relative to
    the alloy's, and the yield of each after the heat treatment."""
    p = result.properties
    cast = p.cast
    r = cast.region_frac.size
    edges = np.concatenate([[0.0], np.cumsum(cast.region_frac)])
    with np.errstate(invalid="ignore", divide="ignore"):
        sc = cast.x_region[0, :, 0] / cast.x_total[0, 0] if cast.x_total[0, 0] > 0 else np.full(r, np.nan)
        zr = cast.x_region[0, :, 1] / cast.x_total[0, 1] if cast.x_total[0, 1] > 0 else np.full(r, np.nan)
    return pd.DataFrame({"region": np.arange(r), "fraction_solid_from": edges[:-1], "fraction_solid_to": edges[1:],
                         "volume_frac": cast.region_frac, "sc_relative_to_alloy": sc, "zr_relative_to_alloy": zr,
                         "region_yield_mpa": np.asarray(p.yield_regions_mpa)[0]})


def scheil_table(result: AlloyResult) -> pd.DataFrame:
    """Scheil solidification path of the scenario's alloy: temperature and Al3Sc formed against fraction solid."""
    return pd.DataFrame(result.phase["scheil"])


def master_alloy_table(result: AlloyResult) -> pd.DataFrame:
    """Inputs and outputs per kg master alloy (scenario 0), with cost and CO2e items."""
    m = result.master
    rows = [("input", k, float(v[0]), "kg/kg") for k, v in m.inputs_kg.items()]
    rows += [("output", k, float(v[0]), "kg/kg") for k, v in m.outputs_kg.items()]
    rows += [("energy", "electricity", float(m.energy_kwh[0]), "kWh/kg")]
    rows += [("cost", k, float(np.asarray(v).reshape(-1)[0]), "USD/kg") for k, v in m.cost_usd.items()]
    rows += [("co2e", k, float(np.asarray(v).reshape(-1)[0]), "kg CO2e/kg") for k, v in m.co2e_kg.items()]
    rows += [("balance", f"{e} out - in", float(v[0]), "kg/kg") for e, v in m.element_balance().items()]
    return pd.DataFrame(rows, columns=["kind", "item", "value", "unit"])


def binary_phase_table(points: int = 30) -> pd.DataFrame:
    """Al-rich corner of the Al-Sc diagram from scandia's description (``data/alloy/thermo*.yaml``): the (Al)
    solvus below the eutectic and the (Al) and Al3Sc liquidus lines, as (curve, sc_at_pct, temp_c) rows."""
    from .thermo import database

    db = database()
    t_e, x_e, _ = db.eutectic()
    temps = np.linspace(700.0, t_e, points)
    x_liq = np.linspace(1e-5, 0.006, points)
    t_fcc, _ = db.liquidus_fcc(np.stack([1 - x_liq, x_liq], axis=-1))
    t_c = db.liquidus_compound(x_liq)
    lo, hi = x_liq <= x_e, x_liq >= x_e
    parts = [("(Al) solvus", db.solvus(temps), temps), ("(Al) liquidus", x_liq[lo], t_fcc[lo]),
             ("Al3Sc liquidus", x_liq[hi], t_c[hi]), ("eutectic", np.array([x_e]), np.array([t_e]))]
    return pd.concat([pd.DataFrame({"curve": name, "sc_at_pct": 100 * np.asarray(x, dtype=float).reshape(-1),
                                    "temp_c": np.asarray(t, dtype=float).reshape(-1) - 273.15})
                      for name, x, t in parts], ignore_index=True)


def strength_vs_sc_table(scenario: Scenario, sc_wt_pct: np.ndarray | None = None) -> pd.DataFrame:
    """Yield strength against Sc content at the scenario's Zr and aging schedule, aged and as cast [MPa].

    One vectorized :func:`~scandia.alloy.properties.predict` call (the scenario's precipitation model)."""
    from .properties import predict

    a = scenario.alloy
    sc = np.linspace(0.0, 0.5, 11) if sc_wt_pct is None else np.asarray(sc_wt_pct, dtype=float)
    k = sc.size
    temps = np.tile([s.temp_c for s in a.aging], (k, 1))
    hours = np.tile([s.duration_h for s in a.aging], (k, 1))
    aged = predict(a.base, sc, np.full(k, float(a.zr_wt_pct)), temps, hours, model=a.precipitation_model)
    cast = predict(a.base, sc, np.full(k, float(a.zr_wt_pct)), np.full((k, 1), 20.0), np.zeros((k, 1)))
    return pd.DataFrame({"sc_wt_pct": sc, "zr_wt_pct": float(a.zr_wt_pct),
                         "aged_yield_mpa": np.broadcast_to(aged.yield_mpa, (k,)),
                         "as_cast_yield_mpa": np.broadcast_to(cast.yield_mpa, (k,)),
                         "status": [Status(int(v)).name for v in np.broadcast_to(aged.status, (k,))]})


def design_pareto_table(result: AlloyResult) -> pd.DataFrame | None:
    """The inverse design's Pareto set (cost against strength), or None when the scenario asks for no design."""
    return None if result.design is None else result.design.pareto
