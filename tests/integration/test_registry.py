"""Registries: a new leach route and a new concentration device are each one class, one data section and one
registry entry, and appear in the schema, a run, the report and the dashboard options with no other file touched.

Everything a route needs is in this file: the two classes, their data sections (as YAML, as a data file would hold
them) and the two ``register`` calls.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import scandia
from scandia.beneficiation.devices import Comminution, PartitionSeparator
from scandia.beneficiation.partition import tromp
from scandia.beneficiation.routes import CONCENTRATION_ROUTES, concentration_route
from scandia.core.unit import per_scenario
from scandia.core.units import Mixer
from scandia.hydromet.leaching import TankLeach
from scandia.hydromet.routes import LEACH_ROUTES, leach_route
from scandia.scenario.params import PARAMS

pytestmark = pytest.mark.integration


# --- one class each -------------------------------------------------------------------------------------------
class Spiral(PartitionSeparator):
    """Gravity spiral: a Tromp curve in particle density with a size-independent Ep (Napier-Munn 1991 form)."""

    outlets = ("heavies", "lights")

    def __init__(self, d50_t_m3, ep_t_m3) -> None:
        self.d50_t_m3, self.ep_t_m3 = d50_t_m3, ep_t_m3

    def partition(self, feed):
        d50 = per_scenario(self.d50_t_m3, feed.n, "spiral.d50_t_m3", 1.0, 6.0)
        ep = per_scenario(self.ep_t_m3, feed.n, "spiral.ep_t_m3", 1e-3, 2.0)
        return tromp(feed.classes.density_t_m3, d50, ep)


class HotTankLeach(TankLeach):
    """A tank leach run hotter and longer (its own section and capex item)."""


# --- one data section each ------------------------------------------------------------------------------------
SPIRAL = yaml.safe_load("""
grind_p80_mm: {value: 1.0, unit: "millimeter", scope: scenario, min: 0.1, max: 3.0, assumption: "spiral feed"}
d50_t_m3: {value: 3.2, unit: "tonne/meter**3", scope: scenario, min: 2.6, max: 4.0, assumption: "cut density"}
ep_t_m3: {value: 0.15, unit: "tonne/meter**3", scope: scenario, min: 0.05, max: 0.5, assumption: "spiral Ep"}
capex:
  concentrator: {basis: ore_tph, ref_cost_musd: 60.0, ref_quantity: 100.0, exponent: 0.6, ref_year: 2022,
                 assumption: "test item: a spiral plant cheaper than magnetic separation"}
""")
HOT_TANK = yaml.safe_load("""
temperature_c: {value: 100.0, unit: "degC", scope: scenario, min: 60.0, max: 105.0, assumption: "test"}
residence_time_h: {value: 12.0, unit: "hour", scope: scenario, min: 1.0, max: 48.0, assumption: "test"}
n_tanks: {value: 6, unit: "dimensionless", scope: run, scope_reason: "stage count", min: 1, max: 12,
          integer: true, assumption: "test"}
free_acid_g_per_l: {value: 120.0, unit: "gram/liter", scope: scenario, min: 5.0, max: 400.0, assumption: "test"}
solids_mass_frac: {value: 0.3, unit: "dimensionless", scope: scenario, min: 0.05, max: 0.6, assumption: "test"}
regrind_p80_mm: {value: 0.075, unit: "millimeter", scope: scenario, min: 0.02, max: 1.0, assumption: "test"}
capex:
  hydromet: {basis: concentrate_tpa, ref_cost_musd: 120.0, ref_quantity: 75000.0, exponent: 0.6, ref_year: 2016,
             includes_indirects: true, assumption: "test item: a bigger tank train"}
