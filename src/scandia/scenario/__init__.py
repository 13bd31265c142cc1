"""Scenario files: pydantic schema generated from the parameter declarations and the route registries, YAML
loading and units at the boundary."""

from typing import Any

from . import schema
from .loader import DEFAULT_SCENARIO, builtin_scenarios, load_scenario, scenario_from_dict
from .schema import ScenarioModel

__all__ = ["DEFAULT_SCENARIO", "ROUTES", "Scenario", "ScenarioModel", "builtin_scenarios", "load_scenario",
           "scenario_from_dict"]


def __getattr__(name: str) -> Any:
    # the generated classes are rebuilt when a route is registered: always hand out the current one
    if name in ("Scenario", "ROUTES"):
        return getattr(schema, name)
    raise AttributeError(name)
