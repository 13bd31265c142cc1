"""Aqueous chemistry bookkeeping: species, dissolution stoichiometry, acid demand.

Every hydromet stream uses one :class:`~scandia.core.components.ComponentSet` that holds the ore's minerals
and trace oxides, the solid products (amorphous silica, gypsum, hydroxides, oxalates, oxides) and the dissolved
species. A dissolved element is carried as its neutral salt with the lixiviant's anion (``Sc(SO4)1.5`` in
sulfate media, ``ScCl3`` in chloride media), so element balances - including S, Cl, O and H - close exactly.

Acid dissolution of a mineral or oxide is written from its formula alone: each cation takes its fixed valence
(Fe's valence is solved from charge balance, giving the Fe(II)/Fe(III) split), Si reports to amorphous silica,
oxygen and hydroxyl leave as water, and the acid supplies one proton per unit of cation charge:

    CaFe(II)Si2O6 + 2 H2SO4 -> CaSO4 + FeSO4 + 2 SiO2 + 2 H2O

(stoichiometric acid consumption of silicate gangue, as in e.g. Habashi 1999, Textbook of Hydrometallurgy,
ch. 6). The reaction matrix is built once per lixiviant and applied as a matrix product on the scenario axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from ..core.components import Component, ComponentSet
from ..core.errors import ScenarioError
from ..core.jit import pjit, prange

__all__ = [
    "AQUEOUS",
    "CAUSTIC_PRODUCTS",
    "LIXIVIANTS",
    "VALENCE",
    "Chemistry",
    "acid_row",
    "chemistry",
    "clean",
]

#: fixed cation valences; Fe is solved from charge balance (Fe2 / Fe3)
VALENCE: dict[str, int] = {
    "H": 1, "Na": 1, "K": 1, "Ca": 2, "Mg": 2, "Mn": 2, "Al": 3, "Sc": 3, "Y": 3, "La": 3, "Ce": 3, "Pr": 3,
    "Nd": 3, "Sm": 3, "Gd": 3, "Dy": 3, "Ti": 4, "Zr": 4, "Th": 4, "U": 4, "Si": 4,
}
#: dissolved species keys (Fe split by valence)
AQUEOUS: tuple[str, ...] = (
    "Sc", "La", "Ce", "Pr", "Nd", "Sm", "Gd", "Dy", "Y", "Th", "U", "Fe2", "Fe3", "Al", "Mg", "Ca", "Mn", "Na",
    "K", "Ti", "Zr",
)
LIXIVIANTS = ("H2SO4", "HCl")


def _element(key: str) -> str:
    return key[:2] if key in ("Fe2", "Fe3") else key


def _charge(key: str) -> int:
    return {"Fe2": 2, "Fe3": 3}.get(key) or VALENCE[key]


def salt_formula(key: str, lixiviant: str) -> str:
    """Neutral salt formula carrying one atom of a dissolved cation (decimal subscripts allowed)."""
    el, z = _element(key), _charge(key)
    if lixiviant == "H2SO4":
        return f"{el}(SO4){z / 2:g}" if z != 2 else f"{el}SO4"
    return f"{el}Cl{z}"


@dataclass(frozen=True, eq=False)
class Chemistry:
    """Species and stoichiometry for one lixiviant over one ore's components."""

    lixiviant: str
    components: ComponentSet
    ore_components: tuple[str, ...]  #: names of the minerals and trace oxides (dissolvable)
    dissolution: np.ndarray  #: (n_ore_components, n_components) t of each species per t dissolved (acid < 0)
    acid_t_per_t: np.ndarray  #: (n_ore_components,) acid consumed per t dissolved
    aq_index: dict[str, int]  #: dissolved species -> component index
    acid: str
    water: str = "H2O"
    #: per-metal reactions: name -> (n_aqueous, n_components) mol of each species per mol of metal (see _reactions)
    reactions: dict[str, np.ndarray] = field(default_factory=dict)

    def react(self, name: str, mol_per_h: np.ndarray) -> np.ndarray:
        """Mass change (t/h, (n, n_components)) of reacting ``mol_per_h`` (n, n_aqueous) of each metal by reaction
        ``name``; element balance holds by construction."""
        return (mol_per_h @ self.reactions[name]) * self.components.molar_mass_g_per_mol * 1e-6

    def aq_mol_per_h(self, component_tph: np.ndarray, kind: str = "aq") -> np.ndarray:
        """Moles per hour of each metal held as species ``{key}({kind})``, (n, n_aqueous)."""
        idx = [self.components.index(f"{k}({kind})") for k in AQUEOUS]
        return component_tph[:, idx] * 1e6 / self.components.molar_mass_g_per_mol[idx]

    def index(self, name: str) -> int:
        return self.components.index(name)  # type: ignore[return-value]

    @property
    def aq_indices(self) -> np.ndarray:
        return np.array([self.aq_index[k] for k in AQUEOUS])


