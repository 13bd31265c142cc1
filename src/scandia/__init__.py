"""scandia: vectorized simulation of a scandium supply chain, from drill hole to aluminium alloy.

The public API is small (see :mod:`scandia.api`)::

    scenario = scandia.load("crater-lake").set("hydromet.tank.temperature_c", "95 degC")
    result = scandia.run(scenario, samples=200)         # whole chain; a Monte Carlo of its distributions
    result.to_frame(), result.dataset, result.stream_table("hydromet"), result.figure("histogram")
    batch = scandia.run_beneficiation(scenario, n=1000, arrays={...})
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scandia")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .api import Result, load, run
from .beneficiation.stage import run_beneficiation
from .scenario import ScenarioModel, load_scenario

__all__ = ["Result", "Scenario", "ScenarioModel", "__version__", "load", "load_scenario", "run", "run_beneficiation"]


def __getattr__(name: str) -> object:
    if name == "Scenario":  # the current generated class (rebuilt when a route is registered)
        from .scenario import schema

        return schema.Scenario
    raise AttributeError(name)
