"""Validation of the hydromet models against published data (figure: docs/figures/hydromet_validation.svg)."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.core.datafiles import load_data
from scandia.hydromet.calibration import calibrate_leach, leach_extraction
from scandia.hydromet.peers import PROMMIS_METALS, prommis_sx_case
from scandia.hydromet.solvent_extraction import d2ehpa_log_d

pytestmark = pytest.mark.validation

CASE = load_data("hydromet/prommis_sx_case.yaml")


def prommis_case() -> tuple[dict[str, float], dict[str, float]]:
    """scandia's cascade on PrOMMiS's steady SX test inputs, with PrOMMiS's D model; returns outlets (mg/L)."""
    res, mw = prommis_sx_case(1)
    raf = {e: res.raffinate[0, j] * mw[j] * 1e3 for j, e in enumerate(PROMMIS_METALS)}
    org = {e: res.loaded[0, j] * mw[j] * 1e3 for j, e in enumerate(PROMMIS_METALS)}
    return raf, org


ELS = list(PROMMIS_METALS)
FEED = CASE["aqueous_feed_mg_l"]
RAFFINATE = CASE["expected_raffinate_mg_l"]
LOADED = CASE["expected_loaded_mg_l"]


@pytest.mark.parametrize("element", ELS)
def test_reproduces_prommis_steady_sx(element):
    """PrOMMiS 1.1 steady solvent extraction test (files cited in data/hydromet/prommis_sx_case.yaml;
    counter-current, 3 stages, D2EHPA, HSO4- equilibrium):
    scandia's vectorized cascade gives the same raffinate and loaded organic within 0.5 % (measured: 0.2 % worst,
    Y in the raffinate at 4e-6 mg/L; 3e-5 or better for Sc, Fe, Al, Ca)."""
    raf, org = prommis_case()
    assert raf[element] == pytest.approx(RAFFINATE[element], rel=5e-3)
    assert org[element] == pytest.approx(LOADED[element], rel=5e-3)


@pytest.fixture(scope="module")
def leach_fit():
    return calibrate_leach()


def test_leach_fit_reproduces_met01(leach_fit):
    """Imperial Mining, 9 June 2021 (Phase III): Sc 87 % and TREE+Y 84 % to PLS for MET01. Fitted (two rate
    factors, two targets): within 1 percentage point, and refit equals the shipped fitted.yaml."""
    assert np.allclose(leach_fit["achieved"], leach_fit["targets"], atol=0.01)
    shipped = load_data("hydromet/fitted.yaml")
    assert leach_fit["rate_factor"] == pytest.approx(shipped["common"]["rate_factor"], rel=1e-3)
    assert leach_fit["allanite_factor"] == pytest.approx(shipped["mineral_rate_factor"]["allanite"], rel=1e-3)


@pytest.mark.parametrize(("element", "published"), [("Sc", 0.84), ("TREE", 0.84)])
def test_leach_predicts_met02(leach_fit, element, published):
    """Imperial Mining, 9 June 2021: MET02 Sc 84 % and TREE+Y 84 % to PLS. Not fitted: predicted from the MET01
    fit and MET02's mineralogy. Tolerance 6 points: the published route (caustic pressure leach then HCl) differs
    from the modelled HCl tank leach, and the sample mineralogy is assumed (measured: Sc 89.2 %, TREE 81.4 %)."""
    out = leach_extraction("met02", np.array([leach_fit["rate_factor"]]), np.array([leach_fit["allanite_factor"]]))
    assert out[element][0] == pytest.approx(published, abs=0.06)


def test_caustic_strip_matches_zhang():
    """Zhang et al. (JOM), D2EHPA-TBP: 85.0 % of loaded Sc stripped with 2 M NaOH + 1 M NaCl in 3 cross-current
    stages; the per-contact strip fraction in the data file reproduces it within 0.5 points."""
    f = load_data("hydromet/sx_d2ehpa.yaml")["strip_per_contact_frac"]["Sc"]["value"]
    assert 1 - (1 - f) ** 3 == pytest.approx(0.85, abs=0.005)


def test_sc_fe3_separation_factor_matches_ye():
    """Ye et al. (2019) Sep. Purif. Technol. 209:175: beta(Sc/Fe) = 298 with D2EHPA at pH 1.5-1.8. The D model
    gives D_Sc / D_Fe(III) at pH 1.6 within 5 %."""
    from scandia.hydromet.chemistry import AQUEOUS

    log_d = d2ehpa_log_d(np.array([[1.6]]), np.array([[5.0]]))[0, 0]
    beta = 10 ** (log_d[AQUEOUS.index("Sc")] - log_d[AQUEOUS.index("Fe3")])
    assert beta == pytest.approx(298, rel=0.05)
