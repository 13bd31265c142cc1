"""The resource estimate: drill holes to a classified block model, its grade-tonnage curve and its checks
(issue 17, items 1-2).

Steps, each with its settings in ``data/resource/estimate.yaml`` (or a user's file of the same form):

1. **Composites** of ``composite_length_m`` down each hole (Sc ppm, density and the logged lithology as an
   indicator of the mineralised domain); Sc grades **top-cut** per domain at the stated quantile.
2. **Domain.** Indicator kriging of the lithology indicator (1 = mineralised) with the Sc variogram's frame
   (Journel, Math. Geol. 15 (1983) 445, ordinary kriging of an indicator): a block is mineralised where the
   kriged probability is at least ``indicator_threshold`` and a mineralised composite lies within
   ``max_distance_m`` (extrapolation beyond the drilling is limited, as a wireframe is closed about half a
   section beyond the last hole). Blocks above the topography are air. Each domain is
   then estimated from its own composites only (hard boundary).
3. **Variogram** per domain: directional experimental variograms in the lens frame and a spherical model fitted
   to them (:mod:`scandia.resource.variogram`).
4. **Ordinary block kriging** per domain with the moving search neighbourhood (:mod:`scandia.resource.kriging`);
   density is the domain's length-weighted mean of the assays.
5. **CIM classes** (CIM Definition Standards 2014: Measured, Indicated, Inferred) by the stated rule on the
   slope of regression and the number of holes; blocks of the waste domain and unestimated blocks are not
   classified.
6. **Checks a resource geologist expects**: the global bias of kriged blocks against declustered composites
   (GEOVIA's rule of thumb: under 5 % acceptable), swath plots along x, y and z, and the grade-tonnage curve.

Block arrays are flat in C order of (ix, iy, iz): z varies fastest; ``iz`` counts up from the model's floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.datafiles import load_data
from ..core.datafiles import value_of as _v
from ..core.errors import ScenarioError
from .drillholes import SC2O3_PER_SC, DrillHoles, composite, decluster_weights
from .kriging import KrigingResult, Search, krige
from .variogram import Variogram, experimental_variogram, fit_variogram

__all__ = ["CIM_CLASSES", "BlockGrid", "BlockModel", "Estimate", "estimate_resource", "grade_tonnage",
           "swath"]

#: CIM classes by code (0: not classified)
CIM_CLASSES = {0: "unclassified", 1: "inferred", 2: "indicated", 3: "measured"}



@dataclass(frozen=True)
class BlockGrid:
    """A regular block model: ``origin_m`` the lower corner (x, y, z), ``size_m`` per block, ``shape`` blocks."""

    origin_m: tuple[float, float, float]
    size_m: tuple[float, float, float]
    shape: tuple[int, int, int]

    def __post_init__(self) -> None:
        if len(self.shape) != 3 or any(int(n) < 1 for n in self.shape) or int(np.prod(self.shape)) > 50_000_000:
            raise ScenarioError("blocks.shape", "needs three counts >= 1 and at most 5e7 blocks")
        if len(self.size_m) != 3 or any(not (np.isfinite(s) and s > 0) for s in self.size_m):
            raise ScenarioError("blocks.size_m", "needs three sizes > 0 m")

    @property
    def n(self) -> int:
        return int(np.prod(self.shape))

    @property
    def block_volume_m3(self) -> float:
        return float(np.prod(self.size_m))

    def indices(self) -> np.ndarray:
        """(n, 3) integer indices (ix, iy, iz) in C order."""
        return np.stack(np.meshgrid(*(np.arange(k) for k in self.shape), indexing="ij"), axis=-1).reshape(-1, 3)

    def centres(self) -> np.ndarray:
        """(n, 3) block centres (m) in C order."""
        return np.asarray(self.origin_m) + (self.indices() + 0.5) * np.asarray(self.size_m)


@dataclass
class BlockModel:
    """A block model: its grid and one flat array per attribute (C order), units in the names."""

    grid: BlockGrid
    data: pd.DataFrame

    def to_xarray(self) -> Any:
        """The model as an ``xarray.Dataset`` with dims (x, y, z) at block centres (m)."""
        import xarray as xr

        g = self.grid
        coords = {ax: np.asarray(g.origin_m)[i] + (np.arange(g.shape[i]) + 0.5) * g.size_m[i]
                  for i, ax in enumerate("xyz")}
        ds = xr.Dataset({c: (("x", "y", "z"), self.data[c].to_numpy().reshape(g.shape)) for c in self.data},
                        coords=coords)
        ds.attrs.update(origin_m=list(g.origin_m), size_m=list(g.size_m))
        return ds


@dataclass
class Estimate:
    """Everything the estimate made: composites, variograms per domain, the block model and its checks."""

    composites: pd.DataFrame
    variograms: dict[str, Variogram]
    blocks: BlockModel
    kriging: dict[str, KrigingResult]
    settings: dict
    checks: dict[str, Any] = field(default_factory=dict)

    def statement(self, cutoff_sc2o3_g_per_t: float = 0.0) -> pd.DataFrame:
        """The resource by CIM class above a cut-off (Sc2O3 g/t, as the project reports): Mt, grades, contained
        Sc2O3 (t)."""
        d = self.blocks.data
        rows = []
        for code in (3, 2, 1):
            m = (d["cim_class"] == code) & (d["sc2o3_g_per_t"] >= cutoff_sc2o3_g_per_t)
            t = float(d.loc[m, "tonnes"].sum())
            g = float((d.loc[m, "tonnes"] * d.loc[m, "sc2o3_g_per_t"]).sum() / t) if t > 0 else float("nan")
            rows.append({"class": CIM_CLASSES[code], "tonnes_mt": t / 1e6, "sc2o3_g_per_t": g,
                         "sc_ppm": g / SC2O3_PER_SC, "contained_sc2o3_t": t * (g if t > 0 else 0.0) / 1e6})
        return pd.DataFrame(rows)


def grade_tonnage(grade: np.ndarray, tonnes: np.ndarray, cutoffs: np.ndarray) -> pd.DataFrame:
    """Tonnes above each cut-off T(c) = Σ tonnes (grade >= c), their mean grade G(c) (tonnage-weighted) and the
    metal T·G (units of grade x t; g/t x t / 1e6 = t)."""
    g, t = np.asarray(grade, dtype=float), np.asarray(tonnes, dtype=float)
    ok = np.isfinite(g) & np.isfinite(t)
    g, t = g[ok], t[ok]
    c = np.asarray(cutoffs, dtype=float)
    above = g[None, :] >= c[:, None]
    tt = (above * t).sum(axis=1)
    metal = (above * (t * g)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(tt > 0, metal / tt, np.nan)
    return pd.DataFrame({"cutoff": c, "tonnes": tt, "grade": mean, "metal": metal})


def swath(block_xyz: np.ndarray, block_grade: np.ndarray, comp_xyz: np.ndarray, comp_grade: np.ndarray,
          comp_weights: np.ndarray, axis: int, width_m: float) -> pd.DataFrame:
    """Swath (trend) plot data along ``axis`` (0 x, 1 y, 2 z) in slices of ``width_m``: mean block grade and
    declustered mean composite grade per slice, with counts (GEOVIA's and Datamine's swath-plot validation)."""
    if axis not in (0, 1, 2) or not width_m > 0:
        raise ScenarioError("swath", "axis must be 0, 1 or 2 and width_m > 0")
    bx, bg = np.asarray(block_xyz)[:, axis], np.asarray(block_grade, dtype=float)
    cx, cg, cw = np.asarray(comp_xyz)[:, axis], np.asarray(comp_grade, dtype=float), np.asarray(comp_weights)
    okb, okc = np.isfinite(bg), np.isfinite(cg)
    lo = np.floor(min(bx[okb].min(), cx[okc].min()) / width_m) * width_m
    hi = max(bx[okb].max(), cx[okc].max())
    edges = np.arange(lo, hi + width_m, width_m)
    ib = np.digitize(bx[okb], edges) - 1
    ic = np.digitize(cx[okc], edges) - 1
    nb = np.bincount(ib, minlength=edges.size)
    nc = np.bincount(ic, minlength=edges.size)
    sb = np.bincount(ib, bg[okb], minlength=edges.size)
    sw = np.bincount(ic, cw[okc], minlength=edges.size)
    sc = np.bincount(ic, cw[okc] * cg[okc], minlength=edges.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({"centre_m": edges + width_m / 2, "blocks": nb, "block_mean": sb / nb,
                            "composites": nc, "composite_mean": sc / sw})
    return out[(out["blocks"] > 0) | (out["composites"] > 0)].iloc[: edges.size - 1].reset_index(drop=True)


def _settings(settings: dict | None) -> dict:
    return settings if settings is not None else load_data("resource/estimate.yaml")


def estimate_resource(holes: DrillHoles, settings: dict | None = None, surface_m: float | None = None,
                      progress: bool = False) -> Estimate:
    """Run the module docstring's steps on checked drill holes; ``surface_m`` is a flat topography (blocks whose
    centre lies above it are air; default: the highest collar)."""
    s = _settings(settings)
    dom = s["domain"]
    col = dom["column"]
    assays = holes.assays.copy()
    if col not in assays.columns:
        raise ScenarioError("domain.column", f"the assays have no column {col!r} (the logged lithology)")
    assays["mineralised_frac"] = (assays[col].astype(str) == str(dom["mineralised"])).astype(float)
    if "density_t_m3" not in assays.columns:
        raise ScenarioError("assays.density_t_m3", "the estimate needs dry bulk densities in the assay table")
    h2 = DrillHoles(holes.collars, holes.surveys, assays, holes.below_detection)
    comps = composite(h2, float(_v(s["composite_length_m"])), ["sc_ppm", "density_t_m3", "mineralised_frac"])
    comps["domain"] = np.where(comps["mineralised_frac"] >= 0.5, "mineralised", "waste")
    q = float(_v(s["top_cut_quantile"]))
    comps["sc_ppm_cut"] = comps["sc_ppm"]
    caps = {}
    for d, g in comps.groupby("domain"):
        cap = float(np.nanquantile(g["sc_ppm"], q))
        caps[d] = cap
        comps.loc[g.index, "sc_ppm_cut"] = np.minimum(g["sc_ppm"], cap)
    o = s["orientation"]
    frame = {"strike_deg": float(_v(o["strike_deg"])), "dip_deg": float(_v(o["dip_deg"])),
             "rake_deg": float(_v(o["rake_deg"]))}
    b = s["blocks"]
    grid = BlockGrid(tuple(float(x) for x in _v(b["origin_m"])), tuple(float(x) for x in _v(b["size_m"])),
                     tuple(int(x) for x in _v(b["shape"])))
    centres = grid.centres()
    top = float(holes.collars["z_m"].max()) if surface_m is None else float(surface_m)
    ground = centres[:, 2] <= top
    xyz = comps[["x_m", "y_m", "z_m"]].to_numpy()
    vs = s["variogram"]
    lags = np.asarray(_v(vs["lags_m"]), dtype=float)
    vgs: dict[str, Variogram] = {}
    for d in ("mineralised", "waste"):
        m = (comps["domain"] == d).to_numpy()
        ev = experimental_variogram(xyz[m], comps["sc_ppm_cut"].to_numpy()[m], lags,
                                    angle_tol_deg=float(_v(vs["angle_tol_deg"])),
                                    bandwidth_m=float(_v(vs["bandwidth_m"])), **frame)
        vgs[d] = fit_variogram(ev, vs["model"], min_pairs=int(_v(vs["min_pairs"])), **frame)
    sr = s["search"]
    search = Search(int(_v(sr["max_samples"])), int(_v(sr["min_samples"])), float(_v(sr["radius"])),
                    int(_v(sr["max_per_hole"])))
    disc = tuple(int(x) for x in _v(b["discretisation"]))
    hole_ids = comps["hole_id"].to_numpy()
    # the domain: indicator kriging of the mineralised share (the Sc variogram's frame and ranges, unit sill)
    vi = vgs["mineralised"]
    ind_vg = Variogram(vi.model, 0.0, 0.25, vi.ranges_m, **frame)
    ind = krige(xyz, comps["mineralised_frac"].to_numpy(), centres[ground], ind_vg, search, grid.size_m,
                (1, 1, 1), hole_ids, progress=progress)
    p_min = np.full(grid.n, np.nan)
    p_min[ground] = ind.estimate
    thr = float(_v(dom["indicator_threshold"]))
    near = np.zeros(grid.n, dtype=bool)
    mz = (comps["domain"] == "mineralised").to_numpy()
    if mz.any():
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(xyz[mz]).query(centres, k=1)
        near = dist <= float(_v(dom["max_distance_m"]))
    domain = np.where(~ground, -1, np.where((np.nan_to_num(p_min, nan=0.0) >= thr) & near, 1, 0))
    data = {"sc_ppm": np.full(grid.n, np.nan), "kriging_variance_ppm2": np.full(grid.n, np.nan),
            "slope_of_regression": np.full(grid.n, np.nan), "kriging_efficiency": np.full(grid.n, np.nan),
            "n_composites": np.zeros(grid.n, dtype=np.int64), "n_holes": np.zeros(grid.n, dtype=np.int64),
            "mean_distance_ranges": np.full(grid.n, np.nan), "density_t_m3": np.full(grid.n, np.nan)}
    results: dict[str, KrigingResult] = {}
    for code, d in ((1, "mineralised"), (0, "waste")):
        m = (comps["domain"] == d).to_numpy()
        target = domain == code
        r = krige(xyz[m], comps["sc_ppm_cut"].to_numpy()[m], centres[target], vgs[d], search, grid.size_m, disc,
                  hole_ids[m], progress=progress)
        results[d] = r
        for key, val in (("sc_ppm", r.estimate), ("kriging_variance_ppm2", r.variance),
                         ("slope_of_regression", r.slope), ("kriging_efficiency", r.efficiency),
                         ("n_composites", r.n_samples), ("n_holes", r.n_holes),
                         ("mean_distance_ranges", r.mean_distance)):
            data[key][target] = val
        dens = comps.loc[m, "density_t_m3"].to_numpy()
        lw = (comps.loc[m, "to_m"] - comps.loc[m, "from_m"]).to_numpy()
        ok = np.isfinite(dens)
        data["density_t_m3"][target] = float((dens[ok] * lw[ok]).sum() / lw[ok].sum())
    df = pd.DataFrame(data)
    df["sc2o3_g_per_t"] = df["sc_ppm"] * SC2O3_PER_SC
    df["domain"] = domain
    df["p_mineralised"] = p_min
    df["tonnes"] = np.where(ground, df["density_t_m3"].fillna(0.0) * grid.block_volume_m3, 0.0)
    cl = s["classification"]
    cim = np.zeros(grid.n, dtype=np.int64)
    est = (domain == 1) & np.isfinite(df["sc_ppm"].to_numpy())
    slope, nh = df["slope_of_regression"].to_numpy(), df["n_holes"].to_numpy()
    for code, name in ((1, "inferred"), (2, "indicated"), (3, "measured")):
        rule = est & (np.nan_to_num(slope, nan=-1.0) >= float(cl[name]["slope"])) & (nh >= int(cl[name]["holes"]))
        cim[rule] = code
    df["cim_class"] = cim
    out = Estimate(comps, vgs, BlockModel(grid, df), results, s)
    out.checks = _checks(out, caps)
    return out


def _checks(est: Estimate, caps: dict[str, float]) -> dict[str, Any]:
    """Global bias of the mineralised domain against declustered composites, and the top-cut caps."""
    c = est.composites
    m = (c["domain"] == "mineralised").to_numpy()
    xyz = c.loc[m, ["x_m", "y_m", "z_m"]].to_numpy()
    sizes = est.blocks.grid.size_m
    w = decluster_weights(xyz, (sizes[0] * 5, sizes[1] * 5, sizes[2] * 5))
    decl = float((w * c.loc[m, "sc_ppm_cut"]).sum() / w.sum())
    d = est.blocks.data
    b = (d["domain"] == 1) & (d["cim_class"] >= 2)
    kriged = float(d.loc[b, "sc_ppm"].mean()) if b.any() else float("nan")
    return {"top_cut_sc_ppm": caps, "declustered_mean_sc_ppm": decl, "kriged_mean_sc_ppm_measured_indicated":
            kriged, "global_bias_frac": kriged / decl - 1.0 if decl > 0 else float("nan")}
