"""Caustic cracking, then HCl: a high-pressure NaOH leach of the concentrate, washing and NaOH recycle, and an
HCl leach of the cracked residue - the Crater Lake Phase III route (Imperial Mining Group, 9 June 2021).

**Cracking stoichiometry** (one reaction per mineral, written from its formula; :func:`caustic_rows`). In hot
concentrated NaOH the silicate lattice is broken: silicon leaves as sodium silicate, aluminium as aluminate, and
the other cations stay behind as hydroxides. Silicate and aluminate do not stay in solution with Ca and Al present:

- Ca takes one Si as sodium calcium hydrosilicate ``NaCaHSiO4`` (the product of the hydrothermal "hydrochemical"
  process in concentrated NaOH, Zhang et al. 2011, Hydrometallurgy 105:275; Zhong et al. 2009, Trans. Nonferrous
  Met. Soc. China 19:1296);
- Al takes one Si and 4/3 Na as the sodalite-type desilication product ``Na8Al6Si6O24(OH)2`` (Bayer DSP;
  Whittington 1996, Hydrometallurgy 43:13); Al beyond the Si left stays dissolved as aluminate ``NaAlO2``;
- Si left over leaves as ``Na2SiO3``; Na and K of the mineral join the liquor as NaOH and KOH;
- Fe(II), Fe(III), Mg, Mn, Sc, REE, Th, U, Ti, Zr stay in the residue as hydroxides (no oxidant in the
  autoclave: Fe keeps its valence). Sc(OH)3 and the REE hydroxides are taken as insoluble in the liquor
  (assumption: scandium's amphoteric ``Sc(OH)6^3-`` is significant only near NaOH fusion).

So, e.g., ``CaFeSi2O6 + 3 NaOH -> NaCaHSiO4 + Fe(OH)2 + Na2SiO3`` (H2O balances). The NaOH taken by a mineral
is fixed by its Na balance and water by its H balance; element balance holds by construction and is tested.

**Cracking kinetics.** Surface-controlled shrinking particles as in the acid leach (:mod:`.leaching`), with the
base mechanism of Palandri & Kharaka (2004, USGS OFR 2004-1068):
``r = f_c k25 exp(-Ea/R (1/T - 1/298.15)) a_H^n`` with ``n < 0`` and ``a_H = Kw(T) / a_OH`` (``Kw`` along the
saturation curve, Bandura & Lvov 2006, J. Phys. Chem. Ref. Data 35:15; ``a_OH`` taken as the NaOH molality:
assumption, activity coefficients 1). P&K give a base mechanism for K-feldspar and epidote only; the Fe-Ca
silicates take the K-feldspar one (assumption, ``data/hydromet/caustic.yaml``), so their relative rates, and the
absolute rate through the fitted factor ``f_c``, are calibrations, not predictions. Magnetite and zircon are
taken as inert in aqueous NaOH below 300 C.

**After the autoclave.** The particle radius shrinks linearly in time under surface control, so a particle
that spent ``t_c`` in NaOH and ``t_a`` in HCl has ``(1 - t_c/tau_c - t_a/tau_a)^3`` of its volume left
(Levenspiel 1999, ch. 25); both steps have Erlang residence times (``n`` compartments / tanks), averaged by
Gauss-Laguerre quadrature. The cracked products (hydroxides, NaCaHSiO4, DSP) and the entrained caustic
liquor dissolve completely in the HCl leach (assumption: fresh hydroxides and hydrosilicates dissolve within
minutes at pH < 1), by the same charge-based stoichiometry as the minerals (:func:`~.chemistry.acid_row`):
the NaCaHSiO4 of one Ca takes 3 HCl where the pyroxene's Ca took 2, and every entrained Na becomes NaCl.
Whether the route saves acid is therefore an output.

**Caustic loop** (steady state in closed form: nothing dissolved in the returned liquor changes the cracking
rate, assumption). The autoclave liquor is washed off the cracked residue in ``wash_stages`` counter-current
stages (the Kremser loss of :func:`~.washing.ccd_soluble_loss` goes on with the residue); lime causticises
``causticisation_frac`` of the silicate (``Na2SiO3 + CaO + H2O -> CaSiO3 + 2 NaOH``, as in the lime
causticisation of Bayer liquor, Whittington 1996); ``bleed_frac`` of the causticised liquor is bled and
neutralised with HCl, the rest is evaporated back (the evaporated water is reported as condensate) and
returned. Silicate, aluminate and KOH that are not removed build up to ``new / (1 - g)`` with ``g`` their
return fraction; fresh NaOH makes up what the minerals took, the bleed and the entrainment.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ..beneficiation.ore import OreModel
from ..core.components import ComponentSet
from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.jit import pjit, prange
from ..core.status import Status
from ..core.stream import Stream
from ..core.unit import UnitResult, per_scenario
from .chemistry import AQUEOUS, Chemistry, _charge, _split_fe, acid_row, clean
from .leaching import R_GAS, T0_K, _acid_activity, _erlang_nodes, _Leach, _molar_volume_m3, _size_grid, surface_rate
from .washing import ccd_soluble_loss

__all__ = ["CausticCrackLeach", "caustic_rows", "kw_saturation", "naoh_solubility_mass_frac"]

NAOH_MOLAR_MASS_KG = 0.039997
#: crack products that go to the caustic liquor (the others stay with the solids)
LIQUOR_PRODUCTS = ("Na2SiO3", "NaAlO2", "K(OH)")


def _data() -> dict[str, Any]:
    return load_data("hydromet/caustic.yaml")


def kw_saturation(temperature_c: np.ndarray) -> np.ndarray:
    """Ionisation constant of water along the saturation curve, interpolated in 1/T on log10 Kw
    (Bandura & Lvov 2006, table in ``data/hydromet/caustic.yaml``)."""
    tab = _data()["pkw_saturation"]["values"]
    t = np.array(sorted(float(k) for k in tab))
    pkw = np.array([float(tab[k]) for k in sorted(tab, key=float)])
    inv = 1.0 / (np.asarray(temperature_c, dtype=float) + 273.15)
    return 10.0 ** -np.interp(inv, (1.0 / (t + 273.15))[::-1], pkw[::-1])


def naoh_solubility_mass_frac(temperature_c: np.ndarray) -> np.ndarray:
    """Mass fraction of NaOH in its saturated aqueous solution (table in ``data/hydromet/caustic.yaml``), linear in
    temperature between tabulated points and held at the last one above it."""
    tab = _data()["naoh_solubility"]["mass_frac"]
    t = np.array(sorted(float(k) for k in tab))
    w = np.array([float(tab[k]) for k in sorted(tab, key=float)])
    return np.interp(np.asarray(temperature_c, dtype=float), t, w)


@cache
def _base_kinetics(minerals: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(log k25, Ea J/mol, n_H, reactive mask) of the base mechanism per mineral."""
    data = _data()["base_mechanism"]
    missing = [m for m in minerals if m not in data]
    if missing:
        raise ScenarioError("hydromet/caustic.yaml", f"no base-mechanism entry for minerals {missing}")
    inert = np.array([bool(data[m].get("inert", False)) for m in minerals])
    logk = np.array([-np.inf if data[m].get("inert") else data[m]["log_k25_mol_m2_s"] for m in minerals], float)
    ea = np.array([0.0 if data[m].get("inert") else data[m]["ea_kj_mol"] * 1e3 for m in minerals], float)
    nh = np.array([0.0 if data[m].get("inert") else data[m]["n_h"] for m in minerals], float)
    return logk, ea, nh, ~inert


