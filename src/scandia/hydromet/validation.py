"""Checks of the acid loop against published plant figures (tests/validation/test_acid_loop_validation.py and
docs/figures/acid_loop.svg).

- Fresh HCl per t of ore of each HCl route of the default scenario, against the 100-1,000 kg/t (about 500 on
  average) that rare-earth projects consume (Bogner 2014, via a CIM 2016 paper; shared/reference).
- The roaster's fuel per m3 of a spent pickle liquor (130 g/L Fe as FeCl2, 30 g/L free HCl: an assumed typical
  composition) against the 600-1,200 kcal/L (2.5-5.0 GJ/m3) of spray-roasting acid regeneration plants
  (Wikipedia, 'Hydrochloric acid regeneration', comparison of implementations; secondary).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

__all__ = ["HCL_ROUTES", "acid_loop_check", "footprint_by_route", "pickle_liquor"]

#: published cradle-to-gate GWP of Sc2O3: Zhang, Gao, Gong, Wang & Liu (2019) "Life Cycle Assessment of Erbium
#: Oxide and Scandium Oxide", Mater. Sci. Forum 944:1130 (abstract; Chinese production, feedstock not stated)
PUBLISHED_SC2O3_KG_CO2E_PER_KG = 743.0

#: the HCl routes compared (leach route names of the registry)
HCL_ROUTES = ("tank", "tank_recycle", "tank_regen", "caustic")


def pickle_liquor(chem: Any, fe_g_per_l: Any = (130.0,), free_hcl_g_per_l: Any = (30.0,)) -> Any:
    """About 1 m3/h of a spent pickle liquor: Fe as FeCl2 and free HCl in 1 t of water, one row per value."""
    from ..core.stream import Stream

    cs = chem.components
    fe = np.asarray(fe_g_per_l, dtype=float)
    comp = np.zeros((fe.size, len(cs)))
    mm = cs.molar_mass_g_per_mol
    comp[:, cs.index("Fe2(aq)")] = fe * 1e-3 / 55.845 * mm[cs.index("Fe2(aq)")]
    comp[:, cs.index("HCl")] = np.asarray(free_hcl_g_per_l, dtype=float) * 1e-3
    comp[:, cs.index("H2O")] = 1.0
    return Stream.solution(cs, comp, "spent liquor")


@cache
def _hcl_routes_run(scenario: str) -> tuple[Any, Any]:
    """One chain run with every HCl route in the hydromet trade-off (cached per process: the validation tests and
    the docs figures share it)."""
    import scandia

    s = scandia.load(scenario).with_values({"hydromet.leach_route": "tank", "hydromet.routes": list(HCL_ROUTES)})
    return s, scandia.run(s)


@cache
def acid_loop_check(scenario: str = "crater-lake") -> dict[str, Any]:
    """{"hcl_kg_per_t_ore": {route: kg/t}, "roaster_gj_per_m3": GJ/m3} (module docstring)."""
    from ..beneficiation.ore import ore_model
    from ..scenario.params import PARAMS
    from .chemistry import chemistry
    from .regeneration import Pyrohydrolysis

    s, res = _hcl_routes_run(scenario)
    ore_tpa = s.plant.ore_feed_rate_tph * s.plant.operating_hours_per_year_h_per_yr
    out: dict[str, float] = {}
    for route in HCL_ROUTES:
        m = res.hydromet.routes[route]
        out[route] = float(m["hcl_kg_per_kg_sc2o3"][0] * m["sc2o3_production_tpa"][0] * 1e3 / ore_tpa)
    chem = chemistry("HCl", ore_model("met01").components)
    keys = ("roaster_temperature_c", "acid_return_frac", "acid_mass_frac", "mg_hydrolysis_frac",
            "furnace_efficiency_frac", "offgas_temperature_c", "excess_air_frac")
    unit = Pyrohydrolysis(chem, **{k: PARAMS[f"hydromet.tank_regen.{k}"].default for k in keys})
    gj = float(unit.run({"liquor": pickle_liquor(chem)}).design["fuel_gj_per_m3_liquor"][0])
    return {"hcl_kg_per_t_ore": out, "roaster_gj_per_m3": gj}


#: footprint sources grouped for the figure: label -> sources of :func:`scandia.economics.footprint.oxide_footprint`
FOOTPRINT_GROUPS = {"HCl": ("hcl",), "NaOH": ("naoh",), "lime": ("cao",), "natural gas": ("ch4",),
                    "other": ("h2c2o4", "d2ehpa", "kerosene", "electricity", "mining_diesel")}


def footprint_by_route(scenario: str = "crater-lake") -> dict[str, dict[str, float]]:
    """kg CO2e per kg Sc2O3 of each HCl route by source group (:data:`FOOTPRINT_GROUPS`; "other" is oxalic
    acid, D2EHPA, kerosene, electricity and mining diesel), the whole site's
    footprint on the oxide (allocation ``none``: the mixed REO takes about 3 % under economic allocation), from
    the trade-off run's hydromet metrics and the same factors as the economics stage."""
    from ..economics.footprint import oxide_footprint

    s, res = _hcl_routes_run(scenario)
    hours = s.plant.operating_hours_per_year_h_per_yr
    ore_tpa = np.array([s.plant.ore_feed_rate_tph * hours])
    out: dict[str, dict[str, float]] = {}
    for route in HCL_ROUTES:
        m = res.hydromet.routes[route]
        q = {"sc2o3_kg_per_yr": m["sc2o3_production_tpa"] * 1e3, "ore_tpa": ore_tpa,
             "concentrate_tpa": m["concentrate_tph"] * hours,
             "evaporator_kwh_per_yr": m["evaporator_mw"] * 1e3 * hours}
        fp = oxide_footprint(m, q)
        out[route] = {g: float(sum(np.asarray(fp[k]).reshape(-1)[0] for k in keys))
                      for g, keys in FOOTPRINT_GROUPS.items()}
    return out