def _split_fe(atoms: dict[str, float], name: str) -> dict[str, float]:
    """Cation moles per formula unit with Fe split into Fe2/Fe3 by charge balance."""
    anion_charge = 2.0 * atoms.get("O", 0.0) + atoms.get("F", 0.0) + atoms.get("Cl", 0.0)
    cations = {el: n for el, n in atoms.items() if el not in ("O", "F", "Cl")}
    for el in cations:
        if el != "Fe" and el not in VALENCE:
            raise ScenarioError("chemistry", f"{name}: no valence for element {el}")
    fixed = sum(VALENCE[el] * n for el, n in cations.items() if el != "Fe")
    out = {el: n for el, n in cations.items() if el not in ("Fe", "H", "Si")}
    fe = cations.get("Fe", 0.0)
    if fe > 0:
        v = (anion_charge - fixed) / fe
        if not (2.0 - 1e-6 <= v <= 3.0 + 1e-6):
            raise ScenarioError("chemistry", f"{name}: Fe valence {v:.3f} outside [2, 3]; check the formula")
        f3 = min(max(v - 2.0, 0.0), 1.0)
        out["Fe2"], out["Fe3"] = fe * (1.0 - f3), fe * f3
    elif abs(anion_charge - fixed) > 1e-6:
        raise ScenarioError("chemistry", f"{name}: formula is not charge balanced ({fixed - anion_charge:+.3f})")
    return out


#: products of a caustic (NaOH) attack of silicates (see :mod:`scandia.hydromet.caustic`): dissolved silicate and
#: aluminate, the Na-Ca hydrosilicate and the sodalite-type desilication product, and the causticisation solid
CAUSTIC_PRODUCTS: dict[str, str] = {
    "Na2SiO3": "Na2SiO3", "NaAlO2": "NaAlO2", "NaCaHSiO4": "NaCaHSiO4", "sodalite": "Na8Al6Si6O24(OH)2",
    "CaSiO3": "CaSiO3",
}


def acid_row(cset: ComponentSet, comp: Component, lixiviant: str) -> tuple[np.ndarray, float]:
    """Mass change (t per t of ``comp`` dissolved, over ``cset``) of dissolving ``comp`` in ``lixiviant``, and the
    acid it consumes (t/t): each cation at its valence to its salt, Si to amorphous silica, the rest of the oxygen
    (and hydroxyl) to water (module docstring). Works for any charge-balanced formula: minerals, oxides,
    hydroxides, silicates."""
    mm = cset.molar_mass_g_per_mol
    acid_idx, water_idx, silica_idx = cset.index(lixiviant), cset.index("H2O"), cset.index("SiO2")
    protons_per_acid = 2.0 if lixiviant == "H2SO4" else 1.0
    atoms = comp.atoms
    cations = _split_fe(atoms, comp.name)
    mol = 1.0 / comp.molar_mass_g_per_mol  # mol of formula per g
    charge = sum(_charge(k) * n for k, n in cations.items())
    n_acid = charge / protons_per_acid
    n_si = atoms.get("Si", 0.0)
    n_water = atoms.get("O", 0.0) - 2.0 * n_si
    row = np.zeros(len(cset))
    row[cset.index(comp.name)] -= 1.0
    row[acid_idx] -= n_acid * mm[acid_idx] * mol
    row[silica_idx] += n_si * mm[silica_idx] * mol
    row[water_idx] += n_water * mm[water_idx] * mol
    for k, n in cations.items():
        j = cset.index(f"{k}(aq)")
        row[j] += n * mm[j] * mol
    return row, float(n_acid * mm[acid_idx] * mol)