def caustic_rate(minerals: tuple[str, ...], temperature_c: np.ndarray, naoh_molality: np.ndarray,
                 factor: np.ndarray) -> np.ndarray:
    """Surface rate in NaOH, ``(k, n_minerals)`` mol/m2/s (module docstring; 0 for inert minerals)."""
    logk, ea, nh, _ = _base_kinetics(minerals)
    t_c = np.asarray(temperature_c, dtype=float)
    a_h = kw_saturation(t_c) / np.asarray(naoh_molality, dtype=float)
    arr = np.exp(-ea / R_GAS * (1.0 / (t_c + 273.15) - 1.0 / T0_K))
    return factor * 10.0**logk * arr * a_h**nh


@cache
def caustic_rows(cset: ComponentSet, names: tuple[str, ...]) -> np.ndarray:
    """Mass change (t per t reacted, ``(len(names), len(cset))``) of the NaOH attack of each named mineral or
    oxide (module docstring): NaOH and water consumed (negative) or released, products positive."""
    mm = cset.molar_mass_g_per_mol
    rows = np.zeros((len(names), len(cset)))
    for i, name in enumerate(names):
        comp = cset.components[cset.index(name)]
        atoms = comp.atoms
        cations = dict(_split_fe(atoms, name))
        si = atoms.get("Si", 0.0)
        prod: dict[str, float] = {}
        ca = cations.pop("Ca", 0.0)
        ca_si = min(ca, si)
        prod["NaCaHSiO4"], prod["Ca(OH)"], si = ca_si, ca - ca_si, si - ca_si
        al = cations.pop("Al", 0.0)
        al_si = min(al, si)
        prod["sodalite"], prod["NaAlO2"], si = al_si / 6.0, al - al_si, si - al_si
        prod["Na2SiO3"] = si
        na = cations.pop("Na", 0.0)
        prod["K(OH)"] = cations.pop("K", 0.0)
        for key, n in cations.items():  # Fe2, Fe3, Mg, Mn, Sc, REE, Th, U, Ti, Zr
            if key not in AQUEOUS:
                raise ScenarioError("chemistry", f"{name}: no hydroxide for cation {key}")
            prod[f"{key}(OH)"] = prod.get(f"{key}(OH)", 0.0) + n
        na_fixed = prod["NaCaHSiO4"] + 8.0 * prod["sodalite"] + prod["NaAlO2"] + 2.0 * prod["Na2SiO3"]
        h_prod = prod["NaCaHSiO4"] + 2.0 * prod["sodalite"] + prod["K(OH)"] + sum(
            _charge(k[:-4]) * v for k, v in prod.items() if k.endswith("(OH)") and k != "K(OH)")
        naoh = na_fixed - na  # mol NaOH taken per formula unit (the mineral's own Na becomes NaOH)
        water = (h_prod - atoms.get("H", 0.0) - naoh) / 2.0  # mol H2O taken (negative: released)
        mol = 1.0 / comp.molar_mass_g_per_mol
        row = rows[i]
        row[cset.index(name)] -= 1.0
        row[cset.index("NaOH")] -= naoh * mm[cset.index("NaOH")] * mol
        row[cset.index("H2O")] -= water * mm[cset.index("H2O")] * mol
        for key, n in prod.items():
            if n:
                j = cset.index(key)
                row[j] += n * mm[j] * mol
    if np.max(np.abs(rows.sum(axis=1))) > 1e-9:
        raise ScenarioError("chemistry", "caustic cracking stoichiometry does not conserve mass")
    return rows


