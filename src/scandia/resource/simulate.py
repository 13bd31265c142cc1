"""Grade uncertainty: conditional Gaussian simulation at points, averaged to the selective mining unit (issue 17,
item 3).

Kriged blocks are smoothed: their grade-tonnage curve overstates the tonnes and understates the grade above a
high cut-off. Conditional simulation gives equally likely grade fields that honour the composites, their
histogram and their variogram; averaged to the SMU they give the grade-tonnage curve the mine would see, with
its spread across realisations. The method (Journel & Huijbregts, *Mining Geostatistics*, 1978, §VII.A;
Chilès & Delfiner, *Geostatistics*, 2nd ed. 2012, §7.3 and §7.4.1):

1. **Normal scores.** The domain's (top-cut) composite grades z are transformed to standard normal scores
   y = G⁻¹(F*(z)), F* their declustered cumulative distribution (cell declustering), at the midpoints of the
   cumulative weights (GSLIB ``nscore``, Deutsch & Journel 1998 §VI.2.7). Back-transform: linear between the
   table's values, and in the tails linearly to the stated bounds (0 ppm below; the largest, already top-cut
   composite above, so the simulation does not invent grades above the cap).
2. **Variogram of the scores**, fitted as for the grades (:func:`scandia.resource.variogram.fit_variogram`) and
   rescaled to a unit total sill.
3. **Unconditional fields** by the randomization method (:mod:`scandia.resource.fields`): M wave vectors from
   the model's spectral density per realisation, plus an independent nugget. On the simulation nodes, a regular
   lattice of ``nodes_per_block`` points in each SMU, cos(k·x + φ) is separable along the lattice axes, so
   each realisation costs M complex products per node (the sines and cosines are evaluated per axis line, not
   per node); at the composites it is summed directly.
4. **Conditioning by kriging** (the residual method): Y_c(x) = Y_u(x) + Σ_i w_i(x) (y_i - Y_u(x_i)), with w the
   ordinary-kriging weights of the node from its moving neighbourhood. The weights do not depend on the
   realisation, so they are computed once for all (:func:`scandia.resource.kriging.krige` with
   ``keep_weights``). A node with fewer than ``min_samples`` data keeps its unconditional value.
5. **Change of support.** Each node's score is back-transformed to a grade, and the SMU grade is the mean of
   its nodes' grades (averaging after the back-transform, as the non-linear transform requires).

All realisations are computed by one call of each compiled kernel (realisations shared among the threads);
no Python loop runs per realisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..core.datafiles import value_of as _v
from ..core.errors import ScenarioError
from ..core.jit import parallel_lock, pjit, prange
from .drillholes import SC2O3_PER_SC, decluster_weights
from .estimate import Estimate, _settings
from .fields import spectral_vectors
from .kriging import Search, discretisation_offsets, krige
from .variogram import Variogram, experimental_variogram, fit_variogram

__all__ = ["NormalScore", "Simulation", "simulate_gaussian", "simulate_resource"]

_Y_TAIL = 5.0   # |score| at which the back-transform reaches its bounds


@dataclass(frozen=True)
class NormalScore:
    """The normal-score table: grades ``z`` (increasing, distinct) and their scores ``y`` (module docstring)."""

    z: np.ndarray
    y: np.ndarray
    z_min: float
    z_max: float

    @classmethod
    def fit(cls, values: np.ndarray, weights: np.ndarray | None = None, z_min: float = 0.0) -> NormalScore:
        """The table of ``values`` with declustering ``weights`` (default equal); ties share one score."""
        z = np.asarray(values, dtype=float)
        w = np.ones_like(z) if weights is None else np.asarray(weights, dtype=float)
        ok = np.isfinite(z) & np.isfinite(w) & (w > 0)
        if ok.sum() < 10:
            raise ScenarioError("normal scores", f"need at least 10 finite values, got {int(ok.sum())}")
        z, w = z[ok], w[ok]
        order = np.argsort(z, kind="stable")
        z, w = z[order], w[order]
        p = (np.cumsum(w) - 0.5 * w) / w.sum()
        zu, inv = np.unique(z, return_inverse=True)
        p_u = np.bincount(inv, w * p) / np.bincount(inv, w)
        return cls(zu, ndtri(p_u), float(min(z_min, zu[0])), float(zu[-1]))

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Scores of grades (interpolated in the table)."""
        return np.interp(z, self.z, self.y)

    def back(self, y: np.ndarray) -> np.ndarray:
        """Grades of scores: the table, and linear tails to (-5, z_min) and (+5, z_max)."""
        ys = np.concatenate([[min(-_Y_TAIL, self.y[0] - 1e-9)], self.y, [max(_Y_TAIL, self.y[-1] + 1e-9)]])
        zs = np.concatenate([[self.z_min], self.z, [self.z_max]])
        return np.interp(y, ys, zs)

    def back_smooth(self, s: np.ndarray, nugget: float, points: int = 24) -> np.ndarray:
        """E[z(S + ε)] over the nugget ε ~ N(0, ``nugget``) given the structured score S: the mean grade of the
        points that share S, which is what a block average sees once the nugget has averaged out (module
        docstring, step 5), by Gauss-Hermite quadrature of ``points`` nodes on a table of S."""
        if nugget <= 0:
            return self.back(s)
        u, w = np.polynomial.hermite_e.hermegauss(points)
        w = w / w.sum()
        grid = np.linspace(-8.0, 8.0, 3201)
        table = (self.back(grid[:, None] + np.sqrt(nugget) * u[None, :]) * w).sum(axis=1)
        return np.interp(s, grid, table)


