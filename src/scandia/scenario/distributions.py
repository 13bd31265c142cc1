"""Distributions a scenario field may take, validated on construction, sampled through their inverse CDF.

Families (scipy.stats): uniform(low, high); triangular(low, mode, high); PERT(low, mode, high) as the beta
distribution with shape 4 (Vose, *Risk Analysis*, 3rd ed., 2008, ch. 9); normal(mean, sd); lognormal(median,
gsd) with geometric standard deviation gsd > 1; empirical(values), resampled with equal weights.

Bounded by the field: a distribution on a declared field is truncated to the field's declared range through its
quantile function, ``x = F^-1(F(lo) + u (F(hi) - F(lo)))``, so the Latin-hypercube and Sobol designs stay
stratified (rejection sampling would break them); empirical values outside the range are dropped. When less
than half of the distribution's mass lies inside the range, the distribution is refused: the truncated one would
no longer be what the user wrote.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from scipy import stats

__all__ = ["Distribution"]


class Distribution(BaseModel):
    """One field's distribution; ``ppf(u)`` maps uniforms in (0, 1) to values."""

    model_config = ConfigDict(extra="forbid")

    dist: Literal["uniform", "triangular", "pert", "normal", "lognormal", "empirical"]
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    gsd: float | None = None
    values: list[float] | None = Field(None, max_length=1_000_000)
    _bounds: tuple[float, float] | None = PrivateAttr(None)

    #: the smallest share of the distribution's mass that may lie inside the field's range
    MIN_MASS_INSIDE: ClassVar[float] = 0.5

    def bound(self, lo: float, hi: float, path: str) -> Distribution:
        """Truncate to the field's declared range [lo, hi]; ValueError naming ``path`` when less than half the
        mass lies inside it."""
        if self.dist == "empirical":
            vals = np.asarray(self.values, dtype=float)
            inside = float(np.mean((vals >= lo) & (vals <= hi)))
        else:
            f = self._frozen()
            inside = float(f.cdf(hi) - f.cdf(lo))
        if inside < self.MIN_MASS_INSIDE:
            raise ValueError(f"uncertainty.distributions: {path}: only {inside:.0%} of this {self.dist} "
                             f"distribution lies inside the field's range [{lo:g}, {hi:g}]; at least "
                             f"{self.MIN_MASS_INSIDE:.0%} must (narrow or move it)")
        self._bounds = (float(lo), float(hi))
        return self

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The field range the samples are truncated to, when set by the scenario."""
        return self._bounds

    @model_validator(mode="after")
    def _check(self) -> Distribution:
        need = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high"),
                "normal": ("mean", "sd"), "lognormal": ("median", "gsd"), "empirical": ("values",)}[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(need)} (missing {', '.join(missing)})")
        if self.dist in ("uniform", "triangular", "pert") and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist in ("triangular", "pert") and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie in [low, high] = [{self.low}, {self.high}]")
        if self.dist == "normal" and not self.sd > 0:
            raise ValueError(f"sd must be > 0 (got {self.sd})")
        if self.dist == "lognormal" and not (self.median > 0 and self.gsd > 1):
            raise ValueError(f"lognormal needs median > 0 and gsd > 1 (got {self.median}, {self.gsd})")
        if self.dist == "empirical" and (len(self.values) == 0 or not np.all(np.isfinite(self.values))):
            raise ValueError("empirical needs at least one finite value")
        for k in ("low", "mode", "high", "mean", "sd", "median", "gsd"):
            v = getattr(self, k)
            if v is not None and not np.isfinite(v):
                raise ValueError(f"{k} must be finite")
        return self

    def _frozen(self) -> Any:
        if self.dist == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        if self.dist == "triangular":
            return stats.triang((self.mode - self.low) / (self.high - self.low), self.low, self.high - self.low)
        if self.dist == "pert":
            span = self.high - self.low
            a = 1.0 + 4.0 * (self.mode - self.low) / span
            b = 1.0 + 4.0 * (self.high - self.mode) / span
            return stats.beta(a, b, loc=self.low, scale=span)
        if self.dist == "normal":
            return stats.norm(self.mean, self.sd)
        return stats.lognorm(np.log(self.gsd), scale=self.median)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at cumulative probabilities ``u``."""
        u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
        if self.dist == "empirical":
            vals = np.sort(np.asarray(self.values, dtype=float))
            if self._bounds is not None:
                vals = vals[(vals >= self._bounds[0]) & (vals <= self._bounds[1])]
            idx = np.minimum((u * vals.size).astype(np.int64), vals.size - 1)
            return vals[idx]
        f = self._frozen()
        if self._bounds is None:
            return f.ppf(u)
        lo, hi = self._bounds
        c_lo, c_hi = f.cdf(lo), f.cdf(hi)
        # inverse-CDF truncation; the clip guards the last ulp at the ends
        return np.clip(f.ppf(c_lo + u * (c_hi - c_lo)), lo, hi)

    def nominal(self) -> float:
        """The value a deterministic run uses: mode, mean or median (the middle value for empirical)."""
        if self.dist in ("triangular", "pert"):
            return float(self.mode)
        if self.dist == "normal":
            return float(self.mean)
        if self.dist == "lognormal":
            return float(self.median)
        if self.dist == "uniform":
            return 0.5 * (self.low + self.high)
        return float(np.median(self.values))

    def mean_value(self) -> float:
        """The mean of the (truncated, when bounded) distribution."""
        if self.dist == "empirical" or self._bounds is not None:
            return float(np.mean(self.ppf((np.arange(20_000) + 0.5) / 20_000)))
        return float(self._frozen().mean())
