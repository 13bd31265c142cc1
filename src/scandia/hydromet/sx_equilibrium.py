"""D2EHPA equilibrium data of solvent extraction: distribution ratios against pH and dosage, strip fractions,
phase properties (data/hydromet/sx_d2ehpa.yaml)."""

from __future__ import annotations

from functools import cache

import numpy as np

from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from .chemistry import AQUEOUS, Chemistry
from .sx_cascade import LinearLogD


@cache
def _d_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    data = load_data("hydromet/sx_d2ehpa.yaml")["elements"]
    missing = [k for k in AQUEOUS if k not in data]
    if missing:
        raise ScenarioError("hydromet/sx_d2ehpa.yaml", f"no distribution data for elements {missing}")
    const = np.array([data[k]["form"] == "constant" for k in AQUEOUS])
    logd_c = np.array([np.log10(data[k]["D"]) if data[k]["form"] == "constant" else 0.0 for k in AQUEOUS])
    m0, m1, b0, b1 = (np.array([data[k].get(p, 0.0) if data[k]["form"] == "ph" else 0.0 for k in AQUEOUS])
                      for p in ("m0", "m1", "B0", "B1"))
    return const, logd_c, np.stack([m0, m1]), np.stack([b0, b1]), np.ones(1)


def d2ehpa_linear(dosage_vol_pct: np.ndarray) -> LinearLogD:
    """log10 D of every AQUEOUS element of D2EHPA at dosage (n, 1) vol%, linear in pH: slope and intercept
    (n, 1, E) (PrOMMiS form, data/hydromet/sx_d2ehpa.yaml; constant D has slope 0)."""
    const, logd_c, m, b, _ = _d_table()
    dose = np.asarray(dosage_vol_pct, dtype=float).reshape(-1, 1, 1)
    slope = np.where(const, 0.0, m[0] + m[1] * dose)  # (n,1,E)
    inter = np.where(const, logd_c, b[0] + b[1] * np.log10(dose))
    return LinearLogD(slope, inter)


def d2ehpa_log_d(ph: np.ndarray, dosage_vol_pct: np.ndarray) -> np.ndarray:
    """log10 D of every AQUEOUS element at stage pH (n, N) and D2EHPA dosage (n, 1) vol%: (n, N, E)."""
    return d2ehpa_linear(dosage_vol_pct)(ph)


@cache
def _strip_fracs() -> np.ndarray:
    data = load_data("hydromet/sx_d2ehpa.yaml")["strip_per_contact_frac"]
    return np.array([data.get(k, data["default"])["value"] for k in AQUEOUS])


# ---------------------------------------------------------------------------------------------------- units
def _mw_extractant(ch: Chemistry) -> float:
    return float(ch.components.molar_mass_g_per_mol[ch.index("D2EHPA")])


def _phase_props() -> tuple[float, float, float]:
    data = load_data("hydromet/sx_d2ehpa.yaml")
    return data["density_t_m3"]["value"], data["diluent_density_t_m3"]["value"], data["hso4_pka"]["value"]
