"""Quantities at the input boundary: one restricted grammar, then pint for the conversion only.

A user's quantity string is ``NUMBER [UNIT]``: a decimal number (scientific notation allowed, no ``inf`` or
``nan``), then a unit expression built from unit names joined by ``*``, ``/`` or spaces, each name optionally
raised to a small integer power (``**2``, ``^-1``). Nothing else is evaluated: no arithmetic on numbers, no
parentheses, at most 120 characters. Every unit name is looked up in pint's registry one by one and the unit is
built by multiplying those units, so a string such as ``"9**9**9 t/h"`` is refused at once instead of being
evaluated (pint's own parser would compute it and never return).

The unit a field is in comes from its declaration in ``data/`` (``unit:``); nothing here reads a unit from a
field's name. A plain number, or a quoted plain number (``"100"``), is taken in the field's own unit.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

__all__ = ["MAX_QUANTITY_CHARS", "display_unit", "parse_quantity", "to_unit", "ureg"]

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
ureg.define("tonne_per_hour = tonne / hour = tph")
ureg.define("magnetic_gauss = 1e-4 * tesla = Gs")  # pint's gauss is Gaussian-CGS; Gs converts to tesla
ureg.define("USD = [currency] = USD = US_dollar")
ureg.define("MUSD = 1e6 * USD = MUSD")

MAX_QUANTITY_CHARS = 120
_NUMBER = r"[+-]?(?:\d{1,40}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][+-]?\d{1,3})?"
_NAME = r"(?:[A-Za-z_µ°Ω][A-Za-z_0-9µ°Ω]{0,39}|%)"
_POWER = r"(?:\s*(?:\*\*|\^)\s*[+-]?\d)?"
_FACTOR = _NAME + _POWER
_UNIT = rf"{_FACTOR}(?:\s*(?:\*|/|\s)\s*{_FACTOR})*"
_QUANTITY = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>{_UNIT})?\s*$")
_TOKEN = re.compile(rf"(?P<op>\*\*|\^|\*|/)|(?P<name>{_NAME})|(?P<int>[+-]?\d+(?:\.\d+)?)|(?P<space>\s+)")


@lru_cache(maxsize=1024)
def _unit(expr: str) -> pint.Unit:
    """A pint unit from a unit expression already matched by the grammar (names, ``*``, ``/``, small powers)."""
    unit = ureg.Unit("dimensionless")
    sign, pending, power_next = 1, None, False
    factors: list[tuple[pint.Unit, int]] = []
    for m in _TOKEN.finditer(expr):
        if m.group("space"):
            continue
        op, name, integer = m.group("op"), m.group("name"), m.group("int")
        if name is not None:
            if pending is not None:
                factors.append((pending, sign))
                sign = 1
            pending = ureg.Unit("percent" if name == "%" else name)
        elif op in ("**", "^"):
            power_next = True
        elif integer is not None and power_next:
            factors.append((pending ** int(integer), sign))
            pending, sign, power_next = None, 1, False
        elif op == "*":
            if pending is not None:
                factors.append((pending, sign))
                pending = None
            sign = 1
        elif op == "/":
            if pending is not None:
                factors.append((pending, sign))
                pending = None
            sign = -1
    if pending is not None:
        factors.append((pending, sign))
    for u, s in factors:
        unit = unit * u if s > 0 else unit / u
    return unit


def parse_quantity(text: str) -> tuple[float, pint.Unit | None]:
    """(magnitude, unit or None) of a quantity string, by the restricted grammar; ``ValueError`` otherwise."""
    if len(text) > MAX_QUANTITY_CHARS:
        raise ValueError(f"quantity string longer than {MAX_QUANTITY_CHARS} characters")
    m = _QUANTITY.match(text)
    if m is None:
        raise ValueError(f"cannot read {text[:40]!r} as a quantity (expected a number and a unit, e.g. '95 degC')")
    value = float(m.group("number"))
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]!r} is not a finite number")
    expr = m.group("unit")
    if not expr:
        return value, None
    try:
        return value, _unit(expr.strip())
    except (pint.UndefinedUnitError, AttributeError, TypeError, ValueError, KeyError):
        raise ValueError(f"unknown unit in {text[:40]!r}") from None


def to_unit(value: object, unit: str) -> float:
    """A number (already in ``unit``) or a quantity string, as a float in ``unit``.

    Raises ``ValueError`` with a one-line message for a string outside the grammar, an unknown unit, the wrong
    dimension, a boolean, or a number too large for a float.
    """
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise ValueError("number too large") from None
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        magnitude, u = parse_quantity(value)
        if u is None:
            return magnitude
        try:
            return float(ureg.Quantity(magnitude, u).to(unit).magnitude)
        except pint.DimensionalityError:
            raise ValueError(f"{value.strip()[:40]!r} is not convertible to {display_unit(unit)}") from None
        except pint.OffsetUnitCalculusError:
            raise ValueError(f"{value.strip()[:40]!r}: a temperature cannot be combined with other units") from None
    raise ValueError(f"expected a number or a quantity string, got {type(value).__name__}")


_SYMBOLS = {"USD": "US$", "MUSD": "US$ M", "liter": "L", "year": "a", "degC": "°C", "percent": "%",
            "dimensionless": "", "ppm": "ppm"}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@lru_cache(maxsize=1024)
def display_unit(unit: str) -> str:
    """A declared unit as people write it, symbol by symbol and unsimplified (``tonne/hour`` -> ``t/h``,
    ``kilogram/kilogram`` -> ``kg/kg``, ``MUSD/year`` -> ``US$ M/a``); empty for dimensionless."""
    if unit.strip() in ("", "1", "dimensionless"):
        return ""
    if unit.strip() == "year":
        return "years"
    out = []
    power = False
    for m in _TOKEN.finditer(unit):
        if m.group("space"):
            continue
        op, name, integer = m.group("op"), m.group("name"), m.group("int")
        if name is not None:
            out.append(_SYMBOLS.get(name) or ureg.get_symbol(name))
        elif integer is not None:
            if power and "." in integer:  # a fractional power: MPa/%^0.667
                out.append(f"^{float(integer):.3g}")
            else:
                out.append(integer.translate(_SUPERSCRIPT) if power else integer)
        power = op in ("**", "^")
        if power:
            continue
        elif op in ("*",):
            out.append("·")
        elif op == "/":
            out.append("/")
    return "".join(out)
