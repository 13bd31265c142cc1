"""Drill holes: collar, survey and assay tables read, checked, desurveyed and composited (issue 17, item 1).

- **Tables.** CSV with one row per collar (``hole_id, x_m, y_m, z_m``), per survey station (``hole_id, depth_m,
  azimuth_deg, dip_deg``; dip negative downward, as logged in mining) and per assay interval (``hole_id,
  from_m, to_m`` and a grade: ``sc_ppm``, or ``sc2o3_g_per_t``, which is converted to Sc with the oxide factor
  below; optional ``treo_ppm``, ``fe_pct``, ``density_t_m3``). A missing column, a non-numeric cell, an
  interval with ``to_m <= from_m``, overlapping intervals of one hole, an assay or survey of a hole without a
  collar and a hole without a survey station are each a one-line :class:`~scandia.core.errors.ScenarioError`
  naming the table, the hole and the row. A grade logged below detection (``<5``) is taken as half the
  detection limit (a stated treatment, counted in :attr:`DrillHoles.below_detection`).
- **Sc and Sc2O3.** Sc2O3 g/t = Sc ppm x 1.5338, the mass ratio of Sc2O3 to its two Sc atoms
  (137.910 / (2 x 44.956); atomic masses of IUPAC 2021), stated explicitly as the seed release does.
- **Desurvey** by the minimum curvature method: between stations 1 and 2 the hole is a circular arc, dogleg
  β = arccos(cos(I2 - I1) - sin I1 sin I2 (1 - cos(A2 - A1))), ratio factor RF = (2/β) tan(β/2) (RF = 1 for a
  straight segment), and ΔN = L/2 (sin I1 cos A1 + sin I2 cos A2) RF, ΔE = L/2 (sin I1 sin A1 + sin I2 sin A2)
  RF, ΔZ = -L/2 (cos I1 + cos I2) RF, with I the inclination from vertical (I = 90° + dip) and A the azimuth
  from north (Sawaryn & Thorogood, SPE Drilling & Completion 20 (2005) 24, eq. 1-4; the form of SPE's wellbore
  survey standard). It is exact for a straight hole and for one that bends at a constant rate. Beyond the last
  station the hole keeps its last direction.
- **Top-cut**: grades above a stated cap are set to it; the count capped and the share of metal removed are
  reported, as a resource statement reports them.
- **Cell declustering** (Journel, Math. Geol. 15 (1983) 445; GSLIB ``declus``, Deutsch & Journel 1998): each
  sample's weight is 1/(samples in its cell), normalised to a mean of 1, averaged over grid origins shifted in
  equal steps across one cell, so clustered infill drilling does not dominate the mean.
- **Compositing** to a fixed length down each hole from its first sample: each composite's grade is the
  length-weighted mean of the assay lengths inside it (unsampled gaps carry no weight), so metal (length ×
  grade) is conserved; a final composite shorter than half the length is merged into the one before (a stated
  rule, as GSLIB-style compositing options offer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import ScenarioError

__all__ = ["SC2O3_PER_SC", "DrillHoles", "composite", "decluster_weights", "desurvey", "load_drillholes",
           "minimum_curvature", "top_cut"]

#: mass of Sc2O3 per mass of Sc in it: 137.910 / (2 x 44.956) (IUPAC 2021 atomic masses)
SC2O3_PER_SC = (2 * 44.955907 + 3 * 15.9994) / (2 * 44.955907)

_COLLAR = ("hole_id", "x_m", "y_m", "z_m")
_SURVEY = ("hole_id", "depth_m", "azimuth_deg", "dip_deg")
_ASSAY = ("hole_id", "from_m", "to_m")
_OPTIONAL = ("treo_ppm", "fe_pct", "density_t_m3")


@dataclass
class DrillHoles:
    """Checked drill-hole tables: collars (one row per hole), surveys (sorted by depth) and assays with Sc in
    ppm (``sc_ppm``), sorted by hole and depth."""

    collars: pd.DataFrame
    surveys: pd.DataFrame
    assays: pd.DataFrame
    below_detection: dict[str, int] = field(default_factory=dict)


def _read(path: str | Path | pd.DataFrame, table: str, required: tuple[str, ...]) -> pd.DataFrame:
    if isinstance(path, pd.DataFrame):
        df = path.copy()
    else:
        try:
            df = pd.read_csv(path, dtype=str)  # all text: hole ids keep their zeros, numbers are checked below
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise ScenarioError(table, f"cannot read {path}: {exc}") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ScenarioError(table, f"missing column(s) {', '.join(missing)}; the table needs {', '.join(required)}")
    df["hole_id"] = df["hole_id"].astype(str).str.strip()
    return df


def _numbers(df: pd.DataFrame, table: str, cols: tuple[str, ...], detection: dict[str, int] | None = None
             ) -> None:
    """Make ``cols`` float in place; '<x' (below detection) becomes x/2 when ``detection`` counts it."""
    for c in cols:
        if c not in df.columns:
            continue
        raw = df[c].astype(str).str.strip()
        below = raw.str.startswith("<")
        if below.any() and detection is None:
            row = int(np.argmax(below.to_numpy()))
            raise ScenarioError(f"{table}.{c}", f"row {row + 2}: {raw.iloc[row]!r} is not a number")
        vals = pd.to_numeric(raw.str.lstrip("<"), errors="coerce")
        bad = vals.isna() & (raw != "") & (raw.str.lower() != "nan")
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise ScenarioError(f"{table}.{c}", f"row {row + 2} (hole {df['hole_id'].iloc[row]}): "
                                                f"{raw.iloc[row]!r} is not a number")
        if below.any():
            vals = vals.where(~below, vals / 2.0)  # half the detection limit
            detection[c] = int(below.sum())  # type: ignore[index]
        df[c] = vals.astype(float)


def load_drillholes(collars: str | Path | pd.DataFrame, surveys: str | Path | pd.DataFrame,
                    assays: str | Path | pd.DataFrame, grades: Sequence[str] = (), require_sc: bool = True
                    ) -> DrillHoles:
    """Read and check the three tables (CSV paths or DataFrames with the columns of the module docstring).
    ``grades`` names further assay columns to read as numbers (blank: not assayed); with ``require_sc`` false
    the Sc column may be absent (another deposit's data, e.g. a public test set of Cu-Ni drill holes)."""
    col = _read(collars, "collars", _COLLAR)
    sur = _read(surveys, "surveys", _SURVEY)
    asy = _read(assays, "assays", _ASSAY)
    _numbers(col, "collars", _COLLAR[1:])
    _numbers(sur, "surveys", _SURVEY[1:])
    detection: dict[str, int] = {}
    extra = tuple(str(g).strip().lower() for g in grades)
    missing = [g for g in extra if g not in asy.columns]
    if missing:
        raise ScenarioError("assays", f"no grade column(s) {', '.join(missing)}")
    grade_cols = tuple(dict.fromkeys(c for c in ("sc_ppm", "sc2o3_g_per_t", *_OPTIONAL, *extra) if c in asy.columns))
    _numbers(asy, "assays", _ASSAY[1:])
    _numbers(asy, "assays", grade_cols, detection)
    if col["hole_id"].duplicated().any():
        raise ScenarioError("collars", f"hole {col['hole_id'][col['hole_id'].duplicated()].iloc[0]} has two collars")
    for table, df in (("collars", col), ("surveys", sur), ("assays", asy)):
        nan = df.drop(columns=[c for c in df.columns if c in grade_cols or c not in (*_COLLAR, *_SURVEY, *_ASSAY)])
        if nan.isna().any().any():
            row = int(np.argmax(nan.isna().any(axis=1).to_numpy()))
            raise ScenarioError(table, f"row {row + 2} (hole {df['hole_id'].iloc[row]}): an empty cell")
    if "sc_ppm" not in asy.columns and "sc2o3_g_per_t" in asy.columns:
        asy["sc_ppm"] = asy["sc2o3_g_per_t"] / SC2O3_PER_SC
    if "sc_ppm" not in asy.columns and require_sc:
        raise ScenarioError("assays", "needs a grade column: sc_ppm, or sc2o3_g_per_t (converted with "
                                      f"Sc2O3/Sc = {SC2O3_PER_SC:.4f})")
    for g in ("sc_ppm", *extra):
        if g in asy.columns and (asy[g] < 0).any():
            row = int(np.argmax((asy[g] < 0).to_numpy()))
            raise ScenarioError(f"assays.{g}", f"row {row + 2} (hole {asy['hole_id'].iloc[row]}): a grade must be "
                                               ">= 0")
    known = set(col["hole_id"])
    for table, df in (("surveys", sur), ("assays", asy)):
        orphan = sorted(set(df["hole_id"]) - known)
        if orphan:
            raise ScenarioError(table, f"hole {orphan[0]} has no collar")
    unsurveyed = sorted(known - set(sur["hole_id"]))
    if unsurveyed:
        raise ScenarioError("surveys", f"hole {unsurveyed[0]} has no survey station (give at least one: depth 0, "
                                       "azimuth, dip)")
    if ((sur["dip_deg"] < -90) | (sur["dip_deg"] > 90)).any() or (sur["depth_m"] < 0).any():
        row = int(np.argmax(((sur["dip_deg"].abs() > 90) | (sur["depth_m"] < 0)).to_numpy()))
        raise ScenarioError("surveys", f"row {row + 2} (hole {sur['hole_id'].iloc[row]}): dip must lie in "
                                       "[-90, 90] degrees and depth be >= 0")
    if (asy["to_m"] <= asy["from_m"]).any() or (asy["from_m"] < 0).any():
        row = int(np.argmax(((asy["to_m"] <= asy["from_m"]) | (asy["from_m"] < 0)).to_numpy()))
        raise ScenarioError("assays", f"row {row + 2} (hole {asy['hole_id'].iloc[row]}): needs 0 <= from_m < to_m")
    asy = asy.sort_values(["hole_id", "from_m"], kind="stable").reset_index(drop=True)
    same = asy["hole_id"].to_numpy()[1:] == asy["hole_id"].to_numpy()[:-1]
    overlap = same & (asy["from_m"].to_numpy()[1:] < asy["to_m"].to_numpy()[:-1] - 1e-9)
    if overlap.any():
        i = int(np.argmax(overlap))
        raise ScenarioError("assays", f"hole {asy['hole_id'].iloc[i]}: interval {asy['from_m'].iloc[i + 1]:g}-"
                                      f"{asy['to_m'].iloc[i + 1]:g} m overlaps {asy['from_m'].iloc[i]:g}-"
                                      f"{asy['to_m'].iloc[i]:g} m")
    sur = sur.sort_values(["hole_id", "depth_m"], kind="stable").reset_index(drop=True)
    return DrillHoles(col.reset_index(drop=True), sur, asy, detection)


def minimum_curvature(depth_m: np.ndarray, azimuth_deg: np.ndarray, dip_deg: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets (east, north, elevation) in m of each survey station from the first, by minimum curvature
    (module docstring; Sawaryn & Thorogood 2005). Inputs (k,) sorted by depth; dip negative downward."""
    md = np.asarray(depth_m, dtype=float)
    az, dip = np.asarray(azimuth_deg, dtype=float), np.asarray(dip_deg, dtype=float)
    de, dn, dz = _arc_offsets(np.diff(md), az[:-1], dip[:-1], az[1:], dip[1:])
    zero = np.zeros(1)
    return (np.concatenate([zero, np.cumsum(de)]), np.concatenate([zero, np.cumsum(dn)]),
            np.concatenate([zero, np.cumsum(dz)]))


def desurvey(holes: DrillHoles, hole_id: str, depth_m: np.ndarray) -> np.ndarray:
    """Coordinates (k, 3) [x east, y north, z up] of points at ``depth_m`` down hole ``hole_id``: along the
    minimum-curvature arcs between its stations, and straight on in the last direction beyond the last one."""
    col = holes.collars.loc[holes.collars["hole_id"] == hole_id]
    if col.empty:
        raise ScenarioError("hole_id", f"no hole {hole_id!r}")
    s = holes.surveys.loc[holes.surveys["hole_id"] == hole_id]
    md = s["depth_m"].to_numpy()
    az, dip = s["azimuth_deg"].to_numpy(), s["dip_deg"].to_numpy()
    if md[0] > 0:  # the first station's direction holds from the collar
        md, az, dip = np.r_[0.0, md], np.r_[az[0], az], np.r_[dip[0], dip]
    d = np.asarray(depth_m, dtype=float)
    far = max(float(d.max(initial=0.0)), float(md[-1])) + 1.0
    md, az, dip = np.r_[md, far], np.r_[az, az[-1]], np.r_[dip, dip[-1]]
    e, n, z = minimum_curvature(md, az, dip)
    k = np.clip(np.searchsorted(md, d, side="right") - 1, 0, md.size - 2)
    # a point inside segment k: the arc from station k with its partial length (minimum curvature of the
    # sub-arc, same dogleg plane), its end direction interpolated along the arc; all points at once
    frac = (d - md[k]) / (md[k + 1] - md[k])
    a_mid, d_mid = _arc_direction(az[k], dip[k], az[k + 1], dip[k + 1], frac)
    de, dn, dz = _arc_offsets(d - md[k], az[k], dip[k], a_mid, d_mid)
    out = np.column_stack([e[k] + de, n[k] + dn, z[k] + dz])
    x0, y0, z0 = col[["x_m", "y_m", "z_m"]].to_numpy()[0]
    return out + np.array([x0, y0, z0])


def _unit(az: np.ndarray, dip: np.ndarray) -> np.ndarray:
    """Unit tangents (k, 3) [east, north, up] of directions given by azimuth and dip (deg, dip negative down)."""
    i, a = np.radians(90.0 + dip), np.radians(az)
    return np.stack([np.sin(i) * np.sin(a), np.sin(i) * np.cos(a), -np.cos(i)], axis=-1)


def _arc_direction(az1: np.ndarray, dip1: np.ndarray, az2: np.ndarray, dip2: np.ndarray, frac: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth and dip (deg) at fraction ``frac`` along the circular arcs from direction 1 to direction 2
    (spherical linear interpolation of the unit tangents, which is where minimum curvature puts it)."""
    t1, t2 = _unit(np.asarray(az1, float), np.asarray(dip1, float)), _unit(np.asarray(az2, float),
                                                                             np.asarray(dip2, float))
    f = np.asarray(frac, dtype=float)[..., None]
    beta = np.arccos(np.clip((t1 * t2).sum(axis=-1), -1.0, 1.0))[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(beta < 1e-12, t1, (np.sin((1 - f) * beta) * t1 + np.sin(f * beta) * t2) / np.sin(beta))
    dip = np.degrees(np.arcsin(np.clip(t[..., 2], -1.0, 1.0)))
    vertical = np.abs(t[..., 2]) >= 1 - 1e-12
    az = np.where(vertical, az1, np.degrees(np.arctan2(t[..., 0], t[..., 1])))
    return az, dip


def _arc_offsets(length: np.ndarray, az1: np.ndarray, dip1: np.ndarray, az2: np.ndarray, dip2: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-curvature offsets (east, north, up) of arcs of ``length`` from direction 1 to 2 (element-wise)."""
    i1, i2 = np.radians(90.0 + dip1), np.radians(90.0 + dip2)
    a1, a2 = np.radians(az1), np.radians(az2)
    cos_b = np.cos(i2 - i1) - np.sin(i1) * np.sin(i2) * (1.0 - np.cos(a2 - a1))
    beta = np.arccos(np.clip(cos_b, -1.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rf = np.where(beta > 1e-9, 2.0 / beta * np.tan(beta / 2.0), 1.0 + beta**2 / 12.0)
    de = length / 2 * (np.sin(i1) * np.sin(a1) + np.sin(i2) * np.sin(a2)) * rf
    dn = length / 2 * (np.sin(i1) * np.cos(a1) + np.sin(i2) * np.cos(a2)) * rf
    dz = -length / 2 * (np.cos(i1) + np.cos(i2)) * rf
    return de, dn, dz


def composite(holes: DrillHoles, length_m: float, column: str | Sequence[str] = "sc_ppm") -> pd.DataFrame:
    """Fixed-length composites of ``column`` (one name or several) down each hole (module docstring): hole_id,
    from_m, to_m, sampled_m (assayed length inside, of the first column), each column's length-weighted value
    (its own missing values carry no weight), and the composite's mid-point x_m, y_m, z_m."""
    if not np.isfinite(length_m) or not 0.1 <= length_m <= 1000.0:
        raise ScenarioError("composite length_m", "must lie in [0.1, 1000] m")
    cols = [column] if isinstance(column, str) else list(column)
    for c in cols:
        if c not in holes.assays.columns:
            raise ScenarioError("composite column", f"no assay column {c!r}; columns: "
                                                    f"{', '.join(holes.assays.columns)}")
    rows = []
    for hole, a in holes.assays.groupby("hole_id", sort=True):
        a = a.dropna(subset=[cols[0]])
        if a.empty:
            continue
        lo, hi = float(a["from_m"].min()), float(a["to_m"].max())
        n = max(1, int(np.floor((hi - lo) / length_m + 1e-9)))
        edges = lo + length_m * np.arange(n + 1)
        if hi - edges[-1] >= 0.5 * length_m:  # a last piece of at least half a length is its own composite
            edges = np.r_[edges, hi]
        else:
            edges[-1] = hi  # a shorter one joins the composite before it
        f, t = a["from_m"].to_numpy(), a["to_m"].to_numpy()
        # overlap of each assay with each composite (composites x assays)
        ov = np.clip(np.minimum(t[None, :], edges[1:, None]) - np.maximum(f[None, :], edges[:-1, None]), 0.0, None)
        mid = 0.5 * (edges[:-1] + edges[1:])
        xyz = desurvey(holes, str(hole), mid)
        frame = {"hole_id": hole, "from_m": edges[:-1], "to_m": edges[1:], "sampled_m": ov.sum(axis=1)}
        for c in cols:
            g = a[c].to_numpy(dtype=float)
            has = np.isfinite(g)
            length = ov[:, has].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                frame[c] = np.where(length > 0, (ov[:, has] @ g[has]) / length, np.nan)
        frame.update({"x_m": xyz[:, 0], "y_m": xyz[:, 1], "z_m": xyz[:, 2]})
        rows.append(pd.DataFrame(frame))
    if not rows:
        raise ScenarioError("composite column", f"no hole has a value of {cols[0]!r}")
    out = pd.concat(rows, ignore_index=True)
    return out[out["sampled_m"] > 0].reset_index(drop=True)


def top_cut(values: np.ndarray, cap: float, lengths: np.ndarray | None = None) -> tuple[np.ndarray, int, float]:
    """Grades capped at ``cap``: (capped values, number capped, share of metal removed, length-weighted when
    ``lengths`` are given)."""
    v = np.asarray(values, dtype=float)
    if not np.isfinite(cap) or cap <= 0:
        raise ScenarioError("top_cut cap", "must be a positive grade")
    w = np.ones_like(v) if lengths is None else np.asarray(lengths, dtype=float)
    out = np.minimum(v, cap)
    ok = np.isfinite(v)
    metal = float((w[ok] * v[ok]).sum())
    removed = float((w[ok] * (v[ok] - out[ok])).sum()) / metal if metal > 0 else 0.0
    return out, int((v[ok] > cap).sum()), removed


def decluster_weights(xyz: np.ndarray, cell_m: float | tuple[float, float, float], offsets: int = 8) -> np.ndarray:
    """Cell-declustering weights (n,) with mean 1 (module docstring): cells of ``cell_m`` (one size, or x, y, z
    sizes), averaged over ``offsets`` grid origins shifted diagonally across one cell."""
    p = np.atleast_2d(np.asarray(xyz, dtype=float))
    if p.ndim != 2 or p.shape[1] != 3 or not np.all(np.isfinite(p)):
        raise ScenarioError("decluster xyz", "needs finite (n, 3) coordinates")
    size = np.broadcast_to(np.asarray(cell_m, dtype=float), (3,))
    if not np.all(size > 0):
        raise ScenarioError("decluster cell_m", "must be > 0")
    if not 1 <= offsets <= 1000:
        raise ScenarioError("decluster offsets", "must lie in [1, 1000]")
    n = p.shape[0]
    w = np.zeros(n)
    lo = p.min(axis=0)
    for k in range(offsets):
        origin = lo - size * (k / offsets)
        idx = np.floor((p - origin) / size).astype(np.int64)
        _, inverse, counts = np.unique(idx, axis=0, return_inverse=True, return_counts=True)
        wk = 1.0 / counts[inverse.reshape(-1)]
        w += wk * n / wk.sum()
    return w / offsets
