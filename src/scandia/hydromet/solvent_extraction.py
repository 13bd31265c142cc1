"""Solvent extraction: counter-current cascades (extraction, scrub) and a cross-current caustic strip.

The units live here; the cascade numerics in :mod:`.sx_cascade` and the D2EHPA equilibrium data in
:mod:`.sx_equilibrium` (their public names are re-exported).

Equilibrium stages with distribution ratio ``D = y/x`` (organic over aqueous molar concentration). For stage i of
an N-stage counter-current cascade at organic-to-aqueous volume ratio r, with aqueous flowing 1 -> N and organic
N -> 1::

    x_{i-1} + r y_{i+1} = x_i + r y_i,      y_i = D_i x_i

a tridiagonal system per element, solved for all scenarios and elements at once (Thomas algorithm). With constant
D it reduces to the Kremser equation (Kremser 1930; Treybal 1980, Mass-Transfer Operations, eq. 10.59): the
unextracted fraction is ``phi = (E - 1) / (E^(N+1) - 1)``, ``E = r D``, and the raffinate
``x_N = phi x_F + (1 - phi) y_in / D``. Where D depends on acidity, cation exchange releases z protons per
extracted M^z+; the acidity of stage i follows ``H_T,i = H_T,F + sum_M z_M (x_F,M - x_i,M)`` with the
bisulfate equilibrium ``HSO4- = H+ + SO4--`` (Ka2 = 10^-1.99) giving free H+, and the cascade is re-solved until
the stage pH values stop changing (vectorized fixed point, per-scenario convergence flag).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.status import Status
from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import AQUEOUS, Chemistry, clean
from .sx_cascade import (
    CHARGE,
    CascadeResult,
    kremser_raffinate,
    mccabe_thiele,
    solve_cascade,
)
from .sx_equilibrium import _mw_extractant, _phase_props, _strip_fracs, d2ehpa_linear, d2ehpa_log_d

__all__ = [
    "CascadeResult",
    "SXExtraction",
    "SXScrub",
    "SXStrip",
    "d2ehpa_log_d",
    "kremser_raffinate",
    "mccabe_thiele",
    "solve_cascade",
]

class _SXBase(Unit):
    #: cascades are solved to a tolerance of 1e-10 in pH and loading; warm starts move results within it
    result_rtol = 1e-7

    def __init__(self, chem: Chemistry) -> None:
        self.chem = chem

    def reset(self) -> None:
        self.__dict__.pop("_warm", None)

    # aqueous: volume (m3/h) ~ water t/h; metal concentrations mol/L; acidic protons and sulfate mol/L
    def _aqueous(self, s: Stream) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        ch = self.chem
        comp = s.component_tph
        vol = np.maximum(comp[:, ch.index("H2O")], 1e-12)
        mol = ch.aq_mol_per_h(comp, "aq")
        conc = mol / (vol[:, None] * 1e3)
        acid_mol = comp[:, ch.index(ch.acid)] * 1e6 / ch.components.molar_mass_g_per_mol[ch.index(ch.acid)]
        if ch.lixiviant == "H2SO4":
            h_t = 2.0 * acid_mol / (vol * 1e3)
            s_t = (acid_mol + (mol * CHARGE / 2.0).sum(axis=1)) / (vol * 1e3)
            return vol, conc, h_t, s_t
        return vol, conc, acid_mol / (vol * 1e3), None

    def _organic_volume(self, s: Stream) -> np.ndarray:
        rho_x, rho_d, _ = _phase_props()
        comp = s.component_tph
        return comp[:, self.chem.index("D2EHPA")] / rho_x + comp[:, self.chem.index("kerosene")] / rho_d


class SXExtraction(_SXBase):
    """Counter-current extraction: the aqueous feed (PLS) meets organic at O/A ``oa``; returns raffinate and loaded
    organic. The unit tops the organic up to the circulation ``oa`` x aqueous volume at ``dosage_vol_pct``
    (make-up reagent: extractant and diluent), carries ``entrainment_l_per_m3`` of stage-1 aqueous into the loaded
    organic and loses ``organic_loss_l_per_m3`` of organic to the raffinate."""

    inlets = ("aqueous", "organic")
    outlets = ("raffinate", "loaded")

    def __init__(self, chem: Chemistry, stages: int, oa: Any, dosage_vol_pct: Any, entrainment_l_per_m3: Any,
                 organic_loss_l_per_m3: Any) -> None:
        super().__init__(chem)
        self.stages = stages
        self.oa = oa
        self.dosage_vol_pct = dosage_vol_pct
        self.entrainment_l_per_m3 = entrainment_l_per_m3
        self.organic_loss_l_per_m3 = organic_loss_l_per_m3

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        aq, org = inlets["aqueous"], inlets["organic"]
        n = aq.n
        oa = per_scenario(self.oa, n, "hydromet.sx.extraction_oa")
        dose = per_scenario(self.dosage_vol_pct, n, "hydromet.sx.dosage_vol_pct")
        ent = per_scenario(self.entrainment_l_per_m3, n, "hydromet.sx.entrainment_l_per_m3")[:, 0]
        loss = per_scenario(self.organic_loss_l_per_m3, n, "hydromet.sx.organic_loss_l_per_m3")[:, 0]
        rho_x, rho_d, pka2 = _phase_props()
        vol, conc, h_t, s_t = self._aqueous(aq)
        v_org = np.broadcast_to(oa[:, 0] * vol, (n,))
        comp_org = org.component_tph
        org_mol = ch.aq_mol_per_h(comp_org, "org")
        y_in = org_mol / (np.maximum(v_org, 1e-12)[:, None] * 1e3)
        ha = np.broadcast_to(dose[:, 0] / 100.0 * rho_x * 1e3 / _mw_extractant(ch), (n,))  # mol/L organic
        res = solve_cascade(conc, y_in, np.broadcast_to(oa, (n, 1)), int(self.stages),
                            d2ehpa_linear(dose), h_t, s_t, pka2, extractant_mol_l=ha, warm=self.__dict__.get("_warm"))
        self._warm = res  # a warm start for the next flowsheet pass (a cache, not a parameter)
        status = np.where(res.converged, Status.ok, Status.not_converged).astype(np.int8)
        transferred = (conc - res.raffinate) * vol[:, None] * 1e3  # mol/h aq -> org
        change = ch.react("extract", transferred)
        # organic make-up to the circulation volume at the dosage, minus the losses to the raffinate
        need_x = v_org * dose[:, 0] / 100.0 * rho_x
        need_d = v_org * (1.0 - dose[:, 0] / 100.0) * rho_d
        lost_v = loss * 1e-3 * vol
        makeup = np.zeros((n, len(cs)))
        xi, di = ch.index("D2EHPA"), ch.index("kerosene")
        free_x_in = comp_org[:, xi]
        held_in = (org_mol * CHARGE).sum(axis=1) * _mw_extractant(ch) * 1e-6  # t/h of HA held in complexes
        makeup[:, xi] = np.maximum(need_x - free_x_in - held_in + lost_v * dose[:, 0] / 100.0 * rho_x, 0.0)
        # never let the extraction draw more extractant than is there (unconverged iterates): top up instead
        makeup[:, xi] += np.maximum(-(free_x_in + makeup[:, xi] + change[:, xi]), 0.0)
        makeup[:, di] = np.maximum(need_d - comp_org[:, di] + lost_v * (1 - dose[:, 0] / 100.0) * rho_d, 0.0)
        total = aq.component_tph + comp_org + makeup + change
        # split: organic species and solvent to the loaded organic (minus losses), the rest to the raffinate
        org_idx = [ch.index(f"{k}(org)") for k in AQUEOUS]
        loaded = np.zeros_like(total)
        loaded[:, org_idx] = total[:, org_idx]
        solvent_frac = np.clip(1.0 - lost_v / np.maximum(v_org + lost_v, 1e-300), 0.0, 1.0)
        loaded[:, [xi, di]] = total[:, [xi, di]] * solvent_frac[:, None]
        # entrained stage-1 aqueous: a fraction of the aqueous species (volume ratio) follows the organic
        aq_part = total.copy()
        aq_part[:, org_idx] = 0.0
        aq_part[:, [xi, di]] = 0.0
        ent_frac = np.clip(ent * 1e-3 * v_org / np.maximum(vol, 1e-300), 0.0, 1.0)
        stage1 = res.x[:, 0] / np.maximum(res.raffinate, 1e-300)  # stage-1 vs raffinate concentration ratio
        entrained = aq_part * ent_frac[:, None]
        aq_idx = [ch.aq_index[k] for k in AQUEOUS]
        entrained[:, aq_idx] = np.minimum(entrained[:, aq_idx] * np.minimum(stage1, 1e6), aq_part[:, aq_idx])
        loaded += entrained
        raffinate = total - loaded
        outlets = {"raffinate": Stream.solution(cs, clean(raffinate), "raffinate"),
                   "loaded": Stream.solution(cs, clean(loaded), "organic")}
        reagents = {"organic_makeup": Stream.solution(cs, clean(makeup), "organic")}
        # loading: share of the extractant bound as metal complexes in the loaded organic (z HA per metal)
        bound = (ch.aq_mol_per_h(loaded, "org") * CHARGE).sum(axis=1)
        loading = bound / np.maximum(ha * v_org * 1e3, 1e-300)
        design = {"stage_ph": res.ph, "stage_x_mol_l": res.x, "stage_y_mol_l": res.y, "feed_x_mol_l": conc,
                  "organic_m3_per_h": v_org, "aqueous_m3_per_h": vol, "loading_frac": loading,
                  "sc_loaded_g_per_l": ch.aq_mol_per_h(loaded, "org")[:, AQUEOUS.index("Sc")] * 44.956
                  / np.maximum(v_org * 1e3, 1e-300)}
        return UnitResult(outlets, status, design, reagents=reagents)


class SXScrub(_SXBase):
    """Counter-current scrub of the loaded organic with acid (``scrub_acid_g_per_l`` of the lixiviant acid) at
    O/A ``oa``: co-extracted metals return to the scrub liquor by the same equilibria at the scrub acidity."""

    inlets = ("organic",)
    outlets = ("organic", "liquor")

    def __init__(self, chem: Chemistry, stages: int, oa: Any, acid_g_per_l: Any, dosage_vol_pct: Any) -> None:
        super().__init__(chem)
        self.stages = stages
        self.oa = oa
        self.acid_g_per_l = acid_g_per_l
        self.dosage_vol_pct = dosage_vol_pct

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        org = inlets["organic"]
        n = org.n
        comp = org.component_tph
        if int(self.stages) == 0:
            empty = Stream.solution(cs, np.zeros_like(comp), "liquor")
            return UnitResult({"organic": org, "liquor": empty}, np.zeros(n, dtype=np.int8))
        oa = per_scenario(self.oa, n, "hydromet.sx.scrub_oa")
        acid = per_scenario(self.acid_g_per_l, n, "hydromet.sx.scrub_acid_g_per_l")[:, 0]
        dose = per_scenario(self.dosage_vol_pct, n, "hydromet.sx.dosage_vol_pct")
        _, _, pka2 = _phase_props()
        v_org = self._organic_volume(org)
        v_aq = v_org / oa[:, 0]
        mm = cs.molar_mass_g_per_mol
        acid_t = acid * 1e-3 * v_aq
        reagent = np.zeros((n, len(cs)))
        reagent[:, ch.index(ch.acid)] = acid_t
        reagent[:, ch.index("H2O")] = v_aq
        # entrained aqueous arriving with the organic is washed into the scrub liquor
        org_idx = [ch.index(f"{k}(org)") for k in AQUEOUS]
        keep_idx = [*org_idx, ch.index("D2EHPA"), ch.index("kerosene")]
        entrained = comp.copy()
        entrained[:, keep_idx] = 0.0
        organic_only = comp - entrained
        acid_mol = acid_t * 1e6 / mm[ch.index(ch.acid)]
        if ch.lixiviant == "H2SO4":
            h_t, s_t = 2.0 * acid_mol / (v_aq * 1e3), acid_mol / (v_aq * 1e3)
        else:
            h_t, s_t = acid_mol / (v_aq * 1e3), None
        y_in = ch.aq_mol_per_h(organic_only, "org") / (v_org[:, None] * 1e3)
        zero = np.zeros_like(y_in)
        # aqueous flows 1 -> N, organic N -> 1: the scrub is a cascade with an empty aqueous feed
        rho_x = _phase_props()[0]
        ha = np.broadcast_to(dose[:, 0] / 100.0 * rho_x * 1e3 / _mw_extractant(ch), (n,))
        res = solve_cascade(zero, y_in, oa, int(self.stages), d2ehpa_linear(dose), h_t, s_t, pka2,
                            extractant_mol_l=ha, warm=self.__dict__.get("_warm"))
        self._warm = res  # a warm start for the next flowsheet pass (a cache, not a parameter)
        status = np.where(res.converged, Status.ok, Status.not_converged).astype(np.int8)
        back = (y_in - res.loaded) * v_org[:, None] * 1e3  # mol/h org -> aq
        # metals with acidity-independent D would strip whatever the acid: never use more protons than dosed
        protons = acid_mol * (2.0 if ch.lixiviant == "H2SO4" else 1.0)
        demand = np.maximum((back * CHARGE).sum(axis=1), 0.0)
        scale = np.where(demand > protons, protons / np.maximum(demand, 1e-300), 1.0)
        back = back * scale[:, None]
        status = np.maximum(status, np.where(scale < 1.0, Status.clipped, Status.ok)).astype(np.int8)
        change = ch.react("scrub", back)
        total = organic_only + change + reagent
        out_org = np.zeros_like(total)
        out_org[:, keep_idx] = total[:, keep_idx]
        liquor = total - out_org + entrained
        return UnitResult({"organic": Stream.solution(cs, clean(out_org), "organic"),
                           "liquor": Stream.solution(cs, clean(liquor), "liquor")},
                          status, {"stage_ph": res.ph}, reagents={"scrub_acid": Stream.solution(cs, clean(reagent))})


class SXStrip(_SXBase):
    """Caustic strip, ``stages`` cross-current contacts: per contact a fraction (data file) of each loaded metal
    leaves as hydroxide; the extractant is regenerated with acid. Outputs stripped organic and a hydroxide cake
    (with its Na salt liquor)."""

    inlets = ("organic",)
    outlets = ("organic", "cake")

    def __init__(self, chem: Chemistry, stages: int, naoh_excess_frac: Any) -> None:
        super().__init__(chem)
        self.stages = stages
        self.naoh_excess_frac = naoh_excess_frac

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        org = inlets["organic"]
        n = org.n
        excess = per_scenario(self.naoh_excess_frac, n, "hydromet.sx.naoh_excess_frac")[:, 0]
        comp = org.component_tph
        loaded = ch.aq_mol_per_h(comp, "org")
        frac = 1.0 - (1.0 - _strip_fracs()) ** int(self.stages)
        stripped = loaded * frac
        change = ch.react("strip", stripped)
        naoh_i, acid_i = ch.index("NaOH"), ch.index(ch.acid)
        reagent = np.zeros((n, len(cs)))
        reagent[:, naoh_i] = -change[:, naoh_i] * (1.0 + excess)
        reagent[:, acid_i] = -change[:, acid_i]
        total = comp + change + reagent
        org_idx = [ch.index(f"{k}(org)") for k in AQUEOUS]
        keep = [*org_idx, ch.index("D2EHPA"), ch.index("kerosene")]
        out_org = np.zeros_like(total)
        out_org[:, keep] = total[:, keep]
        cake = total - out_org
        return UnitResult({"organic": Stream.solution(cs, clean(out_org), "organic"),
                           "cake": Stream.solution(cs, clean(cake), "cake")},
                          np.zeros(n, dtype=np.int8), {"stripped_frac": np.broadcast_to(frac, loaded.shape)},
                          reagents={"naoh": Stream.solution(cs, clean(reagent))})

