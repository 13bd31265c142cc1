"""Leaching: agitated tank leach, acid bake + water leach, heap leach - three routes behind one interface.

Every route takes the concentrate on a *mineral basis* (one particle class per mineral, each with its Sc, REE,
Th and U contents, see :func:`mineral_feed`) and returns a lumped solid ``residue`` and a ``liquor``; the acid and
water it draws in are reported as reagent streams, so the element balance of every route closes exactly.
Minerals dissolve congruently: the Sc and REE of a mineral dissolve with it (deportment carries through).

Kinetics (tank and bake): surface-controlled shrinking particles. The molar rate per unit surface follows the
acid mechanism of Palandri & Kharaka (2004, USGS OFR 2004-1068)::

    r_m = f k25_m exp(-Ea_m / R (1/T - 1/298.15)) a_H^n_m        [mol m-2 s-1]

so the radius of a sphere falls as ``dr/dt = -V_m r_m`` (``V_m`` molar volume) and conversion is
``X(t) = 1 - (1 - t/tau)^3``, ``tau = r0 / (V_m r_m)`` (Levenspiel 1999, Chemical Reaction Engineering, 3rd ed.,
ch. 25, shrinking particle under reaction control). ``f`` is a surface-roughness / lab-to-plant factor fitted to
the Crater Lake leach result. A train of N stirred tanks has an Erlang residence-time distribution; the mean
conversion ``X = int X(t) E_N(t) dt`` is taken by generalised Gauss-Laguerre quadrature (Levenspiel, ch. 11-14).

Heap: coarse particles under mixed control (Sohn 1978 additive times): ``t = tau_R g_R(X) + tau_D g_D(X)`` with
``g_R = 1 - (1-X)^(1/3)``, ``g_D = 1 - 3(1-X)^(2/3) + 2(1-X)`` and ``tau_D = rho_B r0^2 / (6 b D_e C_A)``
(Levenspiel 1999, eq. 25.23), solved for X by vectorized bisection.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from scipy.special import roots_genlaguerre

from ..beneficiation.ore import OreModel, rrsb_fractions
from ..core.datafiles import load_data
from ..core.status import Status
from ..core.stream import ParticleClasses, Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import Chemistry, clean
from .precipitation import precipitate_gypsum

__all__ = [
    "AcidBakeLeach",
    "HeapLeach",
    "RecycleTankLeach",
    "RegenTankLeach",
    "TankLeach",
    "mineral_feed",
    "shrinking_core_conversion",
]

R_GAS = 8.314462618  #: J/mol/K
T0_K = 298.15


def mineral_feed(class_tph: np.ndarray, ore: OreModel, chem: Chemistry) -> Stream:
    """The concentrate as one class per mineral, in the hydromet component set.

    ``class_tph`` is ``(n, n_minerals)`` (e.g. ``ore.mineral_tph(concentrate)``); class compositions are the
    minerals' (matrix plus trace oxides), so every trace element stays with its host.
    """
    n_c = len(chem.components)
    w = np.zeros((len(ore.minerals), n_c))
    idx = [chem.components.index(c.name) for c in ore.components.components]
    w[:, idx] = ore.mineral_w
    classes = ParticleClasses(ore.minerals, np.full(len(ore.minerals), np.nan), ore.density_t_m3,
                              ore.chi_default_m3_kg)
    return Stream(chem.components, classes, np.asarray(class_tph, dtype=float), w, validate=False)


@cache
def _kinetics(minerals: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = load_data("hydromet/leach_kinetics.yaml")["minerals"]
    missing = [m for m in minerals if m not in data]
    if missing:
        from ..core.errors import ScenarioError

        raise ScenarioError("hydromet/leach_kinetics.yaml", f"no rate parameters for minerals {missing}")
    logk = np.array([data[m]["log_k25_mol_m2_s"] for m in minerals], dtype=float)
    ea = np.array([data[m]["ea_kj_mol"] for m in minerals], dtype=float) * 1e3
    nh = np.array([data[m]["n_h"] for m in minerals], dtype=float)
    return logk, ea, nh


def surface_rate(minerals: tuple[str, ...], temperature_c: np.ndarray, a_h: np.ndarray, factor: np.ndarray):
    """Dissolution rate per unit surface, ``(n, n_minerals)`` mol/m2/s (Palandri & Kharaka 2004)."""
    logk, ea, nh = _kinetics(minerals)
    t_k = np.asarray(temperature_c) + 273.15
    arr = np.exp(-ea / R_GAS * (1.0 / t_k - 1.0 / T0_K))
    return factor * 10.0**logk * arr * np.asarray(a_h) ** nh


def shrinking_core_conversion(t: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Conversion of a sphere shrinking under surface control: ``1 - (1 - t/tau)^3`` (1 for t >= tau)."""
    rem = np.clip(1.0 - np.asarray(t) / np.asarray(tau), 0.0, 1.0)
    return 1.0 - rem**3


