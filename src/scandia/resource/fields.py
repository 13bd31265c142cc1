"""Gaussian random fields by the randomization method (Hesse, Prykhodko, Schlüter & Attinger, Environ. Model.
Softw. 55 (2014) 32, eq. 4; the method of GSTools' ``RandMeth``): Y(x) = sqrt(2/M) Σ_j cos(k_j·x + φ_j), with the
wave vectors k_j drawn from the covariance's spectral density and φ_j uniform on [0, 2π). The field has zero
mean and unit variance; its covariance tends to the model's as M grows (each mode adds an exact cosine term of
the spectral representation). Evaluated anywhere, so the same realisation can be read at drill-hole samples,
block centres and the points that discretise a block.

Spectral densities of the correlation models of :mod:`scandia.resource.variogram`, with h in units of the
practical range (so the wave vectors are in the same scaled units):

- exponential exp(-3|h|): the 3-D Student t with one degree of freedom scaled by 3, k = 3 z / |w|;
- Gaussian exp(-3|h|²): k ~ N(0, 6 I);
- spherical: the correlation is the overlap of two balls of diameter 1 (radius R = 1/2) a distance h apart
  (Matheron 1965; Chilès & Delfiner, *Geostatistics*, 2nd ed. 2012, §2.5.1), so its spectral density is the
  squared Fourier transform of a ball, ∝ (j1(|k|R) / (|k|R))², j1 the spherical Bessel function of order 1.
  |k| R = u then has the radial density j1(u)² / (π/6) on (0, ∞) (∫ j1² = π/6), drawn by inverse transform on a
  fine table up to u = 200 and beyond it by rejection from the 1/u² envelope (the tail holds 0.5 % of the mass);
  the direction of k is uniform on the sphere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.jit import parallel_lock, pjit, prange

__all__ = ["RandomField", "exponential_field", "spectral_vectors"]


@pjit
def _cosine_sum(xs: np.ndarray, k: np.ndarray, phase: np.ndarray, amp: float) -> np.ndarray:  # pragma: no cover
    n, m = xs.shape[0], k.shape[0]
    out = np.empty(n)
    for i in prange(n):
        x0, x1, x2 = xs[i, 0], xs[i, 1], xs[i, 2]
        s = 0.0
        for j in range(m):
            s += np.cos(x0 * k[j, 0] + x1 * k[j, 1] + x2 * k[j, 2] + phase[j])
        out[i] = amp * s
    return out


@dataclass(frozen=True)
class RandomField:
    """One realisation: wave vectors ``k`` (M, 3) in the units of the scaled coordinates, phases (M,)."""

    k: np.ndarray
    phase: np.ndarray

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        """Values (n,) at scaled coordinates ``xs`` (n, 3)."""
        x = np.ascontiguousarray(np.atleast_2d(xs), dtype=np.float64)
        with parallel_lock():
            return _cosine_sum(x, np.ascontiguousarray(self.k), np.ascontiguousarray(self.phase),
                               float(np.sqrt(2.0 / self.k.shape[0])))


def exponential_field(rng: np.random.Generator, modes: int) -> RandomField:
    """A realisation of covariance exp(-|h|) in 3-D (h in scaled units): its spectral density
    (1 + |k|²)^-2 is the 3-D Student t with one degree of freedom, drawn as k = z / |w| with z ~ N(0, I_3) and
    w ~ N(0, 1)."""
    z = rng.standard_normal((modes, 3))
    w = np.abs(rng.standard_normal(modes))
    return RandomField(z / np.maximum(w, 1e-12)[:, None], rng.uniform(0.0, 2 * np.pi, modes))


_U_TABLE = 200.0


def _j1_sq(u: np.ndarray) -> np.ndarray:
    """j1(u)² = ((sin u - u cos u) / u²)², with its small-u limit u²/9."""
    u = np.asarray(u, dtype=float)
    small = u < 1e-3
    us = np.where(small, 1.0, u)
    v = ((np.sin(us) - us * np.cos(us)) / (us * us)) ** 2
    return np.where(small, u * u / 9.0, v)


def _spherical_radii(rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws of u = |k| R from the density j1(u)² / (π/6) (module docstring)."""
    grid = np.linspace(0.0, _U_TABLE, 200_001)
    f = _j1_sq(grid)
    cdf = np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) * 0.5 * np.diff(grid))])
    head = cdf[-1] / (np.pi / 6.0)           # mass below the table's end
    p = rng.uniform(size=n)
    u = np.interp(p * (np.pi / 6.0), cdf, grid)
    tail = p >= head
    bound = (1.0 + 1.0 / _U_TABLE) ** 2
    todo = np.flatnonzero(tail)
    while todo.size:
        cand = _U_TABLE / rng.uniform(1e-12, 1.0, todo.size)
        keep = rng.uniform(size=todo.size) * bound <= _j1_sq(cand) * cand * cand
        u[todo[keep]] = cand[keep]
        todo = todo[~keep]
    return u


def spectral_vectors(model: str, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Wave vectors (*shape, 3) drawn from the spectral density of the correlation ``model`` ("spherical",
    "exponential", "gaussian") with unit practical range (module docstring): E[cos(k·h)] is the model's
    correlation at the scaled lag h."""
    n = int(np.prod(shape))
    z = rng.standard_normal((n, 3))
    if model == "exponential":
        k = 3.0 * z / np.maximum(np.abs(rng.standard_normal(n)), 1e-12)[:, None]
    elif model == "gaussian":
        k = np.sqrt(6.0) * z
    elif model == "spherical":
        direction = z / np.maximum(np.linalg.norm(z, axis=1), 1e-300)[:, None]
        k = direction * (2.0 * _spherical_radii(rng, n))[:, None]
    else:
        raise ValueError(f"no spectral density for the model {model!r}")
    return k.reshape(*shape, 3)
