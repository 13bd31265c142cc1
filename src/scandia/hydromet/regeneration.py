"""HCl regeneration by pyrohydrolysis (spray roasting) of a chloride bleed.

Reactions (per mol of metal; the roaster runs at 600-800 C, Metsep / SMS Demag spray roasters, and the
industrial practice is Fe, Mg and Ni chlorides, McKinley & Ghahreman 2018, Trans. IMM C 127:157)::

    FeCl2 + H2O + 1/4 O2 -> 1/2 Fe2O3 + 2 HCl        FeCl3 + 3/2 H2O -> 1/2 Fe2O3 + 3 HCl
    AlCl3 + 3/2 H2O -> 1/2 Al2O3 + 3 HCl              MgCl2 + H2O -> MgO + 2 HCl   (a fraction only)

CaCl2, NaCl, KCl (and MnCl2, assumption) do not hydrolyse: they leave with the oxide as chlorides, so the acid
they hold is not returned and they need their own outlet (the oxide is washed; that brine goes to effluent
treatment). The free HCl of the liquor is stripped with the water. Of all the HCl in the roaster gas,
``acid_return_frac`` is absorbed (vendor figure 99.5 %, Weissenbaeck, SMS Demag) as acid of
``acid_mass_frac`` (the azeotrope, about 18-20 wt %), using the off-gas water; the rest of the water leaves in
the stack.

**Energy balance** (reference 25 C; ``data/hydromet/regeneration.yaml``): the hydrolysis enthalpies from
formation enthalpies (aqueous chlorides and liquid water to oxides and HCl gas), the desorption of the free
HCl, the evaporation of all the water (44.0 kJ/mol), the off-gas to ``offgas_temperature_c`` (after the venturi
preconcentrator) and the oxide to the roaster temperature. Natural gas supplies it at its lower heating value
less the sensible heat of its own flue gas (``excess_air_frac``), divided by ``furnace_efficiency_frac`` (wall
losses). CO2 from the fuel leaves in the off-gas and is counted by the footprint through the CH4 reagent.
The absorber's heat of solution is removed by its cooler (not credited). N2 of the combustion air passes
through and is not tracked as a component (it enters and leaves unchanged).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ..core.datafiles import load_data
from ..core.status import Status
from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import AQUEOUS, Chemistry, _charge, clean

__all__ = ["Pyrohydrolysis"]

KJ_EVAP_WATER = 44.0  #: H2O(l) -> H2O(g) at 25 C, kJ/mol (from the formation enthalpies)


@cache
def _data() -> dict[str, Any]:
    return load_data("hydromet/regeneration.yaml")


def hydrolysis_enthalpy_kj_mol() -> dict[str, float]:
    """Enthalpy of hydrolysis of each metal chloride in solution to its oxide and HCl gas, kJ per mol of metal
    (Fe2 with 1/4 O2); metals without their own formation data take the per-HCl enthalpy of AlCl3 (assumption)."""
    h = _data()["formation_enthalpy_kj_mol"]
    w, hcl = h["H2O(l)"], h["HCl(g)"]
    out = {"Fe2": h["FeO1.5"] + 2 * hcl - (h["FeCl2(aq)"] + w),
           "Fe3": h["FeO1.5"] + 3 * hcl - (h["FeCl3(aq)"] + 1.5 * w),
           "Al": h["AlO1.5"] + 3 * hcl - (h["AlCl3(aq)"] + 1.5 * w),
           "Mg": h["MgO"] + 2 * hcl - (h["MgCl2(aq)"] + w)}
    per_hcl = out["Al"] / 3.0
    for key in AQUEOUS:
        out.setdefault(key, per_hcl * _charge(key))
    return out


class Pyrohydrolysis(Unit):
    """Spray roaster + absorber on a chloride liquor: outlets ``acid`` (regenerated HCl), ``oxide`` (oxides with
    the unhydrolysed chlorides) and ``offgas``; reagents natural gas (CH4), combustion air (O2) and absorber make-up
    water (module docstring)."""

    inlets = ("liquor",)
    outlets = ("acid", "oxide", "offgas")
    section = "hydromet.tank_regen."

    def __init__(self, chem: Chemistry, roaster_temperature_c: Any, acid_return_frac: Any, acid_mass_frac: Any,
                 mg_hydrolysis_frac: Any, furnace_efficiency_frac: Any, offgas_temperature_c: Any,
                 excess_air_frac: Any) -> None:
        if chem.lixiviant != "HCl":
            from ..core.errors import ScenarioError

            raise ScenarioError("hydromet.lixiviant", "pyrohydrolysis regenerates HCl: the lixiviant must be HCl")
        self.chem = chem
        self.roaster_temperature_c = roaster_temperature_c
        self.acid_return_frac = acid_return_frac
        self.acid_mass_frac = acid_mass_frac
        self.mg_hydrolysis_frac = mg_hydrolysis_frac
        self.furnace_efficiency_frac = furnace_efficiency_frac
        self.offgas_temperature_c = offgas_temperature_c
        self.excess_air_frac = excess_air_frac

    def _p(self, name: str, n: int) -> np.ndarray:
        return per_scenario(getattr(self, name), n, self.section + name)[:, 0]

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        liq = inlets["liquor"]
        n = liq.n
        mm = cs.molar_mass_g_per_mol
        ix = cs.index
        t_roast, eta = self._p("roaster_temperature_c", n), self._p("acid_return_frac", n)
        w_acid, f_mg = self._p("acid_mass_frac", n), self._p("mg_hydrolysis_frac", n)
        eff, t_off = self._p("furnace_efficiency_frac", n), self._p("offgas_temperature_c", n)
        lam = 1.0 + self._p("excess_air_frac", n)
        comp = np.asarray(liq.component_tph, dtype=float)
        hyd = _data()["hydrolysed"]
        frac = np.zeros((n, len(AQUEOUS)))
        for key in hyd["full"]:
            frac[:, AQUEOUS.index(key)] = 1.0
        frac[:, AQUEOUS.index("Mg")] = f_mg
        mol = ch.aq_mol_per_h(comp, "aq") * frac  # (n, A) mol/h hydrolysed
        z = np.array([_charge(k) for k in AQUEOUS], dtype=float)
        fe2 = AQUEOUS.index("Fe2")
        change = np.zeros_like(comp)
        for j, key in enumerate(AQUEOUS):
            m = mol[:, j]
            if not m.any():
                continue
            oxide = "Fe3(oxide)" if key == "Fe2" else f"{key}(oxide)"
            change[:, ix(f"{key}(aq)")] -= m * mm[ix(f"{key}(aq)")] * 1e-6
            change[:, ix(oxide)] += m * mm[ix(oxide)] * 1e-6
            change[:, ix("HCl")] += z[j] * m * mm[ix("HCl")] * 1e-6
            # FeCl2 + H2O + 1/4 O2; MCl_z + z/2 H2O otherwise
            water = 1.0 if key == "Fe2" else z[j] / 2.0
            change[:, ix("H2O")] -= water * m * mm[ix("H2O")] * 1e-6
        o2_hyd = 0.25 * mol[:, fe2]
        change[:, ix("O2")] -= o2_hyd * mm[ix("O2")] * 1e-6
        # -- energy, kJ/h --------------------------------------------------------------------------------------
        dh = hydrolysis_enthalpy_kj_mol()
        q_react = sum(mol[:, j] * dh[k] for j, k in enumerate(AQUEOUS))
        h2o_mol = lambda t: t * 1e6 / mm[ix("H2O")]  # noqa: E731
        free_hcl_mol = comp[:, ix("HCl")] * 1e6 / mm[ix("HCl")]
        hf = _data()["formation_enthalpy_kj_mol"]
        q_desorb = free_hcl_mol * (hf["HCl(g)"] - (-167.16))  # HCl(aq) -> HCl(g), Cl- -167.16 kJ/mol (NBS)
        water_left = comp[:, ix("H2O")] + change[:, ix("H2O")]  # evaporated after hydrolysis took its share
        q_evap = h2o_mol(comp[:, ix("H2O")]) * KJ_EVAP_WATER
        cp = _data()["mean_heat_capacity_j_mol_k"]
        hcl_total = comp[:, ix("HCl")] + change[:, ix("HCl")]
        gas_cp = (h2o_mol(water_left) * cp["H2O(g)"] + hcl_total * 1e6 / mm[ix("HCl")] * cp["HCl(g)"]) * 1e-3
        q_gas = gas_cp * (t_off - 25.0)
        oxide_idx = [ix(f"{k}(oxide)") for k in AQUEOUS]
        solid_t = comp.sum(axis=1) - comp[:, [ix("H2O"), ix("HCl")]].sum(axis=1) + change[:, oxide_idx].sum(axis=1) \
            + change[:, [ix(f"{k}(aq)") for k in AQUEOUS]].sum(axis=1)
        q_solid = solid_t * 1e6 * cp["salts_per_kg"] * 1e-6 * (t_roast - 25.0)  # t/h x J/kg/K -> kJ/h
        q_process = q_react + q_desorb + q_evap + q_gas + q_solid
        flue_cp = (cp["CO2(g)"] + 2.0 * cp["H2O(g)"] + 2.0 * (lam - 1.0) * cp["O2(g)"]
                   + 7.52 * lam * cp["N2(g)"]) * 1e-3
        net = _data()["methane_lhv_kj_mol"]["value"] - flue_cp * (t_off - 25.0)  # kJ per mol CH4 to the process
        ch4_mol = q_process / (eff * net)
        # -- streams ------------------------------------------------------------------------------------------
        reagents = np.zeros_like(comp)
        reagents[:, ix("CH4")] = ch4_mol * mm[ix("CH4")] * 1e-6
        reagents[:, ix("O2")] = (2.0 * lam * ch4_mol + o2_hyd) * mm[ix("O2")] * 1e-6
        comb_water = 2.0 * ch4_mol * mm[ix("H2O")] * 1e-6
        hcl_back = eta * hcl_total
        need_water = hcl_back * (1.0 - w_acid) / w_acid
        vapour = water_left + comb_water
        absorbed = np.minimum(need_water, vapour)
        makeup = need_water - absorbed
        reagents[:, ix("H2O")] = makeup
        acid = np.zeros_like(comp)
        acid[:, ix("HCl")] = hcl_back
        acid[:, ix("H2O")] = need_water
        offgas = np.zeros_like(comp)
        offgas[:, ix("HCl")] = hcl_total - hcl_back
        offgas[:, ix("H2O")] = vapour - absorbed
        offgas[:, ix("CO2")] = ch4_mol * mm[ix("CO2")] * 1e-6
        offgas[:, ix("O2")] = 2.0 * (lam - 1.0) * ch4_mol * mm[ix("O2")] * 1e-6
        volatile = [ix(c) for c in ("H2C2O4", "D2EHPA", "kerosene")]  # burnt off in the roaster: counted as passed
        offgas[:, volatile] = comp[:, volatile]
        oxide = comp + change
        oxide[:, [ix("H2O"), ix("HCl"), ix("O2"), *volatile]] = 0.0
        status = np.full(n, Status.ok, dtype=np.int8)
        feed_m3 = np.maximum(comp[:, ix("H2O")], 1e-300)  # about 1 m3 of liquor per t of its water
        fuel_gj = ch4_mol * _data()["methane_lhv_kj_mol"]["value"] * 1e-6
        design = {
            "hcl_regenerated_tph": hcl_back, "hcl_generated_tph": change[:, ix("HCl")],
            "evaporation_tph": comp[:, ix("H2O")], "fuel_gj_per_h": fuel_gj, "heat_demand_gj_per_h": q_process * 1e-6,
            "fuel_gj_per_m3_liquor": fuel_gj / feed_m3, "ch4_tph": reagents[:, ix("CH4")],
            "absorber_makeup_water_tph": makeup,
        }
        mk = lambda a, label: Stream.solution(cs, clean(a), label)  # noqa: E731
        return UnitResult({"acid": mk(acid, "regenerated acid"), "oxide": mk(oxide, "roaster oxide"),
                           "offgas": mk(offgas, "roaster off-gas")}, status, design,
                          reagents={"fuel": mk(reagents * _only(cs, "CH4"), "natural gas"),
                                    "air": mk(reagents * _only(cs, "O2"), "air"),
                                    "water": mk(reagents * _only(cs, "H2O"), "absorber water")})


def _only(cs: Any, name: str) -> np.ndarray:
    out = np.zeros(len(cs))
    out[cs.index(name)] = 1.0
    return out
