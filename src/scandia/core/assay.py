"""Assay conventions shared by every stage (DESIGN.md: Sc vs Sc2O3, TREE vs TREO).

Rare-earth oxides are reported in the industry's conventional forms (CeO2, Pr6O11, Tb4O7, the others R2O3),
as NI 43-101 resource statements do (e.g. the Crater Lake resource of 2021 quotes Pr2O3... see data files).
Factors are computed from IUPAC 2021 atomic weights, never typed in.
"""

from __future__ import annotations

from .components import Component

__all__ = ["REPORTING_OXIDE", "SC2O3_PER_SC", "oxide_factor"]

REPORTING_OXIDE: dict[str, str] = {
    "Sc": "Sc2O3", "Y": "Y2O3", "La": "La2O3", "Ce": "CeO2", "Pr": "Pr6O11", "Nd": "Nd2O3", "Sm": "Sm2O3",
    "Eu": "Eu2O3", "Gd": "Gd2O3", "Tb": "Tb4O7", "Dy": "Dy2O3", "Ho": "Ho2O3", "Er": "Er2O3", "Tm": "Tm2O3",
    "Yb": "Yb2O3", "Lu": "Lu2O3", "Th": "ThO2", "U": "U3O8",
}


def oxide_factor(element: str) -> float:
    """Mass of the reporting oxide per mass of element (e.g. 1.5338 for Sc -> Sc2O3)."""
    comp = Component(REPORTING_OXIDE[element], REPORTING_OXIDE[element])
    return 1.0 / comp.element_mass_frac[element]


#: Sc2O3 / (2 Sc) mass ratio = 137.910 / 89.912
SC2O3_PER_SC: float = oxide_factor("Sc")