def _molar_volume_m3(ore: OreModel) -> np.ndarray:
    """Molar volume of each mineral (matrix formula), m3/mol."""
    mm = np.array([ore.components.components[i].molar_mass_g_per_mol for i in range(len(ore.minerals))])
    return mm * 1e-3 / (ore.density_t_m3 * 1e3)


def _erlang_nodes(n_tanks: int, order: int = 48) -> tuple[np.ndarray, np.ndarray]:
    x, w = roots_genlaguerre(order, n_tanks - 1)
    # E_N(t) dt with u = t / tau_tank: u^(N-1) e^-u / (N-1)! du
    from math import lgamma

    return x, w / np.exp(lgamma(n_tanks))


def outlet_temperature(value: Any, n: int, name: str) -> np.ndarray:
    """The leach's operating temperature [°C] per scenario, ``(n,)``: the temperature its liquor and residue
    leave at (no heat balance is solved, so streams downstream of the leach carry none)."""
    return np.broadcast_to(per_scenario(value, n, name)[:, 0], (n,)).copy()


class _Leach(Unit):
    """Common machinery: dissolve minerals by conversion X (n, n_minerals), build residue and liquor."""

    inlets = ("solids",)
    outlets = ("residue", "liquor")

    def __init__(self, ore: OreModel, chem: Chemistry, *, rrsb_uniformity: Any = None, rate_factor: Any = None,
                 gypsum_solubility_g_per_l: Any = None, mineral_rate_factor: Any = None) -> None:
        self.ore = ore
        self.chem = chem
        self.rrsb_uniformity = rrsb_uniformity
        self.rate_factor = rate_factor
        self.gypsum_solubility_g_per_l = gypsum_solubility_g_per_l
        self.mineral_rate_factor = mineral_rate_factor

    #: the scenario section whose declarations hold this unit's defaults
    section: str = ""

    @classmethod
    def _parameter_names(cls) -> list[str]:
        """The constructor's parameters after ``ore`` and ``chem``."""
        import inspect

        return list(inspect.signature(cls.__init__).parameters)[3:]

    def _declared_defaults(self) -> None:
        """A parameter not given takes the declared default of ``<section>.<name>`` (or ``hydromet.common.<name>``):
        one default per field, in its data file (the constructors state none of their own)."""
        from ..scenario import schema  # noqa: F401  (makes sure every declaration is registered)
        from ..scenario.params import PARAMS

        for name in self._parameter_names():
            if getattr(self, name, None) is not None:
                continue
            for path in (self.section + name, "hydromet.common." + name):
                if path in PARAMS and PARAMS[path].default is not None:
                    setattr(self, name, PARAMS[path].default)
                    break

    @classmethod
    def from_section(cls, section: Any, ore: OreModel, chem: Chemistry, **common: Any) -> _Leach:
        """The unit built from its scenario section (a :class:`~scandia.core.registry.SectionView` of
        ``hydromet.<route>``, e.g. ``batch.hydromet.tank``): every constructor parameter not in ``common`` is read
        from the section (stage counts as one whole number per run), or from ``hydromet.common``. Defaults and
        bounds live in the declarations only."""
        from ..core.registry import SectionView
        from ..scenario.params import PARAMS

        shared = SectionView(section._arrays, "hydromet.common.")  # rate factor, RRSB uniformity, gypsum
        kwargs: dict[str, Any] = {}
        for name in cls._parameter_names():
            if name in common:
                continue
            own = section._prefix + name
            if own in section._arrays:
                decl = PARAMS.get(own)
                kwargs[name] = section.count(name) if decl is not None and decl.scope == "run" else section._arrays[own]
            elif "hydromet.common." + name in section._arrays:
                kwargs[name] = getattr(shared, name)
        return cls(ore, chem, **kwargs, **common)

    def _dissolution_times(self, temp, a_h, factor, p80, uniformity) -> tuple[np.ndarray, np.ndarray]:
        """(size fractions (k, s), time to dissolve each size class of each mineral completely (k, s, M), s)."""
        rate = surface_rate(self.ore.minerals, temp, a_h, factor)  # (k, M) mol/m2/s
        sizes, r0 = _size_grid(self.ore, p80, uniformity)
        return sizes, r0[None, :, None] / (_molar_volume_m3(self.ore)[None, None, :] * rate[:, None, :])

    def _factor(self, n: int) -> np.ndarray:
        """Rate multiplier per scenario and mineral: common factor x mineral factor, (k, n_minerals)."""
        f = per_scenario(self.rate_factor, n, "hydromet.common.rate_factor")
        if self.mineral_rate_factor is None:
            return f
        m = np.asarray(self.mineral_rate_factor, dtype=float)
        if np.any(~np.isfinite(m)) or np.any(m <= 0):
            from ..core.errors import ScenarioError

            raise ScenarioError("hydromet.mineral_rate_factor", "must be finite and > 0")
        return f * m

    def _dissolve(
        self,
        feed: Stream,
        x: np.ndarray,
        free_acid_t: np.ndarray,
        water_t: np.ndarray,
        soluble_to_liquor: np.ndarray | float = 1.0,
        gypsum_solubility_g_per_l: np.ndarray | float = 2.0,
    ) -> tuple[dict[str, Stream], dict[str, Stream], dict[str, np.ndarray], np.ndarray]:
        """Dissolve fraction ``x`` (n, n_minerals) of each mineral class.

        The liquor holds ``water_t`` t/h of water (before gypsum forms) and ``free_acid_t`` t/h of free acid;
        ``soluble_to_liquor`` (0-1) of the dissolved salts reach it, the rest stay in the residue as soluble salts
        (an incomplete water leach). Acid make-up = consumed + free; water make-up = liquor water - reaction
        water. Returns outlets, reagents, design figures and status.
        """
        ch = self.chem
        cs = ch.components
        n = feed.n
        acid_i, water_i, si_i = cs.index(ch.acid), cs.index("H2O"), cs.index("SiO2")
        mass = feed.mass_tph  # (n, M, C)
        dissolved = (mass * x[..., None]).sum(axis=1)  # (n, C)
        undissolved = (mass * (1.0 - x)[..., None]).sum(axis=1)
        ore_idx = [cs.index(c) for c in ch.ore_components]
        change = dissolved[:, ore_idx] @ ch.dissolution  # products (+), consumed (-)
        acid_consumed = -change[:, acid_i]
        water_made = change[:, water_i]
        salts = np.maximum(change, 0.0)
        salts[:, [acid_i, water_i, si_i]] = 0.0
        solids = undissolved
        solids[:, si_i] += change[:, si_i]
        liquor = salts * soluble_to_liquor
        solids += salts - liquor
        water_liquor = np.maximum(water_t, water_made)
        status = np.where(water_t < water_made, Status.clipped, Status.ok).astype(np.int8)
        liquor[:, water_i] += water_liquor
        if ch.lixiviant == "H2SO4":  # CaSO4 above its solubility leaves the liquor as gypsum
            gyp_i = cs.index("gypsum")
            liquor = precipitate_gypsum(ch, liquor, gypsum_solubility_g_per_l)
            solids[:, gyp_i] += liquor[:, gyp_i]
            liquor[:, gyp_i] = 0.0
            water_liquor = liquor[:, water_i]
        liquor[:, acid_i] += free_acid_t
        zeros = np.zeros((n, len(cs)))
        acid = zeros.copy()
        acid[:, acid_i] = acid_consumed + free_acid_t
        water = zeros
        water[:, water_i] = np.maximum(water_t, water_made) - water_made
        outlets = {"residue": Stream.solution(cs, clean(solids), "residue"),
                   "liquor": Stream.solution(cs, clean(liquor), "liquor")}
        reagents = {"acid": Stream.solution(cs, clean(acid), "acid"),
                    "water": Stream.solution(cs, clean(water), "water")}
        design = {"acid_added_tph": acid[:, acid_i], "acid_consumed_tph": acid_consumed,
                  "water_added_tph": water[:, water_i], "liquor_m3_per_h": water_liquor}
        return outlets, reagents, design, status



