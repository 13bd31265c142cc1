"""The synthetic deposit, the resource estimate against the deposit's own truth, pit shells over the block model
and the ``scandia resource`` commands (issue 17 items 1, 2, 4, 6, 7)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scandia.cli import app
from scandia.resource.drillholes import SC2O3_PER_SC, load_drillholes
from scandia.resource.estimate import grade_tonnage, swath
from scandia.resource.kriging import discretisation_offsets
from scandia.resource.mine import mine_settings, pit_shells

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def deposit(synthetic_case):
    return synthetic_case[0]


@pytest.fixture(scope="module")
def estimate(synthetic_case):
    return synthetic_case[1]


def test_synthetic_tables_read_back_and_match_their_design(deposit, tmp_path):
    """The written CSVs (with their SYNTHETIC notice) read back through the ordinary import; assays of the
    ferrosyenite lens average the Indicated grade the deposit is built to (277.9 g/t Sc2O3, lognormal by
    construction) within 10 % (about 1,500 spatially correlated assays: the mean of one realisation)."""
    paths = deposit.write(tmp_path)
    assert "SYNTHETIC" in (tmp_path / "NOTICE.txt").read_text()
    holes = load_drillholes(*paths[:3])
    fsy = holes.assays["lith"] == "FSY"
    assert fsy.sum() > 1000
    mean = float((holes.assays.loc[fsy, "sc_ppm"] * SC2O3_PER_SC).mean())
    assert mean == pytest.approx(277.9, rel=0.10)
    # the lens's volume: of the order of the public resource (37.2 Mt) by design, checked by Monte Carlo
    rng = np.random.default_rng(0)
    p = rng.uniform([0, -200, 0], [1100, 900, 450], (200_000, 3))
    tonnes = 1100 * 1100 * 450 * deposit.in_zone(p).mean() * 3.05
    assert 25e6 < tonnes < 55e6


def test_estimate_against_the_true_block_grades(deposit, estimate):
    """Kriged Measured+Indicated blocks against the true block grades of the field the assays sampled (its
    smooth part averaged over 8 points per block, on every third block): the mean within 5 % (the usual
    global-bias acceptance, GEOVIA) and a positive correlation; the bias against declustered composites also
    under 5 %; the classes are nested in confidence (Measured blocks have the highest slope of regression)."""
    d = estimate.blocks.data
    mi = ((d["cim_class"] >= 2) & (d["domain"] == 1)).to_numpy().copy()
    assert mi.sum() > 3000
    mi[np.flatnonzero(mi)[1::3]] = False
    mi[np.flatnonzero(mi)[1::2]] = False
    c = estimate.blocks.grid.centres()[mi]
    offs = discretisation_offsets(estimate.blocks.grid.size_m, (2, 2, 2))
    truth = deposit.truth((c[:, None, :] + offs[None]).reshape(-1, 3))["sc_ppm"].to_numpy()
    true_block = truth.reshape(len(c), -1).mean(axis=1)
    est = d.loc[mi, "sc_ppm"].to_numpy()
    assert est.mean() == pytest.approx(true_block.mean(), rel=0.05)
    assert np.corrcoef(est, true_block)[0, 1] > 0.3
    assert abs(estimate.checks["global_bias_frac"]) < 0.05
    slope = d.groupby("cim_class")["slope_of_regression"].median()
    assert slope[3] > slope[2] > slope[1]
    stmt = estimate.statement(0.0)
    assert np.all(stmt["tonnes_mt"] > 0) and np.allclose(stmt["sc2o3_g_per_t"] / stmt["sc_ppm"], SC2O3_PER_SC)


def test_grade_tonnage_and_swath_invariants(estimate):
    """Tonnes above cut-off fall and mean grade rises with the cut-off; at cut-off 0 the tonnes are the whole
    domain's and the metal is tonnes x grade; swath slices of blocks and composites cover the lens."""
    d = estimate.blocks.data
    m = (d["domain"] == 1).to_numpy()
    gt = grade_tonnage(d["sc2o3_g_per_t"].to_numpy()[m], d["tonnes"].to_numpy()[m], np.arange(0, 400, 50.0))
    assert np.all(np.diff(gt["tonnes"]) <= 0) and np.all(np.diff(gt["grade"].dropna()) >= 0)
    ok = np.isfinite(d["sc2o3_g_per_t"].to_numpy()[m])
    assert gt["tonnes"][0] == pytest.approx(d["tonnes"].to_numpy()[m][ok].sum())
    assert np.allclose(gt["metal"], gt["tonnes"] * gt["grade"].fillna(0.0))
    comp = estimate.composites[estimate.composites["domain"] == "mineralised"]
    sw = swath(estimate.blocks.grid.centres()[m], d["sc_ppm"].to_numpy()[m], comp[["x_m", "y_m", "z_m"]].to_numpy(),
               comp["sc_ppm_cut"].to_numpy(), np.ones(len(comp)), axis=0, width_m=50.0)
    both = sw.dropna()
    assert len(both) >= 8
    assert np.median(np.abs(both["block_mean"] / both["composite_mean"] - 1)) < 0.15


def test_pit_shells_over_the_estimate(estimate):
    """Three shells over the kriged block model: nested, growing with the price factor; the NSR cut-off at factor
    1 is the processing cost over the NSR of one g/t (82.07 / (1e-3 x 0.65 x 3000) = 42.1 g/t); every ore block
    of the shell is above it."""
    s = dict(mine_settings())
    s["price_factors"] = {"value": [0.5, 1.0, 1.5]}
    d = estimate.blocks.data
    shells = pit_shells(estimate.blocks.grid, d["sc2o3_g_per_t"].to_numpy(), d["tonnes"].to_numpy(), 0.65, 3000.0,
                        top_m=450.0, settings=s)
    t = shells.table
    assert np.all(np.diff(t["ore_mt"]) >= 0) and np.all(np.diff(t["blocks"]) >= 0)
    assert t["cutoff_sc2o3_g_per_t"][1] == pytest.approx(82.07 / (1e-3 * 0.65 * 3000.0), rel=1e-9)
    pit = shells.shell_blocks(1.0)
    ore = pit & shells.economics.is_ore(1.0)
    assert np.all(shells.economics.grade_sc2o3_g_per_t[ore] >= t["cutoff_sc2o3_g_per_t"][1] - 1e-9)
    assert not np.any(shells.shell_blocks(0.5) & ~pit)


def test_resource_cli(tmp_path):
    """``scandia resource synthetic`` writes the tables; ``estimate --format json`` prints the statement with its
    provenance; bad input is one line and exit 2, with nothing computed."""
    runner = CliRunner()
    res = runner.invoke(app, ["resource", "synthetic", str(tmp_path / "holes")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "holes").iterdir()) == ["NOTICE.txt", "assays.csv", "collars.csv",
                                                                     "surveys.csv"]
    res = runner.invoke(app, ["resource", "estimate", "--format", "json", "--out", str(tmp_path / "est")])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["drill_holes"]["source"] == "synthetic" and summary["scandia_version"]
    assert {r["class"] for r in summary["statement"]} == {"measured", "indicated", "inferred"}
    assert (tmp_path / "est" / "block_model.csv").is_file() and (tmp_path / "est" / "summary.json").is_file()
    (tmp_path / "bad").mkdir()
    res = runner.invoke(app, ["resource", "pit", "--holes", str(tmp_path / "bad")])
    assert res.exit_code == 2 and "lacks collars.csv" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["resource", "estimate", "--holes", str(tmp_path / "none")])
    assert res.exit_code == 2 and "is not a folder" in res.output
