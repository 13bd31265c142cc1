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
from ..core.registry import CapexItem

__all__ = ["capex_by_area", "capex_items", "cepci", "opex_by_item"]


def cepci(year: int) -> float:
    """CEPCI annual average of ``year`` (data/economics/capex.yaml)."""
    values = {int(k): float(v) for k, v in load_data("economics/capex.yaml")["cepci"]["values"].items()}
    if year not in values:
        raise KeyError(f"no CEPCI value for {year}; available {min(values)}-{max(values)}")
    return values[year]


def capex_items(concentration_route: str, leach_route: str) -> list[CapexItem]:
    """The installed-cost items of a flowsheet, in area order: plant areas of data/economics/capex.yaml, and for
    an area marked ``route:`` the capex items of the selected route of that stage (the route registries)."""
    from ..beneficiation.routes import CONCENTRATION_ROUTES
    from ..hydromet.routes import LEACH_ROUTES

    selected = {"beneficiation": CONCENTRATION_ROUTES[concentration_route], "hydromet": LEACH_ROUTES[leach_route]}
    items: list[CapexItem] = []
    for area, entry in load_data("economics/capex.yaml")["areas"].items():
        if "route" in entry:
            items += [i for i in selected[entry["route"]].capex if i.area == area]
        else:
            items.append(CapexItem.from_entry(area, entry))
    return items


def capex_by_area(quantities: dict[str, np.ndarray], currency_year: int, indirects_frac: np.ndarray,
                  contingency_frac: np.ndarray, items: list[CapexItem]) -> dict[str, np.ndarray]:
    """Installed capital per area plus 'indirects' and 'contingency' [US$], each (n,); ``items`` from
    :func:`capex_items` (capex follows the selected routes)."""
    out: dict[str, np.ndarray] = {}
    direct_no_ind = 0.0
    no_contingency = 0.0  # items (with their indirects) whose reference holds no contingency of its own
    for item in items:
        cost = item.cost_usd(quantities[item.basis], cepci(currency_year) / cepci(item.ref_year))
        out[item.area] = out.get(item.area, 0.0) + cost
        ind = 0.0 if item.includes_indirects else np.asarray(indirects_frac) * cost
        if not item.includes_indirects:
            direct_no_ind = direct_no_ind + cost
        if not item.includes_contingency:
            no_contingency = no_contingency + cost + ind
    out["indirects"] = np.asarray(indirects_frac) * direct_no_ind
    # contingency once: not on a study total that already carries its own
    out["contingency"] = np.asarray(contingency_frac) * no_contingency
    return out


def opex_by_item(q: dict[str, np.ndarray], p: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Operating cost items at full production [US$/yr]: (variable with Sc2O3 output, fixed)."""
    variable = {
        "mining": q["ore_tpa"] * p["mining_usd_per_t_ore"],
        "concentrator": q["ore_tpa"] * p["concentrator_usd_per_t_ore"],
        "hydromet_reagents": q["reagent_cost_usd_per_yr"],
        "hydromet_other": q["concentrate_tpa"] * p["hydromet_other_usd_per_t_concentrate"],
        "evaporator_power": q["evaporator_kwh_per_yr"] * p["electricity_usd_per_kwh"],
        "product_transport": q["sc2o3_kg_per_yr"] * p["product_transport_usd_per_kg"],
    }
    fixed = {"general_admin": np.broadcast_to(np.asarray(p["general_admin_usd_per_yr"], dtype=float),
                                              q["ore_tpa"].shape).copy()}
    return variable, fixed