def _acid_activity(chem: Chemistry, free_acid_g_per_l: np.ndarray) -> np.ndarray:
    """Proton activity ~ molarity of the first dissociation (H2SO4) or of HCl; activity coefficients taken as 1
    (assumption; the second H2SO4 dissociation, Ka2 = 10^-1.99, is suppressed at these acidities)."""
    mm = chem.components.molar_mass_g_per_mol[chem.components.index(chem.acid)]
    return np.asarray(free_acid_g_per_l) / mm


def _size_grid(ore: OreModel, p80_mm: np.ndarray, uniformity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(size fractions (k, s), particle radius (s,) in m) for an RRSB product of the ore model's sieve grid."""
    return rrsb_fractions(p80_mm, uniformity, ore.size_upper_mm), ore.size_mid_mm * 0.5e-3


class TankLeach(_Leach):
    """Agitated tank leach train (H2SO4 or HCl): N CSTRs, residence time, temperature, free acid, pulp density.

    Mean conversion per mineral: RRSB sizes x shrinking-particle kinetics x Erlang(N) residence times (module
    docstring). Acid added = stoichiometric consumption of the dissolved minerals + free acid left in the liquor.
    """

    section = "hydromet.tank."

    def __init__(self, ore: OreModel, chem: Chemistry, temperature_c: Any = None, residence_time_h: Any = None,
                 n_tanks: int | None = None, free_acid_g_per_l: Any = None, solids_mass_frac: Any = None,
                 regrind_p80_mm: Any = None, rrsb_uniformity: Any = None, rate_factor: Any = None,
                 gypsum_solubility_g_per_l: Any = None, mineral_rate_factor: Any = None) -> None:
        super().__init__(ore, chem, rrsb_uniformity=rrsb_uniformity, rate_factor=rate_factor,
                         gypsum_solubility_g_per_l=gypsum_solubility_g_per_l, mineral_rate_factor=mineral_rate_factor)
        self.temperature_c = temperature_c
        self.residence_time_h = residence_time_h
        self.n_tanks = n_tanks
        self.free_acid_g_per_l = free_acid_g_per_l
        self.solids_mass_frac = solids_mass_frac
        self.regrind_p80_mm = regrind_p80_mm
        self._declared_defaults()

    def conversion(self, n: int) -> np.ndarray:
        """Mean conversion of each mineral, ``(n or 1, n_minerals)``."""
        p = "hydromet.tank."
        temp = per_scenario(self.temperature_c, n, p + "temperature_c", 0.0, 110.0)
        tau_h = per_scenario(self.residence_time_h, n, p + "residence_time_h", 1e-3, 1e3)
        acid = per_scenario(self.free_acid_g_per_l, n, p + "free_acid_g_per_l", 0.1, 1000.0)
        p80 = per_scenario(self.regrind_p80_mm, n, p + "regrind_p80_mm", 1e-3, 10.0)
        m = per_scenario(self.rrsb_uniformity, n, "hydromet.common.rrsb_uniformity")
        f = self._factor(n)
        n_tanks = np.asarray(self.n_tanks)
        if n_tanks.ndim and n_tanks.size == n and np.all(n_tanks == n_tanks.flat[0]):
            n_tanks = n_tanks.flat[0]
        sizes, tau = self._dissolution_times(temp, _acid_activity(self.chem, acid), f, p80, m)
        tank_s = (tau_h * 3600.0 / np.asarray(n_tanks).reshape(-1, 1))[:, :, None]  # (k, 1, 1)
        xbar = np.zeros(np.broadcast_shapes(tau.shape, tank_s.shape))
        for nt in np.unique(np.asarray(n_tanks).ravel()):
            if not (1 <= nt <= 50) or nt != int(nt):
                from ..core.errors import ScenarioError

                raise ScenarioError(p + "n_tanks", f"must be an integer in [1, 50], got {nt}")
            u, w = _erlang_nodes(int(nt))
            conv = sum(wq * shrinking_core_conversion(uq * tank_s, tau) for uq, wq in zip(u, w, strict=True))
            sel = (np.asarray(n_tanks).reshape(-1) == nt)
            if sel.size == 1:
                xbar = np.broadcast_to(conv, xbar.shape).copy()
            else:
                xbar[sel] = np.broadcast_to(conv, xbar.shape)[sel]
        return np.clip(np.einsum("ks,ksm->km", sizes, xbar) if sizes.shape[0] == xbar.shape[0]
                       else (sizes[:, :, None] * xbar).sum(axis=1), 0.0, 1.0)

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["solids"]
        n = feed.n
        x = np.broadcast_to(self.conversion(n), (n, len(self.ore.minerals)))
        ws = per_scenario(self.solids_mass_frac, n, "hydromet.tank.solids_mass_frac")[:, 0]
        acid = per_scenario(self.free_acid_g_per_l, n, "hydromet.tank.free_acid_g_per_l")[:, 0]
        gyp = per_scenario(self.gypsum_solubility_g_per_l, n, "hydromet.common.gypsum_solubility_g_per_l")
        water = feed.total_tph * (1.0 - ws) / ws
        outlets, reagents, design, status = self._dissolve(feed, x, acid * 1e-3 * water, water, 1.0, gyp[:, 0])
        design["conversion"] = x
        design["outlet_temperature_c"] = outlet_temperature(self.temperature_c, n, "hydromet.tank.temperature_c")
        return UnitResult(outlets, status, design, reagents=reagents)


class RecycleTankLeach(TankLeach):
    """The tank train with a second inlet, ``recycle``: SX raffinate returned to the leach (a tear stream of the
    hydromet flowsheet, with a bleed).

    The returned liquor brings free acid, water, dissolved salts and unextracted Sc. Fresh water tops the pulp up
    to its solids fraction; fresh acid makes up what the minerals consume plus the free acid the tanks hold, less
    the acid returned (never below zero: an excess of returned acid stays in the liquor). The returned salts pass
    through to the liquor, so the impurities (Fe, Ca, Mg, Na, Al, Mn chlorides) build up until the bleed removes
    what the leach dissolves: at steady state their concentration is about the once-through one divided by the
    bleed fraction. Each chloride's concentration in the leach liquor is checked against its solubility
    (``data/hydromet/chloride_solubility.yaml``); above it the scenario is marked infeasible (salts would
    crystallise in the tanks) and ``max_saturation_frac`` reports by how much. The rate law is that of the tank
    (the salts' effect on the proton activity is not modelled: assumption).
    """

    section = "hydromet.tank_recycle."
    inlets = ("solids", "recycle")
    #: ``overflow``: the returned liquor beyond the pulp's water demand (the CCD wash water makes the raffinate
    #: larger than the leach liquor), passed on unchanged to the bleed
    outlets = ("residue", "liquor", "overflow")

    def __init__(self, ore: OreModel, chem: Chemistry, temperature_c: Any = None, residence_time_h: Any = None,
                 n_tanks: int | None = None, free_acid_g_per_l: Any = None, solids_mass_frac: Any = None,
                 regrind_p80_mm: Any = None, rrsb_uniformity: Any = None, rate_factor: Any = None,
                 gypsum_solubility_g_per_l: Any = None, mineral_rate_factor: Any = None) -> None:
        super().__init__(ore, chem, temperature_c, residence_time_h, n_tanks, free_acid_g_per_l, solids_mass_frac,
                         regrind_p80_mm, rrsb_uniformity, rate_factor, gypsum_solubility_g_per_l,
                         mineral_rate_factor)

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed, back = inlets["solids"], inlets["recycle"]
        ch, cs = self.chem, self.chem.components
        n = feed.n
        acid_i, water_i = cs.index(ch.acid), cs.index("H2O")
        x = np.broadcast_to(self.conversion(n), (n, len(self.ore.minerals)))
        ws = per_scenario(self.solids_mass_frac, n, "hydromet.tank.solids_mass_frac")[:, 0]
        acid = per_scenario(self.free_acid_g_per_l, n, "hydromet.tank.free_acid_g_per_l")[:, 0]
        gyp = per_scenario(self.gypsum_solubility_g_per_l, n, "hydromet.common.gypsum_solubility_g_per_l")
        water = feed.total_tph * (1.0 - ws) / ws  # liquor water the pulp density asks for, t/h
        full = np.asarray(back.component_tph, dtype=float)
        # regenerated acid (the regeneration route's ``acid`` inlet) is taken first, up to the acid the tanks need
        # (what the minerals consume plus the free acid held); the rest goes on to the SX feed conditioning
        first = np.zeros_like(full)
        spare = np.zeros_like(full)
        if "acid" in inlets:
            regen = np.asarray(inlets["acid"].component_tph, dtype=float)
            ore_idx = [cs.index(c) for c in ch.ore_components]
            dissolved = (feed.mass_tph * x[..., None]).sum(axis=1)
            need = -(dissolved[:, ore_idx] @ ch.dissolution)[:, acid_i] + acid * 1e-3 * water
            use = np.clip(np.divide(need, regen[:, acid_i], out=np.ones(n), where=regen[:, acid_i] > need), 0.0, 1.0)
            first = regen * use[:, None]
            spare = regen - first
        room = np.maximum(water - first[:, water_i], 0.0)
        # the leach takes the returned liquor up to its water demand; the rest overflows to the bleed unchanged
        take = np.divide(room, full[:, water_i], out=np.ones(n), where=full[:, water_i] > room)
        ret = full * take[:, None] + first
        over = full - full * take[:, None]
        ret_water, ret_acid = ret[:, water_i], ret[:, acid_i]
        outlets, reagents, design, _ = self._dissolve(feed, x, np.zeros(n), np.maximum(water - ret_water, 0.0),
                                                      1.0, gyp[:, 0])
        # (the fresh water may be nil when the returned liquor meets the pulp's demand: not a clip)
        status = np.zeros(n, dtype=np.int8)
        consumed = design["acid_consumed_tph"]
        target = acid * 1e-3 * water  # free acid the tanks hold, t/h
        delta = np.maximum(target - ret_acid, -consumed)  # fresh acid above the consumption (may be negative)
        liquor = outlets["liquor"].component_tph + ret
        liquor[:, acid_i] += delta
        acid_in = reagents["acid"].component_tph.copy()
        acid_in[:, acid_i] += delta
        outlets["liquor"] = Stream.solution(cs, clean(liquor), "liquor")
        outlets["overflow"] = Stream.solution(cs, clean(over), "overflow")
        if "acid" in inlets:
            outlets["spare_acid"] = Stream.solution(cs, clean(spare), "spare acid")
        reagents["acid"] = Stream.solution(cs, clean(acid_in), "acid")
        design["recycle_taken_frac"] = take
        design["acid_added_tph"] = acid_in[:, acid_i]
        design["acid_returned_tph"] = ret_acid
        volume_m3 = np.maximum(liquor[:, water_i], 1e-300)  # about 1 t water per m3
        limits = load_data("hydromet/chloride_solubility.yaml")["solubility_g_per_l"]
        sat = np.zeros(n)
        for name, lim in limits.items():
            if name in cs.names:
                sat = np.maximum(sat, liquor[:, cs.index(name)] * 1e3 / volume_m3 / float(lim))
        design["max_saturation_frac"] = sat
        status = np.where(sat > 1.0, Status.infeasible, status).astype(np.int8)
        design["conversion"] = x
        design["outlet_temperature_c"] = outlet_temperature(self.temperature_c, n, "hydromet.tank.temperature_c")
        return UnitResult(outlets, status, design, reagents=reagents)


class RegenTankLeach(RecycleTankLeach):
    """:class:`RecycleTankLeach` of the regeneration route (``hydromet.tank_regen``) with a third inlet, ``acid``:
    the HCl regenerated from the bleed (:mod:`~scandia.hydromet.regeneration`), taken in full before the
    returned raffinate (its water counts toward the pulp's; fresh acid makes up only what is still short)."""

    section = "hydromet.tank_regen."
    inlets = ("solids", "recycle", "acid")
    #: ``spare_acid``: regenerated acid beyond the tanks' need, sent to the SX feed conditioning
    outlets = ("residue", "liquor", "overflow", "spare_acid")


class AcidBakeLeach(_Leach):
    """Acid bake (sulfation) then water leach.

    Concentrated acid (``acid_dose_kg_per_t`` of concentrate) reacts during the bake at the rate law of the module
    docstring with proton activity ``acid_activity``; when the minerals would consume more acid than dosed, all
    conversions are scaled down in proportion (acid-limited). The water leach takes
    ``water_leach_efficiency_frac`` of the formed salts into solution; unreacted acid joins the liquor.
    """

    section = "hydromet.bake."

    def __init__(self, ore: OreModel, chem: Chemistry, acid_dose_kg_per_t: Any = None, temperature_c: Any = None,
                 time_h: Any = None, acid_activity: Any = None, water_leach_efficiency_frac: Any = None,
                 regrind_p80_mm: Any = None, solids_mass_frac: Any = None, rrsb_uniformity: Any = None,
                 rate_factor: Any = None, gypsum_solubility_g_per_l: Any = None,
                 mineral_rate_factor: Any = None) -> None:
        super().__init__(ore, chem, rrsb_uniformity=rrsb_uniformity, rate_factor=rate_factor,
                         gypsum_solubility_g_per_l=gypsum_solubility_g_per_l, mineral_rate_factor=mineral_rate_factor)
        self.acid_dose_kg_per_t = acid_dose_kg_per_t
        self.temperature_c = temperature_c
        self.time_h = time_h
        self.acid_activity = acid_activity
        self.water_leach_efficiency_frac = water_leach_efficiency_frac
        self.regrind_p80_mm = regrind_p80_mm
        self.solids_mass_frac = solids_mass_frac
        self._declared_defaults()

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["solids"]
        n = feed.n
        p = "hydromet.bake."
        temp = per_scenario(self.temperature_c, n, p + "temperature_c", 20.0, 900.0)
        t_h = per_scenario(self.time_h, n, p + "time_h", 1e-3, 1e3)
        act = per_scenario(self.acid_activity, n, p + "acid_activity", 1e-3, 1e3)
        dose = per_scenario(self.acid_dose_kg_per_t, n, p + "acid_dose_kg_per_t", 0.0, 5000.0)[:, 0]
        eta = per_scenario(self.water_leach_efficiency_frac, n, p + "water_leach_efficiency_frac", 0.0, 1.0)
        p80 = per_scenario(self.regrind_p80_mm, n, p + "regrind_p80_mm", 1e-3, 10.0)
        m = per_scenario(self.rrsb_uniformity, n, "hydromet.common.rrsb_uniformity")
        f = self._factor(n)
        ws = per_scenario(self.solids_mass_frac, n, p + "solids_mass_frac", 0.01, 0.9)[:, 0]
        gyp = per_scenario(self.gypsum_solubility_g_per_l, n, "hydromet.common.gypsum_solubility_g_per_l")
        sizes, tau = self._dissolution_times(temp, act, f, p80, m)
        x_kin = (sizes[:, :, None] * shrinking_core_conversion(t_h[:, :, None] * 3600.0, tau)).sum(axis=1)
        x_kin = np.broadcast_to(x_kin, (n, len(self.ore.minerals)))
        # acid demand of the kinetic conversions, per mineral class (matrix and traces)
        acid_per_t_class = feed.w @ self._acid_per_t_component()  # (M,) or (n, M)
        demand = (feed.class_tph * x_kin * acid_per_t_class).sum(axis=1)
        supplied = dose * 1e-3 * feed.total_tph
        scale = np.where(demand > supplied, supplied / np.maximum(demand, 1e-300), 1.0)
        x = x_kin * scale[:, None]
        water = feed.total_tph * (1.0 - ws) / ws
        free = np.maximum(supplied - np.minimum(demand, supplied), 0.0)
        outlets, reagents, design, status = self._dissolve(feed, x, free, water, eta, gyp[:, 0])
        design.update({"conversion": x, "acid_limited_frac": 1.0 - scale})
        return UnitResult(outlets, status, design, reagents=reagents)

    def _acid_per_t_component(self) -> np.ndarray:
        cs = self.chem.components
        out = np.zeros(len(cs))
        out[[cs.index(c) for c in self.chem.ore_components]] = self.chem.acid_t_per_t
        return out


class HeapLeach(_Leach):
    """Heap leach of crushed concentrate or ore: months under irrigation, mixed reaction / pore-diffusion control.

    Particles of the crushed feed (RRSB, P80 ``crush_p80_mm``) react by the additive-time shrinking-core model of
    the module docstring: reaction on mineral grains of radius ``grain_radius_mm`` and acid diffusion through the
    rock's pores (``pore_diffusivity_m2_s``) at the irrigation acid strength. The PLS volume per t of feed is
    irrigation x time / (bulk density x height); ``acid_recycle_frac`` of its free acid returns with the
    raffinate (reported as net acid, design figure ``net_acid_tph``).
    """

    section = "hydromet.heap."

    def __init__(self, ore: OreModel, chem: Chemistry, crush_p80_mm: Any = None, leach_time_d: Any = None,
                 irrigation_l_per_m2_h: Any = None, heap_height_m: Any = None, acid_g_per_l: Any = None,
                 temperature_c: Any = None, pore_diffusivity_m2_s: Any = None, bulk_density_t_m3: Any = None,
                 moisture_m3_per_t: Any = None, grain_radius_mm: Any = None, acid_recycle_frac: Any = None,
                 rrsb_uniformity: Any = None, rate_factor: Any = None, gypsum_solubility_g_per_l: Any = None,
                 mineral_rate_factor: Any = None) -> None:
        super().__init__(ore, chem, rrsb_uniformity=rrsb_uniformity, rate_factor=rate_factor,
                         gypsum_solubility_g_per_l=gypsum_solubility_g_per_l, mineral_rate_factor=mineral_rate_factor)
        self.crush_p80_mm = crush_p80_mm
        self.leach_time_d = leach_time_d
        self.irrigation_l_per_m2_h = irrigation_l_per_m2_h
        self.heap_height_m = heap_height_m
        self.acid_g_per_l = acid_g_per_l
        self.temperature_c = temperature_c
        self.pore_diffusivity_m2_s = pore_diffusivity_m2_s
        self.bulk_density_t_m3 = bulk_density_t_m3
        self.moisture_m3_per_t = moisture_m3_per_t
        self.grain_radius_mm = grain_radius_mm
        self.acid_recycle_frac = acid_recycle_frac
        self._declared_defaults()

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["solids"]
        n = feed.n
        p = "hydromet.heap."
        ore = self.ore
        t_s = per_scenario(self.leach_time_d, n, p + "leach_time_d", 0.1, 5000.0) * 86400.0
        acid = per_scenario(self.acid_g_per_l, n, p + "acid_g_per_l", 0.1, 1000.0)
        temp = per_scenario(self.temperature_c, n, p + "temperature_c", -5.0, 95.0)
        de = per_scenario(self.pore_diffusivity_m2_s, n, p + "pore_diffusivity_m2_s", 1e-15, 1e-6)
        p80 = per_scenario(self.crush_p80_mm, n, p + "crush_p80_mm", 0.1, 300.0)
        m = per_scenario(self.rrsb_uniformity, n, "hydromet.common.rrsb_uniformity")
        f = self._factor(n)
        grain = per_scenario(self.grain_radius_mm, n, p + "grain_radius_mm", 1e-3, 50.0) * 1e-3
        irr = per_scenario(self.irrigation_l_per_m2_h, n, p + "irrigation_l_per_m2_h", 0.01, 100.0)[:, 0]
        height = per_scenario(self.heap_height_m, n, p + "heap_height_m", 0.5, 50.0)[:, 0]
        rho_b = per_scenario(self.bulk_density_t_m3, n, p + "bulk_density_t_m3", 0.5, 3.0)[:, 0]
        moist = per_scenario(self.moisture_m3_per_t, n, p + "moisture_m3_per_t", 0.0, 1.0)[:, 0]
        recycle = per_scenario(self.acid_recycle_frac, n, p + "acid_recycle_frac", 0.0, 1.0)[:, 0]
        gyp = per_scenario(self.gypsum_solubility_g_per_l, n, "hydromet.common.gypsum_solubility_g_per_l")
        vm = _molar_volume_m3(ore)
        rate = surface_rate(ore.minerals, temp, _acid_activity(self.chem, acid), f)  # (k, M)
        tau_r = grain[:, :, None] / (vm[None, None, :] * rate[:, None, :])  # (k, 1, M)
        sizes, r0 = _size_grid(ore, p80, m)
        # molar density of each mineral in the rock and acid per mol mineral
        mass_frac = feed.class_tph / np.maximum(feed.total_tph[:, None], 1e-300)  # (n, M)
        vol = mass_frac / ore.density_t_m3
        phi = vol / np.maximum(vol.sum(axis=1, keepdims=True), 1e-300)
        mm_min = vm * ore.density_t_m3 * 1e3  # kg/mol
        acid_kg_mol = self.chem.components.molar_mass_g_per_mol[self.chem.components.index(self.chem.acid)] * 1e-3
        acid_per_mineral = self.chem.acid_t_per_t[: len(ore.minerals)] * mm_min / acid_kg_mol  # mol acid/mol
        c_acid = acid * 1e-3 / acid_kg_mol * 1e3  # mol/m3 (acid in g/L = kg/m3)
        # Levenspiel eq. 25.23: tau = rho_B R^2 / (6 b De C_A), b = mol solid per mol fluid reactant, so the acid
        # needed per mol of mineral multiplies the time
        tau_d = ((phi / vm)[:, None, :] * (r0[None, :, None] ** 2) * acid_per_mineral
                 / (6.0 * de[:, :, None] * c_acid[:, :, None]))
        x = _mixed_control_conversion(t_s[:, :, None], tau_r, tau_d)  # (n, s, M)
        x = np.clip((sizes[:, :, None] * x).sum(axis=1), 0.0, 1.0)
        x = np.broadcast_to(x, (n, len(ore.minerals)))
        pls_m3_per_t = irr * 1e-3 * 24.0 * (t_s[:, 0] / 86400.0) / (rho_b * height)
        water = feed.total_tph * (pls_m3_per_t + moist)
        free = acid[:, 0] * 1e-3 * water
        outlets, reagents, design, status = self._dissolve(feed, x, free, water, 1.0, gyp[:, 0])
        design.update({"conversion": x, "pls_m3_per_t": pls_m3_per_t,
                       "net_acid_tph": design["acid_added_tph"] - recycle * acid[:, 0] * 1e-3 * feed.total_tph
                       * pls_m3_per_t, "outlet_temperature_c": np.broadcast_to(temp[:, 0], (n,)).copy()})
        return UnitResult(outlets, status, design, reagents=reagents)


def _mixed_control_conversion(t: np.ndarray, tau_r: np.ndarray, tau_d: np.ndarray, iters: int = 60) -> np.ndarray:
    """Solve ``t = tau_R g_R(X) + tau_D g_D(X)`` for X in [0, 1] by bisection (monotone in X), vectorized."""
    shape = np.broadcast_shapes(np.shape(t), np.shape(tau_r), np.shape(tau_d))
    lo, hi = np.zeros(shape), np.ones(shape)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        rem = 1.0 - mid
        g = tau_r * (1.0 - np.cbrt(rem)) + tau_d * (1.0 - 3.0 * np.cbrt(rem) ** 2 + 2.0 * rem)
        below = g < t
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)
