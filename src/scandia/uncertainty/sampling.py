"""Correlated sampling of scenario-field distributions: random, Latin hypercube or Sobol (scrambled), seeded.

Rank correlations are imposed by the Iman-Conover method (Iman & Conover, Commun. Stat. B 11 (1982) 311):
van der Waerden scores are mixed through Cholesky factors so their rank correlation matches the target, and
each input's sample is reordered to those ranks, which keeps every marginal exactly.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.stats import qmc

from ..core.errors import ScenarioError
from ..scenario.distributions import Distribution

__all__ = ["MAX_SAMPLES", "iman_conover", "sample", "scenario_samples", "strength_draws"]

#: refuse sample counts whose arrays alone would not fit in memory (1e8 x 8 bytes per input)
MAX_SAMPLES = 50_000_000


def _uniforms(n: int, k: int, method: str, seed: int) -> np.ndarray:
    if method == "random":
        return np.random.default_rng(seed).random((n, k))
    if method == "lhs":
        return qmc.LatinHypercube(d=k, seed=seed).random(n)
    if method == "sobol":
        return qmc.Sobol(d=k, scramble=True, seed=seed).random(n)
    raise ScenarioError("uncertainty.method", f"unknown sampling method {method!r}; use random, lhs or sobol")


def iman_conover(x: np.ndarray, target: np.ndarray, seed: int = 0) -> np.ndarray:
    """Reorder the columns of ``x`` (n, k) so their rank correlation approaches ``target`` (k, k)."""
    n, k = x.shape
    if n <= k + 1:  # too few samples to carry a rank-correlation structure: marginals only
        return x
    rng = np.random.default_rng(seed)
    scores = stats.norm.ppf(np.arange(1, n + 1) / (n + 1))
    s = np.column_stack([rng.permutation(scores) for _ in range(k)])
    cs = np.corrcoef(s, rowvar=False)
    e = np.linalg.cholesky(cs + 1e-9 * np.eye(k))
    p = np.linalg.cholesky(target)
    t = s @ np.linalg.inv(e).T @ p.T
    out = np.empty_like(x)
    for j in range(k):  # k inputs, not scenarios
        ranks = np.argsort(np.argsort(t[:, j]))
        out[:, j] = np.sort(x[:, j])[ranks]
    return out


def _check_correlation(paths: list[str], correlations: list[tuple[str, str, float]]) -> np.ndarray:
    k = len(paths)
    c = np.eye(k)
    for a, b, rho in correlations:
        for name in (a, b):
            if name not in paths:
                raise ScenarioError("uncertainty.correlations", f"{name} has no distribution")
        if a == b or not -1.0 <= rho <= 1.0:
            raise ScenarioError("uncertainty.correlations", f"{a} ~ {b}: rho must be in [-1, 1] between two fields")
        i, j = paths.index(a), paths.index(b)
        c[i, j] = c[j, i] = rho
    if np.linalg.eigvalsh(c).min() < -1e-10:
        raise ScenarioError("uncertainty.correlations", "the correlation matrix is not positive semi-definite")
    return c


def strength_draws(n: int, method: str = "lhs", seed: int = 0) -> dict[str, np.ndarray]:
    """Standard normal draws (n,) for the alloy strength constants fitted together
    (:func:`scandia.alloy.strength.fit_base_constants`); the alloy stage turns them into a joint sample through
    the fit's covariance. Their own stream of the run's seed, so adding them leaves the other samples unchanged."""
    from ..alloy.strength import STRENGTH_DRAWS

    u = _uniforms(n, len(STRENGTH_DRAWS), method, seed + 104_729)
    return {k: stats.norm.ppf(np.clip(u[:, j], 1e-12, 1 - 1e-12)) for j, k in enumerate(STRENGTH_DRAWS)}


def scenario_samples(scenario: object, n: int) -> dict[str, np.ndarray]:
    """The Monte Carlo's per-scenario arrays of a scenario: its declared distributions and, unless
    ``alloy.sample_strength_constants`` is off, the fitted strength constants' draws."""
    u = scenario.uncertainty  # type: ignore[attr-defined]
    out = sample(u.distributions, n, u.method, scenario.seed, u.correlations)  # type: ignore[attr-defined]
    if getattr(scenario.alloy, "sample_strength_constants", False) and n > 1:  # type: ignore[attr-defined]
        out |= strength_draws(n, u.method, scenario.seed)  # type: ignore[attr-defined]
    return out


def sample(dists: dict[str, Distribution], n: int, method: str = "lhs", seed: int = 0,
           correlations: list[tuple[str, str, float]] | None = None) -> dict[str, np.ndarray]:
    """Samples (n,) per field path (rounded to whole numbers for integer fields)."""
    if not 1 <= n <= MAX_SAMPLES:
        raise ScenarioError("samples", f"must be between 1 and {MAX_SAMPLES:,}")
    paths = list(dists)
    if not paths:
        return {}
    u = _uniforms(n, len(paths), method, seed)
    x = np.column_stack([dists[p].ppf(u[:, j]) for j, p in enumerate(paths)])
    if correlations:
        c = _check_correlation(paths, list(correlations))
        c = c + 1e-12 * np.eye(len(paths))  # positive definite for the Cholesky factor
        x = iman_conover(x, c, seed)
    from ..scenario.params import PARAMS

    out = {p: x[:, j] for j, p in enumerate(paths)}
    for p in paths:  # whole-number fields (e.g. mine life in years) take the nearest whole number
        if p in PARAMS and PARAMS[p].integer:
            out[p] = np.rint(out[p])
    return out
