"""Fayalite rejection where the concentration stage can do it (issue 14 item 2): a low-field WHIMS on the
rougher magnetics. Invariants: the balance closes; a more susceptible mineral is caught more (fayalite, 1.25e-6
m3/kg, more than hedenbergite, 5.1e-7); a higher scalping field rejects more of both."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.beneficiation.ore import scenario_ore
from scandia.beneficiation.stage import run_beneficiation
from scandia.scenario import load_scenario

ROUTE = "lims_whims_scalp"


@pytest.fixture(scope="module")
def runs():
    s = load_scenario().with_values({"beneficiation.routes": ["lims_whims", ROUTE]})
    arrays = {f"beneficiation.{ROUTE}.scalp_field_t": np.array([0.1, 0.3])}
    return s, run_beneficiation(s, 2, arrays, routes=["lims_whims", ROUTE])


def test_scalp_balance_closes(runs):
    _, res = runs
    fs = res.routes[ROUTE].flowsheet
    e_in = sum(s.element_tph for s in fs.feeds.values())
    e_out = sum(fs.streams[p].element_tph for p in fs.products)
    assert np.abs(e_in - e_out).max() < 1e-9 * np.abs(e_in).sum()


def test_scalper_takes_fayalite_before_pyroxene(runs):
    s, res = runs
    ore = scenario_ore(s.beneficiation.sample, s.beneficiation.head_grade_sc_ppm)
    fs = res.routes[ROUTE].flowsheet
    feed, rej = (ore.mineral_tph(fs.streams[p]) for p in ("whims.magnetics", "scalp.magnetics"))
    frac = rej / np.maximum(feed, 1e-300)
    fay, hed = ore.minerals.index("fayalite"), ore.minerals.index("hedenbergite")
    assert np.all(frac[:, fay] > frac[:, hed])
    assert np.all(np.diff(frac[:, [fay, hed]], axis=0) > 0)  # 0.3 T rejects more of both than 0.1 T