@cache
def _acid_rows(chem: Chemistry, names: tuple[str, ...]) -> np.ndarray:
    cs = chem.components
    return np.array([acid_row(cs, cs.components[cs.index(nm)], chem.acid)[0] for nm in names])


def _remaining(tau_1: np.ndarray, t_1: np.ndarray, n_1: int, tau_2: np.ndarray | None = None,
               t_2: np.ndarray | None = None, n_2: int = 1, order: int = 24) -> np.ndarray:
    """Mean volume fraction left, ``E[(1 - s1/tau_1 - s2/tau_2)+^3]`` with ``s1``, ``s2`` Erlang(n) residence
    times of means ``t_1``, ``t_2`` (s); shapes broadcast (k, s, M). Gauss-generalised-Laguerre quadrature of
    ``order`` nodes per residence time (a compiled kernel, :func:`_remaining_kernel`)."""
    u1, w1 = _erlang_nodes(n_1, order)
    a = t_1 / n_1 / tau_1  # fraction of the radius consumed per unit of dimensionless time
    if tau_2 is None:
        b = np.zeros(1)
        u2, w2 = np.zeros(1), np.zeros(0)
    else:
        u2, w2 = _erlang_nodes(n_2, order)
        b = t_2 / n_2 / tau_2
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    a = np.ascontiguousarray(np.broadcast_to(a, shape), dtype=float).reshape(-1)
    b = np.ascontiguousarray(np.broadcast_to(b, shape), dtype=float).reshape(-1)
    out = np.empty(a.size)
    _remaining_kernel(a, b, np.asarray(u1, float), np.asarray(w1, float), np.asarray(u2, float),
                      np.asarray(w2, float), out)
    return out.reshape(shape)


