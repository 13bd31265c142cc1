"""Kampmann-Wagner numerical (KWN) model of L1₂ Al₃(Sc,Zr) precipitation in aluminium, vectorized over scenarios.

Model (equation sources):

- Size distribution on a fixed geometric radius grid, advanced by an implicit first-order upwind finite-volume
  scheme (the Eulerian KWN of Wagner, Kampmann & Voorhees, "Homogeneous second-phase precipitation", in
  *Phase Transformations in Materials*, Wiley 2001; Myhr & Grong, Acta Mater. 48 (2000) 1605). The implicit
  step keeps the distribution non-negative for any time step; accuracy is held by step-size control on the
  matrix supersaturation and the particle number.
- Classical nucleation (Russell, Adv. Colloid Interface Sci. 13 (1980) 205): critical radius
  r* = 2γ/ΔG_v, barrier ΔG* = 16πγ³/(3ΔG_v²), Zeldovich factor Z = v_a/(2πr*²)·√(γ/kT), attachment
  rate β* = 4πr*²/(a⁴ Σᵢ yᵢ²/(Dᵢxᵢ)) (Svoboda et al., Mater. Sci. Eng. A 385 (2004) 166; reduces to
  Russell's 4πr*²Dx/a⁴ for a binary), incubation τ = 1/(2β*Z²), rate J = N₀Zβ* exp(-ΔG*/kT) exp(-τ/t).
  Nuclei enter at r* + ½√(kT/πγ) (Kampmann & Wagner 1984).
- Driving force of a regular dilute solution precipitating Al₃M with ideal mixing of Sc and Zr on the M
  sublattice: Δg/kT = Σᵢ yᵢ ln(xᵢ/(yᵢ Kᵢ)), with
  Kᵢ(T) the solubility of Mᵢ in (Al) in equilibrium with pure Al₃Mᵢ (from the thermodynamic database).
  Gibbs-Thomson: Kᵢ → Kᵢ exp(ℓ/r), capillary length ℓ = 2γa_p³/kT (one formula unit per L1₂ cell).
- Nucleus composition: the y that maximises the nucleation rate (not the driving force), so a slow diffuser
  (Zr) enters only as far as kinetics allow; Clouet et al. (2006) find Sc-rich nuclei that later take on Zr.
- Growth, quasi-stationary diffusion field, dilute: atom flux Jᵢ = 4πrDᵢ(xᵢ - xᵢᴵ)/Ω, dr/dt = a_p³ΣJ/(4πr²),
  with the effective-diffusion-distance factor of Chen, Jeppsson & Ågren, Acta Mater. 56 (2008) 1890 (as kawin
  uses), and local equilibrium xᵢᴵ = yᵢKᵢe^{ℓ/r} at the interface for a composition y (ideal M sublattice).
- Layer composition (``interface="layer"``, the default): a growing particle adds a layer whose y is the one at
  which the Sc and Zr fluxes stand in its own ratio, J_Zr/(J_Sc + J_Zr) = y, the growth condition of
  multicomponent quasi-stationary growth and coarsening (Morral & Purdy, Scripta Metall. Mater. 30 (1994) 905;
  Kuehmann & Voorhees, Metall. Mater. Trans. A 27 (1996) 937). Each size class carries two compositions: its
  mean (the Zr it holds, for the solute balance and the misfit) and its outer layer (the last layer added, or
  the nucleus). A particle that no layer lets grow exchanges solute at its outer layer: it dissolves, and as it
  loses volume its outer layer reverts to its mean (rate 3|dr/dt|/r, the exposed core taken as the mean); or, if
  that layer would still grow, it is held at rest while its outer layer (one lattice parameter) trades Sc and Zr
  with the matrix at the rate its Zr flux renews it, toward the layer the matrix would deposit. So a Zr-free
  particle dissolves as Al₃Sc, the switch between growth and exchange is continuous, and an
  Al₃Sc core that grows at 400 °C, where Sc is used up and Zr still supersaturated, adds Zr-rich shells (the
  core-shell particles Clouet et al., Nature Mater. 5 (2006) 482 and Knipling et al. (2011) observe), and its
  exchange with the matrix is throttled by the slow Zr flux: the coarsening retardation Fuller & Seidman, Acta
  Mater. 53 (2005) 5415 measured. ``interface="uniform"`` takes the interface at the particle's mean
  composition for growth too (no layers: the model before shells were resolved).
- Solute balance: matrix = total - precipitates, in atoms, exactly at every step.

Every array is (n_scenarios, ...); temperatures and step lengths may differ per scenario (a schedule of
isothermal steps). Units: SI inside (m, s, K, J), radii reported in nm.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import erfcx

from ..core.status import Status

__all__ = ["PrecipitationModel", "PrecipitationResult", "Schedule", "Solute", "default_model"]

K_B = 1.380649e-23  # J/K
R_GAS = 8.314462618  # J/(mol K)
#: number densities below this (one particle per (1 µm)³) are too sparse to matter for strength; the step-size
#: control ignores relative changes among them so transient sub-critical embryos cannot stall the solve
N_FLOOR_M3 = 1e18
#: mean radius and number density count particles of at least this radius (kawin drops bins below 0.3 nm)
REPORT_MIN_RADIUS_M = 0.3e-9


@dataclass(frozen=True)
class Solute:
    """One L1₂-forming solute: diffusivity D = D0 exp(-Q/RT) [m²/s] and solubility K = K0 exp(-H/RT) [mole frac.]

    ``k0``/``h_j_mol`` describe the solvus of pure Al₃M against (Al); they come from the thermodynamic database
    (``scandia.alloy.thermo.dilute_solvus``).
    """

    name: str
    d0_m2_s: float
    q_j_mol: float
    k0: float
    h_j_mol: float
    l0_a_j_mol: float = 0.0
    l0_b_j_mol_k: float = 0.0

    def diffusivity(self, temp_k: np.ndarray) -> np.ndarray:
        return self.d0_m2_s * np.exp(-self.q_j_mol / (R_GAS * temp_k))

    def solubility(self, temp_k: np.ndarray) -> np.ndarray:
        return self.k0 * np.exp(-self.h_j_mol / (R_GAS * temp_k))

    def interaction_rt(self, temp_k: np.ndarray) -> np.ndarray:
        """Regular-solution parameter L0/RT of M in (Al) (dimensionless)."""
        return (self.l0_a_j_mol + self.l0_b_j_mol_k * temp_k) / (R_GAS * temp_k)


@dataclass
class Schedule:
    """Isothermal heat-treatment steps per scenario: temperatures [K] and durations [s], shape (n, steps).

    A zero duration skips a step, so scenarios with fewer steps pad with zeros.
    """

    temp_k: np.ndarray
    duration_s: np.ndarray

    def __post_init__(self) -> None:
        self.temp_k = np.atleast_2d(np.asarray(self.temp_k, dtype=float))
        self.duration_s = np.atleast_2d(np.asarray(self.duration_s, dtype=float))
        self.temp_k, self.duration_s = np.broadcast_arrays(self.temp_k, self.duration_s)
        if np.any(self.duration_s < 0):
            raise ValueError("schedule duration: must be >= 0 s")
        if np.any(self.temp_k <= 0):
            raise ValueError("schedule temperature: must be > 0 K")

    @property
    def end_s(self) -> np.ndarray:
        return self.duration_s.sum(axis=1)

    def expand(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Temperatures and step end times [s], each (n, steps)."""
        temps = np.broadcast_to(self.temp_k, (n, self.temp_k.shape[1]))
        durs = np.broadcast_to(self.duration_s, (n, self.duration_s.shape[1]))
        return temps, np.cumsum(durs, axis=1)

    @staticmethod
    def current(t: np.ndarray, temps: np.ndarray, seg_end: np.ndarray, next_output_s: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Temperature at time t (n,) and the time the current step may not pass: the end of the isothermal
        step or the next output time, whichever comes first."""
        cols = np.arange(t.size)
        seg = np.minimum((t[:, None] >= seg_end - 1e-9 * np.maximum(seg_end, 1.0)).sum(axis=1), seg_end.shape[1] - 1)
        return temps[cols, seg], np.minimum(seg_end[cols, seg], next_output_s)


@dataclass
class PrecipitationResult:
    """Outputs at the requested times (n, m) plus final size distributions (n, bins).

    ``mean_radius_nm`` and ``number_density_m3`` count particles of r ≥ 0.3 nm; ``volume_fraction`` is the
    precipitate volume fraction; ``matrix_x`` the matrix mole fractions per solute (n, m, solutes);
    ``zr_site_frac`` the Zr share of the precipitates' M sublattice.
    """

    times_s: np.ndarray
    mean_radius_nm: np.ndarray
    number_density_m3: np.ndarray
    volume_fraction: np.ndarray
    matrix_x: np.ndarray
    zr_site_frac: np.ndarray
    radius_grid_nm: np.ndarray
    psd_m3: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    solute_total_x: np.ndarray
    precipitate_x: np.ndarray = field(repr=False)


@dataclass
class PrecipitationModel:
    """KWN model parameters (SI). Constructing it only stores them; :meth:`solve` runs a batch.

    gamma_j_m2: Al/Al₃M interfacial energy; a_matrix_m, a_precip_m: lattice parameters of (Al) and Al₃M
    (four atoms per cell, one M per cell); solutes: tuple of :class:`Solute` (Sc first); grid: radius bins.
    interface: ``layer`` (a growing particle adds layers of the flux composition; the module docstring) or
    ``uniform`` (the particle's mean); nucleation_sites: ``lattice`` (every lattice site) or ``solute`` (solute atoms).
    """

    solutes: tuple[Solute, ...]
    gamma_j_m2: float = 0.1
    a_matrix_m: float = 4.0496e-10
    a_precip_m: float = 4.103e-10
    r_min_m: float = 0.1e-9
    r_max_m: float = 200e-9
    bins: int = 320
    rtol_supersat: float = 0.03
    rtol_number: float = 0.05
    max_steps: int = 8000
    first_step_s: float = 1e-3
    nucleation_sites: str = "lattice"
    effective_diffusion: bool = True
    interface: str = "layer"

    def __post_init__(self) -> None:
        if self.interface not in ("layer", "uniform"):
            raise ValueError(f"interface: {self.interface!r}; use 'layer' or 'uniform'")
        if self.nucleation_sites not in ("lattice", "solute"):
            raise ValueError(f"nucleation_sites: {self.nucleation_sites!r}; use 'lattice' or 'solute'")

    # ------------------------------------------------------------------ grid
    def grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bin edges (bins+1,), centres (bins,) and widths (bins,) in m."""
        edges = np.geomspace(self.r_min_m, self.r_max_m, self.bins + 1)
        centres = np.sqrt(edges[:-1] * edges[1:])
        return edges, centres, np.diff(edges)

    # ------------------------------------------------------------------ physics
    def _thermo(self, temp_k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(D (s, n), K (s, n), capillary length ℓ (n,)) at temperatures ``temp_k`` (n,)."""
        d = np.stack([s.diffusivity(temp_k) for s in self.solutes])
        k = np.stack([s.solubility(temp_k) for s in self.solutes])
        ell = 2.0 * self.gamma_j_m2 * self.a_precip_m**3 / (K_B * temp_k)
        return d, k, ell

    def _nucleation(self, x: np.ndarray, d: np.ndarray, k: np.ndarray, temp_k: np.ndarray, t_s: np.ndarray,
                    sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nucleation rate J [m⁻³ s⁻¹], nucleus radius [m] and Zr site fraction, each (n,)."""
        kt = K_B * temp_k
        if len(self.solutes) == 1:
            ys = np.zeros((1, 1))
        else:
            ys = np.linspace(0.0, 1.0, 41)[:, None]  # candidate Zr fractions (c, 1)
        yy = (1.0 - ys, ys)
        dg = np.zeros((ys.shape[0], x.shape[1]))
        inv_beta = np.zeros_like(dg)
        for i in range(len(self.solutes)):
            yi = yy[i]
            with np.errstate(divide="ignore", invalid="ignore"):
                term = np.where(yi > 0, yi * np.log(np.maximum(x[i], 1e-300) / (np.maximum(yi, 1e-300) * k[i])), 0.0)
            dg += term
            # regular-solution correction to the dilute driving force (activity coefficients of M and Al)
            w = self.solutes[i].interaction_rt(temp_k)
            dg += yi * w * ((1.0 - x[i]) ** 2 - (1.0 - k[i]) ** 2)
            dg += 3.0 * yi * w * (x[i] ** 2 - k[i] ** 2)
            inv_beta += yi * yi / np.maximum(d[i] * x[i], 1e-300)
        dgv = dg * kt / self.a_precip_m**3  # J/m3
        positive = dgv > 0
        dgv_safe = np.where(positive, dgv, 1.0)
        r_star = 2.0 * self.gamma_j_m2 / dgv_safe
        barrier = 16.0 * np.pi * self.gamma_j_m2**3 / (3.0 * dgv_safe**2)
        beta = 4.0 * np.pi * r_star**2 / (self.a_matrix_m**4 * inv_beta)
        v_atom = self.a_precip_m**3 / 4.0
        zeldovich = v_atom / (2.0 * np.pi * r_star**2) * np.sqrt(self.gamma_j_m2 / kt)
        tau = 1.0 / (2.0 * beta * zeldovich**2)
        n0 = sites
        with np.errstate(over="ignore", under="ignore"):
            rate = n0 * zeldovich * beta * np.exp(-barrier / kt) * np.exp(-tau / np.maximum(t_s, 1e-300))
        rate = np.where(positive, rate, 0.0)
        best = np.argmax(rate, axis=0)
        cols = np.arange(x.shape[1])
        j = rate[best, cols]
        r_nuc = r_star[best, cols] + 0.5 * np.sqrt(kt / (np.pi * self.gamma_j_m2))
        return j, r_nuc, ys[best, 0] * np.ones_like(j)

    # ------------------------------------------------------------------ solve
    def solve(self, x0: np.ndarray, schedule: Schedule, times_s: np.ndarray, progress=None) -> PrecipitationResult:
        """Run the schedule for every scenario.

        x0: total solute mole fractions (n, solutes); times_s: output times (m,), shared, measured from the start
        of the schedule (after a scenario's schedule ends its state is held).
        """
        x0 = np.atleast_2d(np.asarray(x0, dtype=float))
        if len(self.solutes) > 1 and x0.shape[1] > 1 and not np.any(x0[:, 1:] > 0):
            # no Zr anywhere: the binary model gives the same answer with half the work
            res = replace(self, solutes=self.solutes[:1]).solve(x0[:, :1], schedule, times_s, progress)
            pad = np.zeros((*res.matrix_x.shape[:2], len(self.solutes) - 1))
            res.matrix_x = np.concatenate([res.matrix_x, pad], axis=2)
            res.precipitate_x = np.concatenate([res.precipitate_x, pad], axis=2)
            res.solute_total_x = np.concatenate([res.solute_total_x, pad[:, 0]], axis=1)
            return res
        n = max(x0.shape[0], schedule.temp_k.shape[0])
        x0 = np.broadcast_to(x0, (n, len(self.solutes)))
        temps, seg_end = schedule.expand(n)
        times_s = np.asarray(times_s, dtype=float)
        from .kwn_kernel import run_kwn

        out = run_kwn(self, x0, temps, seg_end, times_s, _EPS_POLY, float(_OMEGA[-1]), N_FLOOR_M3,
                      REPORT_MIN_RADIUS_M)
        if progress is not None:
            progress(1.0)
        _, rc, _ = self.grid()
        return PrecipitationResult(times_s=times_s, radius_grid_nm=rc * 1e9, solute_total_x=np.array(x0, dtype=float),
                                   **out)


_LAMBDA = np.geomspace(1e-5, 3.0, 4000)
_OMEGA = 2.0 * _LAMBDA**2 - 2.0 * _LAMBDA**3 * np.sqrt(np.pi) * erfcx(_LAMBDA)
_EPS_POLY = np.polyfit(np.sqrt(_OMEGA), _OMEGA / (2.0 * _LAMBDA**2), 8)  # max error 1.2e-6 for S < 0.87


def _eps_effective(supersat: np.ndarray) -> np.ndarray:
    """Effective-diffusion-distance factor ε(S) of Chen, Jeppsson & Ågren, Acta Mater. 56 (2008) 1890.

    Growth rate v = D S/(ε r): ε = Ω/(2λ²) where Ω(λ) = 2λ² - 2λ³√π e^{λ²} erfc(λ) = S; ε → 1 as S → 0.
    Evaluated as a degree-8 polynomial in √S fitted at import (error < 2e-6). Dissolution (S < 0) uses ε = 1.
    """
    u = np.sqrt(np.clip(supersat, 0.0, _OMEGA[-1]))
    out = np.full_like(u, _EPS_POLY[0])
    for c in _EPS_POLY[1:]:
        out *= u
        out += c
    return out


def _next_dt(err: np.ndarray, accept: np.ndarray, dt: np.ndarray, dt_try: np.ndarray) -> np.ndarray:
    """Next step per scenario: grow after an accepted step (up to 2x), shrink after a rejected one (at least 2x);
    the usual 0.9/sqrt(err) controller of a first-order method."""
    fac = np.clip(0.9 / np.sqrt(np.maximum(err, 1e-6)), 0.3, 2.0)
    new = np.where(accept, np.maximum(dt_try, dt * (dt_try >= dt)) * fac, dt_try * np.minimum(fac, 0.5))
    return np.maximum(new, 1e-9)


def _retire(t: np.ndarray, t_end: np.ndarray, active: np.ndarray, steps: np.ndarray, max_steps: int,
            status: np.ndarray, progress) -> np.ndarray:
    """Scenarios still to run: those finished or out of steps leave (the latter flagged not_converged)."""
    done = t >= t_end * (1 - 1e-12)
    failed = active & (steps >= max_steps)
    status[failed] = Status.not_converged
    if progress is not None:
        progress(float(np.mean(np.minimum(t / np.maximum(t_end, 1e-300), 1.0))))
    return active & ~done & ~failed


def default_model(**overrides) -> PrecipitationModel:
    """The KWN model with the shipped parameters (``data/alloy/precipitation.yaml``) and database solvus.

    Solubilities come from :mod:`scandia.alloy.thermo`: Sc against L1₂ Al₃Sc, Zr against D0₂₃ Al₃Zr made less
    stable by the L1₂ excess of the data file. ``overrides`` replace constructor arguments.
    """
    from ..core.datafiles import load_data
    from .thermo import database, dilute_solvus

    p = {k: v["value"] for k, v in load_data("alloy/precipitation.yaml").items()}
    db = database()
    temps = np.linspace(*p["solvus_fit_temps_k"], 12)
    k_sc, h_sc = dilute_solvus("SC", "AL3SC", temps, db)
    k_zr, h_zr = dilute_solvus("ZR", "AL3ZR", temps, db, offset_j_per_fu=p["l12_al3zr_excess_j_per_fu"])
    l_sc = db.interaction("FCC_A1", "AL-SC", np.array([0.0, 1.0]))[0]
    l_zr = db.interaction("FCC_A1", "AL-ZR", np.array([0.0, 1.0]))[0]
    sc = Solute("SC", p["sc_d0_m2_s"], p["sc_q_j_mol"], k_sc, h_sc, float(l_sc[0]), float(l_sc[1] - l_sc[0]))
    zr = Solute("ZR", p["zr_d0_m2_s"], p["zr_q_j_mol"], k_zr, h_zr, float(l_zr[0]), float(l_zr[1] - l_zr[0]))
    kwargs = dict(solutes=(sc, zr), gamma_j_m2=p["gamma_j_m2"], a_matrix_m=p["a_matrix_nm"] * 1e-9,
                  a_precip_m=p["a_precip_nm"] * 1e-9, bins=int(p["bins"]))
    kwargs.update(overrides)
    return PrecipitationModel(**kwargs)
