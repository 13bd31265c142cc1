"""Validation of the hydromet models against published data (figure: docs/figures/hydromet_validation.svg)."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.hydromet.calibration import calibrate_leach, leach_extraction
from scandia.hydromet.solvent_extraction import d2ehpa_log_d, solve_cascade
from scandia.scenario.schema import load_data

pytestmark = pytest.mark.validation

# PrOMMiS steady SX test case: prommis/prommis src/prommis/solvent_extraction/tests/test_solvent_extraction_steady.py
# (3 counter-current stages, O/A 1, 5 vol% D2EHPA), inputs and asserted outlets in mg/L.
ELS = ["Al", "Ca", "Fe", "Sc", "Y", "La", "Ce", "Pr", "Nd", "Sm", "Gd", "Dy"]
MW = {"Al": 26.982, "Ca": 40.078, "Fe": 55.845, "Sc": 44.956, "Y": 88.906, "La": 138.91, "Ce": 140.12, "Pr": 140.91,
      "Nd": 144.24, "Sm": 150.36, "Gd": 157.25, "Dy": 162.50}
FEED = {"Al": 422.375, "Ca": 109.542, "Fe": 688.266, "Sc": 0.032, "Y": 0.124, "La": 0.986, "Ce": 2.277, "Pr": 0.303,
        "Nd": 0.946, "Sm": 0.097, "Gd": 0.2584, "Dy": 0.047}
ORG_IN = {"Al": 1.267e-5, "Ca": 2.684e-5, "Fe": 2.873e-6, "Sc": 1.734, "Y": 2.179e-5, "La": 0.000105, "Ce": 0.00031,
          "Pr": 3.711e-5, "Nd": 0.000165, "Sm": 1.701e-5, "Gd": 3.357e-5, "Dy": 8.008e-6}
RAFFINATE = {"Al": 399.95, "Ca": 102.336, "Fe": 585.5947, "Sc": 0.0027415, "Y": 4.27601e-06, "La": 0.91421,
             "Ce": 2.1056, "Pr": 0.27631, "Nd": 0.8801, "Sm": 0.08669, "Gd": 0.19119, "Dy": 0.0010159}
LOADED = {"Al": 22.4249, "Ca": 7.2059, "Fe": 102.6712, "Sc": 1.7632, "Y": 0.12401, "La": 0.07189, "Ce": 0.17168,
          "Pr": 0.026727, "Nd": 0.06606, "Sm": 0.010323, "Gd": 0.06723, "Dy": 0.045992}


def prommis_case() -> tuple[dict[str, float], dict[str, float]]:
    """scandia's cascade on PrOMMiS's steady SX test inputs, with PrOMMiS's D model; returns outlets (mg/L)."""
    data = load_data("hydromet/sx_d2ehpa.yaml")["elements"]
    key = {"Fe": "Fe2"}  # PrOMMiS's Fe constant is stored under Fe(II) in scandia's data file

    def log_d(ph):
        dose = np.array([[[5.0]]])
        out = np.empty((*ph.shape, len(ELS)))
        for j, e in enumerate(ELS):
            p = data[key.get(e, e)]
            if p["form"] == "constant":
                out[..., j] = np.log10(p["D"])
            else:
                out[..., j] = (p["m0"] + p["m1"] * dose[..., 0]) * ph + p["B0"] + p["B1"] * np.log10(5.0)
        return out

    x = np.array([[FEED[e] / MW[e] / 1e3 for e in ELS]])
    y = np.array([[ORG_IN[e] / MW[e] / 1e3 for e in ELS]])
    h_t = np.array([10.75 / 1.0 / 1e3 + 1e4 / 97.07 / 1e3])  # H+ (mw 1 g/mol in PrOMMiS) + HSO4-
    s_t = np.array([100 / 96.06 / 1e3 + 1e4 / 97.07 / 1e3])
    charge = np.array([2.0 if e == "Ca" else 3.0 for e in ELS])
    res = solve_cascade(x, y, np.array([[1.0]]), 3, log_d, h_t, s_t, 1.99, charge)
    raf = {e: res.raffinate[0, j] * MW[e] * 1e3 for j, e in enumerate(ELS)}
    org = {e: res.loaded[0, j] * MW[e] * 1e3 for j, e in enumerate(ELS)}
    return raf, org


@pytest.mark.parametrize("element", ELS)
def test_reproduces_prommis_steady_sx(element):
    """PrOMMiS 1.1 steady solvent extraction test (counter-current, 3 stages, D2EHPA, HSO4- equilibrium):
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
