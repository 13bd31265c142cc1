"""Ordinary block kriging with a moving search neighbourhood, vectorized over blocks (issue 17, item 2).

The algorithm is GSLIB's ``kt3d`` (Deutsch & Journel, *GSLIB*, 2nd ed. 1998, §IV.1 and the kt3d program):

- **Search.** Data and block centres are rotated and scaled by the variogram's anisotropy (so the search
  ellipsoid is a sphere of radius ``radius`` in range units); a k-d tree (SciPy ``cKDTree``) returns each block's
  ``max_samples`` nearest data inside it, at most ``max_per_hole`` from one drill hole. A block with fewer than
  ``min_samples`` is not estimated (NaN, counted).
- **System.** For block V and its n data, ordinary kriging solves
  ``[C 1; 1ᵀ 0] [w; μ] = [C̄(x_i, V); 1]``, with C the data-to-data covariances (the nugget on the diagonal) and
  C̄(x_i, V) the mean covariance between datum i and the block's discretisation points (``discretisation``
  points per axis on a regular lattice inside the block; the nugget left out, as kt3d does, since a point
  and a volume share no nugget). All blocks of a chunk are solved as one stacked batch (``numpy.linalg.solve``);
  a neighbourhood with fewer data than ``max_samples`` fills its empty slots with decoupled identity rows,
  which receive zero weight.
- **Outputs.** Estimate z* = Σ w_i z_i; kriging variance σ² = C̄(V, V) - Σ w_i C̄(x_i, V) - μ, with C̄(V, V) the
  mean covariance among the discretisation points (nugget left out of the diagonal, as kt3d does; with one
  point, the full point variance); the slope of regression of the true block grade on its estimate,
  b = Σ w_i C̄(x_i, V) / (Σ w_i C̄(x_i, V) - μ) (Krige, J. SAIMM 97 (1997) 1; Deutsch, Szymanski & Deutsch,
  J. SAIMM 114 (2014) 223); the kriging efficiency KE = (C̄(V, V) - σ²) / C̄(V, V) (Krige 1996); the number of
  data, of holes, and the mean anisotropic distance (range units) of the data used.
- With ``discretisation = (1, 1, 1)`` it is point kriging at the block centres; with a radius that holds all
  data and ``max_samples`` at least their number, it is the global (unique neighbourhood) solve, which the tests
  compare with GSTools.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..core.errors import ScenarioError
from ..core.jit import jit, parallel_lock, pjit, prange
from .variogram import Variogram

__all__ = ["KrigingResult", "Search", "discretisation_offsets", "krige"]


@dataclass(frozen=True)
class Search:
    """The moving neighbourhood: ``radius`` in units of the variogram ranges (1 = the range ellipsoid)."""

    max_samples: int = 24
    min_samples: int = 4
    radius: float = 1.0
    max_per_hole: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_samples <= self.max_samples <= 256:
            raise ScenarioError("search", "needs 1 <= min_samples <= max_samples <= 256")
        if not (np.isfinite(self.radius) and self.radius > 0):
            raise ScenarioError("search.radius", "must be > 0 (in units of the variogram ranges)")
        if self.max_per_hole is not None and not 1 <= self.max_per_hole <= self.max_samples:
            raise ScenarioError("search.max_per_hole", f"must lie in [1, max_samples = {self.max_samples}]")


@dataclass
class KrigingResult:
    """Per target (n,): estimate, kriging variance, slope of regression, kriging efficiency, data used, holes
    used, mean anisotropic distance of the data used; ``weights`` and ``neighbours`` (n, max_samples; index
    -1 for an empty slot) when asked for, so a simulation can reuse them."""

    estimate: np.ndarray
    variance: np.ndarray
    slope: np.ndarray
    efficiency: np.ndarray
    n_samples: np.ndarray
    n_holes: np.ndarray
    mean_distance: np.ndarray
    block_variance: float
    weights: np.ndarray | None = None
    neighbours: np.ndarray | None = None

    @property
    def estimated(self) -> np.ndarray:
        return np.isfinite(self.estimate)


def discretisation_offsets(block_m: tuple[float, float, float], discretisation: tuple[int, int, int]
                           ) -> np.ndarray:
    """Offsets (nd, 3) from a block's centre of a regular lattice of points at the centres of equal sub-cells."""
    d = np.asarray(discretisation, dtype=int)
    b = np.asarray(block_m, dtype=float)
    if d.shape != (3,) or np.any(d < 1) or np.any(d > 20):
        raise ScenarioError("kriging discretisation", "needs three integers in [1, 20]")
    axes = [((np.arange(n) + 0.5) / n - 0.5) * s for n, s in zip(d, b, strict=True)]
    g = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([a.ravel() for a in g])


_MODEL_CODE = {"spherical": 0, "exponential": 1, "gaussian": 2}


