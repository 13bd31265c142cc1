"""Parameter declarations: every numeric scenario field is declared once, in a data file, and read from here.

A declaration is one YAML mapping in ``data/`` (DESIGN.md, "Parameters, registries and results")::

    temperature_c: {value: 90.0, unit: "degC", scope: scenario, min: 20.0, max: 105.0, assumption: "..."}

- ``unit:`` a pint unit string; the field's value is a float in that unit. Nothing in scandia guesses a unit
  from a field's name: the schema, error messages, CLI tables, Excel and report read :attr:`Param.unit`.
- ``min:``/``max:`` the bounds every input is checked against, one-line errors naming field, unit and range.
- ``scope:`` ``scenario`` (may vary per scenario: the batch carries an ``(n,)`` array) or ``run`` (one value per
  run, e.g. stage counts; ``scope_reason:`` says why). A distribution on a run-scoped field is refused.
- ``integer: true`` for counts and switches; ``inert:`` names why a field moves no metric of its stage.
- ``source:`` / ``assumption:`` / ``fitted_to:`` its provenance. ``value: null`` marks a required input with no
  default (e.g. the production figures of a stand-alone economics run).

The pydantic sections of :mod:`scandia.scenario.schema` are generated from these declarations, and
:data:`PARAMS` holds every one of them by its dotted scenario path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator

from ..core.errors import ScenarioError
from .quantity import display_unit, to_unit, ureg

__all__ = ["PARAMS", "Param", "declare"]

SCOPES = ("scenario", "run")


@dataclass(frozen=True)
class Param:
    """One declared numeric scenario field."""

    path: str
    default: float | int | None
    unit: str
    lo: float | None = None
    hi: float | None = None
    scope: str = "scenario"
    integer: bool = False
    basis: str = "assumption"  #: source | assumption | fitted_to | fitted
    note: str = ""
    scope_reason: str = ""
    inert: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def display_unit(self) -> str:
        """The unit as people write it (``t/h``, ``g/L``); empty for a dimensionless field."""
        return display_unit(self.unit)

    def range_text(self) -> str:
        unit = self.display_unit or "(dimensionless)"
        kind = "whole number" if self.integer else "number"
        return f"a {kind} in [{self.lo}, {self.hi}] {unit}"

    def coerce(self, value: object) -> float | int:
        """A user's value (number or quantity string) as a checked float (int for integer fields) in the
        declared unit; ``ValueError`` with a one-line message otherwise (the caller adds the field path)."""
        try:
            v = to_unit(value, self.unit)
        except ValueError as exc:
            raise ValueError(f"{exc}; expected {self.range_text()}") from None
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number: {self.range_text()} (got {v})")
        if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            raise ValueError(f"must lie in [{self.lo}, {self.hi}] {self.display_unit or '(dimensionless)'} "
                             f"(got {v:g})")
        if self.integer:
            if v != int(v):
                raise ValueError(f"must be {self.range_text()} (got {v:g})")
            return int(v)
        return v

    def why_fixed(self) -> str | None:
        """Why the field may not take a distribution (run-scoped, or inert), or None if it may."""
        if self.scope == "run":
            why = f" ({self.scope_reason})" if self.scope_reason else ""
            return f"is run-scoped, one value per run{why}"
        if self.inert:
            return f"moves no result ({self.inert})"
        return None

    def refuse_variation(self, values: Any) -> None:
        """A one-line :class:`ScenarioError` if per-scenario ``values`` vary a run-scoped field."""
        if self.scope == "run" and np.ptp(np.asarray(values, dtype=float)) > 0:
            raise ScenarioError(self.path, f"{self.why_fixed()}; it cannot vary per scenario")

    def annotation(self) -> Any:
        """The pydantic annotation of the field: the declared unit and bounds, checked before the type."""
        return Annotated[int if self.integer else float, BeforeValidator(self.coerce)]


#: every declared numeric scenario field by dotted path (filled as the schema is built)
PARAMS: dict[str, Param] = {}


def declare(path: str, entry: dict[str, Any], fitted: float | None = None) -> Param:
    """Build (and register) the declaration of ``path`` from its data-file ``entry``; a malformed declaration
    is a developer error raised at import, naming the field."""
    try:
        unit = entry["unit"]
    except KeyError:
        raise ValueError(f"data file declaration of {path} has no unit: (give a pint unit string)") from None
    try:
        ureg.Unit(unit)
    except Exception as exc:
        raise ValueError(f"data file declaration of {path}: unit {unit!r} is not a pint unit ({exc})") from None
    scope = entry.get("scope", "scenario")
    if scope not in SCOPES:
        raise ValueError(f"data file declaration of {path}: scope must be one of {SCOPES}, got {scope!r}")
    basis = next((k for k in ("source", "assumption", "fitted_to") if k in entry), None)
    if basis is None:
        raise ValueError(f"data file declaration of {path} needs source:, assumption: or fitted_to:")
    note = str(entry[basis])
    integer = bool(entry.get("integer", False))
    for bound in ("min", "max"):
        if bound in entry and not isinstance(entry[bound], int | float):
            raise ValueError(f"data file declaration of {path}: {bound} must be a number, got {entry[bound]!r} "
                             "(YAML reads 1.0e5 as text: write 1.0e+5)")
    value = entry["value"]
    if fitted is not None:
        value, basis, note = fitted, "fitted", f"fitted value; declared default {entry['value']} ({basis}: {note})"
    if value is not None:
        value = int(value) if integer else float(value)
    p = Param(path=path, default=value, unit=unit, lo=entry.get("min"), hi=entry.get("max"), scope=scope,
              integer=integer, basis=basis, note=note, scope_reason=str(entry.get("scope_reason", "")),
              inert=str(entry.get("inert", "")))
    if value is not None:
        p.coerce(value)  # a default outside its own bounds is a bug in the data file
    PARAMS[path] = p
    return p
