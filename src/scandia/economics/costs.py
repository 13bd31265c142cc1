"""Capital and operating costs from the chain's quantities (factored, PEA-level: AACE class 5/4).

Capital by area: C = C_ref·(Q/Q_ref)^e·CEPCI(year)/CEPCI(ref year) (the six-tenths rule, Williams 1947;
escalation by the Chemical Engineering Plant Cost Index), plus indirects on areas costed from equipment-level
references and a contingency. Operating cost per year: mining and concentrating per tonne of ore, the hydromet
reagents the chain computes, other hydromet costs per tonne of concentrate, G&A, product transport.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.datafiles import load_data

__all__ = ["capex_by_area", "cepci", "opex_by_item"]


def cepci(year: int) -> float:
    """CEPCI annual average of ``year`` (data/economics/capex.yaml)."""
    values = {int(k): float(v) for k, v in load_data("economics/capex.yaml")["cepci"]["values"].items()}
    if year not in values:
        raise KeyError(f"no CEPCI value for {year}; available {min(values)}-{max(values)}")
    return values[year]


def capex_by_area(quantities: dict[str, np.ndarray], currency_year: int, indirects_frac: np.ndarray,
                  contingency_frac: np.ndarray) -> dict[str, np.ndarray]:
    """Installed capital per area plus 'indirects' and 'contingency' [US$], each (n,)."""
    data = load_data("economics/capex.yaml")
    out: dict[str, np.ndarray] = {}
    direct_no_ind = 0.0
    for name, a in data["areas"].items():
        q = np.asarray(quantities[a["basis"]], dtype=float)
        cost = a["ref_cost_musd"] * 1e6 * (np.maximum(q, 0.0) / a["ref_quantity"]) ** a["exponent"]
        cost = cost * cepci(currency_year) / cepci(a["ref_year"])
        out[name] = cost
        if not a.get("includes_indirects", False):
            direct_no_ind = direct_no_ind + cost
    out["indirects"] = np.asarray(indirects_frac) * direct_no_ind
    out["contingency"] = np.asarray(contingency_frac) * sum(out.values())
    return out


def opex_by_item(q: dict[str, np.ndarray], p: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Operating cost items at full production [US$/yr]: (variable with Sc2O3 output, fixed)."""
    variable = {
        "mining": q["ore_tpa"] * p["mining_usd_per_t_ore"],
        "concentrator": q["ore_tpa"] * p["concentrator_usd_per_t_ore"],
        "hydromet_reagents": q["reagent_cost_usd_per_yr"],
        "hydromet_other": q["concentrate_tpa"] * p["hydromet_other_usd_per_t_concentrate"],
        "product_transport": q["sc2o3_kg_per_yr"] * p["product_transport_usd_per_kg"],
    }
    fixed = {"general_admin": np.broadcast_to(np.asarray(p["general_admin_usd_per_yr"], dtype=float),
                                              q["ore_tpa"].shape).copy()}
    return variable, fixed
