"""What a run writes, declared once in ``data/outputs.yaml``: the unit of every metric and table column, and
every table and figure (title, stage, builder, basis).

The run summary, the CSV/Parquet tables, the Excel workbook and the report read units from here; input fields
(dotted scenario paths, e.g. the columns of the Monte Carlo sample table) take theirs from their parameter
declaration (:mod:`scandia.scenario.params`). Nothing reads a unit from a name; a name that is declared in
neither place has no unit, and a test fails for any output a run writes without a declaration.

:data:`TABLES` and :data:`FIGURES` are the output registry: the run-folder writer, the Excel workbook, the HTML
report, the dashboard and the Python API list, order, title and build tables and figures from them, and
:func:`build_tables` is the one place a run's tables are built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .datafiles import load_data

__all__ = ["FIGURES", "TABLES", "FigureSpec", "Output", "TableSpec", "build_table", "build_tables", "declared",
           "ordered", "output", "unit_label"]


@dataclass(frozen=True)
class Output:
    """One declared output: its pint unit (empty for labels and flags) and what it is per or of."""

    name: str
    unit: str
    basis: str = ""
    label: str = ""  #: a human name for tables and axes (scandia.report.labels makes one when empty)

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
            out[name] = Output(name, str(entry.get("unit", "")), str(entry.get("basis", "")),
                               str(entry.get("label", "")))
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


@dataclass(frozen=True)
class TableSpec:
    """One declared result table: the stage it belongs to, its title, how it is built and what it shows.

    kind: ``stage`` (built whenever its stage ran), ``curve`` (a parameter sweep, built with curves on),
    ``comparison`` (whole-chain runs of alternatives, built on request: the route table) or ``sampled`` (written
    by the Monte Carlo, no builder). basis: ``base`` (the run's scenario, or the base case of
    a sampled run) or ``samples`` (one row per sample).
    """

    name: str
    stage: str
    title: str
    kind: str
    basis: str
    builder: str = ""
    args: tuple[str, ...] = ()

    def function(self) -> Callable[..., Any]:
        """The builder, imported from its ``module:function`` path (inside the scandia package only)."""
        module, _, func = self.builder.partition(":")
        if not module.startswith("scandia.") or not func:
            raise ValueError(f"table {self.name}: builder {self.builder!r} is not a scandia module:function")
        return getattr(importlib.import_module(module), func)

    def build(self, scenario: Any, stages: Mapping[str, Any]) -> Any:
        """The table from a run's stage results, or None when a stage it needs did not run (or it has no rows)."""
        values = []
        for arg in self.args:
            optional = arg.endswith("?")
            name = arg.rstrip("?")
            if name == "scenario":
                values.append(scenario)
            elif name in stages:
                values.append(stages[name])
            elif optional:
                values.append(None)
            else:
                return None
        return self.function()(*values)


@dataclass(frozen=True)
class FigureSpec:
    """One declared report figure: its title, the report section it sits in and the tables it is drawn from."""

    name: str
    title: str
    section: str
    tables: tuple[str, ...]


@cache
def _tables() -> dict[str, TableSpec]:
    out = {}
    for name, e in (load_data("outputs.yaml").get("tables") or {}).items():
        out[name] = TableSpec(name, str(e["stage"]), str(e["title"]), str(e["kind"]), str(e["basis"]),
                              str(e.get("builder", "")), tuple(e.get("args") or ()))
    return out


@cache
def _figures() -> dict[str, FigureSpec]:
    return {name: FigureSpec(name, str(e["title"]), str(e["section"]), tuple(e.get("tables") or ()))
            for name, e in (load_data("outputs.yaml").get("figures") or {}).items()}


class _Declared(Mapping):
    """A read-only view of one declared registry (loaded on first use)."""

    def __init__(self, load: Callable[[], dict[str, Any]]) -> None:
        self._load = load

    def __getitem__(self, name: str) -> Any:
        return self._load()[name]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


#: every result table, in the order the run folder, workbook and report list them
TABLES: Mapping[str, TableSpec] = _Declared(_tables)
#: every report figure
FIGURES: Mapping[str, FigureSpec] = _Declared(_figures)


def build_table(name: str, scenario: Any, stages: Mapping[str, Any]) -> Any:
    """One declared table from a run's stage results (None when its stage did not run)."""
    return TABLES[name].build(scenario, stages)


def build_tables(scenario: Any, stages: Mapping[str, Any], curves: bool = True,
                 comparisons: bool = False) -> dict[str, Any]:
    """Every declared table a run's stages can give, in declaration order: ``stage`` tables always, ``curve``
    tables with ``curves``, ``comparison`` tables with ``comparisons``; ``sampled`` tables come from the Monte
    Carlo, not from here."""
    out: dict[str, Any] = {}
    for name, spec in TABLES.items():
        if spec.kind == "sampled" or (spec.kind == "curve" and not curves) or (
                spec.kind == "comparison" and not comparisons):
            continue
        if spec.stage not in ("chain", *stages):
            continue
        table = spec.build(scenario, stages)
        if table is not None:
            out[name] = table
    return out


def ordered(tables: Mapping[str, Any]) -> dict[str, Any]:
    """A run's tables in declaration order (undeclared ones last, by name)."""
    order = {n: i for i, n in enumerate(TABLES)}
    return {k: tables[k] for k in sorted(tables, key=lambda k: (order.get(k, len(order)), k))}
