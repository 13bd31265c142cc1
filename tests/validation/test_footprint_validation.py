"""CO2e per kg Sc2O3 by HCl route (scandia.hydromet.validation.footprint_by_route; figure
docs/figures/footprint_by_route.svg), against the one published life-cycle value found.

Zhang, Gao, Gong, Wang & Liu (2019) "Life Cycle Assessment of Erbium Oxide and Scandium Oxide", Mater. Sci. Forum
944:1130 (abstract): 743 kg CO2e per kg Sc2O3, Chinese production, feedstock not stated. Hengevoss et al. (2024,
LCA of Sc recovery from bauxite residue, abstract) find their route about half the GWP of Sc2O3 from rare-earth
tailings and at least 80 % of it in the acid leach and Sc extraction, which is where scandia's footprint sits too.
Measured (default scenario): tank 3,116, tank_recycle 2,644, tank_regen 3,595, caustic 5,261 kg/kg, that is
3.6-7.1 times the published figure; HCl and lime are 94-98 % of the once-through routes, and the HCl factor is
still an assumption (data/economics/emissions.yaml).
"""

from __future__ import annotations

import pytest

from scandia.hydromet.validation import PUBLISHED_SC2O3_KG_CO2E_PER_KG, _hcl_routes_run, footprint_by_route

pytestmark = pytest.mark.validation


@pytest.fixture(scope="module")
def fp():
    return footprint_by_route()


def test_the_figure_adds_up_to_the_economics_stage(fp):
    """The by-source split uses the economics stage's own factors: summed, it is the stage's CO2e per kg Sc2O3
    for the run's selected route (tank) before allocation (the stage's figure over its Sc2O3 share)."""
    _s, res = _hcl_routes_run("crater-lake")
    m = res.stages["economics"].metrics
    site = float(m["co2e_kg_per_kg_sc2o3"][0] / m["co2e_sc2o3_share_frac"][0])
    assert sum(fp["tank"].values()) == pytest.approx(site, rel=1e-9)


def test_regeneration_trades_bought_acid_for_fuel(fp):
    """Pyrohydrolysis returns most of the bleed's chloride as HCl (acid_return_frac 0.99 of what hydrolyses):
    the HCl bought, and so its footprint, falls by more than 70 % against once-through; the roaster's natural gas
    appears only on that route, and lime (bleed neutralisation) nearly vanishes."""
    assert fp["tank_regen"]["HCl"] < 0.3 * fp["tank"]["HCl"]
    assert fp["tank_regen"]["natural gas"] > 0.0
    assert all(fp[r]["natural gas"] == 0.0 for r in ("tank", "tank_recycle", "caustic"))
    assert fp["tank_regen"]["lime"] < 0.01 * fp["tank"]["lime"]


def test_every_route_lies_above_the_published_lca(fp):
    """The measured gap, kept visible: every HCl route is 3-8 times the 743 kg/kg of Zhang et al. (2019). When a
    change (a cited HCl factor, an acid loop that pays) brings a route within this range's lower bound, this test
    says so and the docs must be updated."""
    for route, parts in fp.items():
        ratio = sum(parts.values()) / PUBLISHED_SC2O3_KG_CO2E_PER_KG
        assert 3.0 <= ratio <= 8.0, (route, ratio)
