"""The casting model: segregation, eutectic Al3Sc, homogenisation, and the solute balance (scandia.alloy.casting)."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.alloy.casting import PROCESSES, casting_params, solidify
from scandia.alloy.properties import predict
from scandia.core.errors import ScenarioError

X_TH_BINARY = 0.0036  # Al-Sc eutectic liquid (Gschneidner & Calderwood 1989)


def test_solute_is_conserved_for_any_alloy_and_process():
    """Σ region share x region composition + primary and eutectic Al3M = the alloy's Sc and Zr, exactly."""
    rng = np.random.default_rng(11)
    x_sc, x_zr = rng.uniform(0.0, 0.004, 200), rng.uniform(0.0, 0.0008, 200)
    x_th = rng.uniform(0.0008, 0.0036, 200)
    for process in PROCESSES:
        cast = solidify(x_sc, x_zr, x_th, process, homogenise=(773.0, 3600.0) if process == "sand" else None)
        assert cast.balance_error().max() <= 1e-17, process
        assert np.all(cast.x_region >= 0.0) and np.all(cast.x_coarse >= 0.0)


def test_zr_is_richest_in_the_dendrite_cores_and_sc_at_the_peripheries():
    """Knipling, Dunand & Seidman (2007): as cast, Zr (peritectic, k > 1) enriches the dendrite cores and Sc
    (eutectic, k < 1) the peripheries: Zr falls and Sc rises from the first region to the last."""
    cast = solidify(np.array([0.0006]), np.array([0.0006]), np.array([X_TH_BINARY]), "chill")
    sc, zr = cast.x_region[0, :, 0], cast.x_region[0, :, 1]
    assert np.all(np.diff(zr) < 0) and np.all(np.diff(sc) > 0)
    assert zr[0] > 2.0 * 0.0006 and sc[0] < 0.7 * 0.0006


def test_partition_coefficient_of_sc_follows_the_assessed_diagram():
    """k_Sc from the database's eutectic (solid / liquid) against Fujikawa et al. (1979) 0.21 at.% maximum solid
    solubility over Gschneidner & Calderwood's (1989) 0.36 at.% eutectic liquid = 0.58, within 0.05 (the fit
    reproduces the solvus points, not this ratio)."""
    cast = solidify(np.array([0.0005]), np.array([0.0]), np.array([X_TH_BINARY]), "sand")
    assert cast.partition[0] == pytest.approx(0.21 / 0.36, abs=0.05)
    assert cast.partition[1] == pytest.approx(casting_params()["k_zr"])


def test_scheil_limit_of_the_first_region_is_the_analytic_integral():
    """With no back-diffusion (zero solid diffusivity), the first of five regions holds the mean of k C0 (1-f)^(k-1)
    over 0 <= f <= 0.2, i.e. C0 (1 - 0.8^k)/0.2 (Scheil 1942), for Zr."""
    zero = (lambda t: 0.0 * t, lambda t: 0.0 * t)
    c0 = 0.0004
    cast = solidify(np.array([0.0]), np.array([c0]), np.array([X_TH_BINARY]), "sand", regions=5, diffusivity=zero)
    k = cast.partition[1]
    assert cast.x_region[0, 0, 1] == pytest.approx(c0 * (1 - 0.8**k) / 0.2, rel=1e-9)


def test_eutectic_al3sc_grows_with_sc_towards_one_minus_k_at_the_threshold():
    """The eutectic share of the Sc: without back-diffusion the Scheil result (1-k)(C0/C_e)^(k/(1-k)) (the liquid
    fraction (C0/C_e)^(1/(1-k)) left at the eutectic, times its Sc not taken into (Al)), exactly; with the chill
    casting's back-diffusion no more than that; rising with Sc and 1 - k at the threshold."""
    x = np.array([0.0006, 0.0018, 0.0030, X_TH_BINARY])
    zero = (lambda t: 0.0 * t, lambda t: 0.0 * t)
    scheil = solidify(x, np.zeros(4), np.full(4, X_TH_BINARY), "chill", diffusivity=zero)
    k = scheil.partition[0]
    np.testing.assert_allclose(scheil.x_coarse[:, 0] / x, (1 - k) * (x / X_TH_BINARY) ** (k / (1 - k)), rtol=1e-9)
    cast = solidify(x, np.zeros(4), np.full(4, X_TH_BINARY), "chill")
    lost = cast.x_coarse[:, 0] / x
    assert np.all(lost <= scheil.x_coarse[:, 0] / x + 1e-12)
    assert lost[0] < 0.03
    assert np.all(np.diff(lost) > 0)
    assert lost[-1] == pytest.approx(1.0 - cast.partition[0], rel=1e-6)


def test_long_homogenisation_flattens_the_segregation():
    """exp(-4π² D t/λ₂²) after 100 h at 640 C in a 49 µm sand-cast structure: 1e-26 for Sc, 0.0015 for Zr (the slow
    diffuser): every region at the mean within 0.5 %."""
    args = (np.array([0.0006]), np.array([0.0006]), np.array([X_TH_BINARY]), "sand")
    cast = solidify(*args, homogenise=(913.0, 100 * 3600.0))
    np.testing.assert_allclose(cast.x_region[0], np.broadcast_to(cast.x_region[0].mean(axis=0), (5, 2)), rtol=5e-3)


def test_bad_cooling_rate_and_process_name_the_field():
    with pytest.raises(ScenarioError, match=r"alloy\.cooling_rate_k_s"):
        solidify(np.array([0.001]), np.array([0.0]), np.array([X_TH_BINARY]), "sand", cooling_rate_k_s=1e6)
    with pytest.raises(ScenarioError, match=r"alloy\.casting"):
        predict("535", [0.1], [0.0], [[325.0]], [[4.0]], casting="lost_wax")


def test_a_casting_loses_sc_that_the_supersaturated_ideal_keeps():
    """535 + 0.15 Sc (at its primary threshold): the casting holds less Sc in solution and gains less strength than
    the uniform supersaturated solution; solute is conserved in both."""
    args = ("535", [0.15], [0.1], [[325.0]], [[4.0]])
    ideal = predict(*args, casting="supersaturated")
    cast = predict(*args, casting="permanent_mould")
    assert cast.sc_in_solution_frac[0] < 0.7 < ideal.sc_in_solution_frac[0]
    assert cast.as_cast_yield_mpa[0] <= cast.yield_mpa[0] < ideal.yield_mpa[0]
    assert cast.solute_balance_error().max() <= 1e-15 and ideal.solute_balance_error().max() <= 1e-15
