"""Scenario schema, units at the boundary, loading."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.core import ScenarioError
from scandia.scenario import builtin_scenarios, load_scenario, scenario_from_dict
from scandia.scenario.quantity import to_unit

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("2350 t/d", "tonne/hour", 2350 / 24),  # PEA throughput, hand conversion
        ("1.2 Mt/yr", "tonne/hour", 1.2e6 / (365.25 * 24)),  # pint's year is the Julian year
        ("300 um", "millimeter", 0.3),
        ("10 kGs", "tesla", 1.0),
        ("3 g/cm^3", "tonne/meter**3", 3.0),
        ("50 %", "dimensionless", 0.5),
    ],
)
def test_units_convert(text, unit, expected):
    assert to_unit(text, unit) == pytest.approx(expected, rel=1e-12)


def test_default_scenario_is_crater_lake():
    s = load_scenario()
    assert s.name == "crater-lake"
    assert s.plant.ore_feed_rate_tph == pytest.approx(2350 / 24)
    assert set(builtin_scenarios()) >= {"crater-lake", "crater-lake-olivine"}


def test_arrays_have_scenario_axis():
    a = load_scenario().arrays(7)
    assert all(v.shape == (7,) for v in a.values())
    assert "beneficiation.whims.field_t" in a


def test_round_trip_through_dump():
    s = load_scenario()
    again = scenario_from_dict(s.model_dump(mode="json"))
    assert again == s


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"plant": {"ore_feed_rate_tph": -5}}, "plant.ore_feed_rate_tph", "[0.001, 100000.0]"),
        ({"plant": {"ore_feed_rate_tph": float("nan")}}, "plant.ore_feed_rate_tph", "finite"),
        ({"beneficiation": {"whims": {"field_t": "3 T"}}}, "beneficiation.whims.field_t", "[0.1, 2.0]"),
        ({"beneficiation": {"whims": {"field_t": "1 parsec"}}}, "beneficiation.whims.field_t", "convertible"),
        ({"beneficiation": {"lims": {"entrainment_frac": 1.5}}}, "beneficiation.lims.entrainment_frac", "[0.0, 0.1]"),
        ({"beneficiation": {"sample": "met99"}}, "beneficiation.sample", "met01"),
        ({"beneficiation": {"routes": ["flotation"]}}, "beneficiation.routes.0", "lims_whims"),
        ({"beneficiation": {"susceptibility_m3_kg": {"unobtainium": 1e-7}}}, "susceptibility_m3_kg", "unknown"),
        ({"bogus": 1}, "bogus", "unknown field"),
    ],
)
def test_bad_values_name_field_and_range(data, field, fragment):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    msg = str(info.value)
    assert field in msg and fragment in msg
    assert "\n" not in msg


def test_arrays_are_independent_copies():
    a = load_scenario().arrays(3)
    a["plant.ore_feed_rate_tph"][0] = -1
    assert np.all(load_scenario().arrays(3)["plant.ore_feed_rate_tph"] > 0)
