"""Units of what a run writes: every metric and table column is declared once in ``data/outputs.yaml``.

The run summary, the CSV/Parquet tables, the Excel workbook and the report read units from here; input fields
(dotted scenario paths, e.g. the columns of the Monte Carlo sample table) take theirs from their parameter
declaration (:mod:`scandia.scenario.params`). Nothing reads a unit from a name; a name that is declared in
neither place has no unit, and a test fails for any output a run writes without a declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .datafiles import load_data

__all__ = ["Output", "declared", "output", "unit_label"]


@dataclass(frozen=True)
class Output:
    """One declared output: its pint unit (empty for labels and flags) and what it is per or of."""

    name: str
    unit: str
    basis: str = ""

    @property
    def display_unit(self) -> str:
        from ..scenario.quantity import display_unit

        return display_unit(self.unit) if self.unit else ""


@cache
def _registry() -> dict[str, Output]:
    data = load_data("outputs.yaml")
    out: dict[str, Output] = {}
    for section in ("metrics", "columns"):
        for name, entry in (data.get(section) or {}).items():
            out[name] = Output(name, str(entry.get("unit", "")), str(entry.get("basis", "")))
    return out


def declared(name: str) -> bool:
    """Whether ``name`` (a metric, a column, or a dotted scenario field) has a declared unit."""
    return output(name) is not None


def output(name: str) -> Output | None:
    """The declaration of a metric or column, or of a scenario field by dotted path; ``None`` if undeclared."""
    from ..scenario.params import PARAMS

    if name in PARAMS:
        p = PARAMS[name]
        return Output(name, p.unit, "input")
    reg = _registry()
    if name not in reg and "." in name:  # "stage.metric", as the uncertainty output is named
        return reg.get(name.rsplit(".", 1)[-1])
    return reg.get(name)


def unit_label(name: str) -> str:
    """The display unit of a declared metric, column or field (``t/h``, ``US$ M``); empty when it has none."""
    o = output(name)
    return o.display_unit if o is not None else ""
