"""Solvent extraction: counter-current cascades (extraction, scrub) and a cross-current caustic strip.

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

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.numerics import thomas
from ..core.status import Status
from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .chemistry import AQUEOUS, Chemistry, _charge, clean

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

CHARGE = np.array([_charge(k) for k in AQUEOUS], dtype=float)


def kremser_raffinate(x_feed, y_in, d, oa, n_stages):
    """Raffinate concentration of an N-stage counter-current cascade with constant D (Kremser)."""
    e = np.asarray(d) * np.asarray(oa)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        phi = np.where(np.abs(e - 1.0) < 1e-12, 1.0 / (n_stages + 1.0), (e - 1.0) / (e ** (n_stages + 1) - 1.0))
    return phi * np.asarray(x_feed) + (1.0 - phi) * np.asarray(y_in) / np.asarray(d)


@dataclass
class CascadeResult:
    """Stage concentrations (mol/L) x (aqueous) and y (organic), shape (n, N, E); stage pH (n, N); convergence."""

    x: np.ndarray
    y: np.ndarray
    ph: np.ndarray
    converged: np.ndarray
    iterations: int
    load: np.ndarray | None = None  #: log10 of the free-extractant fraction per stage (n, N, 1)

    @property
    def raffinate(self) -> np.ndarray:
        return self.x[:, -1]

    @property
    def loaded(self) -> np.ndarray:
        return self.y[:, 0]


def _thomas(d: np.ndarray, r: np.ndarray, x_feed: np.ndarray, y_in: np.ndarray) -> np.ndarray:
    """Solve the counter-current stage balances for x, D of shape (n, N, E); r (n, 1).

    Stage i: x_{i-1} - (1 + r D_i) x_i + r D_{i+1} x_{i+1} = 0, x_0 = x_feed, r D_{N+1} x_{N+1} = r y_in.
    Stage-major (N, n, E) through the shared Thomas solve (:func:`scandia.core.numerics.thomas`).
    """
    n_st = d.shape[1]
    rr = r.reshape(-1, 1, 1) if r.ndim == 2 else r
    rd = np.moveaxis(np.asarray(rr * d), 1, 0)  # (N, n, E)
    rhs_last = -(rr[:, :, 0] if rr.ndim == 3 else rr) * y_in
    rhs = np.zeros(rd.shape)
    rhs[0] = -x_feed
    rhs[-1] = rhs[-1] + rhs_last
    (x,) = thomas(np.ones(n_st - 1), -1.0 - rd, rd[1:], rhs)
    return np.maximum(np.moveaxis(x, 0, 1), 0.0)


def _free_proton(h_total: np.ndarray, s_total: np.ndarray | None, pka2: float) -> np.ndarray:
    """Free H+ (mol/L) from total acidic protons and total sulfate, HSO4- equilibrium (quadratic)."""
    if s_total is None:
        return np.maximum(h_total, 1e-14)
    ka = 10.0**-pka2
    b = ka + s_total - h_total
    return np.maximum(0.5 * (-b + np.sqrt(b * b + 4.0 * ka * h_total)), 1e-14)


def solve_cascade(
    x_feed: np.ndarray,
    y_in: np.ndarray,
    oa: np.ndarray,
    n_stages: int,
    log_d: Callable[[np.ndarray], np.ndarray],
    h_total_feed: np.ndarray,
    s_total: np.ndarray | None = None,
    pka2: float = 1.99,
    charge: np.ndarray = CHARGE,
    tol: float = 1e-10,
    max_iter: int = 400,
    extractant_mol_l: np.ndarray | None = None,
    warm: CascadeResult | None = None,
) -> CascadeResult:
    """Counter-current cascade with acidity-dependent D, vectorized over scenarios (module docstring).

    Parameters: feed ``x_feed`` and organic inlet ``y_in`` (n, E) mol/L; ``oa`` (n, 1) volume ratio; ``log_d``
    maps stage pH (n, N) to log10 D (n, N, E); ``h_total_feed`` (n,) acidic protons in the aqueous feed
    (free H+ plus HSO4-), mol/L; ``s_total`` (n,) total sulfate, mol/L (``None`` for chloride media).
    ``extractant_mol_l`` (n,): total extractant HA in the organic; when given, D falls with extractant loading as
    ``D = D0 (HA_free / HA_total)^z`` (cation exchange M^z+ + z HA, each metal holding z HA), which caps the
    organic's capacity; when ``None`` D does not depend on loading (PrOMMiS's convention). ``warm``: a previous
    result of the same shape to start from (the same fixed point, fewer iterations).
    """
    if not (1 <= n_stages <= 50):
        raise ScenarioError("sx.stages", f"must be an integer in [1, 50], got {n_stages}")
    n = x_feed.shape[0]
    if n > CASCADE_CHUNK and len(inspect.signature(log_d).parameters) >= 2:
        return _chunked_cascade(x_feed, y_in, oa, n_stages, log_d, h_total_feed, s_total, pka2, charge, tol,
                                max_iter, extractant_mol_l, warm)
    oa = np.broadcast_to(np.asarray(oa, dtype=float).reshape(-1, 1), (n, 1))
    h0 = _free_proton(h_total_feed, s_total, pka2)
    ph = np.broadcast_to(-np.log10(h0)[:, None], (n, n_stages)).copy()
    converged = np.zeros(n, dtype=bool)
    load = np.zeros((n, n_stages, 1))  # log10(HA_free / HA_total) per stage
    if warm is not None and warm.ph.shape == ph.shape:
        ph = warm.ph.copy()
        if warm.load is not None and extractant_mol_l is not None:  # the loading term only where it is updated
            load = warm.load.copy()
    done = 0
    # log_d(ph, rows) may take the rows being evaluated; then converged scenarios drop out of the iteration
    takes_rows = len(inspect.signature(log_d).parameters) >= 2

    def distribution(ph_: np.ndarray, load_: np.ndarray, rows) -> np.ndarray:
        # D within [1e-8, 1e8]: beyond that the stages are ideal either way and the algebra loses precision
        base = log_d(ph_, rows) if takes_rows else log_d(ph_)
        return 10.0 ** np.clip(base + charge * load_, -8.0, 8.0), base

    z_powers = np.array([1.0, 2.0, 3.0, 4.0])
    charge_onehot = (np.asarray(charge)[:, None] == z_powers[None, :]).astype(float)  # (E, 4)
    omega = np.full((n, 1), 1.0)  # per-scenario damping, adapted: halved when the update grows
    last = np.full(n, np.inf)
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(~converged)
        rows = idx if (takes_rows and idx.size < n) else slice(None)
        ph_r, load_r = ph[rows], load[rows]
        d, base = distribution(ph_r, load_r, rows)
        x_r = _thomas(np.broadcast_to(d, (ph_r.shape[0], n_stages, x_feed.shape[1])), oa[rows], x_feed[rows],
                      y_in[rows])
        h_t = h_total_feed[rows][:, None] + ((x_feed[rows][:, None, :] - x_r) * charge).sum(axis=2)
        s_t = None if s_total is None else s_total[rows][:, None]
        ph_new = -np.log10(_free_proton(np.maximum(h_t, 1e-14), s_t, pka2))
        delta = np.max(np.abs(ph_new - ph_r), axis=1)
        if extractant_mol_l is not None:
            # free-extractant fraction theta of each stage from its capacity balance at the current aqueous
            # concentrations: f(theta) = sum_z A_z theta^z + HA theta - HA = 0, A_z = sum over metals of charge z
            # of z D0 x: a polynomial, increasing and convex on (0, 1], so Newton from theta = 1 falls
            # monotonically to the root
            a_z = (10.0 ** np.clip(base, -8.0, 8.0) * x_r * charge) @ charge_onehot  # (k, N, 4)
            ha = extractant_mol_l[rows][:, None]
            theta = np.ones(ph_r.shape)
            for _newton in range(30):
                powers = theta[..., None] ** z_powers  # (k, N, 4)
                f = (a_z * powers).sum(axis=2) + ha * (theta - 1.0)
                df = (a_z * z_powers * powers / theta[..., None]).sum(axis=2) + ha
                step = f / df
                theta = np.maximum(theta - step, 1e-6)
                if np.max(np.abs(step)) < 1e-13:
                    break
            target = np.log10(theta)[..., None]
            delta = np.maximum(delta, np.max(np.abs(target - load_r), axis=(1, 2)))
            grew = delta > last[rows]
            om = omega[rows]
            om = np.where(grew[:, None], np.maximum(om * 0.5, 0.01), np.minimum(om * 1.2, 1.0))
            omega[rows] = om
            load[rows] = load_r + om[:, :, None] * (target - load_r)  # damped: the capacity feedback is stiff
            ph[rows] = ph_r + om * (ph_new - ph_r)
        else:
            ph[rows] = ph_new
        last[rows] = delta
        conv_r = delta < tol
        converged[rows] = conv_r
        done = it
        if converged.all():
            break
    x = np.zeros((n, n_stages, x_feed.shape[1]))
    d, _ = distribution(ph, load, slice(None))
    x = _thomas(np.broadcast_to(d, x.shape), oa, x_feed, y_in)
    y = np.broadcast_to(d, x.shape) * x
    return CascadeResult(x, y, ph, converged, done, load)


#: scenarios per block of a large cascade solve: blocks stay in cache (the solve is memory-bound)
CASCADE_CHUNK = 8192


def _chunked_cascade(x_feed, y_in, oa, n_stages, log_d, h_total_feed, s_total, pka2, charge, tol, max_iter,
                     extractant_mol_l, warm) -> CascadeResult:
    n = x_feed.shape[0]
    oa = np.broadcast_to(np.asarray(oa, dtype=float).reshape(-1, 1), (n, 1))
    parts = []
    for start in range(0, n, CASCADE_CHUNK):
        idx = np.arange(start, min(n, start + CASCADE_CHUNK))

        def block_log_d(ph, rows=slice(None), _idx=idx):
            return log_d(ph, _idx[rows])

        w = None
        if warm is not None and warm.ph.shape[0] == n:
            w = CascadeResult(warm.x[idx], warm.y[idx], warm.ph[idx], warm.converged[idx], warm.iterations,
                              None if warm.load is None else warm.load[idx])
        parts.append(solve_cascade(
            x_feed[idx], y_in[idx], oa[idx], n_stages, block_log_d, h_total_feed[idx],
            None if s_total is None else s_total[idx], pka2, charge, tol, max_iter,
            None if extractant_mol_l is None else np.broadcast_to(extractant_mol_l, (n,))[idx], w))
    load = None if parts[0].load is None else np.concatenate([p.load for p in parts])
    return CascadeResult(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                         np.concatenate([p.ph for p in parts]), np.concatenate([p.converged for p in parts]),
                         max(p.iterations for p in parts), load)


def mccabe_thiele(res: CascadeResult, x_feed: np.ndarray, oa: np.ndarray, element: int, scenario: int = 0):
    """McCabe-Thiele data for one element: stage points (x_i, y_i), the operating line and the equilibrium
    points, as arrays (mol/L) for plotting."""
    x = res.x[scenario, :, element]
    y = res.y[scenario, :, element]
    ops_x = np.concatenate([[x_feed[scenario, element]], x])
    y_last = res.y[scenario, 0, element]
    r = float(np.asarray(oa).reshape(-1)[min(scenario, np.size(oa) - 1)])
    ops_y = y_last - (x_feed[scenario, element] - ops_x) / r
    return {"stage_x": x, "stage_y": y, "operating_x": ops_x, "operating_y": ops_y}


# ---------------------------------------------------------------------------------------------------- data
@cache
def _d_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    data = load_data("hydromet/sx_d2ehpa.yaml")["elements"]
    missing = [k for k in AQUEOUS if k not in data]
    if missing:
        raise ScenarioError("hydromet/sx_d2ehpa.yaml", f"no distribution data for elements {missing}")
    const = np.array([data[k]["form"] == "constant" for k in AQUEOUS])
    logd_c = np.array([np.log10(data[k]["D"]) if data[k]["form"] == "constant" else 0.0 for k in AQUEOUS])
    m0, m1, b0, b1 = (np.array([data[k].get(p, 0.0) if data[k]["form"] == "ph" else 0.0 for k in AQUEOUS])
                      for p in ("m0", "m1", "B0", "B1"))
    return const, logd_c, np.stack([m0, m1]), np.stack([b0, b1]), np.ones(1)


def d2ehpa_log_d(ph: np.ndarray, dosage_vol_pct: np.ndarray) -> np.ndarray:
    """log10 D of every AQUEOUS element at stage pH (n, N) and D2EHPA dosage (n, 1) vol%: (n, N, E)."""
    const, logd_c, m, b, _ = _d_table()
    dose = np.asarray(dosage_vol_pct, dtype=float).reshape(-1, 1, 1)
    slope = m[0] + m[1] * dose  # (n,1,E)
    inter = b[0] + b[1] * np.log10(dose)
    return np.where(const, logd_c, slope * ph[..., None] + inter)


def _rows_log_d(dose: np.ndarray) -> Callable[[np.ndarray, Any], np.ndarray]:
    """log10 D of D2EHPA at ``dose`` (n or 1, 1), evaluated for the rows of a scenario subset."""

    def log_d(ph: np.ndarray, rows: Any = slice(None)) -> np.ndarray:
        return d2ehpa_log_d(ph, dose if dose.shape[0] == 1 else dose[rows])

    return log_d


@cache
def _strip_fracs() -> np.ndarray:
    data = load_data("hydromet/sx_d2ehpa.yaml")["strip_per_contact_frac"]
    return np.array([data.get(k, data["default"])["value"] for k in AQUEOUS])


# ---------------------------------------------------------------------------------------------------- units
def _mw_extractant(ch: Chemistry) -> float:
    return float(ch.components.molar_mass_g_per_mol[ch.index("D2EHPA")])


def _phase_props() -> tuple[float, float, float]:
    data = load_data("hydromet/sx_d2ehpa.yaml")
    return data["density_t_m3"]["value"], data["diluent_density_t_m3"]["value"], data["hso4_pka"]["value"]


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

    def __init__(self, chem: Chemistry, stages: int = 3, oa: Any = 0.1, dosage_vol_pct: Any = 5.0,
                 entrainment_l_per_m3: Any = 0.5, organic_loss_l_per_m3: Any = 0.1) -> None:
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
        oa = per_scenario(self.oa, n, "hydromet.sx.extraction_oa", 1e-3, 100.0)
        dose = per_scenario(self.dosage_vol_pct, n, "hydromet.sx.dosage_vol_pct", 0.1, 100.0)
        ent = per_scenario(self.entrainment_l_per_m3, n, "hydromet.sx.entrainment_l_per_m3", 0.0, 100.0)[:, 0]
        loss = per_scenario(self.organic_loss_l_per_m3, n, "hydromet.sx.organic_loss_l_per_m3", 0.0, 50.0)[:, 0]
        rho_x, rho_d, pka2 = _phase_props()
        vol, conc, h_t, s_t = self._aqueous(aq)
        v_org = np.broadcast_to(oa[:, 0] * vol, (n,))
        comp_org = org.component_tph
        org_mol = ch.aq_mol_per_h(comp_org, "org")
        y_in = org_mol / (np.maximum(v_org, 1e-12)[:, None] * 1e3)
        ha = np.broadcast_to(dose[:, 0] / 100.0 * rho_x * 1e3 / _mw_extractant(ch), (n,))  # mol/L organic
        res = solve_cascade(conc, y_in, np.broadcast_to(oa, (n, 1)), int(self.stages),
                            _rows_log_d(dose), h_t, s_t, pka2, extractant_mol_l=ha, warm=self.__dict__.get("_warm"))
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
        design = {"stage_ph": res.ph, "stage_x_mol_l": res.x, "stage_y_mol_l": res.y, "feed_x_mol_l": conc,
                  "organic_m3_per_h": v_org, "aqueous_m3_per_h": vol}
        return UnitResult(outlets, status, design, reagents=reagents)


class SXScrub(_SXBase):
    """Counter-current scrub of the loaded organic with acid (``scrub_acid_g_per_l`` of the lixiviant acid) at
    O/A ``oa``: co-extracted metals return to the scrub liquor by the same equilibria at the scrub acidity."""

    inlets = ("organic",)
    outlets = ("organic", "liquor")

    def __init__(self, chem: Chemistry, stages: int = 2, oa: Any = 5.0, acid_g_per_l: Any = 300.0,
                 dosage_vol_pct: Any = 5.0) -> None:
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
        oa = per_scenario(self.oa, n, "hydromet.sx.scrub_oa", 1e-3, 1000.0)
        acid = per_scenario(self.acid_g_per_l, n, "hydromet.sx.scrub_acid_g_per_l", 0.1, 1500.0)[:, 0]
        dose = per_scenario(self.dosage_vol_pct, n, "hydromet.sx.dosage_vol_pct", 0.1, 100.0)
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
        res = solve_cascade(zero, y_in, oa, int(self.stages), _rows_log_d(dose), h_t, s_t, pka2,
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

    def __init__(self, chem: Chemistry, stages: int = 3, naoh_excess_frac: Any = 0.2) -> None:
        super().__init__(chem)
        self.stages = stages
        self.naoh_excess_frac = naoh_excess_frac

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        ch, cs = self.chem, self.chem.components
        org = inlets["organic"]
        n = org.n
        excess = per_scenario(self.naoh_excess_frac, n, "hydromet.sx.naoh_excess_frac", 0.0, 10.0)[:, 0]
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
