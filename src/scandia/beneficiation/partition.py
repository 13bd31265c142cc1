"""Partition curves as pure, vectorized functions (fractions 0-1 to the named product).

All inputs broadcast; none loops over scenarios.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = [
    "G_M_S2",
    "MU0",
    "log_logistic",
    "magnetic_force_ratio",
    "normal_cdf",
    "tromp",
    "whiten",
]

MU0 = 4e-7 * np.pi  #: vacuum permeability, T m/A (SI)
G_M_S2 = 9.80665  #: standard gravity, m/s2


def tromp(x: np.ndarray, d50: np.ndarray, ep: np.ndarray) -> np.ndarray:
    """Logistic Tromp curve: fraction reporting to the heavy (sink) product.

    ``P = 1 / (1 + exp(1.0986 (d50 - x) / Ep))`` with cut point ``d50`` and ecart probable
    ``Ep = (x75 - x25) / 2`` (Napier-Munn, T.J. 1991, "Modelling and simulating dense medium separation
    processes - a progress report", Minerals Engineering 4:329-346; 1.0986 = ln 3 makes Ep the half-distance
    between the 25 % and 75 % points). ``x`` is particle density for a DMS or size for a classifier.
    """
    z = np.log(3.0) * (np.asarray(d50) - np.asarray(x)) / np.asarray(ep)
    return 1.0 / (1.0 + np.exp(np.clip(z, -700.0, 700.0)))


def whiten(d: np.ndarray, d50: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Whiten's efficiency curve: fraction of size ``d`` reporting to the oversize.

    ``E = (exp(a x) - 1) / (exp(a x) + exp(a) - 2)``, ``x = d / d50`` (Whiten 1972, in Napier-Munn, Morrell,
    Morrison & Kojovic 1996, Mineral Comminution Circuits, JKMRC, ch. 10). ``E(d50) = 0.5``.
    """
    a = np.asarray(alpha, dtype=float)
    x = np.asarray(d, dtype=float) / np.asarray(d50, dtype=float)
    ax = np.minimum(a * x, 700.0)
    ea = np.exp(np.minimum(a, 700.0))
    return np.clip((np.exp(ax) - 1.0) / (np.exp(ax) + ea - 2.0), 0.0, 1.0)


def log_logistic(ratio: np.ndarray, r50: float | np.ndarray, k: np.ndarray) -> np.ndarray:
    """``1 / (1 + (r50 / ratio)^k)`` for ``ratio > 0``, and 0 for ``ratio <= 0`` (monotone in ``ratio``)."""
    r = np.asarray(ratio, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        p = 1.0 / (1.0 + (np.asarray(r50) / np.maximum(r, 1e-300)) ** np.asarray(k))
    return np.where(r > 0, p, 0.0)


def magnetic_force_ratio(
    chi_m3_kg: np.ndarray,
    field_t: np.ndarray,
    gradient_t_m: np.ndarray,
    size_mm: np.ndarray,
    density_t_m3: np.ndarray,
    velocity_m_s: np.ndarray,
    viscosity_pa_s: np.ndarray,
) -> np.ndarray:
    """Magnetic force over competing forces (gravity plus Stokes drag), per unit particle mass.

    ``F_m / m = chi B grad(B) / mu0`` (Svoboda 2004, Magnetic Techniques for the Treatment of Materials,
    Kluwer, eq. 2.45 for a paramagnetic particle); competing ``F_c / m = g + 18 eta v / (rho d^2)`` (gravity plus
    Stokes drag on a sphere of diameter ``d`` at relative velocity ``v``; Svoboda 2004 eq. 3.1 lists both).
    Capture is expected when the ratio exceeds about 1; negative ratios (diamagnetic) are never captured.
    """
    d_m = np.asarray(size_mm, dtype=float) * 1e-3
    rho = np.asarray(density_t_m3, dtype=float) * 1e3
    fm = np.asarray(chi_m3_kg) * np.asarray(field_t) * np.asarray(gradient_t_m) / MU0
    fc = G_M_S2 + 18.0 * np.asarray(viscosity_pa_s) * np.asarray(velocity_m_s) / (rho * d_m * d_m)
    return fm / fc


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (scipy's ``ndtr``), vectorized."""
    return ndtr(z)
