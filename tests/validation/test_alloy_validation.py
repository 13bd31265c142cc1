"""Alloy models against published data (figure: docs/figures/alloy_validation.svg).

Source: Knipling, Seidman & Dunand, Acta Mater. 59 (2011) 943, isochronal aging (3 h per 25 °C step) of
Al-0.06Sc and Al-0.06Sc-0.06Zr (at.%). The binary alloy is reproduced (onset, peak temperature, peak hardness).
The ternary is only partly: the model keeps more hardness than the binary above 350 °C, as Zr does, but it does
not form the secondary peak of 618 MPa at 400 °C, because it does not resolve the Zr-rich shells that Knipling
credits for it; no test asserts that peak. The absolute hardness carries the Tabor factor and a pure-Al matrix
term of 53 MPa.
"""

from __future__ import annotations

import numpy as np
import pytest

from scandia.alloy.validation import KNIPLING_2011, knipling_isochronal

pytestmark = pytest.mark.validation


@pytest.fixture(scope="module")
def curves():
    return knipling_isochronal()


def test_sc_precipitation_starts_between_250_and_300_c(curves):
    """Knipling: Al3Sc precipitation commences between 250 and 300 C in Al-0.06Sc."""
    c = curves["Al-0.06Sc"]
    first = c["temp_c"][np.argmax(c["precipitation_mpa"] > 10.0)]
    lo, hi = KNIPLING_2011["Al-0.06Sc"]["onset_c"]
    assert lo <= first <= hi


def test_binary_peak_temperature_and_hardness(curves):
    """Al-0.06Sc peaks at 325 C with 429 MPa: within one 25 C step and 15 %."""
    rec = KNIPLING_2011["Al-0.06Sc"]
    c = curves["Al-0.06Sc"]
    assert c["temp_c"][np.argmax(c["hardness_mpa"])] == pytest.approx(rec["peak_c"], abs=25.0)
    assert c["hardness_mpa"].max() == pytest.approx(rec["peak_hv_mpa"], rel=0.15)


def test_zr_keeps_strength_at_high_temperature(curves):
    """Knipling: Zr adds strength above 325 C. The model's Sc+Zr alloy is at least 10 % harder than the binary at
    every step from 400 to 500 C, and never softer at any step (its peak value is not reproduced, see above)."""
    sc, sczr = curves["Al-0.06Sc"], curves["Al-0.06Sc-0.06Zr"]
    hot = (sc["temp_c"] >= 400.0) & (sc["temp_c"] <= 500.0)
    assert np.all(sczr["hardness_mpa"][hot] >= 1.10 * sc["hardness_mpa"][hot])
    assert np.all(sczr["hardness_mpa"] >= sc["hardness_mpa"] - 1e-6)
    # every step up to 500 C (the compared range) solves cleanly; at 525-600 C, far above the peak, the coarsened
    # size distribution of the Sc+Zr alloy may touch the top of the radius grid, which the model reports as
    # "clipped" (usable). Whether it does at 600 C depends on the last bits of the BLAS/NumPy build.
    upto = sc["temp_c"] <= 500.0
    assert np.all(sc["status"][upto] == 0) and np.all(sczr["status"][upto] == 0)
    assert np.all(sc["status"] <= 1) and np.all(sczr["status"] <= 1)
