"""scandia: vectorized simulation of a scandium supply chain, from drill hole to aluminium alloy.

The public API is small::

    scenario = scandia.load_scenario("crater-lake")
    result = scandia.run(scenario)                      # whole available chain, n = 1
    batch = scandia.run_beneficiation(scenario, n=1000, arrays={...})
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scandia")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .beneficiation.stage import run_beneficiation
from .chain import run
from .scenario import Scenario, load_scenario

__all__ = ["Scenario", "__version__", "load_scenario", "run", "run_beneficiation"]
