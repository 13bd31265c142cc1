"""The leach-route registry: every route of the hydromet stage is listed here once.

An entry names the unit class (built by its ``from_section``), its parameter section (``hydromet.<name>``,
declared in ``data/hydromet/leach.yaml``), the lixiviants it may use, the acid parameter its trade-off curve
sweeps and its capex items (the ``capex:`` block of its data section). The schema's route choices and sections,
the stage's builder, the report's trade-off curves, the dashboard's leach-route control and the capex follow
from these entries. A new route: one unit class, one data section, one ``LEACH_ROUTES.register(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.datafiles import load_data
from ..core.registry import CapexItem, Registry, Route
from .caustic import CausticCrackLeach
from .leaching import AcidBakeLeach, HeapLeach, RecycleTankLeach, RegenTankLeach, TankLeach

__all__ = ["LEACH_ROUTES", "leach_route"]

LEACH_ROUTES = Registry("hydromet.leach_route")


def leach_route(name: str, unit: type, params: Mapping[str, Any], *, label: str, lixiviants: tuple[str, ...],
                tradeoff: tuple[str, float, float], recycle: bool = False, regenerate: bool = False) -> Route:
    """A leach-route entry from its unit class and data section (capex items read from the section's ``capex:``).

    ``tradeoff`` is (field of the section, sweep low, sweep high) in the field's declared unit. ``recycle``: the
    unit takes the SX raffinate back on its ``recycle`` inlet, less the section's ``bleed_frac`` (the stage adds
    the split and the tear stream). ``regenerate``: the bleed goes to REE oxalate precipitation and pyrohydrolysis,
    and the regenerated HCl returns with the raffinate (the section holds the roaster's parameters).
    """
    capex = CapexItem.from_mapping(params.get("capex"))
    field, lo, hi = tradeoff
    ports = {"feed": "leach.solids", "residue": "leach.residue", "liquor": "leach.liquor"}
    if recycle:
        ports["recycle"] = "leach.recycle"
    if regenerate:
        ports["regenerate"] = "regenerate.liquor"
        ports["acid"] = "leach.acid"
    return Route(name=name, builder=unit, label=label, section=name, params=params, ports=ports,
                 tradeoff=(f"hydromet.{name}.{field}", float(lo), float(hi)), reagents=lixiviants, capex=capex)


_leach = load_data("hydromet/leach.yaml")
LEACH_ROUTES.register(leach_route("tank", TankLeach, _leach["tank"], label="agitated tank leach",
                                  lixiviants=("HCl", "H2SO4"), tradeoff=("free_acid_g_per_l", 20.0, 300.0)))
# an acid bake is a sulfation bake: it is offered with sulfuric acid only
LEACH_ROUTES.register(leach_route("bake", AcidBakeLeach, _leach["bake"], label="sulfation bake + water leach",
                                  lixiviants=("H2SO4",), tradeoff=("acid_dose_kg_per_t", 50.0, 3000.0)))
LEACH_ROUTES.register(leach_route("heap", HeapLeach, _leach["heap"], label="heap leach",
                                  lixiviants=("HCl", "H2SO4"), tradeoff=("acid_g_per_l", 5.0, 300.0)))
# the tank train with the SX raffinate returned (HCl only: the chlorides stay soluble; with H2SO4 the returned Ca
# would foul the tanks with gypsum)
LEACH_ROUTES.register(leach_route("tank_recycle", RecycleTankLeach, _leach["tank_recycle"],
                                  label="agitated tank leach, raffinate recycle", lixiviants=("HCl",),
                                  tradeoff=("free_acid_g_per_l", 20.0, 300.0), recycle=True))
# the Phase III route: NaOH cracking of the concentrate, then HCl on the cracked residue
LEACH_ROUTES.register(leach_route("caustic", CausticCrackLeach, _leach["caustic"],
                                  label="caustic crack (NaOH autoclave), then HCl leach", lixiviants=("HCl",),
                                  tradeoff=("naoh_mass_frac", 0.05, 0.5)))
# the recycle with HCl regeneration: REE out of the bleed as oxalates, the chlorides pyrohydrolysed, acid returned
LEACH_ROUTES.register(leach_route("tank_regen", RegenTankLeach, _leach["tank_regen"],
                                  label="agitated tank leach, raffinate recycle, HCl regeneration",
                                  lixiviants=("HCl",), tradeoff=("free_acid_g_per_l", 20.0, 300.0), recycle=True,
                                  regenerate=True))