@pjit
def _remaining_kernel(a, b, u1, w1, u2, w2, out):
    """Shrinking-core volume left after one (``w2`` empty) or two Erlang residence times, per element."""
    two = w2.size > 0
    for k in prange(a.size):
        total = 0.0
        for j in range(u1.size):
            left = min(max(1.0 - u1[j] * a[k], 0.0), 1.0)
            if not two:
                total += w1[j] * left * left * left
                continue
            inner = 0.0
            for m in range(u2.size):
                v = min(max(left - u2[m] * b[k], 0.0), 1.0)
                inner += w2[m] * v * v * v
            total += w1[j] * inner
        out[k] = total


class CausticCrackLeach(_Leach):
    """High-pressure NaOH cracking of the concentrate, washing, NaOH recycle with lime causticisation and a bleed,
    then an HCl tank leach of the cracked residue (module docstring).

    Outlets: ``residue`` and ``liquor`` of the HCl leach (to the CCD), ``caustic_residue`` (the causticisation
    CaSiO3), ``caustic_bleed`` (the bled caustic liquor neutralised with HCl) and ``condensate`` (water
    evaporated from the returned liquor). Reagents: NaOH, lime, HCl (leach and bleed neutralisation), water.
    """

    section = "hydromet.caustic."
    outlets = ("residue", "liquor", "caustic_residue", "caustic_bleed", "condensate")

    def __init__(self, ore: OreModel, chem: Chemistry, temperature_c: Any = None, residence_time_h: Any = None,
                 n_compartments: int | None = None, naoh_mass_frac: Any = None, solids_mass_frac: Any = None,
                 regrind_p80_mm: Any = None, crack_rate_factor: Any = None, crack_allanite_factor: Any = None,
                 wash_stages: Any = None, wash_ratio: Any = None, underflow_liquor_t_per_t: Any = None,
                 causticisation_frac: Any = None, bleed_frac: Any = None, acid_temperature_c: Any = None,
                 acid_residence_time_h: Any = None, acid_n_tanks: int | None = None, free_acid_g_per_l: Any = None,
                 acid_solids_mass_frac: Any = None, evaporator_kwh_per_t: Any = None, rrsb_uniformity: Any = None,
                 rate_factor: Any = None,
                 gypsum_solubility_g_per_l: Any = None, mineral_rate_factor: Any = None) -> None:
        super().__init__(ore, chem, rrsb_uniformity=rrsb_uniformity, rate_factor=rate_factor,
                         gypsum_solubility_g_per_l=gypsum_solubility_g_per_l, mineral_rate_factor=mineral_rate_factor)
        if chem.lixiviant != "HCl":
            raise ScenarioError("hydromet.lixiviant", "the caustic route leaches its cracked residue with HCl")
        self.evaporator_kwh_per_t = evaporator_kwh_per_t
        self.temperature_c = temperature_c
        self.residence_time_h = residence_time_h
        self.n_compartments = n_compartments
        self.naoh_mass_frac = naoh_mass_frac
        self.solids_mass_frac = solids_mass_frac
        self.regrind_p80_mm = regrind_p80_mm
        self.crack_rate_factor = crack_rate_factor
        self.crack_allanite_factor = crack_allanite_factor
        self.wash_stages = wash_stages
        self.wash_ratio = wash_ratio
        self.underflow_liquor_t_per_t = underflow_liquor_t_per_t
        self.causticisation_frac = causticisation_frac
        self.bleed_frac = bleed_frac
        self.acid_temperature_c = acid_temperature_c
        self.acid_residence_time_h = acid_residence_time_h
        self.acid_n_tanks = acid_n_tanks
        self.free_acid_g_per_l = free_acid_g_per_l
        self.acid_solids_mass_frac = acid_solids_mass_frac
        self._declared_defaults()

    def _p(self, name: str, n: int) -> np.ndarray:
        return per_scenario(getattr(self, name), n, self.section + name)

    def _count(self, name: str) -> int:
        v = np.unique(np.asarray(getattr(self, name), dtype=float))
        if v.size != 1 or v[0] != int(v[0]) or not 1 <= v[0] <= 50:
            raise ScenarioError(self.section + name, f"must be one whole number in [1, 50] per run, got {v}")
        return int(v[0])

    def conversions(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(conversion in the autoclave, conversion after the HCl leach too), each ``(n or 1, n_minerals)``."""
        ore = self.ore
        temp, t_c = self._p("temperature_c", n), self._p("residence_time_h", n) * 3600.0
        w = self._p("naoh_mass_frac", n)
        sol = naoh_solubility_mass_frac(temp)
        if np.any(w > sol):
            i = int(np.argmax(w - sol))
            wi, ti, si = float(np.ravel(w)[min(i, w.size - 1)]), float(np.ravel(temp)[min(i, temp.size - 1)]), \
                float(np.ravel(sol)[min(i, sol.size - 1)])
            raise ScenarioError(self.section + "naoh_mass_frac",
                                f"{wi:.3g} is past the solubility of NaOH at {ti:.0f} C ({si:.3g}); lower it")
        molality = w / (1.0 - w) / NAOH_MOLAR_MASS_KG
        fc = self._p("crack_rate_factor", n) * np.ones(len(ore.minerals))
        fc = fc.copy()
        fc[:, ore.minerals.index("allanite")] *= self._p("crack_allanite_factor", n)[:, 0]
        p80 = self._p("regrind_p80_mm", n)
        m = per_scenario(self.rrsb_uniformity, n, "hydromet.common.rrsb_uniformity")
        sizes, r0 = _size_grid(ore, p80, m)
        vm = _molar_volume_m3(ore)
        rate_c = caustic_rate(ore.minerals, temp, molality, fc)
        with np.errstate(divide="ignore"):
            tau_c = r0[None, :, None] / (vm[None, None, :] * rate_c[:, None, :])  # (k, s, M); inf if inert
        a_temp = self._p("acid_temperature_c", n)
        acid = self._p("free_acid_g_per_l", n)
        rate_a = surface_rate(ore.minerals, a_temp, _acid_activity(self.chem, acid), self._factor(n))
        tau_a = r0[None, :, None] / (vm[None, None, :] * rate_a[:, None, :])
        t_a = self._p("acid_residence_time_h", n) * 3600.0
        nc, na = self._count("n_compartments"), self._count("acid_n_tanks")
        left_c = _remaining(tau_c, t_c[:, :, None], nc)
        left = _remaining(tau_c, t_c[:, :, None], nc, tau_a, t_a[:, :, None], na)
        x_c = np.clip(1.0 - (sizes[:, :, None] * left_c).sum(axis=1), 0.0, 1.0)
        x_t = np.clip(1.0 - (sizes[:, :, None] * left).sum(axis=1), 0.0, 1.0)
        return x_c, np.maximum(x_t, x_c)

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["solids"]
        ch, cs = self.chem, self.chem.components
        n, C = feed.n, len(cs)
        ix = cs.index
        naoh_i, w_i, acid_i, lime_i = ix("NaOH"), ix("H2O"), ix(ch.acid), ix("CaO")
        x_c, x_t = (np.broadcast_to(v, (n, len(self.ore.minerals))) for v in self.conversions(n))
        mass = feed.mass_tph  # (n, M, C)
        ore_idx = [ix(c) for c in ch.ore_components]
        # -- autoclave ------------------------------------------------------------------------------------------
        cracked = (mass * x_c[..., None]).sum(axis=1)
        change = cracked[:, ore_idx] @ caustic_rows(cs, ch.ore_components)  # (n, C)
        naoh_taken, water_taken = -change[:, naoh_i], -change[:, w_i]
        products = change.copy()
        products[:, ore_idx] = 0.0
        products[:, [naoh_i, w_i]] = 0.0
        liq_idx = [ix(c) for c in LIQUOR_PRODUCTS]
        new_liq = np.zeros((n, C))
        new_liq[:, liq_idx] = products[:, liq_idx]
        crack_solids = products - new_liq
        left_min = mass * (1.0 - x_c)[..., None]  # (n, M, C) uncracked minerals
        solids_t = left_min.sum(axis=(1, 2)) + crack_solids.sum(axis=1)
        ws = self._p("solids_mass_frac", n)[:, 0]
        wfrac = self._p("naoh_mass_frac", n)[:, 0]
        water = feed.total_tph * (1.0 - ws) / ws  # autoclave liquor water, t/h
        free = water * wfrac / (1.0 - wfrac)  # free NaOH held, t/h
        # -- washing, causticisation, bleed: the steady state of the loop -------------------------------------
        loss = ccd_soluble_loss(self._p("wash_ratio", n), self._p("wash_stages", n))[:, 0]
        under = self._p("underflow_liquor_t_per_t", n)[:, 0] * solids_t
        wash = self._p("wash_ratio", n)[:, 0] * under
        eta = self._p("causticisation_frac", n)[:, 0]
        b = self._p("bleed_frac", n)[:, 0]
        keep = (1.0 - b) * (1.0 - loss)  # return fraction of a solute that is not removed
        g = np.ones((n, C)) * keep[:, None]
        g[:, ix("Na2SiO3")] *= 1.0 - eta
        solutes = new_liq / (1.0 - g)  # circulating silicate, aluminate, KOH (t/h leaving the autoclave)
        solutes[:, naoh_i] = free
        entrained = solutes * loss[:, None]
        entrained[:, w_i] = np.minimum(under, water)
        to_caust = solutes - entrained
        to_caust[:, w_i] = water - entrained[:, w_i] + wash
        sil_mol = eta * to_caust[:, ix("Na2SiO3")] * 1e6 / cs.molar_mass_g_per_mol[ix("Na2SiO3")]
        caust = np.zeros((n, C))  # Na2SiO3 + CaO + H2O -> CaSiO3 + 2 NaOH, mol/h -> t/h
        for name, nu in (("Na2SiO3", -1.0), ("CaO", -1.0), ("H2O", -1.0), ("CaSiO3", 1.0), ("NaOH", 2.0)):
            caust[:, ix(name)] = nu * sil_mol * cs.molar_mass_g_per_mol[ix(name)] * 1e-6
        lime = np.zeros((n, C))
        lime[:, lime_i] = -caust[:, lime_i]
        caust_residue = np.zeros((n, C))
        caust_residue[:, ix("CaSiO3")] = caust[:, ix("CaSiO3")]
        liquor_c = to_caust + caust
        liquor_c[:, [lime_i, ix("CaSiO3")]] = 0.0
        bleed = liquor_c * b[:, None]
        back = liquor_c - bleed
        # water: the evaporator returns what the autoclave needs; the rest leaves as condensate
        need_water = water + water_taken
        ret_water = np.minimum(back[:, w_i], np.maximum(need_water, 0.0))
        condensate = np.zeros((n, C))
        condensate[:, w_i] = back[:, w_i] - ret_water
        back[:, w_i] = ret_water
        makeup_naoh = free + naoh_taken - back[:, naoh_i]
        spare = np.maximum(-makeup_naoh, 0.0)  # more NaOH returned than needed: bled too
        bleed[:, naoh_i] += spare
        back[:, naoh_i] -= spare
        naoh_in = np.zeros((n, C))
        naoh_in[:, naoh_i] = np.maximum(makeup_naoh, 0.0)
        water_in = np.zeros((n, C))
        water_in[:, w_i] = np.maximum(need_water - ret_water, 0.0) + wash
        # -- the bled liquor neutralised with acid -------------------------------------------------------------
        sol_names = tuple(cs.names[j] for j in range(C) if cs.names[j] in ("NaOH", *LIQUOR_PRODUCTS))
        sol_idx = [ix(nm) for nm in sol_names]
        neut = bleed[:, sol_idx] @ _acid_rows(ch, sol_names)
        acid_bleed = -neut[:, acid_i]
        bleed_out = bleed + neut
        bleed_out[:, acid_i] = 0.0
        # -- HCl leach of the cracked residue -------------------------------------------------------------------
        dis_min = (mass * (x_t - x_c)[..., None]).sum(axis=1)
        solid_out = (mass * (1.0 - x_t)[..., None]).sum(axis=1)
        to_leach = crack_solids + entrained
        to_leach[:, w_i] = 0.0
        lix_names = tuple(cs.names[j] for j in range(C) if to_leach[:, j].any())
        lix_idx = [ix(nm) for nm in lix_names]
        change_a = dis_min[:, ore_idx] @ ch.dissolution
        if lix_idx:
            change_a = change_a + to_leach[:, lix_idx] @ _acid_rows(ch, lix_names)
        acid_used = -change_a[:, acid_i]
        salts = np.maximum(change_a, 0.0)
        salts[:, [acid_i, w_i, ix("SiO2")]] = 0.0
        solid_out[:, ix("SiO2")] += change_a[:, ix("SiO2")]
        water_made = change_a[:, w_i]
        wa = self._p("acid_solids_mass_frac", n)[:, 0]
        acid_water = np.maximum((solid_out.sum(axis=1) + dis_min.sum(axis=1) + to_leach.sum(axis=1))
                                * (1.0 - wa) / wa, entrained[:, w_i] + water_made)
        free_acid = self._p("free_acid_g_per_l", n)[:, 0] * 1e-3 * acid_water
        leach_liq = salts.copy()
        leach_liq[:, w_i] = acid_water
        leach_liq[:, acid_i] = free_acid
        acid_in = np.zeros((n, C))
        acid_in[:, acid_i] = acid_used + free_acid + acid_bleed
        water_in[:, w_i] += acid_water - entrained[:, w_i] - water_made
        # -- status: chloride solubility in the leach liquor ----------------------------------------------------
        limits = load_data("hydromet/chloride_solubility.yaml")["solubility_g_per_l"]
        sat = np.zeros(n)
        for name, lim in limits.items():
            sat = np.maximum(sat, leach_liq[:, ix(name)] * 1e3 / np.maximum(acid_water, 1e-300) / float(lim))
        status = np.where(sat > 1.0, Status.infeasible, Status.ok).astype(np.int8)
        mk = lambda a, label: Stream.solution(cs, clean(a), label)  # noqa: E731
        outlets = {"residue": mk(solid_out, "residue"), "liquor": mk(leach_liq, "liquor"),
                   "caustic_residue": mk(caust_residue, "caustic residue"),
                   "caustic_bleed": mk(bleed_out, "caustic bleed"), "condensate": mk(condensate, "condensate")}
        reagents = {"naoh": mk(naoh_in, "NaOH"), "lime": mk(lime, "lime"), "acid": mk(acid_in, "acid"),
                    "water": mk(water_in, "water")}
        design = {
            "crack_conversion": x_c, "conversion": x_t,
            "naoh_added_tph": naoh_in[:, naoh_i], "naoh_taken_by_minerals_tph": naoh_taken,
            "naoh_circulating_tph": free, "naoh_returned_tph": back[:, naoh_i],
            "lime_added_tph": lime[:, lime_i], "evaporation_tph": condensate[:, w_i],
            "acid_added_tph": acid_in[:, acid_i], "acid_consumed_tph": acid_used,
            "acid_bleed_neutralisation_tph": acid_bleed,
            "na_to_acid_leach_tph": (to_leach[:, [ix(nm) for nm in ("NaOH", "Na2SiO3", "NaAlO2", "NaCaHSiO4",
                                                                    "sodalite")]]
                                     * _na_frac(cs, ("NaOH", "Na2SiO3", "NaAlO2", "NaCaHSiO4", "sodalite"))
                                     ).sum(axis=1),
            "liquor_m3_per_h": acid_water, "max_saturation_frac": sat,
            # liquor and residue leave the HCl leach of the cracked solids at its temperature (no heat balance)
            "outlet_temperature_c": np.broadcast_to(self._p("acid_temperature_c", condensate.shape[0])[:, 0],
                                                    condensate.shape[:1]).copy(),
            # MVR evaporator power (electricity), kW
            "evaporator_kw": condensate[:, w_i] * self._p("evaporator_kwh_per_t", condensate.shape[0])[:, 0],
        }
        return UnitResult(outlets, status, design, reagents=reagents)


def _na_frac(cs: ComponentSet, names: tuple[str, ...]) -> np.ndarray:
    """Mass fraction of Na in each named component."""
    out = []
    for nm in names:
        comp = cs.components[cs.index(nm)]
        out.append(comp.atoms.get("Na", 0.0) * 22.98977 / comp.molar_mass_g_per_mol)
    return np.array(out)
