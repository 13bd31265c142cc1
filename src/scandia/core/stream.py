"""Streams: masses of particle classes and components on a scenario axis.

A :class:`Stream` stores the mass flow of each particle class, ``class_tph`` with shape
``(n_scenarios, n_classes)`` in t/h, and the composition of each class, ``w`` with shape ``(n_classes,
n_components)`` or ``(n_scenarios, n_classes, n_components)`` as mass fractions. The full mass array
``mass_tph[s, p, c] = class_tph[s, p] * w[..., p, c]`` is available on demand.

Keeping the composition factored out is what makes physical separations cheap: a magnetic separator or a
dense-medium cyclone sends whole particles one way or the other, so it changes ``class_tph`` and never ``w``.
A split therefore costs O(n_scenarios x n_classes), not O(n_scenarios x n_classes x n_components), and mass
balances close by construction because ``split`` returns ``(product, feed - product)``
(the elphick/mass-composition convention).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .components import ComponentSet
from .errors import ScenarioError
from .jit import pjit, prange

__all__ = ["ParticleClasses", "Stream"]


@dataclass(frozen=True, eq=False)
class ParticleClasses:
    """Physical properties of each particle class (one class for a solution).

    Every array has shape ``(n_classes,)`` or ``(n_scenarios, n_classes)`` so properties may differ between
    scenarios (e.g. a sampled mineral susceptibility).

    Attributes
    ----------
    labels: names of the classes, e.g. ``"pyroxene|0.75|2.36mm"``.
    size_mm: representative particle size (geometric mean of the sieve interval), mm.
    density_t_m3: particle density, t/m3 (= g/cm3).
    susceptibility_m3_kg: mass magnetic susceptibility (SI), m3/kg.
    extra: further per-class arrays by name (e.g. ``host`` mineral index, ``vol_grade``).
    """

    labels: tuple[str, ...]
    size_mm: np.ndarray
    density_t_m3: np.ndarray
    susceptibility_m3_kg: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def single(cls, label: str = "solution", density_t_m3: float = 1.0) -> ParticleClasses:
        """One class, for solutions or for lumped solids."""
        return cls((label,), np.array([np.nan]), np.array([density_t_m3]), np.array([0.0]))

    @staticmethod
    def concat(parts: list[ParticleClasses], sizes: list[int]) -> ParticleClasses:
        """Classes of streams stacked along the scenario axis (``sizes``: scenarios of each part)."""
        first = parts[0]

        def join(get) -> np.ndarray:
            arrays = [get(p) for p in parts]
            if all(a.ndim == 1 for a in arrays) and all(np.array_equal(a, arrays[0], equal_nan=True) for a in arrays):
                return arrays[0]
            return np.concatenate([np.broadcast_to(a, (k, a.shape[-1])) for a, k in zip(arrays, sizes, strict=True)])

        return ParticleClasses(first.labels, join(lambda p: p.size_mm), join(lambda p: p.density_t_m3),
                               join(lambda p: p.susceptibility_m3_kg),
                               {key: join(lambda p, key=key: p.extra[key]) for key in first.extra})

    def take(self, idx: np.ndarray) -> ParticleClasses:
        """The classes restricted to scenario rows ``idx`` (per-scenario properties only)."""

        def pick(a: np.ndarray) -> np.ndarray:
            return a[idx] if a.ndim == 2 else a

        return ParticleClasses(
            self.labels,
            pick(self.size_mm),
            pick(self.density_t_m3),
            pick(self.susceptibility_m3_kg),
            {k: pick(v) for k, v in self.extra.items()},
        )


class Stream:
    """Mass flow of particle classes and components, vectorized over scenarios.

    Parameters
    ----------
    components: the component set of ``w``'s last axis.
    classes: the particle classes of the class axis.
    class_tph: class mass flows, shape ``(n, n_classes)``, t/h, finite and >= 0.
    w: class compositions (mass fractions summing to 1 per class), shape ``(n_classes, n_components)`` or
        ``(n, n_classes, n_components)``.
    validate: check shapes, signs and closures (cheap; on by default, off on internal hot paths).
    """

    __slots__ = ("class_tph", "classes", "components", "w")

    def __init__(
        self,
        components: ComponentSet,
        classes: ParticleClasses,
        class_tph: np.ndarray,
        w: np.ndarray,
        *,
        validate: bool = True,
    ) -> None:
        self.components = components
        self.classes = classes
        self.class_tph = np.asarray(class_tph, dtype=float)
        self.w = np.asarray(w, dtype=float)
        if validate:
            self._validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_mass(
        cls, components: ComponentSet, classes: ParticleClasses, mass_tph: np.ndarray, *, validate: bool = True
    ) -> Stream:
        """Build from a full mass array ``(n, n_classes, n_components)`` in t/h.

        ``validate=False`` skips the finite/non-negative check for arrays the engine made itself.
        """
        mass = np.ascontiguousarray(mass_tph, dtype=float)
        if mass.ndim != 3:
            raise ScenarioError("stream.mass_tph", f"needs 3 axes (scenario, class, component), got {mass.ndim}")
        class_tph = np.empty(mass.shape[:2])
        w = np.empty(mass.shape)
        if _split_mass(mass, class_tph, w) and validate:
            _check_flow("stream.mass_tph", mass)  # raises, naming what is wrong
        return cls(components, classes, class_tph, w, validate=False)

    @classmethod
    def solution(cls, components: ComponentSet, component_tph: np.ndarray, label: str = "solution") -> Stream:
        """A one-class stream (a solution or a lumped solid) from component flows ``(n, n_components)``."""
        flows = np.asarray(component_tph, dtype=float)
        if flows.ndim != 2:
            raise ScenarioError("stream.component_tph", "needs 2 axes (scenario, component)")
        return cls.from_mass(components, ParticleClasses.single(label), flows[:, None, :])

    def _validate(self) -> None:
        if self.class_tph.ndim != 2 or self.class_tph.shape[1] != len(self.classes):
            raise ScenarioError(
                "stream.class_tph",
                f"shape {self.class_tph.shape} does not match (n_scenarios, {len(self.classes)} classes)",
            )
        if self.w.shape[-2:] != (len(self.classes), len(self.components)) or self.w.ndim not in (2, 3):
            raise ScenarioError(
                "stream.w", f"shape {self.w.shape} does not match ({len(self.classes)}, {len(self.components)})"
            )
        _check_flow("stream.class_tph", self.class_tph)
        if not np.all(np.isfinite(self.w)) or np.any(self.w < 0):
            raise ScenarioError("stream.w", "mass fractions must be finite and >= 0")
        sums = self.w.sum(axis=-1)
        if not np.allclose(sums, 1.0, rtol=0, atol=1e-9):
            bad = float(np.max(np.abs(sums - 1.0)))
            raise ScenarioError("stream.w", f"class compositions must sum to 1 (worst off by {bad:.3g})")

    # ------------------------------------------------------------------ views
    @property
    def n(self) -> int:
        """Number of scenarios."""
        return self.class_tph.shape[0]

    @property
    def mass_tph(self) -> np.ndarray:
        """Full mass array, shape ``(n, n_classes, n_components)``, t/h."""
        return self.class_tph[..., None] * self.w

    @property
    def total_tph(self) -> np.ndarray:
        """Total mass flow per scenario, shape ``(n,)``, t/h."""
        return self.class_tph.sum(axis=1)

    @property
    def component_tph(self) -> np.ndarray:
        """Mass flow of each component, shape ``(n, n_components)``, t/h."""
        if self.w.ndim == 2:
            return self.class_tph @ self.w
        if self.w.shape[1] == 1:  # one class (a solution or a lumped solid): no sum to take
            return self.class_tph[:, :1] * self.w[:, 0, :]
        return np.einsum("np,npc->nc", self.class_tph, self.w)

    @property
    def element_tph(self) -> np.ndarray:
        """Mass flow of each element of ``components.elements``, shape ``(n, n_elements)``, t/h."""
        return self.component_tph @ self.components.element_matrix

    def element(self, symbol: str) -> np.ndarray:
        """Mass flow of one element, shape ``(n,)``, t/h."""
        return self.element_tph[:, self.components.element_index(symbol)]

    def component(self, name: str) -> np.ndarray:
        """Mass flow of one component, shape ``(n,)``, t/h."""
        return self.component_tph[:, self.components.index(name)]

    # ------------------------------------------------------------------ algebra
    def _same_basis(self, other: Stream) -> bool:
        """True if the class sets match; one-class streams (solutions, lumped solids) always match."""
        if other.components is not self.components and other.components != self.components:
            raise ScenarioError("stream", "cannot combine streams with different component sets")
        if other.classes is self.classes or other.classes.labels == self.classes.labels:
            return True
        return len(other.classes) == 1 and len(self.classes) == 1

    def __add__(self, other: Stream) -> Stream:
        """Mix two streams (same components; same classes, or both one-class; a zero stream mixes with any)."""
        if not isinstance(other, Stream):
            return NotImplemented
        if other.n != self.n:
            raise ScenarioError("stream", f"cannot mix streams of {self.n} and {other.n} scenarios")
        if not self._same_basis(other):
            if not other.class_tph.any():
                return self
            if not self.class_tph.any():
                return other
            raise ScenarioError("stream", "cannot combine streams with different particle classes")
        if other.w is self.w or (other.w.shape == self.w.shape and np.array_equal(other.w, self.w)):
            return Stream(self.components, self.classes, self.class_tph + other.class_tph, self.w, validate=False)
        total = self.class_tph + other.class_tph
        mass = self.mass_tph + other.mass_tph
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(total[..., None] > 0, mass / total[..., None], np.broadcast_to(self.w, mass.shape))
        return Stream(self.components, self.classes, total, w, validate=False)

    def split(self, frac: Any) -> tuple[Stream, Stream]:
        """Split whole particles: ``frac`` (broadcastable to ``(n, n_classes)``, 0-1) goes to the product.

        Returns ``(product, feed - product)``; the remainder is computed by subtraction, so the balance closes
        to rounding. Fractions outside [0, 1] raise :class:`ScenarioError`.
        """
        f = np.asarray(frac, dtype=float)
        if f.ndim == 1 and f.shape[0] == self.n and self.n != len(self.classes):
            f = f[:, None]
        if not (f.min() >= 0.0 and f.max() <= 1.0):  # NaN fails both comparisons
            raise ScenarioError("split.frac", "split fractions must be finite and within [0, 1]")
        product = self.class_tph * f
        rest = self.class_tph - product  # x - x*f >= 0 exactly in IEEE arithmetic for 0 <= f <= 1
        return (
            Stream(self.components, self.classes, product, self.w, validate=False),
            Stream(self.components, self.classes, rest, self.w, validate=False),
        )

    def split_components(self, frac: Any) -> tuple[Stream, Stream]:
        """Split by component (e.g. dissolution): ``frac`` broadcastable to ``(n, n_classes, n_components)``."""
        f = np.asarray(frac, dtype=float)
        if not (f.min() >= 0.0 and f.max() <= 1.0):  # NaN fails both comparisons
            raise ScenarioError("split_components.frac", "split fractions must be finite and within [0, 1]")
        mass = self.mass_tph
        product = mass * f
        return (
            Stream.from_mass(self.components, self.classes, product, validate=False),
            Stream.from_mass(self.components, self.classes, mass - product, validate=False),
        )

    def scaled(self, factor: Any) -> Stream:
        """The stream with every class multiplied by ``factor`` (broadcastable to ``(n, 1)``), factor >= 0."""
        f = np.asarray(factor, dtype=float)
        if f.ndim == 1:
            f = f[:, None]
        _check_flow("scaled.factor", f)
        return Stream(self.components, self.classes, self.class_tph * f, self.w, validate=False)

    def take(self, idx: np.ndarray) -> Stream:
        """Rows ``idx`` of the scenario axis."""
        w = self.w[idx] if self.w.ndim == 3 else self.w
        return Stream(self.components, self.classes.take(idx), self.class_tph[idx], w, validate=False)

    @classmethod
    def concat(cls, streams: list[Stream]) -> Stream:
        """Streams of the same components and classes stacked along the scenario axis (chunked runs)."""
        first = streams[0]
        sizes = [s.n for s in streams]
        ws = [s.w for s in streams]
        if all(w.ndim == 2 for w in ws) and all(np.array_equal(w, ws[0]) for w in ws):
            w = ws[0]
        else:
            w = np.concatenate([np.broadcast_to(w, (k, *w.shape[-2:])) for w, k in zip(ws, sizes, strict=True)])
        classes = ParticleClasses.concat([s.classes for s in streams], sizes)
        return cls(first.components, classes, np.concatenate([s.class_tph for s in streams]), w, validate=False)

    def zeros_like(self) -> Stream:
        return Stream(self.components, self.classes, np.zeros_like(self.class_tph), self.w, validate=False)

    def __repr__(self) -> str:
        return (
            f"Stream(n={self.n}, classes={len(self.classes)}, components={len(self.components)}, "
            f"total_tph~{float(np.mean(self.total_tph)):.4g})"
        )


@pjit
def _split_mass(mass: np.ndarray, class_tph: np.ndarray, w: np.ndarray) -> bool:
    """Class totals and mass fractions of a mass array (n, P, C), in one pass; returns True if any flow is
    negative or not finite. An empty class keeps a well-defined composition: all of its first component."""
    n, n_cls, n_c = mass.shape
    n_bad = 0
    for i in prange(n):
        for p in range(n_cls):
            total = 0.0
            lo = np.inf
            for c in range(n_c):
                v = mass[i, p, c]
                total += v
                lo = min(lo, v)
            class_tph[i, p] = total
            if not (lo >= 0.0 and total < np.inf):  # a NaN fails both tests
                n_bad += 1
            # a true division, as numpy's: a reciprocal product would move flows rebuilt from w by an ulp
            div = total if total > 0.0 else total + 1.0
            for c in range(n_c):
                w[i, p, c] = mass[i, p, c] / div
            if not total > 0.0:
                w[i, p, 0] += 1.0
    return n_bad > 0


def _check_flow(name: str, a: np.ndarray) -> None:
    if a.size == 0:
        return
    lo, hi = a.min(), a.max()
    if lo >= 0 and np.isfinite(hi):  # NaN makes both tests fail
        return
    if not np.all(np.isfinite(a)):
        raise ScenarioError(name, "flows must be finite (NaN or inf found)")
    raise ScenarioError(name, f"flows must be >= 0 (minimum {float(lo):.4g})")
