"""The market model against published figures it was not fitted to, and its held-back year.

Sources: USGS Mineral Commodity Summaries 2026, Scandium (oxide prices 2021-2025, data/market/prices.yaml);
Sverdrup & Sverdrup 2024, Biophysical Economics and Sustainability, doi 10.1007/s41247-024-00118-y (about 45 t
Sc2O3 produced in 2022); Project Blue, 10 Jan 2023 (under 40 t in 2022); Reuters (A. Home, 26 Jul 2022:
15-25 t). Figure: docs/figures/market_validation.svg (docs/make_figures.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from scandia.market.calibrate import fit_history, history, holdout_check
from scandia.market.stage import run_market
from scandia.scenario import load_scenario

pytestmark = pytest.mark.validation


def test_held_back_year_beats_persistence():
    """USGS MCS 2026: fit on 2021-2024, forecast 2025 one step ahead. The model's absolute log error is below
    the persistence forecast's (2024's price). Measured: model US$616/kg (|log error| 0.0377) against
    persistence US$665/kg (0.0383), observed 640: a narrow win on one year, which is all five annual prices can
    show. The model also gets the direction right (the decline continues)."""
    h = holdout_check()
    assert h["model_abs_log_error"] < h["persistence_abs_log_error"]
    assert h["model_usd_per_kg"] < h["persistence_usd_per_kg"]
    assert h["model_abs_log_error"] < 0.06  # within 6 % of the observed price


def test_one_step_forecasts_of_the_fitted_years_within_five_percent():
    """USGS MCS 2026, 2022-2025 one step ahead with both fitted numbers: each within 5 % in log price (the
    quoted ranges are themselves 1-12 % wide: 890-1,000 US$/kg in 2021)."""
    fit = fit_history()
    err = np.abs(np.log(fit.forecast_usd_per_kg / fit.observed_usd_per_kg))
    assert np.all(err < 0.05), err


def test_world_supply_in_2022_within_the_published_range():
    """Sverdrup & Sverdrup 2024 (about 45 t Sc2O3 in 2022), Project Blue (under 40 t) and Reuters (15-25 t): the
    model's 2022 world supply, at the observed price, lies in the published 15-45 t. Not an independent check of
    the stack (the 2024 base demand of 45 t is taken from the same estimates), but the fit used only prices and
    nothing forces the supply stack at the fitted offer factor to land there. Measured: 44.0 t."""
    r = run_market(load_scenario(), 1)
    years, _, _ = history()
    i = int(np.flatnonzero(r.path.years == 2022)[0])
    assert 15.0 <= r.path.supply_tpa[0, i] <= 45.0
    assert years[0] <= 2022 <= years[-1]
