"""Gaussian random fields by the randomization method (Hesse, Prykhodko, Schlüter & Attinger, Environ. Model.
Softw. 55 (2014) 32, eq. 4; the method of GSTools' ``RandMeth``): Y(x) = sqrt(2/M) Σ_j cos(k_j·x + φ_j), with the
wave vectors k_j drawn from the covariance's spectral density and φ_j uniform on [0, 2π). The field has zero
mean and unit variance; its covariance tends to the model's as M grows (each mode adds an exact cosine term of
the spectral representation). Evaluated anywhere, so the same realisation can be read at drill-hole samples,
block centres and the points that discretise a block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.jit import parallel_lock, pjit, prange

__all__ = ["RandomField", "exponential_field"]


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
