"""Drill-hole import, desurvey (minimum curvature) and compositing (issue 17 item 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scandia.core import ScenarioError
from scandia.resource.drillholes import (
    SC2O3_PER_SC,
    composite,
    decluster_weights,
    desurvey,
    load_drillholes,
    top_cut,
)

pytestmark = pytest.mark.unit


def _holes(assays=None, surveys=None):
    collars = pd.DataFrame({"hole_id": ["V", "S", "A"], "x_m": [0.0, 100.0, 200.0], "y_m": [0.0, 0.0, 0.0],
                            "z_m": [500.0, 500.0, 500.0]})
    r = 200.0 / np.pi * 2  # the arc hole A turns from straight down to horizontal north over 200 m: R = 400/pi
    surveys = surveys if surveys is not None else pd.DataFrame({
        "hole_id": ["V", "S", "A", "A"], "depth_m": [0.0, 0.0, 0.0, np.pi * r / 2],
        "azimuth_deg": [0.0, 90.0, 0.0, 0.0], "dip_deg": [-90.0, -60.0, -90.0, 0.0]})
    assays = assays if assays is not None else pd.DataFrame({
        "hole_id": ["V", "V", "V", "S"], "from_m": [0.0, 2.0, 5.0, 0.0], "to_m": [2.0, 5.0, 9.0, 3.0],
        "sc_ppm": ["100", "250", "<10", "300"]})
    return load_drillholes(collars, surveys, assays), r


def test_sc2o3_factor_is_the_oxide_mass_ratio():
    """Sc2O3 / 2 Sc = 137.910 / 89.912 = 1.5338 (the factor the 2018 seed release quotes)."""
    assert SC2O3_PER_SC == pytest.approx(1.5338, abs=5e-5)
    holes = load_drillholes(pd.DataFrame({"hole_id": ["H"], "x_m": [0], "y_m": [0], "z_m": [0]}),
                            pd.DataFrame({"hole_id": ["H"], "depth_m": [0], "azimuth_deg": [0], "dip_deg": [-90]}),
                            pd.DataFrame({"hole_id": ["H"], "from_m": [0], "to_m": [1], "sc2o3_g_per_t": [306.76]}))
    assert holes.assays["sc_ppm"].iloc[0] == pytest.approx(200.0, rel=1e-4)


def test_desurvey_straight_and_arc_holes_by_hand():
    """Vertical hole: z = collar - depth. Straight hole dipping 60 degrees east: 100 m down hole is 50 m east and
    86.603 m down. A hole bending at a constant rate from vertical to horizontal (radius R) is a quarter circle,
    which minimum curvature follows exactly: halfway along it is R(1 - cos 45°) north and R sin 45° down."""
    holes, r = _holes()
    np.testing.assert_allclose(desurvey(holes, "V", np.array([0.0, 37.5])), [[0, 0, 500], [0, 0, 462.5]],
                               atol=1e-9)
    np.testing.assert_allclose(desurvey(holes, "S", np.array([100.0])), [[150.0, 0.0, 500 - 86.60254]], atol=1e-5)
    half = desurvey(holes, "A", np.array([np.pi * r / 4, np.pi * r / 2]))
    np.testing.assert_allclose(half[0], [200.0, r * (1 - np.cos(np.pi / 4)), 500 - r * np.sin(np.pi / 4)],
                               atol=1e-9)
    np.testing.assert_allclose(half[1], [200.0, r, 500 - r], atol=1e-9)


def test_composites_conserve_metal_and_below_detection_is_half_the_limit():
    holes, _ = _holes()
    assert holes.below_detection == {"sc_ppm": 1}
    a = holes.assays
    assert a.loc[(a["hole_id"] == "V") & (a["from_m"] == 5.0), "sc_ppm"].item() == 5.0
    comp = composite(holes, 3.0)
    for hole in ("V", "S"):
        asy, c = a[a["hole_id"] == hole], comp[comp["hole_id"] == hole]
        metal_in = float(((asy["to_m"] - asy["from_m"]) * asy["sc_ppm"]).sum())
        assert float((c["sampled_m"] * c["sc_ppm"]).sum()) == pytest.approx(metal_in, rel=1e-12)
    v = comp[comp["hole_id"] == "V"]
    # 0-9 m in 3 m pieces: 0-3 m holds 2 m at 100 and 1 m at 250 ppm
    assert v["sc_ppm"].iloc[0] == pytest.approx((2 * 100 + 1 * 250) / 3)
    assert v["z_m"].iloc[0] == pytest.approx(498.5)


@pytest.mark.parametrize(("assays", "surveys", "match"), [
    (pd.DataFrame({"hole_id": ["V", "V"], "from_m": [0.0, 1.5], "to_m": [2.0, 3.0], "sc_ppm": [1, 2]}), None,
     r"hole V: interval 1.5-3 m overlaps 0-2 m"),
    (None, pd.DataFrame({"hole_id": ["V", "S"], "depth_m": [0.0, 0.0], "azimuth_deg": [0.0, 0.0],
                         "dip_deg": [-90.0, -90.0]}), r"hole A has no survey station"),
    (pd.DataFrame({"hole_id": ["V"], "from_m": [0.0], "to_m": [2.0], "sc_ppm": ["abc"]}), None,
     r"assays.sc_ppm: row 2 \(hole V\): 'abc' is not a number"),
    (pd.DataFrame({"hole_id": ["Q"], "from_m": [0.0], "to_m": [2.0], "sc_ppm": [1.0]}), None, r"hole Q has no collar"),
    (pd.DataFrame({"hole_id": ["V"], "from_m": [0.0], "to_m": [2.0]}), None, r"needs a grade column"),
])
def test_bad_tables_are_one_line_errors(assays, surveys, match):
    with pytest.raises(ScenarioError, match=match) as e:
        _holes(assays, surveys)
    assert "\n" not in str(e.value)


def test_csv_files_and_the_short_last_composite(tmp_path):
    """From CSV files (hole ids stay text: '007' is not 7); a last piece under half the composite length joins
    the composite before it (0-9 m in 4 m composites: 0-4, 4-9)."""
    (tmp_path / "c.csv").write_text("HOLE_ID,X_M,Y_M,Z_M\n007,10,20,300\n")
    (tmp_path / "s.csv").write_text("hole_id,depth_m,azimuth_deg,dip_deg\n007,0,0,-90\n")
    (tmp_path / "a.csv").write_text("hole_id,from_m,to_m,sc_ppm\n007,0,9,200\n")
    holes = load_drillholes(tmp_path / "c.csv", tmp_path / "s.csv", tmp_path / "a.csv")
    comp = composite(holes, 4.0)
    assert comp["hole_id"].tolist() == ["007", "007"]
    assert comp[["from_m", "to_m"]].to_numpy().tolist() == [[0.0, 4.0], [4.0, 9.0]]
    np.testing.assert_allclose(comp[["x_m", "y_m"]].to_numpy(), [[10, 20], [10, 20]])
    with pytest.raises(ScenarioError, match="cannot read"):
        load_drillholes(tmp_path / "missing.csv", tmp_path / "s.csv", tmp_path / "a.csv")


def test_top_cut_reports_what_it_removes():
    v, n, share = top_cut(np.array([100.0, 200.0, 900.0]), 500.0, lengths=np.array([1.0, 1.0, 2.0]))
    assert v.tolist() == [100.0, 200.0, 500.0] and n == 1
    assert share == pytest.approx(2 * 400 / (100 + 200 + 1800))  # metal above the cap over all metal


def test_declustering_downweights_a_cluster():
    """Nine holes on a 100 m grid at 100 ppm plus a tight cluster of ten infill samples at 400 ppm inside one
    100 m cell: the naive mean (about 258 ppm) is pulled up by the cluster. With one grid origin at the data's
    corner every grid hole has its own cell and the cluster shares one, so the declustered mean is exactly
    (9 x 100 + 400) / 10 = 130 ppm. Origins shifted across the cell split the 30 m cluster in some grids, which
    gives it more weight: the averaged mean lies between 130 ppm and the naive mean. Weights average 1."""
    gx, gy = np.meshgrid(np.arange(3) * 100.0 + 50.0, np.arange(3) * 100.0 + 50.0)
    grid = np.column_stack([gx.ravel(), gy.ravel(), np.zeros(9)])
    rng = np.random.default_rng(0)
    cluster = np.column_stack([rng.uniform(410, 440, 10), rng.uniform(10, 40, 10), np.zeros(10)])
    xyz = np.vstack([grid, cluster])
    grade = np.r_[np.full(9, 100.0), np.full(10, 400.0)]
    assert grade.mean() == pytest.approx(257.9, abs=0.1)
    one = decluster_weights(xyz, 100.0, offsets=1)
    assert np.average(grade, weights=one) == pytest.approx(130.0, rel=1e-12)
    w = decluster_weights(xyz, 100.0)
    assert np.all(w > 0) and w.mean() == pytest.approx(1.0)
    assert 130.0 <= np.average(grade, weights=w) < 0.7 * grade.mean()
    with pytest.raises(ScenarioError, match="cell_m"):
        decluster_weights(xyz, 0.0)
