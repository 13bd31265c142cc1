"""Chemical components: formulas, molar masses and the element matrix.

Standard atomic weights are the IUPAC 2021 conventional/abridged values
(Prohaska et al., "Standard atomic weights of the elements 2021 (IUPAC Technical Report)",
Pure Appl. Chem. 94 (2022) 573-600, doi:10.1515/pac-2019-0603).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .errors import ScenarioError

__all__ = ["ATOMIC_WEIGHT_G_PER_MOL", "Component", "ComponentSet", "parse_formula"]

#: g/mol, IUPAC 2021 (see module docstring).
ATOMIC_WEIGHT_G_PER_MOL: dict[str, float] = {
    "H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "F": 18.998, "Na": 22.990, "Mg": 24.305,
    "Al": 26.982, "Si": 28.085, "P": 30.974, "S": 32.06, "Cl": 35.45, "K": 39.098, "Ca": 40.078,
    "Sc": 44.956, "Ti": 47.867, "V": 50.942, "Cr": 51.996, "Mn": 54.938, "Fe": 55.845, "Zn": 65.38,
    "Y": 88.906, "Zr": 91.224, "Nb": 92.906, "La": 138.91, "Ce": 140.12, "Pr": 140.91, "Nd": 144.24,
    "Sm": 150.36, "Eu": 151.96, "Gd": 157.25, "Tb": 158.93, "Dy": 162.50, "Ho": 164.93, "Er": 167.26,
    "Tm": 168.93, "Yb": 173.05, "Lu": 174.97, "Th": 232.04, "U": 238.03,
}

_TOKEN = re.compile(r"([A-Z][a-z]?|\(|\)|\d+(?:\.\d+)?)")


def parse_formula(formula: str) -> dict[str, float]:
    """Parse a chemical formula into ``{element: atoms per formula unit}``.

    Supports nested parentheses and decimal subscripts, e.g. ``"Ca2Fe5Si8O22(OH)2"`` or ``"Fe0.9Mg0.1SiO3"``.
    A leading state tag such as ``"Sc+3(aq)"`` is not a formula; species in solution are named by the caller
    and given an explicit formula.

    Raises
    ------
    ScenarioError
        If the formula holds an unknown element or unbalanced parentheses.
    """
    text = formula.replace(" ", "")
    if not text:
        raise ScenarioError("formula", "empty chemical formula")
    pos = 0
    stack: list[dict[str, float]] = [{}]
    last: dict[str, float] | None = None
    for match in _TOKEN.finditer(text):
        if match.start() != pos:
            raise ScenarioError("formula", f"cannot parse {formula!r} at position {pos}")
        pos = match.end()
        tok = match.group(1)
        if tok == "(":
            stack.append({})
            last = None
        elif tok == ")":
            if len(stack) == 1:
                raise ScenarioError("formula", f"unbalanced ')' in {formula!r}")
            group = stack.pop()
            for el, n in group.items():
                stack[-1][el] = stack[-1].get(el, 0.0) + n
            last = group
        elif tok[0].isdigit():
            if last is None:
                raise ScenarioError("formula", f"subscript without element in {formula!r}")
            mult = float(tok)
            for el in last:
                stack[-1][el] += last[el] * (mult - 1.0)
            last = None
        else:
            if tok not in ATOMIC_WEIGHT_G_PER_MOL:
                raise ScenarioError("formula", f"unknown element {tok!r} in {formula!r}")
            stack[-1][tok] = stack[-1].get(tok, 0.0) + 1.0
            last = {tok: 1.0}
    if pos != len(text) or len(stack) != 1:
        raise ScenarioError("formula", f"cannot parse {formula!r}")
    return {el: n for el, n in stack[0].items() if n != 0.0}


@dataclass(frozen=True)
class Component:
    """One chemical species or mineral end-member, identified by name, defined by its formula."""

    name: str
    formula: str
    description: str = ""

    @cached_property
    def atoms(self) -> dict[str, float]:
        """Atoms of each element per formula unit."""
        return parse_formula(self.formula)

    @cached_property
    def molar_mass_g_per_mol(self) -> float:
        """Molar mass in g/mol from IUPAC 2021 atomic weights."""
        return float(sum(ATOMIC_WEIGHT_G_PER_MOL[el] * n for el, n in self.atoms.items()))

    @cached_property
    def element_mass_frac(self) -> dict[str, float]:
        """Mass fraction of each element (0-1)."""
        mm = self.molar_mass_g_per_mol
        return {el: ATOMIC_WEIGHT_G_PER_MOL[el] * n / mm for el, n in self.atoms.items()}


@dataclass(frozen=True)
class ComponentSet:
    """An ordered, immutable set of components with a dense element matrix.

    ``element_matrix[c, e]`` is the mass of element ``elements[e]`` per unit mass of component ``c``, so that
    ``mass @ element_matrix`` turns component masses into element masses on any leading axes.
    """

    components: tuple[Component, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ScenarioError("components", f"duplicate component names {dup}")
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(names)})

    @classmethod
    def from_formulas(cls, items: Mapping[str, str] | Iterable[str]) -> ComponentSet:
        """Build from ``{name: formula}`` or from formulas used as their own names."""
        if isinstance(items, Mapping):
            return cls(tuple(Component(n, f) for n, f in items.items()))
        return cls(tuple(Component(f, f) for f in items))

    def __len__(self) -> int:
        return len(self.components)

    def __iter__(self):
        return iter(self.components)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)

    def index(self, name: str | Sequence[str]) -> int | list[int]:
        """Position of one component, or a list of positions; unknown names raise :class:`ScenarioError`."""
        if isinstance(name, str):
            try:
                return self._index[name]
            except KeyError:
                raise ScenarioError(
                    "component", f"unknown component {name!r}; known: {', '.join(self.names)}"
                ) from None
        return [self.index(n) for n in name]  # type: ignore[misc]

    @cached_property
    def elements(self) -> tuple[str, ...]:
        """Elements present in any component, in periodic-table-free alphabetical order."""
        return tuple(sorted({el for c in self.components for el in c.atoms}))

    @cached_property
    def molar_mass_g_per_mol(self) -> np.ndarray:
        """Molar masses, shape (n_components,), g/mol."""
        return np.array([c.molar_mass_g_per_mol for c in self.components])

    @cached_property
    def element_matrix(self) -> np.ndarray:
        """Mass of each element per unit mass of each component, shape (n_components, n_elements)."""
        mat = np.zeros((len(self.components), len(self.elements)))
        col = {el: j for j, el in enumerate(self.elements)}
        for i, comp in enumerate(self.components):
            for el, w in comp.element_mass_frac.items():
                mat[i, col[el]] = w
        return mat

    def element_index(self, element: str) -> int:
        try:
            return self.elements.index(element)
        except ValueError:
            raise ScenarioError("element", f"element {element!r} is in no component") from None