@jit
def _structure(h: float, model: int, sill: float) -> float:  # pragma: no cover
    if model == 0:
        if h >= 1.0:
            return 0.0
        return sill * (1.0 - 1.5 * h + 0.5 * h * h * h)
    if model == 1:
        return sill * np.exp(-3.0 * h)
    return sill * np.exp(-3.0 * h * h)


@pjit
def _systems(xs: np.ndarray, valid: np.ndarray, ts: np.ndarray, offs: np.ndarray, model: int, sill: float,
             nugget: float, jitter: float, point: bool) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Ordinary-kriging matrices (b, k+1, k+1) and right-hand sides (b, k+1) of the module docstring, from the
    scaled data coordinates xs (b, k, 3), their mask, the scaled block centres ts (b, 3) and discretisation
    offsets (nd, 3); empty slots get decoupled identity rows."""
    b, k = valid.shape
    nd = offs.shape[0]
    a = np.zeros((b, k + 1, k + 1))
    rhs = np.zeros((b, k + 1))
    for q in prange(b):
        for i in range(k):
            if not valid[q, i]:
                a[q, i, i] = 1.0
                continue
            a[q, i, k] = 1.0
            a[q, k, i] = 1.0
            for j in range(i, k):
                if not valid[q, j]:
                    continue
                d0 = xs[q, i, 0] - xs[q, j, 0]
                d1 = xs[q, i, 1] - xs[q, j, 1]
                d2 = xs[q, i, 2] - xs[q, j, 2]
                c = _structure(np.sqrt(d0 * d0 + d1 * d1 + d2 * d2), model, sill)
                if i == j:
                    c += nugget + jitter
                a[q, i, j] = c
                a[q, j, i] = c
            acc = 0.0
            for m in range(nd):
                d0 = xs[q, i, 0] - ts[q, 0] - offs[m, 0]
                d1 = xs[q, i, 1] - ts[q, 1] - offs[m, 1]
                d2 = xs[q, i, 2] - ts[q, 2] - offs[m, 2]
                h = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
                acc += _structure(h, model, sill)
                if point and h == 0.0:
                    acc += nugget
            rhs[q, i] = acc / nd
        rhs[q, k] = 1.0
    return a, rhs


@pjit
def _per_hole(idx: np.ndarray, dist: np.ndarray, valid: np.ndarray, holes: np.ndarray, limit: int, k: int
              ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """The first k candidates in distance order with at most ``limit`` from one hole (-1 / inf: empty)."""
    b, kq = idx.shape
    out_i = np.full((b, k), -1, dtype=np.int64)
    out_d = np.full((b, k), np.inf)
    for q in prange(b):
        kept = 0
        for j in range(kq):
            if kept == k:
                break
            if not valid[q, j]:
                continue
            h = holes[idx[q, j]]
            same = 0
            for t in range(kept):
                if holes[out_i[q, t]] == h:
                    same += 1
            if same < limit:
                out_i[q, kept] = idx[q, j]
                out_d[q, kept] = dist[q, j]
                kept += 1
    return out_i, out_d


def _neighbours(tree: cKDTree, targets: np.ndarray, search: Search, holes: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (n, k) of each target's data (-1 for none) and their scaled distances."""
    n_data = tree.n
    k = search.max_samples
    limit = search.max_per_hole is not None and holes is not None
    kq = min(n_data, k * 4 if limit else k)
    dist, idx = tree.query(targets, k=kq, distance_upper_bound=search.radius)
    dist, idx = dist.reshape(len(targets), kq), idx.reshape(len(targets), kq)
    valid = idx < n_data
    if limit:
        idx, dist = _per_hole(idx, dist, valid, holes, int(search.max_per_hole), k)
    else:  # keep the first k valid candidates in distance order
        order = np.argsort(~valid, axis=1, kind="stable")[:, :k]
        idx = np.take_along_axis(np.where(valid, idx, -1), order, axis=1)
        dist = np.take_along_axis(np.where(valid, dist, np.inf), order, axis=1)
    if idx.shape[1] < k:
        pad = k - idx.shape[1]
        idx = np.pad(idx, ((0, 0), (0, pad)), constant_values=-1)
        dist = np.pad(dist, ((0, 0), (0, pad)), constant_values=np.inf)
    return idx, dist


