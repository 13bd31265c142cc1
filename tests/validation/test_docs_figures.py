"""The documentation figures regenerate from code (docs/make_figures.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.validation


LINES = ("grade_recovery.svg", "leach_tradeoff.svg", "caustic_validation.svg", "resource_grade_tonnage.svg",
         "market_validation.svg", "market_price_path.svg")


def test_figures_regenerate(tmp_path):
    script = Path(__file__).resolve().parents[2] / "docs" / "make_figures.py"
    mod = runpy.run_path(str(script))
    mod["main"](tmp_path)
    for name in ("beneficiation_calibration.svg", "grade_recovery.svg", "hydromet_validation.svg",
                 "leach_tradeoff.svg", "caustic_validation.svg", "acid_loop.svg", "footprint_by_route.svg",
                 "alloy_validation.svg", "alloy_kwn_kawin.svg", "alloy_phase.svg",
                 "alloy_pareto.svg", "economics_validation.svg", "resource_grade_tonnage.svg",
                 "resource_babbitt_desurvey.svg", "market_validation.svg", "market_price_path.svg"):
        text = (tmp_path / name).read_text()
        assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
        lines = name in LINES or name.startswith("alloy_")
        assert ("polyline" in text) if lines else ("<rect" in text)
