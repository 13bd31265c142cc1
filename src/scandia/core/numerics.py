"""Shared vectorized numerics: the Illinois false-position root finder.

It works on a whole batch at once (the scenario axis and any other trailing axes) with a per-scenario stop, so a
scenario's answer never depends on the other scenarios of its batch. (The tridiagonal Thomas solves live in the
compiled kernels that use them: the SX cascade and the KWN step.)

Source: Illinois method, Dowell & Jarratt, BIT 11 (1971) 168-174.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["illinois"]


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
