"""Issue 14 item 3: the SX default is the design search's optimum for the default scenario (the search, not a
value typed in, decides the stage counts and O/A)."""

from __future__ import annotations

import pytest

import scandia
from scandia.chain import run

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("name", "route"), [("crater-lake", "caustic"), ("crater-lake-sulfuric", "tank")])
def test_default_sx_design_is_the_search_optimum(name, route):
    """Each lixiviant's built-in SX (HCl: 20 vol% D2EHPA, IMPC 2024; H2SO4: 5 vol%, the PrOMMiS sulfate case) runs
    the stage counts and O/A the design search picks at that dosage."""
    s = scandia.load(name).with_values({"hydromet.design": True, "hydromet.routes": [route]})
    d = run(s).stages["hydromet_design"]
    sx = s.hydromet.sx
    assert int(d.extraction_stages[0]) == sx.extraction_stages
    assert int(d.scrub_stages[0]) == sx.scrub_stages
    assert float(d.extraction_oa[0]) == pytest.approx(sx.extraction_oa)
    assert d.sc2o3_purity_frac[0] >= s.hydromet.purification.purity_target_frac


def test_the_sulfuric_scenario_runs_the_declared_h2so4_design():
    """The route table gives an HCl scenario's H2SO4 options the declared H2SO4 design; the sulfuric built-in
    states the same values (one design per lixiviant)."""
    from scandia.compare import lixiviant_sx

    hcl = scandia.load("crater-lake")
    sx = scandia.load("crater-lake-sulfuric").hydromet.sx
    for path, value in lixiviant_sx(hcl, "H2SO4").items():
        assert getattr(sx, path.rsplit(".", 1)[1]) == pytest.approx(value), path
    assert lixiviant_sx(hcl, "HCl") == {}
