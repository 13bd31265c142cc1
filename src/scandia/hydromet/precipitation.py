"""Precipitation and calcination: hydroxides by pH, redissolution, oxalates, oxides.

- Hydroxide precipitation at a target pH: free acid is neutralised first, then each metal precipitates the
  fraction ``f = 1 / (1 + 10^(z (pH50 - pH)))`` (pH50 per metal read from hydrolysis/precipitation diagrams,
  Baes & Mesmer 1976; Monhemius 1977), with NaOH or lime (``hydroxide_naoh`` / ``hydroxide_lime`` reactions).
  Iron removal can first oxidise Fe(II) to Fe(III) with air (``oxidise_fe``).
- Oxalate precipitation: oxalic acid at ``(1 + excess)`` times the stoichiometric need of the metals that form
  insoluble oxalates; each metal precipitates ``eta_max (1 - exp(-k (1 + excess)))``.
- Calcination of oxalates to oxides at 750-800 C: ``M(C2O4)_{z/2} + z/4 O2 -> MO_{z/2} + z CO2``, complete.
Stoichiometry is in :mod:`scandia.hydromet.chemistry`; every unit closes its element balance.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ..core.datafiles import load_data
from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import AQUEOUS, Chemistry, _charge, clean

__all__ = [
    "Calcination", "HydroxidePrecipitation", "OxalatePrecipitation", "Redissolution", "hydroxide_fraction",
    "precipitate_gypsum",
]


@cache
def _ph50() -> tuple[np.ndarray, float]:
    d = load_data("hydromet/purification.yaml")["hydroxide_ph50"]
    return np.array([d["values"][k] for k in AQUEOUS], dtype=float), float(d["width_ph"])


@cache
def _oxalate() -> tuple[np.ndarray, float]:
    d = load_data("hydromet/purification.yaml")["oxalate_max_frac"]
    return np.array([d["values"][k] for k in AQUEOUS], dtype=float), float(d["excess_rate"]["value"])


def hydroxide_fraction(ph: np.ndarray) -> np.ndarray:
    """Fraction of each AQUEOUS metal precipitated as hydroxide at pH ``ph`` (n, 1) -> (n, n_aqueous).

    ``f = 1 / (1 + 10^(z (pH50 - pH)))``: the metal left in solution over M(OH)_z falls tenfold per 1/z pH unit,
    as the solubility product requires ([M] = Ksp / [OH-]^z).
    """
    ph50, _ = _ph50()
    z = np.array([_charge(k) for k in AQUEOUS], dtype=float)
    return 1.0 / (1.0 + 10.0 ** np.clip(z * (ph50 - np.asarray(ph)), -300, 300))


def _split_solids(ch: Chemistry, total: np.ndarray, solid_suffixes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    idx = [ch.index(f"{k}({s})") for k in AQUEOUS for s in solid_suffixes]
    solids = np.zeros_like(total)
    solids[:, idx] = total[:, idx]
    return solids, total - solids


class HydroxidePrecipitation(Unit):
    """Neutralise to ``ph`` with NaOH or lime; metals precipitate as hydroxides by their pH50. Inlet ``liquor``;
    outlets ``solids`` (hydroxides, plus gypsum when lime meets sulfate) and ``liquor``."""

    inlets = ("liquor",)
    outlets = ("solids", "liquor")

    def __init__(self, chem: Chemistry, ph: Any, base: str = "NaOH", name: str = "hydroxide",
                 oxidise_fe: bool = False, gypsum_solubility_g_per_l: Any = 2.0) -> None:
        self.chem = chem
        self.ph = ph
        self.base = base
        self.name = name
        self.oxidise_fe = oxidise_fe
        self.gypsum_solubility_g_per_l = gypsum_solubility_g_per_l

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        liq = inlets["liquor"]
        n = liq.n
        ph = per_scenario(self.ph, n, f"hydromet.{self.name}.ph", 0.0, 14.0)
        comp = liq.component_tph
        mm = cs.molar_mass_g_per_mol
        oxidation = np.zeros_like(comp)
        bought_acid = np.zeros(n)
        if self.oxidise_fe:  # air oxidation of Fe(II) first: its acid comes from the liquor's free acid first
            fe2 = np.zeros((n, len(AQUEOUS)))
            fe2[:, AQUEOUS.index("Fe2")] = ch.aq_mol_per_h(comp, "aq")[:, AQUEOUS.index("Fe2")]
            oxidation = ch.react("oxidise_fe", fe2)
            acid_i = ch.index(ch.acid)
            need = -oxidation[:, acid_i]
            bought_acid = np.maximum(need - comp[:, acid_i], 0.0)  # only the shortfall is bought
            comp = comp + oxidation
            comp[:, acid_i] += bought_acid
            comp[:, ch.index("O2")] -= oxidation[:, ch.index("O2")]
        mol = ch.aq_mol_per_h(comp, "aq")
        frac = np.broadcast_to(hydroxide_fraction(ph), mol.shape)
        rxn = "hydroxide_naoh" if self.base == "NaOH" else "hydroxide_lime"
        change = ch.react(rxn, mol * frac)
        # neutralise the free acid: acid + base -> salt + water
        acid_i = ch.index(ch.acid)
        acid_mol = comp[:, acid_i] * 1e6 / mm[acid_i]
        protons = acid_mol * (2.0 if ch.lixiviant == "H2SO4" else 1.0)
        neut = np.zeros_like(comp)
        neut[:, acid_i] -= comp[:, acid_i]
        if self.base == "NaOH":
            neut[:, ch.index("NaOH")] -= protons * mm[ch.index("NaOH")] * 1e-6
            neut[:, ch.index("Na(aq)")] += protons * mm[ch.index("Na(aq)")] * 1e-6
        else:
            neut[:, ch.index("CaO")] -= protons / 2.0 * mm[ch.index("CaO")] * 1e-6
            neut[:, ch.index("Ca(aq)")] += protons / 2.0 * mm[ch.index("Ca(aq)")] * 1e-6
        # H2SO4 + 2 NaOH -> Na2SO4 + 2 H2O; H2SO4 + CaO -> CaSO4 + H2O (one water per proton with NaOH)
        water_per_proton = 1.0 if self.base == "NaOH" else 0.5
        neut[:, ch.index("H2O")] += protons * water_per_proton * mm[ch.index("H2O")] * 1e-6
        base_i = ch.index(self.base)
        reagent = np.zeros_like(comp)
        reagent[:, base_i] = -(change[:, base_i] + neut[:, base_i])

        total = comp + change + neut + reagent
        # the bought acid and the air were added to ``comp`` above; report them as reagents too
        reagent[:, ch.index(ch.acid)] = bought_acid
        reagent[:, ch.index("O2")] = -oxidation[:, ch.index("O2")]
        if self.base == "CaO" and ch.lixiviant == "H2SO4":
            total = precipitate_gypsum(ch, total, self.gypsum_solubility_g_per_l)
        solids, liquor = _split_solids(ch, total, ("OH",))
        gyp = ch.index("gypsum")
        solids[:, gyp], liquor[:, gyp] = total[:, gyp], 0.0
        return UnitResult({"solids": Stream.solution(cs, clean(solids), "solids"),
                           "liquor": Stream.solution(cs, clean(liquor), "liquor")},
                          np.zeros(n, dtype=np.int8), {"precipitated_frac": frac},
                          reagents={"base": Stream.solution(cs, clean(reagent))})


def precipitate_gypsum(ch: Chemistry, total: np.ndarray, solubility_g_per_l: Any = 2.0) -> np.ndarray:
    """Move CaSO4 above its solubility (g/L of liquor water) to gypsum, CaSO4.2H2O, binding liquor water."""
    cs = ch.components
    mm = cs.molar_mass_g_per_mol
    ca, gyp, w = ch.index("Ca(aq)"), ch.index("gypsum"), ch.index("H2O")
    soluble = np.asarray(solubility_g_per_l, dtype=float).reshape(-1) * 1e-3 * total[:, w]
    mol = np.maximum(total[:, ca] - soluble, 0.0) / mm[ca]
    mol = np.minimum(mol, total[:, w] / (2.0 * mm[w]))
    out = total.copy()
    out[:, ca] -= mol * mm[ca]
    out[:, w] -= 2.0 * mol * mm[w]
    out[:, gyp] += mol * mm[gyp]
    return out


class Redissolution(Unit):
    """Redissolve a hydroxide cake in the lixiviant acid: stoichiometric acid plus free acid in the new liquor."""

    inlets = ("cake",)
    outlets = ("liquor",)

    def __init__(self, chem: Chemistry, free_acid_g_per_l: Any, liquor_m3_per_t: Any,
                 field_prefix: str = "hydromet.purification.redissolve") -> None:
        self.chem = chem
        self.free_acid_g_per_l = free_acid_g_per_l
        self.liquor_m3_per_t = liquor_m3_per_t
        self.field_prefix = field_prefix

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        cake = inlets["cake"]
        n = cake.n
        fa = per_scenario(self.free_acid_g_per_l, n, f"{self.field_prefix}_free_acid_g_per_l")[:, 0]
        vol_t = per_scenario(self.liquor_m3_per_t, n, f"{self.field_prefix}_liquor_m3_per_t_cake")[:, 0]
        comp = cake.component_tph
        mm = cs.molar_mass_g_per_mol
        mol = ch.aq_mol_per_h(comp, "OH")
        change = ch.react("redissolve", mol)
        w_i, acid_i = ch.index("H2O"), ch.index(ch.acid)
        # free NaOH carried with the cake is neutralised first: NaOH + acid -> Na salt + H2O
        naoh_i, na_i = ch.index("NaOH"), ch.index("Na(aq)")
        naoh_mol = comp[:, naoh_i] * 1e6 / mm[naoh_i]
        change[:, naoh_i] -= comp[:, naoh_i]
        change[:, na_i] += naoh_mol * mm[na_i] * 1e-6
        change[:, w_i] += naoh_mol * mm[w_i] * 1e-6
        change[:, acid_i] -= naoh_mol / (2.0 if ch.lixiviant == "H2SO4" else 1.0) * mm[acid_i] * 1e-6
        water = np.maximum(vol_t * cake.total_tph - comp[:, w_i] - change[:, w_i], 0.0)
        reagent = np.zeros_like(comp)
        reagent[:, acid_i] = -change[:, acid_i] + fa * 1e-3 * (water + comp[:, w_i] + change[:, w_i])
        reagent[:, w_i] = water
        total = comp + change + reagent
        return UnitResult({"liquor": Stream.solution(cs, clean(total), "liquor")},
                          np.zeros(n, dtype=np.int8), reagents={"acid": Stream.solution(cs, clean(reagent))})


class OxalatePrecipitation(Unit):
    """Oxalic acid at ``(1 + excess)`` x stoichiometric: metals precipitate as oxalates (module docstring).
    ``mother_liquor_entrained_frac`` of the mother liquor stays in the washed cake."""

    inlets = ("liquor",)
    outlets = ("solids", "liquor")

    def __init__(self, chem: Chemistry, excess_frac: Any, mother_liquor_entrained_frac: Any) -> None:
        self.chem = chem
        self.excess_frac = excess_frac
        self.mother_liquor_entrained_frac = mother_liquor_entrained_frac

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        liq = inlets["liquor"]
        n = liq.n
        ex = per_scenario(self.excess_frac, n, "hydromet.purification.oxalic_excess_frac")
        ent = per_scenario(self.mother_liquor_entrained_frac, n, "hydromet.purification.mother_liquor_entrained_frac")
        eta_max, k = _oxalate()
        comp = liq.component_tph
        mol = ch.aq_mol_per_h(comp, "aq")
        eta = eta_max * (1.0 - np.exp(-k * (1.0 + ex)))
        change = ch.react("oxalate", mol * eta)
        ox_i = ch.index("H2C2O4")
        need = -ch.react("oxalate", mol * eta_max)[:, ox_i]  # stoichiometric need of the oxalate formers
        reagent = np.zeros_like(comp)
        reagent[:, ox_i] = (1.0 + ex[:, 0]) * need
        total = comp + change + reagent
        solids, liquor = _split_solids(ch, total, ("ox",))
        entrained = liquor * ent
        return UnitResult({"solids": Stream.solution(cs, clean(solids + entrained), "oxalate"),
                           "liquor": Stream.solution(cs, clean(liquor - entrained), "liquor")},
                          np.zeros(n, dtype=np.int8), {"precipitated_frac": np.broadcast_to(eta, mol.shape)},
                          reagents={"oxalic_acid": Stream.solution(cs, clean(reagent))})


class Calcination(Unit):
    """Calcine oxalates and hydroxides to oxides (complete at 750-800 C); entrained salts stay in the product,
    water and free oxalic acid leave with the off-gas (as H2O and, for the acid, as CO2 + H2O)."""

    inlets = ("solids",)
    outlets = ("product", "offgas")

    def __init__(self, chem: Chemistry) -> None:
        self.chem = chem

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        s = inlets["solids"]
        n = s.n
        comp = s.component_tph
        mm = cs.molar_mass_g_per_mol
        change = ch.react("calcine", ch.aq_mol_per_h(comp, "ox"))
        change += ch.react("dehydrate", ch.aq_mol_per_h(comp, "OH"))
        # free oxalic acid: H2C2O4 + 1/2 O2 -> 2 CO2 + H2O
        ox_i, co2, w_i, o2 = ch.index("H2C2O4"), ch.index("CO2"), ch.index("H2O"), ch.index("O2")
        mol_ox = comp[:, ox_i] * 1e6 / mm[ox_i]
        change[:, ox_i] -= comp[:, ox_i]
        change[:, co2] += 2.0 * mol_ox * mm[co2] * 1e-6
        change[:, w_i] += mol_ox * mm[w_i] * 1e-6
        change[:, o2] -= 0.5 * mol_ox * mm[o2] * 1e-6
        reagent = np.zeros_like(comp)
        reagent[:, o2] = -change[:, o2]
        total = comp + change + reagent
        gas_idx = [co2, w_i, o2]
        offgas = np.zeros_like(total)
        offgas[:, gas_idx] = total[:, gas_idx]
        return UnitResult({"product": Stream.solution(cs, clean(total - offgas), "product"),
                           "offgas": Stream.solution(cs, clean(offgas), "offgas")},
                          np.zeros(n, dtype=np.int8), reagents={"air": Stream.solution(cs, clean(reagent))})
