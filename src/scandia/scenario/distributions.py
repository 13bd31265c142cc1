"""Distributions a scenario field may take, validated on construction, sampled through their inverse CDF.

Families (scipy.stats): uniform(low, high); triangular(low, mode, high); PERT(low, mode, high) as the beta
distribution with shape 4 (Vose, *Risk Analysis*, 3rd ed., 2008, ch. 9); normal(mean, sd); lognormal(median,
gsd) with geometric standard deviation gsd > 1; empirical(values), resampled with equal weights.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
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
            idx = np.minimum((u * vals.size).astype(np.int64), vals.size - 1)
            return vals[idx]
        return self._frozen().ppf(u)

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
        if self.dist == "empirical":
            return float(np.mean(self.values))
        return float(self._frozen().mean())
