"""Parameter declarations, the restricted quantity grammar and bad input on every declared field."""

from __future__ import annotations

import math

import pytest

from scandia.core import ScenarioError
from scandia.scenario import load_scenario, scenario_from_dict
from scandia.scenario.params import PARAMS
from scandia.scenario.quantity import display_unit, parse_quantity, to_unit, ureg

pytestmark = pytest.mark.unit


def _nest(path: str, value: object) -> dict:
    out: dict = {}
    node = out
    parts = path.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    return out


def _base_for(path: str) -> dict:
    """A minimal scenario in which ``path`` exists (optional sections given their required inputs)."""
    if path.startswith("economics.inputs."):
        return {"economics": {"inputs": {"concentrate_tpa": 1e5, "sc2o3_production_tpa": 50,
                                         "reagent_cost_usd_per_kg_sc2o3": 400}}}
    if path.startswith("hydromet.feed."):
        return {"hydromet": {"feed": {"concentrate_tph": 10, "mineral_mass_frac": {"fayalite": 1.0}}}}
    return {}


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def test_every_declaration_is_complete():
    """Each declared field has a pint unit, a scope, finite bounds around its default, and a provenance."""
    assert len(PARAMS) > 100
    for path, p in PARAMS.items():
        ureg.Unit(p.unit)
        assert p.scope in ("scenario", "run"), path
        assert p.lo is not None and p.hi is not None and p.lo < p.hi, path
        assert p.default is None or p.lo <= p.default <= p.hi, path
        assert p.basis in ("source", "assumption", "fitted_to", "fitted") and p.note, path
        if p.scope == "run":
            assert p.scope_reason, f"{path}: a run-scoped field says why"


def test_units_come_from_declarations_not_names():
    """The fields the suffix rule misread: ``_t`` was tesla, ``_g_per_l`` and ``_d`` dimensionless."""
    s = load_scenario()
    cases = {
        "hydromet.bake.acid_dose_kg_per_t": ("1 t/t", 1000.0),  # 1 t acid per t concentrate = 1000 kg/t
        "hydromet.heap.moisture_m3_per_t": ("100 L/t", 0.1),
        "hydromet.ccd.underflow_liquor_t_per_t": ("1500 kg/t", 1.5),
        "hydromet.tank.free_acid_g_per_l": ("0.1 kg/L", 100.0),
        "hydromet.heap.leach_time_d": ("24 weeks", 168.0),
        "hydromet.heap.pore_diffusivity_m2_s": ("0.001 mm**2/s", 1e-9),
        "alloy.master_alloy.anode_usd_per_kg_c": ("700 USD/t", 0.7),
    }
    for path, (text, expected) in cases.items():
        got = s.with_values({path: text})
        value = got
        for part in path.split("."):
            value = getattr(value, part)
        # hand conversions: 1 t/t = 1000 kg/t; 100 L = 0.1 m3; 24 weeks = 168 d; 0.001 mm2/s = 1e-9 m2/s
        assert value == pytest.approx(expected, rel=1e-12), path


@pytest.mark.parametrize("text", ["9**9**9 t/h", "9**9**8 t/h", "2**1000", "1e9999 t/h", "inf t/h", "nan",
                                  "(1+2) t/h", "__import__('os') t", "1 t/h; 2", "1" * 200 + " t/h", "", "t/h"])
def test_grammar_refuses_arithmetic_and_garbage(text):
    """No arithmetic, no non-finite numbers, no parentheses, bounded length: each refused with ValueError."""
    with pytest.raises(ValueError):
        to_unit(text, "tonne/hour")


@pytest.mark.parametrize(("text", "magnitude", "unit"), [
    ("95 degC", 95.0, "degree_Celsius"), ("2350 t/d", 2350.0, "metric_ton / day"), ("1e3", 1000.0, None),
    ("-2.5E-3 kg*m/s^2", -2.5e-3, "kilogram * meter / second ** 2"), ("10 L/m**2/h", 10.0, None), ("50 %", 50.0, None),
])
def test_grammar_reads_numbers_and_unit_expressions(text, magnitude, unit):
    value, u = parse_quantity(text)
    assert value == magnitude
    if unit is not None:
        assert str(u) == unit


# 10**5000 - 1 has 5,000 digits
BAD = [float("nan"), float("inf"), -float("inf"), 1e300, 10**5000 - 1, "abc", "1 parsec", True]


@pytest.mark.parametrize("path", sorted(PARAMS))
def test_bad_input_on_every_field_is_one_line_naming_field_unit_and_range(path):
    """NaN, inf, 1e300, a 5,000-digit integer, a string, a wrong unit, a boolean, and values just outside the
    bounds: each a one-line ScenarioError naming the field path; range errors also name the unit and range."""
    p = PARAMS[path]
    base = _base_for(path)
    span = p.hi - p.lo
    values = [*BAD, p.lo - 0.01 * span - 1e-9, p.hi + 0.01 * span + 1e-9]
    for bad in values:
        with pytest.raises(ScenarioError) as info:
            scenario_from_dict(_merge(base, _nest(path, bad)))
        msg = str(info.value)
        assert msg.startswith(path) and "\n" not in msg, (path, bad, msg)
        if (isinstance(bad, float) and math.isfinite(bad) and not p.integer) or bad == 1e300:
            assert f"[{p.lo}, {p.hi}]" in msg and display_unit(p.unit) in msg, (path, bad, msg)


