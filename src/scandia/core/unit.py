"""The unit-operation contract.

A unit is a small class: the constructor only stores parameters (scikit-learn convention, so
``get_params``/``set_params`` work), ``run`` takes a dict of inlet streams and returns a :class:`UnitResult`
with the outlet streams, design figures, costs and a per-scenario status. Every numeric parameter may be a
scalar or an array of shape ``(n_scenarios,)`` and must broadcast (BioSTEAM's balance -> design -> cost steps,
vectorized over scenarios).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .errors import BalanceError, ScenarioError
from .status import ok_array
from .stream import Stream

__all__ = ["Unit", "UnitResult", "check_element_balance", "per_scenario"]


@dataclass
class UnitResult:
    """What a unit returns: outlets by port name, status, design and cost figures (arrays over scenarios), and
    the reagent make-up streams it drew in."""

    outlets: dict[str, Stream]
    status: np.ndarray
    design: dict[str, np.ndarray] = field(default_factory=dict)
    costs: dict[str, np.ndarray] = field(default_factory=dict)
    #: make-up streams the unit draws in by itself (acid, water, caustic): inputs for the element balance
    reagents: dict[str, Stream] = field(default_factory=dict)


class Unit:
    """Base class of every unit operation.

    Subclasses declare ``inlets`` and ``outlets`` (port names) and implement :meth:`_run`. The public
    :meth:`run` checks the ports, calls ``_run`` and checks the element balance (relative 1e-9 by default).
    """

    inlets: ClassVar[tuple[str, ...]] = ("feed",)
    outlets: ClassVar[tuple[str, ...]] = ("product",)
    balance_rtol: ClassVar[float] = 1e-9
    #: how closely repeated or sliced runs agree: exact for closed-form units, the solve tolerance for iterative
    result_rtol: ClassVar[float] = 1e-12

    def reset(self) -> None:
        """Drop any cache kept between runs (warm starts); a flowsheet calls it before each solve."""

    # -------------------------------------------------------------- parameters (sklearn-style)
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p not in ("self", "args", "kwargs")]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters and their current values."""
        return {p: getattr(self, p) for p in self._param_names()}

    def set_params(self, **params: Any) -> Unit:
        """Set constructor parameters; unknown names raise :class:`ScenarioError`."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ScenarioError(
                    f"{type(self).__name__}.{key}", f"unknown parameter; allowed: {', '.join(sorted(valid))}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -------------------------------------------------------------- running
    def run(self, inlets: dict[str, Stream], *, check_balance: bool = True) -> UnitResult:
        """Run the unit on its inlets (dict by port name) and return its :class:`UnitResult`."""
        missing = [p for p in self.inlets if p not in inlets]
        if missing:
            raise ScenarioError(f"{type(self).__name__}.inlets", f"missing inlet port(s) {missing}")
        unknown = [p for p in inlets if p not in self.inlets]
        if unknown:
            raise ScenarioError(
                f"{type(self).__name__}.inlets", f"unknown inlet port(s) {unknown}; declared {list(self.inlets)}"
            )
        result = self._run(inlets)
        if set(result.outlets) != set(self.outlets):
            raise BalanceError(f"{type(self).__name__} returned ports {sorted(result.outlets)}, not {self.outlets}")
        if check_balance:
            check_element_balance([*inlets.values(), *result.reagents.values()], list(result.outlets.values()),
                                  self.balance_rtol, where=type(self).__name__)
        return result

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement _run")

    def ok(self, n: int) -> np.ndarray:
        return ok_array(n)


def check_element_balance(
    ins: list[Stream], outs: list[Stream], rtol: float = 1e-9, where: str = "unit", element_wise: bool = True
) -> np.ndarray:
    """Element mass in minus out, relative to the total, per scenario and element; raises if above ``rtol``
    (and, with ``element_wise``, if any element is off by more than ``max(rtol, 1e-9)`` of its own flow).

    Returns the relative imbalance array, shape ``(n, n_elements)``.
    """
    e_in = sum(s.element_tph for s in ins)
    e_out = sum(s.element_tph for s in outs)
    total = np.maximum(np.abs(e_in).sum(axis=1, keepdims=True), 1e-300)
    rel = (e_in - e_out) / total
    worst = float(np.max(np.abs(rel))) if rel.size else 0.0
    if worst > rtol:
        raise BalanceError(f"{where}: element balance off by {worst:.3g} (relative, tolerance {rtol:g})")
    if element_wise:
        # each element against its own flow too, so a trace element (Sc) cannot hide behind the bulk; flows
        # below 1e-12 of the total are at rounding level and judged against the total
        own = np.abs(e_in - e_out) / np.maximum(np.abs(e_in), 1e-12 * total)
        worst_own = float(np.max(own)) if own.size else 0.0
        if worst_own > max(rtol, 1e-9):
            j = int(np.argmax(np.max(own, axis=0)))
            el = ins[0].components.elements[j] if ins else "?"
            raise BalanceError(f"{where}: {el} balance off by {worst_own:.3g} of its own flow")
    return rel


def _declared(name: str) -> tuple[str, float, float] | None:
    """(path, lo, hi) of the declared field ``name`` names, trying it within each stage; None if undeclared."""
    from ..scenario.params import PARAMS

    for path in (name, f"beneficiation.{name}", f"hydromet.{name}"):
        p = PARAMS.get(path)
        if p is not None:
            return path, p.lo, p.hi
    return None


def per_scenario(value: Any, n: int, name: str, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """A scalar or ``(n,)`` parameter as a column for broadcasting, range-checked.

    Returns shape ``(n, 1)`` when the value differs between scenarios and ``(1, 1)`` when it is the same in
    all of them, so that work depending only on constant parameters is done once and broadcast (a nominal
    batch of n identical scenarios costs little more than one). Raises :class:`ScenarioError` naming ``name``
    and the allowed range for NaN or out-of-range values.

    When ``name`` is a declared scenario field (``hydromet.tank.temperature_c``, or a device field named within
    its stage, ``dms.d50_t_m3``), the range is the declaration's (:mod:`scandia.scenario.params`), so a unit
    never checks a field against bounds of its own; ``lo``/``hi`` apply only to undeclared names (a unit used
    outside a scenario, or a derived value).
    """
    spec = _declared(name)
    if spec is not None:
        name, lo, hi = spec
    a = np.asarray(value, dtype=float)
    if a.ndim == 0 or a.shape == (1,):  # a scalar, or one value for every scenario
        a = a.reshape(1)
    elif a.ndim == 1 and a.shape[0] == n:
        if n > 1 and a[0] == a[-1] and np.all(a == a[0]):
            a = a[:1]
    else:
        raise ScenarioError(name, f"expected a scalar or an array of shape ({n},), got shape {a.shape}")
    rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
    if not np.all(np.isfinite(a)):
        raise ScenarioError(name, f"must be a finite number in {rng}")
    if (lo is not None and np.any(a < lo)) or (hi is not None and np.any(a > hi)):
        raise ScenarioError(name, f"must lie in {rng} (got {float(a.min()):.4g} to {float(a.max()):.4g})")
    return a[:, None]


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array{v.shape}"
    return repr(v)
