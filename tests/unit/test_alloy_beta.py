"""The Al-Mg beta phase check (scandia.alloy.beta)."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.alloy.beta import beta_bound, mg_solvus_temp_c, mg_solvus_x
from scandia.alloy.properties import predict


def test_fit_reproduces_the_eutectic_solubility_and_the_solvus_falls_with_temperature():
    """Fitted to Murray (1982): 18.9 at.% Mg in (Al) at 450 C (to 1e-5). Below it the solvus is predicted and must
    fall monotonically; the 300 C value (5.4 wt%) is not fitted."""
    assert mg_solvus_x(np.array([450.0]))[0] == pytest.approx(0.189, abs=1e-5)
    x = mg_solvus_x(np.array([400.0, 350.0, 300.0, 250.0, 200.0, 150.0]))
    assert np.all(np.diff(x) < 0) and np.all(x > 0)


def test_solvus_temperature_inverts_the_solvus():
    """The temperature found for 7 wt% Mg puts 7 wt% back on the solvus (535: about 330 C)."""
    t = mg_solvus_temp_c(np.array([7.0]))[0]
    assert 300.0 < t < 360.0
    x7 = (7.0 / 24.305) / (7.0 / 24.305 + 93.0 / 26.9815)
    assert mg_solvus_x(np.array([t]))[0] == pytest.approx(x7, rel=1e-4)  # molar masses of the core table


def test_steps_below_the_solvus_flag_beta_and_a_later_step_above_dissolves_it():
    b = beta_bound(np.full(4, 7.0), np.array([[325.0, 0.0], [350.0, 0.0], [150.0, 400.0], [400.0, 150.0]]),
                   np.array([[4.0, 0.0], [4.0, 0.0], [24.0, 1.0], [1.0, 24.0]]))
    assert b["beta_possible"].tolist() == [True, False, True, True]
    left = b["mg_in_solution_if_beta_wt_pct"]
    assert left[1] == 7.0 and left[2] == 7.0  # 400 C redissolves what 150 C formed
    assert 0.0 < left[3] < left[0] < 7.0  # lower temperature, less Mg left


def test_yield_if_beta_is_a_lower_bound_from_the_mg_term():
    """535 aged at 325 C / 4 h: below its solvus, so the bound yield is below the yield, by exactly the Mg
    solid-solution term's difference; an Al alloy without Mg is never flagged."""
    p = predict("535", [0.1], [0.0], [[325.0]], [[4.0]])
    assert bool(p.beta["beta_possible"][0])
    k = 29.0
    drop = k * (7.0 ** (2 / 3) - p.beta["mg_in_solution_if_beta_wt_pct"][0] ** (2 / 3))
    assert p.yield_mpa[0] - p.beta["yield_if_beta_mpa"][0] == pytest.approx(drop, rel=1e-12)
    pure = predict("al", [0.1], [0.0], [[325.0]], [[4.0]])
    assert not pure.beta["beta_possible"][0]