def test_integer_fields_take_whole_numbers_only():
    with pytest.raises(ScenarioError, match=r"hydromet.tank.n_tanks.*whole number"):
        scenario_from_dict({"hydromet": {"tank": {"n_tanks": 2.5}}})
    assert scenario_from_dict({"hydromet": {"tank": {"n_tanks": "3"}}}).hydromet.tank.n_tanks == 3


def test_distribution_on_a_run_scoped_field_is_refused():
    with pytest.raises(ScenarioError, match=r"hydromet.tank.n_tanks is run-scoped"):
        scenario_from_dict({"uncertainty": {"distributions": {
            "hydromet.tank.n_tanks": {"dist": "uniform", "low": 2, "high": 6}}}})


@pytest.mark.parametrize("rho", [float("nan"), float("inf"), 1.5])
def test_bad_correlation_is_refused(rho):
    d = {"dist": "uniform", "low": 0.05, "high": 0.1}
    with pytest.raises(ScenarioError, match="correlation"):
        scenario_from_dict({"uncertainty": {
            "distributions": {"economics.params.discount_rate_frac": d, "economics.params.royalty_frac": d},
            "correlations": [["economics.params.discount_rate_frac", "economics.params.royalty_frac", rho]]}})


def test_assignment_is_validated_and_converted():
    s = load_scenario()
    s.plant.ore_feed_rate_tph = "2000 t/d"
    assert s.plant.ore_feed_rate_tph == pytest.approx(2000 / 24)
    with pytest.raises(ScenarioError, match="ore_feed_rate_tph"):
        s.plant.ore_feed_rate_tph = "2 parsec"
    assert s.plant.ore_feed_rate_tph == pytest.approx(2000 / 24)  # a refused assignment changes nothing
    with pytest.raises(ScenarioError, match=r"hydromet\.tank\.temperature_c"):
        s.set("hydromet.tank.temperature_c", "500 degC")
    assert s.set("hydromet.tank.temperature_c", "194 degF").hydromet.tank.temperature_c == pytest.approx(90.0)


def test_huge_integer_literal_in_yaml_is_one_line():
    from scandia.scenario.loader import parse_yaml

    with pytest.raises(ScenarioError, match="4,300 digits"):
        parse_yaml("plant: {ore_feed_rate_tph: " + "9" * 5000 + "}")


def test_chain_refuses_per_scenario_values_of_a_run_scoped_field():
    import numpy as np

    from scandia.chain import run

    with pytest.raises(ScenarioError, match=r"hydromet\.sx\.extraction_stages: is run-scoped"):
        run(load_scenario(), stage="hydromet", n=2, arrays={"hydromet.sx.extraction_stages": np.array([3.0, 4.0])})


def test_distribution_on_an_inert_field_is_refused():
    """A distribution that could change nothing is an error, not a silent no-op."""
    with pytest.raises(ScenarioError, match=r"beneficiation\.liberation\.d_lib_mm moves no result"):
        scenario_from_dict({"uncertainty": {"distributions": {
            "beneficiation.liberation.d_lib_mm": {"dist": "uniform", "low": 1.0, "high": 3.0}}}})


def test_batch_is_the_section_tree_on_the_scenario_axis():
    import numpy as np

    from scandia.beneficiation.ore import ore_model
    from scandia.hydromet.chemistry import chemistry
    from scandia.hydromet.leaching import TankLeach

    s = load_scenario()
    b = s.batch(3, {"hydromet.tank.temperature_c": [80.0, 90.0, 100.0]})
    assert b.hydromet.tank.temperature_c.tolist() == [80.0, 90.0, 100.0]
    assert b.plant.ore_feed_rate_tph.shape == (3,) and "tank" in dir(b.hydromet)
    ore = ore_model("met01")
    unit = TankLeach.from_section(b.hydromet.tank, ore, chemistry("HCl", ore.components))
    x = unit.conversion(3)
    assert np.all(np.diff(x[:, ore.minerals.index("fayalite")]) > 0)  # hotter dissolves more (Arrhenius)
    with pytest.raises(ScenarioError, match=r"hydromet\.tank\.temperature_c: values must lie in \[20.0, 105.0\]"):
        s.batch(2, {"hydromet.tank.temperature_c": [90.0, 150.0]})
    with pytest.raises(ScenarioError, match=r"hydromet\.tank\.n_tanks: is run-scoped"):
        s.batch(2, {"hydromet.tank.n_tanks": [3, 4]})
    with pytest.raises(ScenarioError, match=r"hydromet\.tank\.bogus: not a field"):
        _ = b.hydromet.tank.bogus


def test_unit_defaults_are_the_declared_ones():
    """One default per field: the acid-bake dose was 600 kg/t in the constructor and 1000 in the data file."""
    from scandia.beneficiation.ore import ore_model
    from scandia.hydromet.chemistry import chemistry
    from scandia.hydromet.leaching import AcidBakeLeach, HeapLeach, TankLeach

    ore = ore_model("met01")
    chem = chemistry("H2SO4", ore.components)
    for cls, section in ((TankLeach, "hydromet.tank."), (AcidBakeLeach, "hydromet.bake."),
                         (HeapLeach, "hydromet.heap.")):
        unit = cls(ore, chem)
        for path, p in PARAMS.items():
            if path.startswith(section):
                assert getattr(unit, p.name) == p.default, path
        assert unit.rate_factor == PARAMS["hydromet.common.rate_factor"].default  # the fitted value
    assert AcidBakeLeach(ore, chem).acid_dose_kg_per_t == 1000.0
