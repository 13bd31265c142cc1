"""Registries of a stage's routes and devices: each is listed once, and everything else derives from the list.

A route entry names its builder (a unit class with ``from_section`` or a flowsheet-building function), its
parameter section (the declarations of its data section, see :mod:`scandia.scenario.params`), its ports, the
parameter its trade-off curve sweeps, the reagents it may use and its capital-cost items with their sources (in
the spirit of BioSTEAM's ``@cost`` decorator, but as data). The scenario schema, the stage's builder, the report's
trade-off curves, the dashboard's controls and the capex all read the registry, so a new route is one class, one
data section and one registry entry. Registering a route rebuilds the scenario schema (listeners).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ScenarioError

__all__ = ["CapexItem", "Registry", "Route", "SectionView"]


@dataclass(frozen=True)
class CapexItem:
    """One installed-cost item: C = C_ref (Q/Q_ref)^exponent x CEPCI(year)/CEPCI(ref_year) [US$].

    ``basis`` names the chain quantity Q (``ore_tph``, ``concentrate_tpa``, ...); ``provenance`` is the data
    file's ``source:`` or ``assumption:``. ``includes_indirects`` / ``includes_contingency``: the reference cost
    already holds them (a study's total capital cost), so they are not added again.

    A circuit cost model of the form ``C = sum_i a_i X^b_i`` (e.g. the mill models of Camm 1991, USBM IC 9298,
    with X in short tons per day) is given as ``terms`` [(a_i US$, b_i), ...] with ``x_per_unit`` converting the
    basis to X; a negative a_i is a credit (a circuit a reference plant holds that the route does not need).
    """

    area: str
    basis: str
    ref_cost_musd: float
    ref_quantity: float
    exponent: float
    ref_year: int
    includes_indirects: bool = False
    provenance: str = ""
    includes_contingency: bool = False
    terms: tuple[tuple[float, float], ...] = ()
    x_per_unit: float = 1.0
    #: an equipment correlation ``log10 C = K1 + K2 log10 X + K3 (log10 X)^2`` (Turton et al. form), times ``factor``
    log10_coeffs: tuple[float, ...] = ()
    factor: float = 1.0

    @classmethod
    def from_entry(cls, area: str, entry: Mapping[str, Any]) -> CapexItem:
        basis = next((f"{k}: {entry[k]}" for k in ("source", "assumption") if k in entry), "")
        if not basis:
            raise ValueError(f"capex item {area} needs source: or assumption:")
        terms = tuple((float(t["coef_usd"]), float(t["exponent"])) for t in entry.get("terms", ()))
        logc = tuple(float(c) for c in entry.get("log10_coeffs", ()))
        if logc:
            return cls(area, str(entry["basis"]), float("nan"), float("nan"), float("nan"), int(entry["ref_year"]),
                       bool(entry.get("includes_indirects", False)), basis,
                       bool(entry.get("includes_contingency", False)), (), float(entry.get("x_per_unit", 1.0)),
                       logc, float(entry.get("factor", 1.0)))
        if terms:
            return cls(area, str(entry["basis"]), float("nan"), float("nan"), float("nan"), int(entry["ref_year"]),
                       bool(entry.get("includes_indirects", False)), basis,
                       bool(entry.get("includes_contingency", False)), terms, float(entry.get("x_per_unit", 1.0)))
        return cls(area, str(entry["basis"]), float(entry["ref_cost_musd"]), float(entry["ref_quantity"]),
                   float(entry["exponent"]), int(entry["ref_year"]), bool(entry.get("includes_indirects", False)),
                   basis, bool(entry.get("includes_contingency", False)))

    @classmethod
    def from_mapping(cls, entries: Mapping[str, Any] | None) -> tuple[CapexItem, ...]:
        """The items of a data section's ``capex:`` block, by area (an area may list several items)."""
        out: list[CapexItem] = []
        for area, e in (entries or {}).items():
            out += [cls.from_entry(area, x) for x in (e if isinstance(e, list) else [e])]
        return tuple(out)

    def cost_usd(self, quantity: np.ndarray, cepci_ratio: float) -> np.ndarray:
        q = np.maximum(np.asarray(quantity, dtype=float), 0.0)
        if self.log10_coeffs:
            k1, k2, k3 = self.log10_coeffs
            x = q * self.x_per_unit
            lx = np.log10(np.where(x > 0, x, 1.0))
            return np.where(x > 0, 10.0 ** (k1 + k2 * lx + k3 * lx**2), 0.0) * self.factor * cepci_ratio
        if self.terms:
            x = q * self.x_per_unit
            return sum(a * x**b for a, b in self.terms) * cepci_ratio
        return self.ref_cost_musd * 1e6 * (q / self.ref_quantity) ** self.exponent * cepci_ratio


@dataclass(frozen=True)
class Route:
    """A registered route or device of a stage.

    ``section`` is the scenario section its parameters live in (``hydromet.<section>``); ``params`` the
    declarations of that data section (``None`` when it uses sections declared elsewhere, e.g. shared devices).
    ``tradeoff`` is ``(dotted field, sweep low, sweep high)`` in the field's declared unit (NaN: the declared
    bounds, see :meth:`sweep`).
    """

    name: str
    builder: Callable[..., Any]
    label: str = ""
    section: str | None = None
    params: Mapping[str, Any] | None = None
    ports: Mapping[str, str] = field(default_factory=dict)
    tradeoff: tuple[str, float, float] | None = None
    reagents: tuple[str, ...] = ()
    capex: tuple[CapexItem, ...] = ()
    #: offered as a plant choice (dashboard, what-if); False for laboratory references
    offered: bool = True

    def sweep(self) -> tuple[str, float, float]:
        """(dotted field, low, high) of the route's trade-off curve: its own range, or the field's declared
        bounds where the entry gives none (NaN). The report's curves and the dashboard's slider read this."""
        if self.tradeoff is None:
            raise ScenarioError(self.name, "this route declares no trade-off parameter")
        key, lo, hi = self.tradeoff
        if np.isnan(lo) or np.isnan(hi):
            from ..scenario.params import PARAMS

            p = PARAMS[key]
            lo, hi = (float(p.lo) if np.isnan(lo) else lo), (float(p.hi) if np.isnan(hi) else hi)
        return key, float(lo), float(hi)


class Registry:
    """An ordered set of :class:`Route` entries of one stage; ``register`` notifies listeners (the schema)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._routes: dict[str, Route] = {}
        self._listeners: list[Callable[[], None]] = []

    def register(self, route: Route, *, replace: bool = False) -> Route:
        if route.name in self._routes and not replace:
            raise ValueError(f"{self.kind}: {route.name!r} is already registered")
        self._routes[route.name] = route
        for listener in self._listeners:
            listener()
        return route

    def unregister(self, name: str) -> None:
        self._routes.pop(name)
        for listener in self._listeners:
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def __getitem__(self, name: str) -> Route:
        try:
            return self._routes[name]
        except KeyError:
            raise ScenarioError(self.kind, f"unknown {name!r}; registered: {', '.join(self._routes)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._routes

    def __iter__(self) -> Iterator[str]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)

    def names(self) -> tuple[str, ...]:
        return tuple(self._routes)

    def values(self) -> list[Route]:
        return list(self._routes.values())


class SectionView:
    """One scenario section on the scenario axis: ``view.temperature_c`` is the ``(n,)`` array of
    ``hydromet.tank.temperature_c``. Builders read their parameters through it, never by positional string keys;
    an unknown name is a one-line error naming the section."""

    def __init__(self, arrays: Mapping[str, np.ndarray], prefix: str) -> None:
        self._arrays = arrays
        self._prefix = prefix if (not prefix or prefix.endswith(".")) else prefix + "."

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = self._prefix + name
        if key in self._arrays:
            return self._arrays[key]
        if any(k.startswith(key + ".") for k in self._arrays):  # a sub-section: the tree goes on
            return SectionView(self._arrays, key + ".")
        raise ScenarioError(key, "not a field of this section")

    def __dir__(self) -> list[str]:
        n = len(self._prefix)
        return sorted({k[n:].split(".", 1)[0] for k in self._arrays if k.startswith(self._prefix)})

    def __repr__(self) -> str:
        return f"<section {self._prefix.rstrip('.') or 'scenario'}: {', '.join(dir(self))}>"

    def single(self, name: str) -> float:
        """A run-scoped value: the same in every scenario of the run (checked), as one number."""
        v = np.asarray(getattr(self, name), dtype=float)
        if np.any(v != v.flat[0]):
            raise ScenarioError(self._prefix + name, "must be the same in every scenario of one run")
        return float(v.flat[0])

    def count(self, name: str) -> int:
        """A run-scoped whole number (stage counts)."""
        return int(self.single(name))
