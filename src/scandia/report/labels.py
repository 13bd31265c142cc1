"""Human names and number formats for what a person reads: report tables, axis titles, tornado bars.

A label is the declared ``label:`` of a metric or column (data/outputs.yaml) when it has one, else the code name
made readable (underscores to spaces, chemical and financial abbreviations capitalised, the unit words of the name
dropped); the unit shown beside it always comes from the declaration (:mod:`scandia.core.outputs`, the parameter
declarations for scenario fields), never from the name. The code name stays available as the cell's tooltip, so
a figure in the report can be traced to its CSV column.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..core.outputs import output

__all__ = ["axis_title", "format_number", "header", "human"]

#: words of a code name written as people write them
_WORDS = {"sc": "Sc", "sc2o3": "Sc2O3", "tree": "TREE", "treo": "TREO", "reo": "REO", "ree": "REE", "fe": "Fe",
          "th": "Th", "zr": "Zr", "mg": "Mg", "mn": "Mn", "npv": "NPV", "irr": "IRR", "capex": "capex",
          "opex": "opex", "co2e": "CO2e", "ph": "pH", "sx": "SX", "oa": "O/A", "hcl": "HCl", "h2so4": "H2SO4",
          "naoh": "NaOH", "cao": "CaO", "h2c2o4": "oxalic acid", "d2ehpa": "D2EHPA", "ebitda": "EBITDA",
          "cca": "CCA", "pls": "PLS", "lims": "LIMS", "whims": "WHIMS", "dms": "DMS", "xrt": "XRT", "kwn": "KWN",
          "rel": "relative", "no": "no.", "pretax": "pre-tax", "uts": "UTS", "al3sc": "Al3Sc", "ch4": "CH4"}

#: unit words at the end of a code name, longest first (dropped from the label: the declared unit is shown)
_UNIT_TAILS = sorted((
    "tph", "tpa", "pct", "ppm", "musd", "usd", "frac", "kg", "t", "h", "c", "mpa", "um", "nm", "m3", "mw",
    "kg_per_h", "mg_per_l_water", "g_per_l_water", "g_per_l", "mg_per_l", "musd_per_yr", "usd_per_kg",
    "kg_per_kg_sc2o3", "usd_per_kg_sc2o3", "usd_per_t_ore", "kg_per_t_concentrate", "usd_per_h", "m3_per_h",
    "mol_l", "mmol_l", "wt_pct", "years", "tpa_sc2o3", "usd_per_mpa_per_kg", "kg_per_kg_master_alloy",
    "kg_per_kg_reo", "kg_per_kg", "h_per_yr", "kwh_per_t", "l_per_m3", "usd_per_kwh", "usd_per_t",
    "usd_per_yr", "m3_per_kg", "t_m3", "kg_m3", "mm", "gpa", "j_m2", "m2_s", "j_mol", "kj_mol",
), key=len, reverse=True)


def human(name: str) -> str:
    """A readable label of a metric, column or dotted scenario field (``solids_tph`` -> ``solids``,
    ``hydromet.caustic.temperature_c`` -> ``caustic: temperature``)."""
    o = output(name)
    if o is not None and o.label:
        return _capital(o.label)
    parts = name.split(".")
    leaf = parts[-1]
    for tail in _UNIT_TAILS:
        if leaf.endswith("_" + tail) and len(leaf) > len(tail) + 1:
            leaf = leaf[: -len(tail) - 1]
            break
    words = [_WORDS.get(w, w) for w in leaf.split("_") if w]
    text = " ".join(words)
    if len(parts) > 2:  # a scenario field: its section gives the context ("Caustic: temperature")
        section = parts[-2] if parts[-2] not in ("params", "inputs", "defaults") else parts[0]
        text = f"{' '.join(_WORDS.get(w, w) for w in section.split('_'))}: {text}"
    return _capital(text)


def _capital(text: str) -> str:
    """First letter upper case, unless the first word is a symbol written in lower case (pH)."""
    return text[:1].upper() + text[1:] if text[:1].islower() and not text[1:2].isupper() else text


def _unit(name: str) -> str:
    o = output(name)
    return o.display_unit if o is not None else ""


def header(name: str) -> str:
    """Label and declared unit, as a table header: ``solids (t/h)``."""
    unit = _unit(name)
    return f"{human(name)} ({unit})" if unit else human(name)


def axis_title(name: str) -> str:
    """Label and declared unit, as an axis title: ``NPV (US$ M)``."""
    return header(name)


_NEAR_ZERO = 1e-9  # of the column's largest magnitude: solver residue, printed as 0


def format_number(value: Any, scale: float | None = None, figures: int = 4) -> str:
    """A number to ``figures`` significant figures with thousands separators, fixed notation from 1e-3 to 1e9;
    a value below 1e-9 of ``scale`` (the column's largest magnitude) prints as 0 rather than as 9.1e-21."""
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "" if math.isnan(v) else ("∞" if v > 0 else "-∞")
    a = abs(v)
    if a == 0.0 or (scale is not None and scale > 0 and a < _NEAR_ZERO * scale):
        return "0"
    if a >= 1e9 or a < 1e-3:
        return f"{v:.{figures - 1}e}"
    decimals = max(0, figures - 1 - math.floor(math.log10(a)))
    text = f"{v:,.{decimals}f}"
    if "." in text and decimals > 0 and a >= 1:
        text = re.sub(r"\.?0+$", "", text) if a >= 10 ** (figures - 1) else text
    return text
