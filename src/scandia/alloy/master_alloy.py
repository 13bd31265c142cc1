"""Al-Sc master alloy from Sc₂O₃: mass and element balance, energy, cost and CO₂e per route (vectorized).

Routes (``data/alloy/master_alloy.yaml``):

- ``aluminothermic_sc2o3``: Sc₂O₃ + 2 Al → 2 Sc(in Al) + Al₂O₃ under a cryolite-based flux that takes up the
  alumina (Suzdaltsev, Nikolaev & Zaikov, Tsvetnye Metally 2018 (1) 69, review of the routes);
- ``scf3``: Sc₂O₃ + 6 HF → 2 ScF₃ + 3 H₂O, then ScF₃ + Al → Sc(in Al) + AlF₃ (SCALE project, 77 % Sc yield);
- ``electrolysis``: Sc₂O₃ co-electrolysed with alumina in a Hall-Héroult cell (SINTEF 2021); the cell makes the
  aluminium, so no primary Al is bought but 13.5 kWh/kg Al is drawn.

Per kg of master alloy with Sc mass fraction w and Sc yield η: Sc₂O₃ fed = w/η · 1.5338; Sc not recovered
leaves in the salt/dross as Sc₂O₃; reductant Al = w/M_Sc · M_Al for the oxide and fluoride routes.
Heat: sensible + latent heat of Al to the bath temperature over the furnace efficiency (Al: c_p 0.90 kJ/kg K
solid, 1.18 kJ/kg K liquid, ΔH_m 397 kJ/kg; CRC Handbook). Units: kg, kWh, US$, kg CO₂e per kg master alloy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.assay import SC2O3_PER_SC
from ..core.components import ATOMIC_WEIGHT_G_PER_MOL
from ..core.datafiles import load_data
from ..core.errors import ScenarioError

__all__ = ["MASTER_ROUTES", "MasterAlloyResult", "master_alloy"]

M_SC, M_AL, M_O, M_H, M_F = (ATOMIC_WEIGHT_G_PER_MOL[e] for e in ("Sc", "Al", "O", "H", "F"))
MASTER_ROUTES: tuple[str, ...] = tuple(load_data("alloy/master_alloy.yaml")["routes"])


def _defaults(route: str) -> dict[str, float]:
    data = load_data("alloy/master_alloy.yaml")
    if route not in data["routes"]:
        raise ScenarioError("alloy.master_alloy_route",
                            f"unknown route {route!r}; available: {', '.join(MASTER_ROUTES)}")
    out = {k: v["value"] for k, v in data["common"].items()}
    out.update({k: v["value"] for k, v in data["routes"][route].items() if isinstance(v, dict)})
    return out


@dataclass
class MasterAlloyResult:
    """Per kg of master alloy (arrays (n,)): inputs, outputs, element balance, energy, cost, CO₂e."""

    route: str
    sc_frac: np.ndarray
    inputs_kg: dict[str, np.ndarray]
    outputs_kg: dict[str, np.ndarray]
    energy_kwh: np.ndarray
    cost_usd: dict[str, np.ndarray]
    co2e_kg: dict[str, np.ndarray]

    @property
    def cost_usd_per_kg(self) -> np.ndarray:
        return sum(self.cost_usd.values())

    @property
    def cost_usd_per_kg_sc(self) -> np.ndarray:
        return self.cost_usd_per_kg / self.sc_frac

    @property
    def co2e_kg_per_kg(self) -> np.ndarray:
        return sum(self.co2e_kg.values())

    def element_balance(self) -> dict[str, np.ndarray]:
        """Out minus in for Sc, Al, O, H and F [kg per kg master alloy]; zero when the balance closes."""
        comp = {
            "sc2o3": {"SC": 2, "O": 3}, "al": {"AL": 1}, "hf": {"H": 1, "F": 1}, "master_alloy_sc": {"SC": 1},
            "master_alloy_al": {"AL": 1}, "al2o3": {"AL": 2, "O": 3}, "alf3": {"AL": 1, "F": 3},
            "sc2o3_lost": {"SC": 2, "O": 3}, "dross_al": {"AL": 1}, "water": {"H": 2, "O": 1},
            "o_to_anode": {"O": 1},
        }
        masses = {"SC": M_SC, "AL": M_AL, "O": M_O, "H": M_H, "F": M_F}

        def element_mass(stream: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            out = {e: np.zeros_like(self.sc_frac) for e in masses}
            for name, kg in stream.items():
                if name in ("flux",):
                    continue  # inert carrier salt: in = out
                atoms = comp[name]
                mm = sum(masses[e] * k for e, k in atoms.items())
                for e, k in atoms.items():
                    out[e] = out[e] + kg * masses[e] * k / mm
            return out

        ein, eout = element_mass(self.inputs_kg), element_mass(self.outputs_kg)
        return {e: eout[e] - ein[e] for e in masses}


def master_alloy(route: str = "aluminothermic_sc2o3", n: int = 1,
                 sc2o3_price_usd_per_kg: np.ndarray | float = 3000.0,
                 **params: np.ndarray | float) -> MasterAlloyResult:
    """Balance, energy, cost and CO₂e of 1 kg master alloy for ``n`` scenarios; ``params`` override the file."""
    p = _defaults(route)
    unknown = set(params) - set(p)
    if unknown:
        raise ScenarioError("alloy.master_alloy", f"unknown parameter(s) {', '.join(sorted(unknown))}")
    p.update(params)
    arr = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in p.items()}
    w = arr["master_sc_wt_pct"] / 100.0
    eta = arr["sc_yield_frac"]
    if np.any((w < 0.005) | (w > 0.1)):
        raise ScenarioError("alloy.master_alloy.master_sc_wt_pct", "must be between 0.5 and 10 wt%")
    if np.any((eta <= 0) | (eta > 1)):
        raise ScenarioError("alloy.master_alloy.sc_yield_frac", "must be in (0, 1]")
    sc_fed = w / eta
    sc2o3 = sc_fed * SC2O3_PER_SC
    sc2o3_lost = (sc_fed - w) * SC2O3_PER_SC
    al_product = 1.0 - w
    dross_al = arr["al_dross_loss_frac"] * 1.0
    zero = np.zeros(n)
    outputs = {"master_alloy_sc": w, "master_alloy_al": al_product, "sc2o3_lost": sc2o3_lost, "dross_al": dross_al}
    inputs = {"sc2o3": sc2o3}
    mol_sc = w / M_SC * 1000.0  # mol Sc reduced per kg alloy (x 1e-3 kg)
    if route == "aluminothermic_sc2o3":
        al_reductant = mol_sc * M_AL / 1000.0  # Sc2O3 + 2Al: one Al per Sc
        outputs["al2o3"] = mol_sc / 2.0 * (2 * M_AL + 3 * M_O) / 1000.0
        inputs["al"] = al_product + al_reductant + dross_al
        hf = zero
    elif route == "scf3":
        hf_stoich = mol_sc * 3.0 * (M_H + M_F) / 1000.0  # 3 HF per Sc reduced (plus what is lost)
        hf = np.maximum(arr["hf_kg_per_kg_sc2o3"] * sc2o3, hf_stoich / eta)
        mol_hf = hf * 1000.0 / (M_H + M_F)
        mol_sc_fed = sc_fed / M_SC * 1000.0
        # fluorination of all Sc fed: 2 ScF3 + 3 H2O per Sc2O3; excess HF leaves unreacted in the off-gas (as H+F)
        outputs["water"] = mol_sc_fed * 1.5 * (2 * M_H + M_O) / 1000.0
        outputs["alf3"] = mol_sc * (M_AL + 3 * M_F) / 1000.0
        outputs["hf"] = (mol_hf - 3.0 * mol_sc_fed) * (M_H + M_F) / 1000.0
        # the unrecovered ScF3 is taken back to oxide in the salt (F leaves as HF on hydrolysis)
        outputs["hf"] = outputs["hf"] + (mol_sc_fed - mol_sc) * 3.0 * (M_H + M_F) / 1000.0
        outputs["water"] = outputs["water"] - (mol_sc_fed - mol_sc) * 1.5 * (2 * M_H + M_O) / 1000.0
        inputs["al"] = al_product + mol_sc * M_AL / 1000.0 + dross_al
        inputs["hf"] = hf
    else:  # electrolysis: the cell makes the Al from alumina; oxygen of Sc2O3 leaves at the anode
        # Al produced in the cell counts as an input of electrolysed Al (its balance closes against alumina)
        inputs["al"] = al_product.copy()
        outputs["o_to_anode"] = mol_sc * 1.5 * M_O / 1000.0
        outputs["dross_al"] = zero.copy()
        hf = zero
    flux = arr["flux_kg_per_kg_al"] * al_product
    inputs["flux"] = flux
    outputs["flux"] = flux
    heat_kj = inputs["al"] * (0.90 * (660.0 - 25.0) + 397.0 + 1.18 * (arr["melt_temp_c"] - 660.0))
    if route == "electrolysis":  # the cell energy already includes heating and melting the metal
        energy = arr["electrolysis_kwh_per_kg_al"] * al_product
        alumina = al_product * (2 * M_AL + 3 * M_O) / (2 * M_AL)  # Al2O3 reduced to make the Al
        anode_c = 0.42 * al_product  # kg C per kg Al, IAI
    else:
        energy = heat_kj / 3600.0 / arr["furnace_efficiency_frac"]
        alumina = zero
        anode_c = zero
    buy_al = zero if route == "electrolysis" else inputs["al"]
    cost = {
        "sc2o3": sc2o3 * np.asarray(sc2o3_price_usd_per_kg, dtype=float),
        "aluminium": buy_al * arr["al_price_usd_per_kg"],
        "flux": flux * arr["flux_usd_per_kg"],
        "hf": hf * arr["hf_usd_per_kg"],
        "energy": energy * arr["electricity_usd_per_kwh"],
        "conversion": arr["conversion_usd_per_kg"] * np.ones(n),
        "alumina": alumina * arr["alumina_usd_per_kg"],
        "anodes": anode_c * arr["anode_usd_per_kg_c"],
    }
    co2e = {
        "electricity": energy * arr["grid_kg_co2e_per_kwh"],
        "aluminium": buy_al * arr["al_kg_co2e_per_kg"],
        "flux": flux * arr["flux_kg_co2e_per_kg"],
        "hf": hf * arr["hf_kg_co2e_per_kg"],
        "alumina": alumina * arr["alumina_kg_co2e_per_kg"],
        "anodes": anode_c * 44.0 / 12.0,  # carbon anodes burnt to CO2
    }
    return MasterAlloyResult(route=route, sc_frac=np.asarray(w, dtype=float) * np.ones(n), inputs_kg=inputs,
                             outputs_kg=outputs, energy_kwh=energy, cost_usd=cost, co2e_kg=co2e)
