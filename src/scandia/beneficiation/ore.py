"""Ore model: particle classes of size x host mineral x volumetric grade, and their liberation.

Each particle is binary: one host mineral (the Sc-bearing pyroxene or amphibole, an Fe oxide, fayalite, an REE
mineral) at volume fraction ``phi`` in the felsic matrix (K-feldspar), or pure felsic gangue. Sc and the rare
earths sit in the minerals at the ppm contents of ``data/beneficiation/samples.yaml`` (their deportment), so a
class's composition follows from its host and grade alone and never changes in a physical separation.

Liberation by size is the log-logistic relation ``L(d) = 1 / (1 + (d / (f_m d_lib))^k)`` for the fraction of a
mineral's volume in liberated particles at particle size ``d`` (grain size ``f_m d_lib``; Gaudin 1939, King 2012
"Modeling and Simulation of Mineral Processing Systems", 2nd ed., ch. 1, where the liberated fraction falls as
particle size passes grain size). The unliberated volume is spread over the composite grade bins with equal
particle counts per bin. Size distributions are Rosin-Rammler-Sperling-Bennett (Rosin & Rammler 1933):
``F(d) = 1 - exp(-(d/d63)^n)``, ``d63 = P80 / (ln 5)^(1/n)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..core.components import Component, ComponentSet
from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.status import Status
from ..core.stream import ParticleClasses, Stream

__all__ = ["ACTINIDES", "REE", "TRACE_OXIDES", "OreModel", "ore_model", "rrsb_fractions", "scenario_ore"]

#: rare earths tracked individually (the rest of the lanthanides are below 2 % of TREO at Crater Lake)
REE: tuple[str, ...] = tuple(load_data("beneficiation/samples.yaml")["ree_elements"])
#: oxide formulas used as components for Sc and REE held in minerals (trivalent oxides)
ACTINIDES: tuple[str, ...] = tuple(load_data("beneficiation/samples.yaml")["actinide_elements"])
TRACE_OXIDES: dict[str, str] = {"Sc": "Sc2O3", **{el: f"{el}2O3" for el in REE}, "Th": "ThO2", "U": "UO2"}


@dataclass(frozen=True, eq=False)
class OreModel:
    """The particle-class description of one ore sample (immutable, cached per sample)."""

    sample: str
    minerals: tuple[str, ...]  #: host minerals then the felsic matrix (last)
    components: ComponentSet
    mineral_w: np.ndarray  #: (n_minerals, n_components) composition of each mineral, mass fractions
    density_t_m3: np.ndarray  #: (n_minerals,)
    chi_default_m3_kg: np.ndarray  #: (n_minerals,) from minerals.yaml (before fitting)
    chi_bounds_m3_kg: np.ndarray  #: (n_minerals, 2)
    grain_factor: np.ndarray  #: (n_minerals,) liberation size factor f_m
    modal_mass_frac: np.ndarray  #: (n_minerals,)
    size_upper_mm: np.ndarray  #: (n_sizes,) upper sieve edge of each size class
    size_mid_mm: np.ndarray  #: (n_sizes,) geometric mean size of each class
    grades: np.ndarray  #: (n_grades,) host-mineral volume fraction, grades[0] = 1 (liberated)
    classes: ParticleClasses  #: susceptibility at the defaults of minerals.yaml
    class_w: np.ndarray  #: (n_classes, n_components)
    class_mineral_frac: np.ndarray  #: (n_classes, n_minerals) mass fraction of each mineral in a class

    @property
    def n_sizes(self) -> int:
        return self.size_mid_mm.size

    @property
    def n_hosts(self) -> int:
        return len(self.minerals) - 1

    @property
    def per_size(self) -> int:
        return self.n_hosts * self.grades.size + 1

    def class_index(self, size: int, host: int | None, grade: int = 0) -> int:
        """Flat index of the class (size, host mineral, grade); ``host=None`` is pure felsic."""
        base = size * self.per_size
        return base + self.n_hosts * self.grades.size if host is None else base + host * self.grades.size + grade

    # --------------------------------------------------------------- magnetic properties
    def class_susceptibility(self, chi_m3_kg: np.ndarray | None = None) -> np.ndarray:
        """Mass susceptibility of each class, m3/kg: mass-weighted mean of its minerals.

        ``chi_m3_kg`` is ``(n_minerals,)`` or ``(n, n_minerals)``; the result is ``(n_classes,)`` or
        ``(n, n_classes)``.
        """
        chi = self.chi_default_m3_kg if chi_m3_kg is None else np.asarray(chi_m3_kg, dtype=float)
        return chi @ self.class_mineral_frac.T

    def with_susceptibility(self, chi_m3_kg: np.ndarray) -> ParticleClasses:
        """The particle classes with susceptibilities from mineral values ``(n_minerals,)`` or ``(n, m)``."""
        c = self.classes
        return ParticleClasses(c.labels, c.size_mm, c.density_t_m3, self.class_susceptibility(chi_m3_kg), c.extra)

    # --------------------------------------------------------------- streams
    def mineral_tph(self, stream: Stream) -> np.ndarray:
        """Mass flow of each mineral in a stream of this ore's classes, ``(n, n_minerals)``, t/h."""
        return stream.class_tph @ self.class_mineral_frac

    def liberate(
        self,
        mineral_tph: np.ndarray,
        size_frac: np.ndarray,
        d_lib_mm: np.ndarray,
        exponent: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class mass flows for given mineral flows and size distribution.

        Parameters
        ----------
        mineral_tph: (n, n_minerals) t/h. size_frac: (n, n_sizes) mass fractions summing to 1.
        d_lib_mm: (n, 1) liberation size. exponent: (n, 1) liberation exponent ``k``.

        Returns ``(class_tph (n, n_classes), status (n,))``; status is ``clipped`` where the felsic matrix was
        too scarce to lock every composite and some composite volume was counted as liberated instead.
        Mineral and total masses are conserved exactly.
        """
        n = mineral_tph.shape[0]
        if max(size_frac.shape[0], d_lib_mm.shape[0], exponent.shape[0]) > 1:
            # per-scenario sizes or liberation: the element-wise path (cheaper than n kernels)
            return self._liberate_clipped(mineral_tph, size_frac, d_lib_mm, exponent)
        out = mineral_tph @ self.liberation_kernel(size_frac, d_lib_mm, exponent)[0]
        status = np.zeros(n, dtype=np.int8)
        felsic_cols = self._felsic_columns
        bad = np.flatnonzero((out[:, felsic_cols] < -1e-12 * np.maximum(out.sum(axis=1, keepdims=True), 1e-300)).any(1))
        if bad.size:
            out[bad], status[bad] = self._liberate_clipped(mineral_tph[bad], size_frac, d_lib_mm, exponent)
        else:
            np.maximum(out, 0.0, out=out)  # rounding of exact zeros only
        return out, status

    @property
    def _felsic_columns(self) -> np.ndarray:
        return np.arange(self.n_sizes) * self.per_size + self.n_hosts * self.grades.size

    def _lib(self, d_lib_mm: np.ndarray, exponent: np.ndarray) -> np.ndarray:
        d = self.size_mid_mm[None, :, None]  # (1, s, 1)
        grain = self.grain_factor[None, None, : self.n_hosts] * d_lib_mm[:, :, None]  # (k, 1, H)
        return 1.0 / (1.0 + (d / grain) ** exponent[:, :, None])  # (k, s, H)

    def liberation_kernel(self, size_frac: np.ndarray, d_lib_mm: np.ndarray, exponent: np.ndarray) -> np.ndarray:
        """Linear map from mineral flows to class flows, ``(k, n_minerals, n_classes)``, before clipping.

        ``class_tph = mineral_tph @ K``: liberation is linear in the mineral masses at fixed sizes and liberation
        parameters, so constant parameters give one kernel for all scenarios and the stage costs one matmul.
        """
        H, G, S = self.n_hosts, self.grades.size, self.n_sizes
        lib = self._lib(d_lib_mm, exponent)
        f = size_frac[:, :, None]  # (k, s, 1)
        k = max(f.shape[0], lib.shape[0])
        share, attach = _composite_factors(self.grades, self.density_t_m3[:H], self.density_t_m3[H])
        kern = np.zeros((k, H + 1, S, self.per_size))
        per_t = np.empty((k, S, H, G))  # class mass per t of host mineral in the size
        per_t[..., 0] = f * lib
        per_t[..., 1:] = (f * (1.0 - lib))[..., None] * (share[:, 1:] * (1.0 + attach[:, 1:]))[None, None]
        hosts = np.arange(H)
        kern[:, hosts, :, :] = 0.0
        block = per_t.transpose(0, 2, 1, 3)  # (k, H, s, G)
        for h in range(H):
            kern[:, h, :, h * G : (h + 1) * G] = block[:, h]
        attach_per_t = (share * attach).sum(axis=1)  # (H,)
        kern[:, :H, :, H * G] = -(f * (1.0 - lib) * attach_per_t[None, None, :]).transpose(0, 2, 1)
        kern[:, H, :, H * G] = np.broadcast_to(size_frac, (k, S))
        return kern.reshape(k, H + 1, S * self.per_size)

    def _liberate_clipped(self, mineral_tph, size_frac, d_lib_mm, exponent) -> tuple[np.ndarray, np.ndarray]:
        """The element-wise path: per-scenario liberation, and scenarios where the felsic matrix is too scarce
        to lock every composite (the composites are then scaled down and the rest counted as liberated)."""
        n = mineral_tph.shape[0]
        H, G = self.n_hosts, self.grades.size
        lib = self._lib(d_lib_mm, exponent)
        host_in_size = mineral_tph[:, None, :H] * size_frac[:, :, None]  # (n, s, H) t/h
        felsic_in_size = mineral_tph[:, None, H] * size_frac  # (n, s)
        share, attach = _composite_factors(self.grades, self.density_t_m3[:H], self.density_t_m3[H])
        attach_per_t = (share * attach).sum(axis=1)
        need = (host_in_size * (1.0 - lib) * attach_per_t).sum(axis=2)  # (n, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(need > felsic_in_size, felsic_in_size / np.maximum(need, 1e-300), 1.0)
        clipped = np.broadcast_to((scale < 1.0 - 1e-12).any(axis=1), (n,))
        status = np.where(clipped, Status.clipped, Status.ok).astype(np.int8)
        unlib = (1.0 - lib) * scale[:, :, None]  # (n, s, H)
        host_mass = np.empty((n, self.n_sizes, H, G))
        host_mass[..., 0] = host_in_size * (1.0 - unlib)
        host_mass[..., 1:] = (host_in_size * unlib)[..., None] * share[None, None, :, 1:]
        particle = host_mass * (1.0 + attach[None, None, :, :])
        felsic_pure = felsic_in_size - (host_mass * attach[None, None]).sum(axis=(2, 3))
        out = np.empty((n, self.n_sizes, self.per_size))
        out[:, :, : H * G] = particle.reshape(n, self.n_sizes, H * G)
        out[:, :, H * G] = np.maximum(felsic_pure, 0.0)
        return out.reshape(n, -1), status

    def stream(self, class_tph: np.ndarray, chi_m3_kg: np.ndarray | None = None) -> Stream:
        """A stream of this ore's classes (composition fixed per class)."""
        if chi_m3_kg is not None:
            chi = np.asarray(chi_m3_kg, dtype=float)
            if chi.ndim == 2 and np.all(chi == chi[:1]):
                chi = chi[0]  # the same in every scenario: one class property row, broadcast
        classes = self.classes if chi_m3_kg is None else self.with_susceptibility(chi)
        return Stream(self.components, classes, class_tph, self.class_w, validate=False)

    def modal_vector(self, override: dict[str, float] | None = None) -> np.ndarray:
        """Modal mass fractions in mineral order: the sample's, or ``override`` (missing minerals are 0)."""
        if override is None:
            return self.modal_mass_frac
        return np.array([float(override.get(m, 0.0)) for m in self.minerals])

    def head_assay(self) -> dict[str, float]:
        """Head grade of the sample by element, ppm (g/t)."""
        el = self.modal_mass_frac @ self.mineral_w @ self.components.element_matrix
        return {e: float(el[i] * 1e6) for i, e in enumerate(self.components.elements)}


def _composite_factors(grades: np.ndarray, rho_host: np.ndarray, rho_matrix: float) -> tuple[np.ndarray, np.ndarray]:
    """(share (H, G), attach (H, G)): share of unliberated host mass in each bin (bin 0 unused, 0) and the
    felsic mass attached per unit host mass in each bin."""
    g = grades
    share = np.zeros((rho_host.size, g.size))
    share[:, 1:] = g[1:] / g[1:].sum()  # equal particle counts: host volume share proportional to grade
    attach = ((1.0 - g)[None, :] * rho_matrix) / (g[None, :] * rho_host[:, None])
    return share, attach


def rrsb_fractions(p80_mm: np.ndarray, uniformity: np.ndarray, upper_edges_mm: np.ndarray) -> np.ndarray:
    """Mass fraction in each size class of an RRSB distribution, shape ``(n, n_sizes)``.

    Class ``s`` holds sizes between ``upper_edges[s-1]`` and ``upper_edges[s]`` (the first class from 0); mass
    above the top edge is assigned to the top class (the grid's top edge is the largest particle).
    """
    p80 = np.asarray(p80_mm, dtype=float).reshape(-1, 1)
    m = np.asarray(uniformity, dtype=float).reshape(-1, 1)
    d63 = p80 / np.log(5.0) ** (1.0 / m)
    cum = 1.0 - np.exp(-((upper_edges_mm[None, :] / d63) ** m))
    cum[:, -1] = 1.0
    return np.diff(cum, axis=1, prepend=0.0)


@cache
def ore_model(sample: str, sc_scale: float = 1.0) -> OreModel:
    """Build (and cache) the ore model of a built-in sample; ``sc_scale`` multiplies the Sc content of every
    mineral (see :func:`scenario_ore`)."""
    samples = load_data("beneficiation/samples.yaml")["samples"]
    if sample not in samples:
        raise ScenarioError("beneficiation.sample", f"unknown sample {sample!r}; known: {', '.join(samples)}")
    spec = samples[sample]
    mdata = load_data("beneficiation/minerals.yaml")
    felsic = mdata["felsic_mineral"]
    names = [m for m in mdata["minerals"] if m != felsic] + [felsic]
    minerals = mdata["minerals"]

    modal = np.array([float(spec["modal_mass_frac"].get(m, 0.0)) for m in names])
    if not np.isclose(modal.sum(), 1.0, atol=1e-9):
        raise ScenarioError(f"samples.{sample}.modal_mass_frac", f"must sum to 1 (sums to {modal.sum():.6f})")

    comps = [Component(m, minerals[m]["formula"], minerals[m]["role"]) for m in names]
    comps += [Component(ox, ox) for ox in TRACE_OXIDES.values()]
    cset = ComponentSet(tuple(comps))
    trace_idx = {el: cset.index(ox) for el, ox in TRACE_OXIDES.items()}
    oxide_per_element = {el: 1.0 / cset.components[i].element_mass_frac[el] for el, i in trace_idx.items()}

    mineral_w = np.zeros((len(names), len(cset)))
    for i, m in enumerate(names):
        ppm = {"Sc": float(spec["sc_ppm"].get(m, 0.0)) * sc_scale,
               **{k: float(v) for k, v in spec["ree_ppm"].get(m, {}).items()},
               **{k: float(v) for k, v in spec.get("actinide_ppm", {}).get(m, {}).items()}}
        for el, value in ppm.items():
            if value < 0:
                raise ScenarioError(f"samples.{sample}", f"negative content of {el} in {m}")
            mineral_w[i, trace_idx[el]] = value * 1e-6 * oxide_per_element[el]
        mineral_w[i, i] = 1.0 - mineral_w[i].sum()

    rho = np.array([minerals[m]["density_t_m3"]["value"] for m in names], dtype=float)
    chi = np.array([minerals[m]["susceptibility_m3_kg"]["value"] for m in names], dtype=float)
    bounds = np.array([[minerals[m]["susceptibility_m3_kg"]["min"], minerals[m]["susceptibility_m3_kg"]["max"]]
                       for m in names], dtype=float)
    grain = np.array([minerals[m]["grain_size_factor"]["value"] for m in names], dtype=float)

    dev = load_data("beneficiation/devices.yaml")
    upper = np.array(dev["size_grid_mm"]["upper_edges"], dtype=float)
    lower = np.concatenate([[upper[0] / 2.0], upper[:-1]])
    mid = np.sqrt(upper * lower)
    grades = np.array(dev["grade_bins"]["vol_frac"], dtype=float)
    if grades[0] != 1.0 or np.any(np.diff(grades) >= 0):
        raise ScenarioError("grade_bins.vol_frac", "must start at 1.0 (liberated) and decrease")

    H = len(names) - 1
    labels, sizes, dens, host_frac = [], [], [], []
    for dmid in mid:
        for h in range(H):
            for g in grades:
                mh = g * rho[h]
                mf = (1.0 - g) * rho[H]
                frac = np.zeros(len(names))
                frac[h], frac[H] = mh / (mh + mf), mf / (mh + mf)
                labels.append(f"{names[h]}|{g:g}|{dmid:.3g}mm")
                sizes.append(dmid)
                dens.append(g * rho[h] + (1.0 - g) * rho[H])
                host_frac.append(frac)
        labels.append(f"{names[H]}|1|{dmid:.3g}mm")
        sizes.append(dmid)
        dens.append(rho[H])
        frac = np.zeros(len(names))
        frac[H] = 1.0
        host_frac.append(frac)
    class_mineral_frac = np.array(host_frac)
    class_w = class_mineral_frac @ mineral_w
    classes = ParticleClasses(
        tuple(labels), np.array(sizes), np.array(dens), chi @ class_mineral_frac.T,
        {"size_index": np.repeat(np.arange(mid.size), H * grades.size + 1)},
    )
    return OreModel(sample, tuple(names), cset, mineral_w, rho, chi, bounds, grain, modal, upper, mid, grades,
                    classes, class_w, class_mineral_frac)


def scenario_ore(sample: str, head_grade_sc_ppm: float | None = None) -> OreModel:
    """The ore model a scenario uses: the sample's, or with its Sc head grade set to ``head_grade_sc_ppm``.

    A head-grade override keeps the sample's mineralogy and scales the Sc content of every Sc-bearing mineral by
    one factor (assumption: a richer or poorer part of the same ore type carries its Sc in the same hosts in the
    same proportions), so recoveries are unchanged and grades scale with the head grade.
    """
    base = ore_model(sample)
    if head_grade_sc_ppm is None:
        return base
    natural = base.head_assay()["Sc"]
    return ore_model(sample, round(float(head_grade_sc_ppm) / natural, 12))
