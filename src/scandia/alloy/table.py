"""Alloy properties at chain speed: the precipitation and strength models tabulated over (Sc, Zr), interpolated.

A Monte Carlo that varies the alloy's composition needs one precipitation solve per sample, which the KWN model
does at tens of compositions per second; the aging schedule and base alloy are fixed within a run (run-scope
fields), so every property is a function of (Sc, Zr) alone. :func:`tabulated_predict` evaluates the model on a
grid spanning the sampled compositions and interpolates bilinearly, with two guards:

- the primary-Al3Sc threshold of the base alloy is a Sc node: grain refinement starts there (a kink in every
  property), so each cell is smooth;
- the interpolation error is measured in every run against the model itself at the cell centres, where the
  error of bilinear interpolation of a smooth function is largest (its leading term, h^2/8 f'', peaks there;
  e.g. de Boor, *A Practical Guide to Splines*, 2001, ch. II): the grid is refined (cells halved along the axis
  that errs) until the largest yield-strength error at the checked points is at most half of ``rtol`` (default
  1 %), a margin for the cells between them; if it cannot be within the node limit, every sample is computed by
  the model instead.

The result is an :class:`~scandia.alloy.properties.AlloyProperties` whose per-sample fields are interpolated;
its precipitation kinetics, output times and yield-against-time hold scenario 0 only, computed by the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .properties import AlloyProperties, predict

__all__ = ["TABLE_MIN_SAMPLES", "TableInfo", "tabulated_predict"]

#: samples from which a table pays (fewer: the model per sample)
TABLE_MIN_SAMPLES = 1024
#: the checked points must be within this share of ``rtol``: a margin for the cells between them
SAFETY = 0.5
#: largest grid tried, in compositions
MAX_NODES = 1200

_FIELDS = ("yield_mpa", "uts_mpa", "hardness_mpa", "grain_um", "primary_al3sc_frac", "sc_threshold_wt_pct",
           "radius_nm", "number_density_m3", "volume_fraction", "as_cast_yield_mpa", "sc_in_solution_frac")


@dataclass(frozen=True)
class TableInfo:
    """How a run's alloy table was built and how well it reproduced the model (reported in the run summary)."""

    used: bool  #: False: the node limit was reached before the error bound, so the model ran per sample
    sc_nodes: int
    zr_nodes: int
    sc_range_wt_pct: tuple[float, float]
    zr_range_wt_pct: tuple[float, float]
    checked_points: int  #: cell centres compared with the model
    max_yield_error_frac: float  #: largest |table - model| / model on yield strength at those points
    rtol: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _nodes(lo: float, hi: float, count: int, extra: float | None = None) -> np.ndarray:
    if hi <= lo:
        return np.array([lo])
    pts = np.linspace(lo, hi, count)
    if extra is not None and lo < extra < hi:
        pts = np.unique(np.concatenate([pts, [extra]]))
        # a node closer to the threshold than a tenth of a cell is dropped: the threshold is the node there
        step = (hi - lo) / (count - 1)
        keep = (np.abs(pts - extra) > 0.1 * step) | (pts == extra) | (pts == lo) | (pts == hi)
        pts = pts[keep]
    return pts


