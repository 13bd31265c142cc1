"""Scenario files: pydantic schema, YAML loading and units at the boundary."""

from .loader import DEFAULT_SCENARIO, builtin_scenarios, load_scenario, scenario_from_dict
from .schema import ROUTES, Scenario

__all__ = ["DEFAULT_SCENARIO", "ROUTES", "Scenario", "builtin_scenarios", "load_scenario", "scenario_from_dict"]
