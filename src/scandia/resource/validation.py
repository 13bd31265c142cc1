"""Public drill-hole data for checking the resource stage against a peer: the Babbitt drill holes shipped with
pygslib (MIT; Babbitt zone of the Duluth Complex, Minnesota, after Patelke 2003, NRRI/TR-2003/21), and what
pygslib's own tutorial published from them (``doc/source/Tutorial_1/Tutorial.ipynb`` of
https://github.com/opengeostat/pygslib, commit c26c3bf):

- 54,189 composites of 10 ft, starting at each collar, with unsampled intervals set to 0 % Cu (cell 11) and a
  last piece kept only if it is at least half a composite (``minlen = -1``, cell 23);
- the desurveyed mid-points of 12 kriging samples (``dbg_data.csv`` of commit f0fb072), by pygslib's
  ``desurvey`` (minimum curvature marched from point to point, the direction interpolated linearly between
  stations).

The data are in feet and their dips positive downward; :func:`load_babbitt` converts them to the tables of
:mod:`scandia.resource.drillholes` (m, dip negative downward). The files themselves live in
``tests/data/babbitt`` of the source tree with their notice; they are not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .drillholes import DrillHoles, composite, load_drillholes

__all__ = ["BABBITT_COMPOSITES_10FT", "FT", "babbitt_desurvey_check", "load_babbitt"]

FT = 0.3048  #: m per international foot
BABBITT_COMPOSITES_10FT = 54_189  #: pygslib tutorial, cell 24 (last row index 54188)


def load_babbitt(folder: str | Path) -> DrillHoles:
    """The Babbitt collars, surveys and Cu assays (``cu_pct``; blank = not assayed = 0, as the tutorial sets
    them) as checked drill holes in m."""
    d = Path(folder)
    c = pd.read_csv(d / "collar_BABBITT.csv", dtype={"BHID": str})
    s = pd.read_csv(d / "survey_BABBITT.csv", dtype={"BHID": str})
    a = pd.read_csv(d / "assay_BABBITT.csv.gz", dtype={"BHID": str})
    col = pd.DataFrame({"hole_id": c["BHID"], "x_m": c["XCOLLAR"] * FT, "y_m": c["YCOLLAR"] * FT,
                        "z_m": c["ZCOLLAR"] * FT})
    sur = pd.DataFrame({"hole_id": s["BHID"], "depth_m": s["AT"] * FT, "azimuth_deg": s["AZ"],
                        "dip_deg": -s["DIP"]})
    asy = pd.DataFrame({"hole_id": a["BHID"], "from_m": a["FROM"] * FT, "to_m": a["TO"] * FT,
                        "cu_pct": a["CU"].fillna(0.0)})
    return load_drillholes(col, sur, asy, grades=["cu_pct"], require_sc=False)


def babbitt_desurvey_check(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """scandia's 10 ft composites of the Babbitt holes, and for each of pygslib's 12 desurveyed kriging samples
    the nearest composite mid-point of scandia's: hole, from (ft) and the distance between the two (ft)."""
    holes = load_babbitt(folder)
    comp = composite(holes, 10 * FT, "cu_pct")
    dbg = pd.read_csv(Path(folder) / "dbg_data.csv")
    mine = comp[["x_m", "y_m", "z_m"]].to_numpy() / FT
    rows = []
    for _, r in dbg.iterrows():
        dist = np.linalg.norm(mine - np.array([r["x"], r["y"], r["z"]]), axis=1)
        i = int(dist.argmin())
        rows.append({"hole_id": comp["hole_id"].iloc[i], "from_ft": float(comp["from_m"].iloc[i] / FT),
                     "distance_ft": float(dist[i])})
    return comp, pd.DataFrame(rows)