""")


def _build_spiral(fs, ore, sec, crush):
    s = sec("spiral")
    fs.add("grind", Comminution(ore, s.grind_p80_mm, **crush)).add("spiral", Spiral(s.d50_t_m3, s.ep_t_m3))
    fs.add("mix", Mixer(1)).connect("grind.product", "spiral.feed").connect("spiral.heavies", "mix.in0")


# --- one registry entry each ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def registered():
    CONCENTRATION_ROUTES.register(concentration_route(
        "spiral", _build_spiral, label="gravity spiral", cut="beneficiation.spiral.d50_t_m3", feed="grind.feed",
        params=SPIRAL, capex=SPIRAL["capex"]))
    LEACH_ROUTES.register(leach_route("hot_tank", HotTankLeach, HOT_TANK, label="hot tank leach",
                                      lixiviants=("HCl",), tradeoff=("free_acid_g_per_l", 20.0, 300.0)))
    yield
    CONCENTRATION_ROUTES.unregister("spiral")
    LEACH_ROUTES.unregister("hot_tank")


def _scenario():
    return scandia.load("crater-lake").with_values({
        "beneficiation.routes": ["lims_whims", "spiral"], "beneficiation.selected_route": "spiral",
        "hydromet.leach_route": "hot_tank", "hydromet.routes": ["tank", "hot_tank"],
        "beneficiation.spiral.d50_t_m3": "3.3 g/cm^3"})


def test_new_route_and_device_are_in_the_schema(registered):
    s = _scenario()
    assert s.beneficiation.spiral.d50_t_m3 == pytest.approx(3.3)  # converted through its declaration
    assert PARAMS["hydromet.hot_tank.n_tanks"].scope == "run"
    schema = scandia.Scenario.model_json_schema()
    assert "spiral" in str(schema) and "hot_tank" in str(schema)
    with pytest.raises(scandia.core.ScenarioError, match=r"beneficiation\.spiral\.d50_t_m3"):
        s.with_values({"beneficiation.spiral.d50_t_m3": 9.0})


def test_new_route_and_device_run_and_capex_follows_them(registered):
    r = scandia.run(_scenario(), curves=True)
    spiral = r.summary["stages"]["beneficiation"]["routes"]["spiral"]
    assert 0 < spiral["sc_recovery_frac"] <= 1 and 0 < spiral["mass_pull_frac"] < 1
    hyd = r.summary["stages"]["hydromet"]
    assert hyd["leach_route"] == "hot_tank" and 0 < hyd["metrics"]["leach_sc_extraction_frac"] <= 1
    assert set(hyd["routes"]) == {"tank", "hot_tank"}
    # capex follows the routes: the spiral's and the hot tank train's items, scaled as declared
    base = scandia.run("crater-lake")
    capex = r.table("economics_capex").set_index("area")["capex_musd"]
    capex0 = base.table("economics_capex").set_index("area")["capex_musd"]
    conc_ratio = capex["concentrator"] / capex0["concentrator"]
    assert conc_ratio == pytest.approx(60.0 / 95.0, rel=1e-9)  # same ore rate, same exponent and year
    assert capex["hydromet"] != pytest.approx(capex0["hydromet"])
    # the report's sweeps include them
    assert "spiral" in set(r.table("grade_recovery")["route"])
    assert "hot_tank" in set(r.table("leach_tradeoff")["leach_route"])
    assert np.all(np.isfinite(r.table("leach_tradeoff")["payable_sc_recovery_frac"]))


def test_new_route_and_device_are_in_the_report_and_dashboard(registered):
    from fastapi.testclient import TestClient

    from scandia.report.html import build_report
    from scandia.runner import resolved_yaml
    from scandia.web.app import create_app

    r = scandia.run(_scenario(), curves=True, routes=True)
    html = build_report(r.summary, r.tables, resolved_yaml(r.scenario))
    assert "spiral" in html and "hot_tank" in html
    assert "hot_tank" in set(r.table("route_comparison")["leach_route"])  # the route table takes it too
    controls = TestClient(create_app(), base_url="http://127.0.0.1").get("/whatif/controls").json()
    assert "spiral" in controls["concentration_routes"] and controls["labels"]["spiral"] == "gravity spiral"
    assert "hot_tank" in controls["leach_routes"] and controls["acid"]["hot_tank"]["max"] == 300.0