def krige(data_xyz: np.ndarray, values: np.ndarray, targets_xyz: np.ndarray, variogram: Variogram,
          search: Search | None = None, block_m: tuple[float, float, float] = (1.0, 1.0, 1.0),
          discretisation: tuple[int, int, int] = (1, 1, 1), holes: np.ndarray | None = None,
          chunk: int = 5000, keep_weights: bool = False, progress: bool = False) -> KrigingResult:
    """Ordinary (block) kriging of ``values`` at data (n, 3) to targets (m, 3), the block centres, with the
    module docstring's moving neighbourhood; ``holes`` (n,) labels the data's drill holes for ``max_per_hole``.
    Coordinates in m; the estimate in the units of ``values``, the variance in their square."""
    search = search or Search()
    p = np.asarray(data_xyz, dtype=float)
    z = np.asarray(values, dtype=float)
    t = np.atleast_2d(np.asarray(targets_xyz, dtype=float))
    if p.ndim != 2 or p.shape[1] != 3 or z.shape != (p.shape[0],):
        raise ScenarioError("kriging data", "needs coordinates (n, 3) and n values")
    if t.ndim != 2 or t.shape[1] != 3 or not np.all(np.isfinite(t)):
        raise ScenarioError("kriging targets", "needs finite coordinates (m, 3)")
    ok = np.all(np.isfinite(p), axis=1) & np.isfinite(z)
    if ok.sum() < search.min_samples:
        raise ScenarioError("kriging data", f"{int(ok.sum())} finite data, fewer than min_samples = "
                                            f"{search.min_samples}")
    if not 1 <= chunk <= 1_000_000:
        raise ScenarioError("kriging chunk", "must lie in [1, 1e6] targets")
    p, z = p[ok], z[ok]
    hole_codes = None
    if holes is not None:
        hole_codes = np.unique(np.asarray(holes)[ok], return_inverse=True)[1].astype(np.int64)
    origin = p.mean(axis=0)
    ps = variogram.scale(p - origin)
    tree = cKDTree(ps)
    offs = discretisation_offsets(block_m, discretisation)
    offs_s = np.ascontiguousarray(variogram.scale(offs))  # (nd, 3), scaled
    point = offs.shape[0] == 1
    # mean covariance within the block: nugget left out of the diagonal for a block, kept for a point
    dvv = np.linalg.norm(offs_s[:, None, :] - offs_s[None, :, :], axis=2)
    cvv = float(variogram.total_sill if point else variogram.structure(dvv).mean())
    m, k = t.shape[0], search.max_samples
    out = {name: np.full(m, np.nan) for name in ("estimate", "variance", "slope", "efficiency", "mean_distance")}
    n_used = np.zeros(m, dtype=np.int64)
    n_holes = np.zeros(m, dtype=np.int64)
    w_all = np.zeros((m, k)) if keep_weights else None
    nb_all = np.full((m, k), -1, dtype=np.int64) if keep_weights else None
    ts_all = variogram.scale(t - origin)
    jitter = 1e-12 * variogram.total_sill
    starts = range(0, m, chunk)
    if progress:
        from rich.progress import track

        starts = track(starts, description="kriging blocks", total=len(starts), transient=True)
    for s in starts:
        ts = ts_all[s:s + chunk]
        idx, dist = _neighbours(tree, ts, search, hole_codes)
        valid = idx >= 0
        cnt = valid.sum(axis=1)
        good = cnt >= search.min_samples
        if not good.any():
            continue
        idx, valid, dist, ts = idx[good], valid[good], dist[good], ts[good]
        safe = np.where(valid, idx, 0)
        xs = np.ascontiguousarray(ps[safe])                             # (b, k, 3)
        with parallel_lock():
            a, rhs = _systems(xs, np.ascontiguousarray(valid), np.ascontiguousarray(ts), offs_s,
                              _MODEL_CODE[variogram.model], float(variogram.sill), float(variogram.nugget),
                              jitter, point)
        sol = np.linalg.solve(a, rhs[..., None])[..., 0]
        w, mu = sol[:, :k], sol[:, k]
        wc = (w * rhs[:, :k]).sum(axis=1)
        rows = np.arange(s, min(s + chunk, m))[good]
        out["estimate"][rows] = (w * np.where(valid, z[safe], 0.0)).sum(axis=1)
        out["variance"][rows] = np.maximum(cvv - wc - mu, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["slope"][rows] = wc / (wc - mu)
        out["efficiency"][rows] = (cvv - out["variance"][rows]) / cvv
        out["mean_distance"][rows] = np.where(valid, dist, 0.0).sum(axis=1) / cnt[good]
        n_used[rows] = cnt[good]
        if hole_codes is not None:
            hh = np.where(valid, hole_codes[safe], -1)
            hh.sort(axis=1)
            n_holes[rows] = ((np.diff(hh, axis=1) != 0) & (hh[:, 1:] >= 0)).sum(axis=1) + (hh[:, 0] >= 0)
        if w_all is not None and nb_all is not None:
            w_all[rows] = np.where(valid, w, 0.0)
            nb_all[rows] = np.where(valid, np.flatnonzero(ok)[safe], -1)
    return KrigingResult(out["estimate"], out["variance"], out["slope"], out["efficiency"], n_used, n_holes,
                         out["mean_distance"], cvv, w_all, nb_all)