def _cell(nodes: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell index and fraction (0-1) of each value; one node: index 0, fraction 0."""
    if nodes.size == 1:
        return np.zeros(v.shape, dtype=np.int64), np.zeros(v.shape)
    i = np.clip(np.searchsorted(nodes, v, side="right") - 1, 0, nodes.size - 2)
    t = np.clip((v - nodes[i]) / (nodes[i + 1] - nodes[i]), 0.0, 1.0)
    return i, t


def _interp(grid: np.ndarray, si: np.ndarray, st: np.ndarray, zi: np.ndarray, zt: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``grid`` (n_sc, n_zr) at cells (si, zi) and fractions (st, zt)."""
    if grid.shape[1] == 1:
        return grid[si, 0] * (1.0 - st) + grid[np.minimum(si + 1, grid.shape[0] - 1), 0] * st
    s1 = np.minimum(si + 1, grid.shape[0] - 1)
    z1 = zi + 1
    return ((grid[si, zi] * (1.0 - zt) + grid[si, z1] * zt) * (1.0 - st)
            + (grid[s1, zi] * (1.0 - zt) + grid[s1, z1] * zt) * st)


def tabulated_predict(base: str, sc_wt_pct: np.ndarray, zr_wt_pct: np.ndarray, temps_c: np.ndarray,
                      hours: np.ndarray, *, model: Any = None, times_h: np.ndarray | None = None,
                      rtol: float = 0.01, sc_nodes: int = 17, zr_nodes: int = 5, **casting: Any
                      ) -> tuple[AlloyProperties, TableInfo]:
    """Properties of every (Sc, Zr) sample (wt%, (n,)) after one aging schedule (``temps_c``, ``hours`` of one
    row, (steps,)), from a model table whose yield error is measured and bounded by ``rtol`` (module docstring).
    ``casting`` passes the casting process and its options to :func:`~scandia.alloy.properties.predict`.
    """
    sc = np.asarray(sc_wt_pct, dtype=float)
    zr = np.broadcast_to(np.asarray(zr_wt_pct, dtype=float), sc.shape)
    temps = np.asarray(temps_c, dtype=float).reshape(1, -1)
    hrs = np.asarray(hours, dtype=float).reshape(1, -1)

    def run(s: np.ndarray, z: np.ndarray, times: np.ndarray | None = None) -> AlloyProperties:
        k = s.size
        return predict(base, s, z, np.repeat(temps, k, axis=0), np.repeat(hrs, k, axis=0), model=model,
                       times_h=times, **casting)

    seen: dict[tuple[float, float], dict[str, float]] = {}

    def values(s: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
        """The model's fields at (s, z), each composition solved once per call of this function: a finer grid
        contains the coarser one and its checked cell centres."""
        keys = [(float(a), float(b)) for a, b in zip(s, z, strict=True)]
        todo = [i for i, key in enumerate(keys) if key not in seen]
        if todo:
            p = run(s[todo], z[todo])
            cols = {f: getattr(p, f) for f in _FIELDS} | {"status": p.status} | {
                "c:" + k: np.asarray(v, dtype=float) for k, v in p.contributions_mpa.items()}
            for j, i in enumerate(todo):
                seen[keys[i]] = {k: float(np.broadcast_to(v, (len(todo),))[j]) for k, v in cols.items()}
        names = seen[keys[0]].keys()
        return {k: np.array([seen[key][k] for key in keys]) for k in names}

    lo_s, hi_s, lo_z, hi_z = float(sc.min()), float(sc.max()), float(zr.min()), float(zr.max())
    threshold = float(values(np.array([lo_s]), np.array([lo_z]))["sc_threshold_wt_pct"][0])
    ns, nz = sc_nodes, zr_nodes
    info = None
    while True:
        s_nodes = _nodes(lo_s, hi_s, ns, threshold)
        z_nodes = _nodes(lo_z, hi_z, nz)
        if s_nodes.size * z_nodes.size > MAX_NODES:
            break
        ss, zz = np.meshgrid(s_nodes, z_nodes, indexing="ij")
        grid = values(ss.reshape(-1), zz.reshape(-1))
        shape = (s_nodes.size, z_nodes.size)
        # check points where bilinear interpolation errs most: Sc cell centres on Zr nodes (the error along Sc),
        # Zr cell centres on Sc nodes (along Zr) and centres of both (at most 24 of each, spread over the grid)
        mid_s = 0.5 * (s_nodes[:-1] + s_nodes[1:])
        mid_z = 0.5 * (z_nodes[:-1] + z_nodes[1:])
        sets = {"sc": (mid_s, z_nodes), "zr": (s_nodes, mid_z), "both": (mid_s, mid_z)}
        pts_s, pts_z, which = [], [], []
        for name, (a_s, a_z) in sets.items():
            if a_s.size == 0 or a_z.size == 0:
                continue
            g_s, g_z = (v.reshape(-1) for v in np.meshgrid(a_s, a_z, indexing="ij"))
            pick = np.unique(np.linspace(0, g_s.size - 1, min(24, g_s.size)).round().astype(int))
            pts_s.append(g_s[pick])
            pts_z.append(g_z[pick])
            which += [name] * pick.size
        pc_s, pc_z, label = np.concatenate(pts_s), np.concatenate(pts_z), np.array(which)
        exact = values(pc_s, pc_z)
        si, st = _cell(s_nodes, pc_s)
        zi, zt = _cell(z_nodes, pc_z)
        approx = _interp(grid["yield_mpa"].reshape(shape), si, st, zi, zt)
        rel = np.abs(approx - exact["yield_mpa"]) / np.maximum(np.abs(exact["yield_mpa"]), 1e-9)
        err = float(rel.max())
        info = TableInfo(True, s_nodes.size, z_nodes.size, (lo_s, hi_s), (lo_z, hi_z), int(pc_s.size), err, rtol)
        target = SAFETY * rtol
        if err <= target:
            break
        worst = {k: float(rel[label == k].max()) if np.any(label == k) else 0.0 for k in sets}
        refine_s = worst["sc"] > target or (worst["both"] > target and worst["zr"] <= target)
        refine_z = z_nodes.size > 1 and (worst["zr"] > target or (worst["both"] > target and worst["sc"] <= target))
        ns = 2 * ns - 1 if refine_s or not refine_z else ns
        nz = 2 * nz - 1 if refine_z else nz
        info = None
    first = run(sc[:1], zr[:1], times_h)
    if info is None:  # the bound could not be met within MAX_NODES: the model for every sample
        props = run(sc, zr, times_h)
        return props, TableInfo(False, 0, 0, (lo_s, hi_s), (lo_z, hi_z), 0, float("nan"), rtol)
    si, st = _cell(s_nodes, sc)
    zi, zt = _cell(z_nodes, zr)
    out = {f: _interp(grid[f].reshape(shape), si, st, zi, zt) for f in _FIELDS}
    contrib = {k[2:]: _interp(v.reshape(shape), si, st, zi, zt) for k, v in grid.items() if k.startswith("c:")}
    stat = grid["status"].reshape(shape).astype(np.int8)
    s1 = np.minimum(si + 1, shape[0] - 1)
    z1 = np.minimum(zi + 1, shape[1] - 1)
    status = np.maximum.reduce([stat[si, zi], stat[si, z1], stat[s1, zi], stat[s1, z1]]).astype(np.int8)
    props = AlloyProperties(contributions_mpa=contrib, precipitation=first.precipitation, status=status,
                            cast=first.cast,
                            times_h=first.times_h, yield_at_times_mpa=first.yield_at_times_mpa, **out)
    # the beta bound depends on the base alloy's Mg and the schedule only, so it is scenario 0's for every sample
    n = sc.size
    props.beta = {k: np.broadcast_to(v[:1], (n,)).copy() for k, v in first.beta.items()}
    props.beta["yield_if_beta_mpa"] = props.yield_mpa - (first.yield_mpa[0] - first.beta["yield_if_beta_mpa"][0])
    return props, info