@pjit
def _lattice_fields(kw: np.ndarray, phase: np.ndarray, amp: float, xs: np.ndarray, ys: np.ndarray,
                    zs: np.ndarray, col_ptr: np.ndarray, col_ix: np.ndarray, col_iy: np.ndarray,
                    node_iz: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Σ_j cos(k_j·x + φ_j) x amp for every realisation (R, M wave vectors in world units) at lattice nodes
    grouped in columns (ix, iy) with their iz: the separable evaluation of the module docstring, step 3."""
    n_real, n_modes = phase.shape
    n_nodes = node_iz.shape[0]
    out = np.empty((n_real, n_nodes))
    for r in prange(n_real):
        exr = np.empty((xs.shape[0], n_modes))
        exi = np.empty((xs.shape[0], n_modes))
        eyr = np.empty((ys.shape[0], n_modes))
        eyi = np.empty((ys.shape[0], n_modes))
        ezr = np.empty((zs.shape[0], n_modes))
        ezi = np.empty((zs.shape[0], n_modes))
        for i in range(xs.shape[0]):
            for j in range(n_modes):
                a = kw[r, j, 0] * xs[i] + phase[r, j]
                exr[i, j] = np.cos(a)
                exi[i, j] = np.sin(a)
        for i in range(ys.shape[0]):
            for j in range(n_modes):
                a = kw[r, j, 1] * ys[i]
                eyr[i, j] = np.cos(a)
                eyi[i, j] = np.sin(a)
        for i in range(zs.shape[0]):
            for j in range(n_modes):
                a = kw[r, j, 2] * zs[i]
                ezr[i, j] = np.cos(a)
                ezi[i, j] = np.sin(a)
        pr = np.empty(n_modes)
        pi = np.empty(n_modes)
        for c in range(col_ptr.shape[0] - 1):
            ix, iy = col_ix[c], col_iy[c]
            for j in range(n_modes):
                pr[j] = exr[ix, j] * eyr[iy, j] - exi[ix, j] * eyi[iy, j]
                pi[j] = exr[ix, j] * eyi[iy, j] + exi[ix, j] * eyr[iy, j]
            for q in range(col_ptr[c], col_ptr[c + 1]):
                iz = node_iz[q]
                s = 0.0
                for j in range(n_modes):
                    s += pr[j] * ezr[iz, j] - pi[j] * ezi[iz, j]
                out[r, q] = amp * s
    return out


@pjit
def _point_fields(kw: np.ndarray, phase: np.ndarray, amp: float, pts: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Σ_j cos(k_j·x + φ_j) x amp for every realisation at arbitrary points (n, 3), world units."""
    n_real, n_modes = phase.shape
    n = pts.shape[0]
    out = np.empty((n_real, n))
    for t in prange(n_real * n):
        r, i = t // n, t % n
        x0, x1, x2 = pts[i, 0], pts[i, 1], pts[i, 2]
        s = 0.0
        for j in range(n_modes):
            s += np.cos(kw[r, j, 0] * x0 + kw[r, j, 1] * x1 + kw[r, j, 2] * x2 + phase[r, j])
        out[r, i] = amp * s
    return out


@pjit
def _condition(y_nodes: np.ndarray, y_data_u: np.ndarray, y_data: np.ndarray, weights: np.ndarray,
               neighbours: np.ndarray) -> None:  # pragma: no cover
    """In place: Y_c = Y_u + Σ_i w_i (y_i - Y_u(x_i)) at every node of every realisation."""
    n_real, n_nodes = y_nodes.shape
    k = weights.shape[1]
    for t in prange(n_real * n_nodes):
        r, q = t // n_nodes, t % n_nodes
        s = 0.0
        for m in range(k):
            i = neighbours[q, m]
            if i >= 0:
                s += weights[q, m] * (y_data[i] - y_data_u[r, i])
        y_nodes[r, q] += s


def simulate_gaussian(data_xyz: np.ndarray, data_y: np.ndarray, lattice_origin_m: np.ndarray,
                      lattice_step_m: np.ndarray, node_index: np.ndarray, variogram: Variogram, search: Search,
                      realisations: int, rng: np.random.Generator, modes: int = 1000,
                      holes: np.ndarray | None = None, nugget_at_nodes: bool = True) -> np.ndarray:
    """Conditional Gaussian realisations (R, n_nodes) at lattice nodes ``origin + index * step`` (m), honouring
    the scores ``data_y`` at ``data_xyz`` (module docstring, steps 3-4). The variogram is the scores' (a unit
    total sill is expected but not required). With ``nugget_at_nodes`` false the nodes carry the structured
    part S only (the data keep their nugget): the conditional field of S, whose block means equal those of the
    point field once its nugget averages out (the nodes must then not coincide with data, where the kriging
    weights would include the nugget)."""
    if not 1 <= realisations <= 10_000:
        raise ScenarioError("simulation.realisations", "must lie in [1, 10000]")
    if not 10 <= modes <= 100_000:
        raise ScenarioError("simulation.modes", "must lie in [10, 100000]")
    idx = np.asarray(node_index, dtype=np.int64)
    if idx.ndim != 2 or idx.shape[1] != 3 or idx.shape[0] == 0 or idx.min() < 0:
        raise ScenarioError("simulation nodes", "need (n, 3) lattice indices >= 0")
    origin, step = np.asarray(lattice_origin_m, dtype=float), np.asarray(lattice_step_m, dtype=float)
    p, y = np.asarray(data_xyz, dtype=float), np.asarray(data_y, dtype=float)
    nodes_xyz = origin + idx * step
    # conditioning weights, once for all realisations
    kr = krige(p, y, nodes_xyz, variogram, search, holes=holes, keep_weights=True)
    assert kr.weights is not None and kr.neighbours is not None
    # wave vectors in world units about a local origin (the data's mean), so the phases stay well conditioned
    centre = p.mean(axis=0)
    k = spectral_vectors(variogram.model, rng, (realisations, modes))
    kw = (k / np.asarray(variogram.ranges_m)) @ variogram.axes           # (R, M, 3) per metre
    phase = rng.uniform(0.0, 2 * np.pi, (realisations, modes))
    amp = float(np.sqrt(2.0 / modes) * np.sqrt(variogram.sill))
    lo, hi = idx.min(axis=0), idx.max(axis=0)
    axes = [origin[a] - centre[a] + np.arange(lo[a], hi[a] + 1) * step[a] for a in range(3)]
    rel = idx - lo
    order = np.lexsort((rel[:, 2], rel[:, 1], rel[:, 0]))
    key = rel[order, 0] * (hi[1] - lo[1] + 1) + rel[order, 1]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    col_ptr = np.r_[starts, order.size].astype(np.int64)
    with parallel_lock():
        y_sorted = _lattice_fields(kw, phase, amp, axes[0], axes[1], axes[2], col_ptr,
                                   rel[order[starts], 0].astype(np.int64), rel[order[starts], 1].astype(np.int64),
                                   rel[order, 2].astype(np.int64))
        y_data_u = _point_fields(kw, phase, amp, np.ascontiguousarray(p - centre))
    y_nodes = np.empty_like(y_sorted)
    y_nodes[:, order] = y_sorted
    if variogram.nugget > 0:
        sd = np.sqrt(variogram.nugget)
        if nugget_at_nodes:
            y_nodes += sd * rng.standard_normal(y_nodes.shape)
        y_data_u += sd * rng.standard_normal(y_data_u.shape)
    with parallel_lock():
        _condition(y_nodes, y_data_u, np.nan_to_num(y), kr.weights, kr.neighbours)
    return y_nodes


@dataclass
class Simulation:
    """Realisations of SMU grades: ``sc_ppm`` (R, n_blocks) for the blocks ``blocks`` (flat indices into the
    estimate's grid, the mineralised domain), with the scores' transform and variogram that made them."""

    blocks: np.ndarray
    sc_ppm: np.ndarray
    tonnes: np.ndarray
    transform: NormalScore
    variogram: Variogram
    nodes_per_block: tuple[int, int, int]
    seed: int

    @property
    def realisations(self) -> int:
        return int(self.sc_ppm.shape[0])

    def grade_tonnage(self, cutoffs_sc2o3_g_per_t: np.ndarray) -> pd.DataFrame:
        """Per realisation and cut-off (Sc2O3 g/t): tonnes (t), mean grade (Sc2O3 g/t) and contained Sc2O3 (t)
        of the simulated SMUs above the cut-off; long format with a ``realisation`` column."""
        c = np.asarray(cutoffs_sc2o3_g_per_t, dtype=float)
        g = self.sc_ppm * SC2O3_PER_SC
        above = g[:, None, :] >= c[None, :, None]                      # (R, C, n)
        t = (above * self.tonnes).sum(axis=2)
        metal = (above * (self.tonnes * g)[:, None, :]).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(t > 0, metal / t, np.nan)
        r = np.repeat(np.arange(self.realisations), c.size)
        return pd.DataFrame({"realisation": r, "cutoff_sc2o3_g_per_t": np.tile(c, self.realisations),
                             "tonnes": t.ravel(), "sc2o3_g_per_t": mean.ravel(), "sc2o3_t": metal.ravel() / 1e6})

    def grade_tonnage_band(self, cutoffs_sc2o3_g_per_t: np.ndarray) -> pd.DataFrame:
        """P10, P50 and P90 across realisations of tonnes (Mt) and grade (Sc2O3 g/t) at each cut-off."""
        gt = self.grade_tonnage(cutoffs_sc2o3_g_per_t)
        q = gt.groupby("cutoff_sc2o3_g_per_t").quantile([0.1, 0.5, 0.9])
        rows = {"cutoff_sc2o3_g_per_t": np.asarray(cutoffs_sc2o3_g_per_t, dtype=float)}
        for col, scale, name in (("tonnes", 1e-6, "tonnes_mt"), ("sc2o3_g_per_t", 1.0, "sc2o3_g_per_t")):
            for p in (0.1, 0.5, 0.9):
                rows[f"{name}_p{round(p * 100)}"] = q[col].xs(p, level=1).to_numpy() * scale
        return pd.DataFrame(rows)


def simulate_resource(est: Estimate, realisations: int | None = None, seed: int = 0, settings: dict | None = None
                      ) -> Simulation:
    """Conditional simulation of the mineralised domain of an estimate (module docstring), SMU = the estimate's
    blocks; ``realisations`` and the other settings default to the ``simulation`` section of the estimate's
    settings file."""
    s = _settings(settings) if settings is not None else est.settings
    sim = s["simulation"]
    n_real = int(_v(sim["realisations"])) if realisations is None else int(realisations)
    nodes = tuple(int(x) for x in _v(sim["nodes_per_block"]))
    if len(nodes) != 3 or not all(1 <= n <= 10 for n in nodes):
        raise ScenarioError("simulation.nodes_per_block", "needs three integers in [1, 10]")
    c = est.composites
    m = (c["domain"] == "mineralised").to_numpy() & np.isfinite(c["sc_ppm_cut"].to_numpy())
    xyz = c.loc[m, ["x_m", "y_m", "z_m"]].to_numpy()
    z = c.loc[m, "sc_ppm_cut"].to_numpy()
    g = est.blocks.grid
    w = decluster_weights(xyz, tuple(5 * x for x in g.size_m))
    ns = NormalScore.fit(z, w)
    y = ns.forward(z)
    o = s["orientation"]
    frame = {"strike_deg": float(_v(o["strike_deg"])), "dip_deg": float(_v(o["dip_deg"])),
             "rake_deg": float(_v(o["rake_deg"]))}
    vs = s["variogram"]
    ev = experimental_variogram(xyz, y, np.asarray(_v(vs["lags_m"]), dtype=float),
                                angle_tol_deg=float(_v(vs["angle_tol_deg"])), bandwidth_m=float(_v(vs["bandwidth_m"])),
                                **frame)
    v = fit_variogram(ev, vs["model"], min_pairs=int(_v(vs["min_pairs"])), **frame)
    total = v.total_sill
    vg = Variogram(v.model, v.nugget / total, v.sill / total, v.ranges_m, **frame)
    sr = s["search"]
    search = Search(int(_v(sr["max_samples"])), int(_v(sr["min_samples"])), float(_v(sr["radius"])),
                    int(_v(sr["max_per_hole"])))
    d = est.blocks.data
    blocks = np.flatnonzero((d["domain"].to_numpy() == 1) & np.isfinite(d["sc_ppm"].to_numpy()))
    if blocks.size == 0:
        raise ScenarioError("simulation", "the estimate has no estimated block in the mineralised domain")
    step = np.asarray(g.size_m) / np.asarray(nodes)
    sub = np.rint(discretisation_offsets(g.size_m, nodes) / step + (np.asarray(nodes) - 1) / 2).astype(np.int64)
    bidx = g.indices()[blocks]                                            # (n_b, 3)
    node_index = (bidx[:, None, :] * np.asarray(nodes) + sub[None, :, :]).reshape(-1, 3)
    origin = np.asarray(g.origin_m) + 0.5 * step
    rng = np.random.default_rng(seed)
    yc = simulate_gaussian(xyz, y, origin, step, node_index, vg, search, n_real, rng,
                           int(_v(sim["modes"])), c.loc[m, "hole_id"].to_numpy(), nugget_at_nodes=False)
    grade = ns.back_smooth(yc, vg.nugget).reshape(n_real, blocks.size, -1).mean(axis=2)
    return Simulation(blocks, grade, d["tonnes"].to_numpy()[blocks], ns, vg, nodes, seed)

