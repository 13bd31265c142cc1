"""Core engine: components, streams, units and flowsheets on a scenario axis."""

from .components import ComponentSet, parse_formula
from .errors import BalanceError, ScandiaError, ScenarioError
from .flowsheet import Flowsheet, FlowsheetResult, FlowsheetUnit
from .status import Status
from .stream import ParticleClasses, Stream
from .unit import Unit, UnitResult, check_element_balance
from .units import ComponentSplitter, Mixer, Splitter

__all__ = [
    "BalanceError", "ComponentSet", "ComponentSplitter", "Flowsheet", "FlowsheetResult", "FlowsheetUnit", "Mixer",
    "ParticleClasses", "ScandiaError", "ScenarioError", "Splitter", "Status", "Stream", "Unit", "UnitResult",
    "check_element_balance", "parse_formula",
]