@cache
def chemistry(lixiviant: str, ore_components: ComponentSet) -> Chemistry:
    """The species set and dissolution matrix for ``lixiviant`` (``H2SO4`` or ``HCl``) over ``ore_components``."""
    if lixiviant not in LIXIVIANTS:
        raise ScenarioError("hydromet.leach.lixiviant", f"must be one of {list(LIXIVIANTS)}, got {lixiviant!r}")
    other = "HCl" if lixiviant == "H2SO4" else "H2SO4"
    comps: list[Component] = list(ore_components.components)
    extra = [
        ("H2O", "H2O"), (lixiviant, lixiviant), (other, other), ("SiO2", "SiO2"),
        ("gypsum", "CaSO4(H2O)2"), ("NaOH", "NaOH"), ("NaCl", "NaCl"), ("H2C2O4", "H2C2O4"), ("CaO", "CaO"),
        ("CO2", "CO2"), ("O2", "O2"), ("D2EHPA", "C16H35O4P"), ("kerosene", "C12H26"), ("CH4", "CH4"),
        *CAUSTIC_PRODUCTS.items(),
    ]
    for key in AQUEOUS:
        extra.append((f"{key}(aq)", salt_formula(key, lixiviant)))
    for key in AQUEOUS:  # solids made downstream: hydroxides, oxalates, oxides; organic complexes (M A_z)
        el, z = _element(key), _charge(key)
        extra.append((f"{key}(OH)", f"{el}(OH){z}"))
        extra.append((f"{key}(ox)", f"{el}(C2O4){z / 2:g}"))
        extra.append((f"{key}(oxide)", f"{el}O{z / 2:g}"))
        extra.append((f"{key}(org)", f"{el}(C16H34O4P){z}"))
    comps += [Component(n, f) for n, f in extra]
    cset = ComponentSet(tuple(comps))
    names = tuple(c.name for c in ore_components.components)
    R = np.zeros((len(names), len(cset)))
    acid = np.zeros(len(names))
    for i, comp in enumerate(ore_components.components):
        R[i], acid[i] = acid_row(cset, comp, lixiviant)
    # closure: each row conserves mass to rounding (element balance is checked in tests)
    if np.max(np.abs(R.sum(axis=1))) > 1e-9:
        raise ScenarioError("chemistry", "dissolution stoichiometry does not conserve mass")
    aq_index = {k: cset.index(f"{k}(aq)") for k in AQUEOUS}
    chem = Chemistry(lixiviant, cset, names, R, acid, aq_index, lixiviant)
    chem.reactions.update(_reactions(chem))
    return chem


