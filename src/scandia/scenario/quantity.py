"""Units at the input boundary (pint).

Scenario files may give any numeric field as a plain number in the field's own unit (named by its suffix,
``_tph``, ``_mm``, ``_t``...) or as a string with a unit, ``"2350 t/d"`` or ``"10 kG"``. Inside scandia every
number is a float in the field's unit; pint is used here only.
"""

from __future__ import annotations

from functools import lru_cache

import pint

__all__ = ["SUFFIX_UNITS", "to_unit", "unit_for_field", "ureg"]

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
ureg.define("tonne_per_hour = tonne / hour = tph")
ureg.define("magnetic_gauss = 1e-4 * tesla = Gs")  # pint's gauss is Gaussian-CGS; Gs converts to tesla

#: unit of a field, from the suffix of its name (longest suffix wins)
SUFFIX_UNITS: dict[str, str] = {
    "_tph": "tonne/hour",
    "_tpa": "tonne/yr",
    "_t_m3": "tonne/meter**3",
    "_m3_kg": "meter**3/kilogram",
    "_m_s": "meter/second",
    "_pa_s": "pascal*second",
    "_mm": "millimeter",
    "_um": "micrometer",
    "_m": "meter",
    "_t": "tesla",
    "_kev": "kiloelectron_volt",
    "_h_per_yr": "hour/yr",
    "_h": "hour",
    "_c": "degC",
    "_frac": "dimensionless",
    "_pct": "percent",
    "_mpa": "megapascal",
    "_ppm": "dimensionless",
}


def unit_for_field(name: str) -> str:
    """The unit of a field from its name's suffix; dimensionless when no suffix matches."""
    for suffix in sorted(SUFFIX_UNITS, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIX_UNITS[suffix]
    return "dimensionless"


@lru_cache(maxsize=4096)
def _parse(text: str) -> pint.Quantity:
    return ureg.Quantity(text)


def to_unit(value: object, unit: str) -> float:
    """Convert a number (already in ``unit``) or a string with a unit to a float in ``unit``.

    Raises ``ValueError`` with a one-line message if the string does not parse or has the wrong dimension.
    """
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            q = _parse(value.strip())
        except Exception as exc:  # pint raises several unrelated types
            raise ValueError(f"cannot read {value!r} as a quantity ({type(exc).__name__})") from None
        if not isinstance(q, pint.Quantity):
            return float(q)
        if q.dimensionless and unit == "dimensionless":
            return float(q.to("dimensionless").magnitude)
        try:
            return float(q.to(unit).magnitude)
        except pint.DimensionalityError:
            raise ValueError(f"{value!r} is not convertible to {unit}") from None
    raise ValueError(f"expected a number or a quantity string, got {type(value).__name__}")
