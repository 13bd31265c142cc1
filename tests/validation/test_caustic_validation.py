"""The caustic route against the Phase III test work (Imperial Mining Group, press release 9 June 2021: NaOH
pressure leach then HCl; Sc to leach solution 87 % MET01, 84 % MET02; TREE+Y 84 % for both) and the 2022
optimisation (leach Sc 96 %, REE 94 %, conditions not published). Figure: docs/figures/caustic_validation.svg."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.core.datafiles import load_data
from scandia.hydromet.calibration import calibrate_caustic, optimisation_check

pytestmark = pytest.mark.validation


@pytest.fixture(scope="module")
def fit():
    return calibrate_caustic()


def test_refit_equals_the_shipped_factors(fit):
    shipped = load_data("hydromet/fitted.yaml")["caustic"]
    assert fit["crack_rate_factor"] == pytest.approx(shipped["crack_rate_factor"], rel=1e-3)
    assert fit["crack_allanite_factor"] == pytest.approx(shipped["crack_allanite_factor"], rel=1e-3)


def test_the_silicate_factor_is_near_one(fit):
    """The K-feldspar base-mechanism proxy (Palandri & Kharaka 2004) at the assumed 220 C / 30 wt% NaOH / 2 h
    needs a factor of about 1 (fitted 1.03) to give the published Sc: the proxy's rate is of the right order at
    these conditions, which the fit did not force (its bounds are 1e-3 to 1e3)."""
    assert 0.3 < fit["crack_rate_factor"] < 3.0


@pytest.mark.parametrize(("i", "tol", "why"), [
    (0, 0.045, "Sc MET01: one silicate factor cannot order the two samples (measured -3.6 points)"),
    (1, 0.065, "Sc MET02: its Sc sits more in the faster-cracking amphibole of the assumed mineralogy "
               "(measured +5.7 points)"),
    (2, 0.01, "TREE MET01 (measured -0.3 points)"),
    (3, 0.01, "TREE MET02 (measured +0.3 points)"),
])
def test_fit_reproduces_phase_three(fit, i, tol, why):
    """Two factors, four figures: TREE+Y within 1 point, Sc within the stated residual (the model predicts
    MET02 above MET01 where the test work found it 3 points below; the deportment of samples.yaml is an
    assumption, and this is reported, not tuned away)."""
    assert fit["achieved"][i] == pytest.approx(fit["targets"][i], abs=tol), why


def test_optimisation_figures_need_plausible_conditions():
    """Consistency check, not validation (no conditions were published): the fitted route reaches 96 % Sc and
    94 % TREE+Y within the declared autoclave ranges, at a residence time of 3-8 h at 220 C (measured: Sc 5.6 h,
    TREE 4.2 h) or 230-260 C at 2 h (measured: Sc 245 C, TREE 241 C), all common pressure-leach conditions."""
    r = optimisation_check()
    assert 3.0 < r["time_h"]["Sc"] < 8.0 and 3.0 < r["time_h"]["TREE"] < 8.0
    assert 230.0 < r["temperature_c"]["Sc"] < 260.0 and 230.0 < r["temperature_c"]["TREE"] < 260.0
    _, ext = r["grid"]["time_h"]
    assert np.all(np.diff(ext["Sc"]) >= -1e-12)  # extraction never falls with a longer leach
