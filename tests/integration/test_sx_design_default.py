"""Issue 14 item 3: the SX default is the design search's optimum for the default scenario (the search, not a
value typed in, decides the stage counts and O/A)."""

from __future__ import annotations

import pytest

import scandia
from scandia.chain import run

pytestmark = pytest.mark.integration


def test_default_sx_design_is_the_search_optimum():
    s = scandia.load("crater-lake").with_values({"hydromet.design": True, "hydromet.routes": ["caustic"]})
    d = run(s).stages["hydromet_design"]
    sx = s.hydromet.sx
    assert int(d.extraction_stages[0]) == sx.extraction_stages
    assert int(d.scrub_stages[0]) == sx.scrub_stages
    assert float(d.extraction_oa[0]) == pytest.approx(sx.extraction_oa)
    assert d.sc2o3_purity_frac[0] >= s.hydromet.purification.purity_target_frac
