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

__all__ = ["HCL_ROUTES", "acid_loop_check", "pickle_liquor"]

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
def acid_loop_check(scenario: str = "crater-lake") -> dict[str, Any]:
    """{"hcl_kg_per_t_ore": {route: kg/t}, "roaster_gj_per_m3": GJ/m3} (module docstring); one chain run (cached
    per process: the validation test and the docs figure share it)."""
    import scandia

    from ..beneficiation.ore import ore_model
    from ..scenario.params import PARAMS
    from .chemistry import chemistry
    from .regeneration import Pyrohydrolysis

    s = scandia.load(scenario).with_values({"hydromet.leach_route": "tank", "hydromet.routes": list(HCL_ROUTES)})
    res = scandia.run(s)
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
