"""Mean-radius fast path against the KWN model it summarizes."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.alloy.kwn import Schedule, default_model
from scandia.alloy.meanfield import MeanRadiusModel
from scandia.alloy.properties import predict

pytestmark = pytest.mark.unit
HOURS = 3600.0


@pytest.fixture(scope="module")
def both():
    kwn = default_model()
    times = np.array([1.0, 10.0, 100.0]) * HOURS
    x0 = np.array([[0.0018, 0.0], [0.0009, 0.0]])
    sched = Schedule([[573.0], [623.0]], [[100 * HOURS], [100 * HOURS]])
    return kwn.solve(x0, sched, times), MeanRadiusModel(kwn).solve(x0, sched, times), x0


def test_meanfield_conserves_solute(both):
    _, mf, x0 = both
    p = mf.precipitate_x[..., 0]
    total = mf.matrix_x[..., 0] * (1.0 - 4.0 * p) + p
    np.testing.assert_allclose(total, np.broadcast_to(x0[:, :1], total.shape), rtol=1e-12)


def test_meanfield_tracks_kwn(both):
    """Volume fraction within 3 % (both reach the lever rule); mean radius within 25 % and number density
    within a factor 2.5 (mean-field LSW coarsening is slower than the KWN's transient coarsening)."""
    kwn, mf, _ = both
    np.testing.assert_allclose(mf.volume_fraction, kwn.volume_fraction, rtol=0.03)
    np.testing.assert_allclose(mf.mean_radius_nm, kwn.mean_radius_nm, rtol=0.25)
    ratio = mf.number_density_m3 / kwn.number_density_m3
    assert np.all((ratio > 1 / 2.5) & (ratio < 2.5))
    assert np.all(mf.status == 0)


def test_meanfield_in_property_chain():
    sc = np.array([0.0, 0.1, 0.15])
    a = predict("535", sc, np.zeros(3), np.full((3, 1), 325.0), np.full((3, 1), 4.0), model="meanfield")
    b = predict("535", sc, np.zeros(3), np.full((3, 1), 325.0), np.full((3, 1), 4.0), model="kwn")
    assert np.all(np.diff(a.yield_mpa) > 0)
    np.testing.assert_allclose(a.yield_mpa, b.yield_mpa, rtol=0.15)