def clean(flows: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
    """Zero the rounding negatives of a (n, n_components) flow array (below ``rtol`` of the row's total); larger
    negatives are left in place so that stream validation reports them as the modelling errors they are."""
    flows = np.ascontiguousarray(flows, dtype=float)
    if flows.ndim != 2:
        scale = np.abs(flows).sum(axis=-1, keepdims=True)
        return np.where((flows < 0) & (flows > -rtol * scale), 0.0, flows)
    out = np.empty_like(flows)
    _clean_rows(flows, float(rtol), out)
    return out


@pjit
def _clean_rows(flows: np.ndarray, rtol: float, out: np.ndarray) -> None:
    n, c = flows.shape
    for i in prange(n):
        scale = 0.0
        for j in range(c):
            scale += abs(flows[i, j])
        limit = -rtol * scale
        for j in range(c):
            v = flows[i, j]
            out[i, j] = 0.0 if (v < 0.0 and v > limit) else v


def _reactions(chem: Chemistry) -> dict[str, np.ndarray]:
    """Stoichiometric coefficients (mol per mol of metal) of the downstream reactions, for every metal key.

    With anion X (SO4, z_X = 2, acid H2SO4; or Cl, z_X = 1, acid HCl), for a metal M of charge z:

    - ``extract``:  M X_{z/zx} + z HA -> M A_z + (z/zx) H_zx X           (cation exchange, D2EHPA = HA)
    - ``scrub``:    the reverse of ``extract``
    - ``strip``:    M A_z + z NaOH + (z/zx) H_zx X -> M(OH)_z + z HA + z Na X_{1/zx}   (caustic strip, acid
      regeneration of the extractant)
    - ``hydroxide_naoh``: M X + z NaOH -> M(OH)_z + z Na X_{1/zx}
    - ``hydroxide_lime``: M X + (z/2) CaO + (z/2) H2O -> M(OH)_z + (z/2) Ca X_{2/zx}
    - ``redissolve``: M(OH)_z + (z/zx) H_zx X -> M X + z H2O
    - ``oxalate``:  M X + (z/2) H2C2O4 -> M(C2O4)_{z/2} + (z/zx) H_zx X
    - ``calcine``:  M(C2O4)_{z/2} + (z/4) O2 -> M O_{z/2} + z CO2
    - ``dehydrate``: M(OH)_z -> M O_{z/2} + (z/2) H2O (calcining a hydroxide)
    - ``oxidise_fe``: Fe(II) X + (1/zx) H_zx X + 1/4 O2 -> Fe(III) X + 1/2 H2O (air oxidation before iron removal)
    """
    cs = chem.components
    zx = 2.0 if chem.lixiviant == "H2SO4" else 1.0
    acid = chem.acid
    out = {k: np.zeros((len(AQUEOUS), len(cs))) for k in (
        "extract", "scrub", "strip", "hydroxide_naoh", "hydroxide_lime", "redissolve", "oxalate", "calcine",
        "oxidise_fe", "dehydrate")}
    # Fe(II) -> Fe(III) with air: Fe X_{2/zx} + (1/zx) H_zx X + 1/4 O2 -> Fe X_{3/zx} + 1/2 H2O (row of Fe2 only)
    fe2 = AQUEOUS.index("Fe2")
    oxi = out["oxidise_fe"][fe2]
    oxi[cs.index("Fe2(aq)")] -= 1
    oxi[cs.index(acid)] -= 1.0 / zx
    oxi[cs.index("O2")] -= 0.25
    oxi[cs.index("Fe3(aq)")] += 1
    oxi[cs.index("H2O")] += 0.5
    ix = cs.index
    for i, key in enumerate(AQUEOUS):
        z = float(_charge(key))
        aq, org, oh, ox, oxide = (ix(f"{key}({t})") for t in ("aq", "org", "OH", "ox", "oxide"))
        na, ca = ix("Na(aq)"), ix("Ca(aq)")
        # Na(aq) and Ca(aq) are Na X_{1/zx} and Ca X_{2/zx}: per mol metal
        ext = out["extract"][i]
        ext[aq] -= 1
        ext[ix("D2EHPA")] -= z
        ext[org] += 1
        ext[ix(acid)] += z / zx
        out["scrub"][i] = -ext
        st = out["strip"][i]
        st[org] -= 1
        st[ix("NaOH")] -= z
        st[ix(acid)] -= z / zx
        st[oh] += 1
        st[ix("D2EHPA")] += z
        st[na] += z
        hn = out["hydroxide_naoh"][i]
        hn[aq] -= 1
        hn[ix("NaOH")] -= z
        hn[oh] += 1
        hn[na] += z
        hl = out["hydroxide_lime"][i]
        hl[aq] -= 1
        hl[ix("CaO")] -= z / 2
        hl[ix("H2O")] -= z / 2
        hl[oh] += 1
        hl[ca] += z / 2
        rd = out["redissolve"][i]
        rd[oh] -= 1
        rd[ix(acid)] -= z / zx
        rd[aq] += 1
        rd[ix("H2O")] += z
        oxa = out["oxalate"][i]
        oxa[aq] -= 1
        oxa[ix("H2C2O4")] -= z / 2
        oxa[ox] += 1
        oxa[ix(acid)] += z / zx
        dh = out["dehydrate"][i]
        dh[oh] -= 1
        dh[oxide] += 1
        dh[ix("H2O")] += z / 2
        ca_ = out["calcine"][i]
        ca_[ox] -= 1
        ca_[ix("O2")] -= z / 4
        ca_[oxide] += 1
        ca_[ix("CO2")] += z
    return out
