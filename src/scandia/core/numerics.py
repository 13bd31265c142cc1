"""Shared vectorized numerics: the tridiagonal (Thomas) solve and the Illinois false-position root finder.

Both work on a whole batch at once (the scenario axis and any other trailing axes), with no pivoting in the
Thomas algorithm (the systems scandia solves are diagonally dominant M-matrices: counter-current stage balances,
implicit upwind size-class transport) and a per-scenario stop in the root finder, so a scenario's answer never
depends on the other scenarios of its batch.

Sources: Thomas algorithm, e.g. Press et al., *Numerical Recipes* (3rd ed., 2007) section 2.4; Illinois method,
Dowell & Jarratt, BIT 11 (1971) 168-174.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["illinois", "thomas"]


def thomas(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, *rhs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Solve tridiagonal systems along axis 0 for one or more right-hand sides, vectorized over trailing axes.

    Row ``k``: ``lower[k-1] x[k-1] + diag[k] x[k] + upper[k] x[k+1] = rhs[k]`` (``lower`` and ``upper`` have one
    row fewer than ``diag``, or the same length with the unused end ignored). Every argument broadcasts against
    ``rhs`` row by row.
    """
    nb = diag.shape[0]
    cp = [None] * nb
    out = [np.empty(np.broadcast_shapes(np.shape(r), np.shape(diag)), dtype=float) for r in rhs]
    inv = 1.0 / diag[0]
    if nb > 1:
        cp[0] = upper[0] * inv
    for d, r in zip(out, rhs, strict=True):
        d[0] = r[0] * inv
    for i in range(1, nb):
        li = lower[i - 1]
        inv = 1.0 / (diag[i] - li * cp[i - 1])
        if i < nb - 1:
            cp[i] = upper[i] * inv
        for d, r in zip(out, rhs, strict=True):
            d[i] = (r[i] - li * d[i - 1]) * inv
    for i in range(nb - 2, -1, -1):
        for d in out:
            d[i] -= cp[i] * d[i + 1]
    return tuple(out)


def illinois(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray, fa: np.ndarray, fb: np.ndarray,
             *, xtol: float, ftol: float | None = None, iters: int = 50, clip: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Illinois false position on brackets ``[a, b]`` with ``f(a)``, ``f(b)`` of opposite signs, per scenario.

    ``f`` maps (n,) points to (n,) values. A scenario stops once its bracket is narrower than ``xtol`` (or, with
    ``ftol``, once ``|f(c)| < ftol``); its values are then frozen. Returns the final ``(a, b, c)``.
    """
    a, b, fa, fb = (np.array(v, dtype=float) for v in (a, b, fa, fb))
    side = np.zeros(a.shape)
    active = (b - a) >= xtol
    c = 0.5 * (a + b)
    for _ in range(iters):
        if not active.any():
            break
        c_new = np.where(fa != fb, (a * fb - b * fa) / np.where(fa != fb, fb - fa, 1.0), 0.5 * (a + b))
        if clip:
            c_new = np.clip(c_new, a, b)
        fc = f(c_new)
        to_a = np.sign(fc) == np.sign(fa)  # c replaces the end whose value has its sign
        fa_new = np.where(to_a, fc, np.where(side == -1, 0.5 * fa, fa))
        fb_new = np.where(to_a, np.where(side == 1, 0.5 * fb, fb), fc)
        a = np.where(active & to_a, c_new, a)
        b = np.where(active & ~to_a, c_new, b)
        fa = np.where(active, fa_new, fa)
        fb = np.where(active, fb_new, fb)
        side = np.where(active, np.where(to_a, 1, -1), side)
        c = np.where(active, c_new, c)
        active &= (b - a) >= xtol
        if ftol is not None:
            active &= np.abs(fc) >= ftol
    return a, b, c
