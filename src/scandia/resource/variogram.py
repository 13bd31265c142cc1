"""Variograms: the anisotropic model the kriging uses, and experimental variograms fitted with GSTools (issue
17, item 2).

- **Models** (Journel & Huijbregts, *Mining Geostatistics*, 1978, ch. III; Deutsch & Journel, *GSLIB*, 2nd ed.
  1998, §II.3): with h the anisotropic distance in units of the range and c the partial sill,
  spherical γ = c (1.5 h - 0.5 h³) for h < 1, c beyond; exponential γ = c (1 - exp(-3h)); Gaussian
  γ = c (1 - exp(-3h²)); the ranges are *practical* ranges (95 % of the sill for the exponential and Gaussian
  models, as GSLIB's ``a`` parameter). A nugget c0 is added at h > 0. The covariance is C(h) = c0 + c - γ(h).
- **Anisotropy** is given in the geologist's terms: the plane of greatest continuity by its strike (azimuth,
  degrees clockwise from north) and dip (degrees, down to the right of strike), and the major axis by its rake
  (pitch) within that plane from the strike line; the three ranges are along the major axis, the semi-major
  axis (in the plane, normal to the major) and the minor axis (normal to the plane). Coordinates are rotated into
  that frame and divided by the ranges, so the model is isotropic with range 1 there.
- **Experimental variograms** are computed by GSTools (``gstools.vario_estimate``, Matheron's estimator,
  Müller et al., Geosci. Model Dev. 15 (2022) 3161) along the three axes of the frame with an angular tolerance
  and a bandwidth. The model is fitted to all three at once by weighted least squares (:func:`fit_variogram`);
  GSTools' own fit needs one lag axis shared by the directions, which drill-hole data do not give (down-hole
  lags are short, across-section lags long).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..core.errors import ScenarioError

__all__ = ["ExperimentalVariogram", "Variogram", "experimental_variogram", "fit_variogram", "frame_axes"]

Model = Literal["spherical", "exponential", "gaussian"]
_MODELS = ("spherical", "exponential", "gaussian")


def frame_axes(strike_deg: float, dip_deg: float, rake_deg: float = 0.0) -> np.ndarray:
    """Rows: unit vectors (east, north, up) of the major, semi-major and minor axes (module docstring)."""
    s, d, r = np.radians(strike_deg), np.radians(dip_deg), np.radians(rake_deg)
    along = np.array([np.sin(s), np.cos(s), 0.0])
    dd = s + np.pi / 2  # dip direction: 90 degrees clockwise from strike (right-hand rule)
    down = np.array([np.cos(d) * np.sin(dd), np.cos(d) * np.cos(dd), -np.sin(d)])
    major = np.cos(r) * along + np.sin(r) * down
    semi = -np.sin(r) * along + np.cos(r) * down
    return np.vstack([major, semi, np.cross(major, semi)])


@dataclass(frozen=True)
class Variogram:
    """An anisotropic variogram model in grade units squared (module docstring)."""

    model: Model = "spherical"
    nugget: float = 0.0
    sill: float = 1.0                       # partial sill c of the structure (total sill = nugget + sill)
    ranges_m: tuple[float, float, float] = (100.0, 100.0, 100.0)   # major, semi-major, minor
    strike_deg: float = 0.0
    dip_deg: float = 0.0
    rake_deg: float = 0.0
    axes: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.model not in _MODELS:
            raise ScenarioError("variogram.model", f"must be one of {', '.join(_MODELS)}, got {self.model!r}")
        if not (np.isfinite(self.nugget) and self.nugget >= 0):
            raise ScenarioError("variogram.nugget", "must be >= 0")
        if not (np.isfinite(self.sill) and self.sill > 0):
            raise ScenarioError("variogram.sill", "must be > 0")
        r = np.asarray(self.ranges_m, dtype=float)
        if r.shape != (3,) or not np.all(np.isfinite(r)) or np.any(r <= 0):
            raise ScenarioError("variogram.ranges_m", "needs three ranges > 0 m (major, semi-major, minor)")
        if not (0.0 <= self.dip_deg <= 90.0):
            raise ScenarioError("variogram.dip_deg", "must lie in [0, 90] degrees")
        object.__setattr__(self, "axes", frame_axes(self.strike_deg, self.dip_deg, self.rake_deg))

    @property
    def total_sill(self) -> float:
        return self.nugget + self.sill

    def scale(self, xyz: np.ndarray) -> np.ndarray:
        """Coordinates (n, 3) rotated into the anisotropy frame and divided by the ranges (isotropic, range 1)."""
        return (np.asarray(xyz, dtype=float) @ self.axes.T) / np.asarray(self.ranges_m, dtype=float)

    def structure(self, h: np.ndarray) -> np.ndarray:
        """The structured covariance c·ρ(h) at scaled distances h (no nugget)."""
        h = np.asarray(h, dtype=float)
        if self.model == "spherical":
            hc = np.minimum(h, 1.0)
            rho = 1.0 - 1.5 * hc + 0.5 * hc**3
        elif self.model == "exponential":
            rho = np.exp(-3.0 * h)
        else:
            rho = np.exp(-3.0 * h * h)
        return self.sill * rho

    def covariance(self, h: np.ndarray) -> np.ndarray:
        """C(h) at scaled distances h, the nugget included at h = 0 (exactly)."""
        h = np.asarray(h, dtype=float)
        return self.structure(h) + np.where(h == 0.0, self.nugget, 0.0)

    def gamma(self, h: np.ndarray) -> np.ndarray:
        """γ(h) at scaled distances h (0 at h = 0, nugget + structure beyond)."""
        return self.total_sill - self.covariance(h)


@dataclass(frozen=True)
class ExperimentalVariogram:
    """Experimental semivariograms along the frame's three axes: lag centres (m), γ (3, n_lags), pair counts."""

    lags_m: np.ndarray
    gamma: np.ndarray
    pairs: np.ndarray
    axes: np.ndarray


def experimental_variogram(xyz: np.ndarray, values: np.ndarray, lags_m: np.ndarray, strike_deg: float = 0.0,
                           dip_deg: float = 0.0, rake_deg: float = 0.0, angle_tol_deg: float = 22.5,
                           bandwidth_m: float | None = None, max_pairs_points: int = 20_000,
                           seed: int = 0) -> ExperimentalVariogram:
    """Directional semivariograms (GSTools, Matheron estimator) along the major, semi-major and minor axes of the
    frame given by strike, dip and rake; ``lags_m`` are the bin edges (m). Above ``max_pairs_points`` data a
    random subset of that size is used (GSTools' ``sampling_size``)."""
    import gstools as gs

    p, v = np.asarray(xyz, dtype=float), np.asarray(values, dtype=float)
    ok = np.all(np.isfinite(p), axis=1) & np.isfinite(v)
    if ok.sum() < 10:
        raise ScenarioError("variogram data", f"needs at least 10 finite samples, got {int(ok.sum())}")
    edges = np.asarray(lags_m, dtype=float)
    if edges.ndim != 1 or edges.size < 3 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise ScenarioError("variogram lags_m", "needs at least 3 increasing bin edges >= 0 m")
    axes = frame_axes(strike_deg, dip_deg, rake_deg)
    local = (p[ok] - p[ok].mean(axis=0)) @ axes.T  # in the frame: the directions are the coordinate axes
    n = int(ok.sum())
    centres, gam, counts = gs.vario_estimate(
        local.T, v[ok], edges, direction=np.eye(3), angles_tol=np.radians(angle_tol_deg), bandwidth=bandwidth_m,
        sampling_size=max_pairs_points if n > max_pairs_points else None, sampling_seed=seed, return_counts=True)
    return ExperimentalVariogram(np.asarray(centres), np.asarray(gam), np.asarray(counts), axes)


def fit_variogram(exp: ExperimentalVariogram, model: Model = "spherical", strike_deg: float = 0.0,
                  dip_deg: float = 0.0, rake_deg: float = 0.0, min_pairs: int = 30,
                  nugget: float | None = None) -> Variogram:
    """Fit an anisotropic model (nugget + one structure) to the three directional variograms at once: weighted
    least squares over every (direction, lag) with at least ``min_pairs`` pairs, weights √pairs (Cressie,
    Math. Geol. 17 (1985) 563, in its simplest form), by SciPy's bounded trust-region solver. Each direction
    keeps its own lags (drill holes resolve the short lags down the hole, the sections the long ones across).
    ``nugget`` fixes the nugget (e.g. read off the down-hole variogram's first lags, the usual practice)
    instead of fitting it."""
    from scipy.optimize import least_squares

    if model not in _MODELS:
        raise ScenarioError("variogram.model", f"must be one of {', '.join(_MODELS)}, got {model!r}")
    use = (exp.pairs >= min_pairs) & np.isfinite(exp.gamma)
    if use.sum() < 5:
        raise ScenarioError("variogram fit", f"needs at least 5 lags with {min_pairs} pairs or more")
    d_idx, l_idx = np.nonzero(use)
    lag, gam = exp.lags_m[l_idx], exp.gamma[d_idx, l_idx]
    w = np.sqrt(exp.pairs[d_idx, l_idx].astype(float))
    var0 = float(gam.max())
    if nugget is not None and not (np.isfinite(nugget) and 0 <= nugget < var0):
        raise ScenarioError("variogram.nugget", f"a fixed nugget must lie in [0, {var0:.4g}) (the largest γ)")
    top = float(exp.lags_m[use.any(axis=0)].max()) * 4
    # the longest lag with pairs in each direction bounds a sensible first guess for its range
    guess = [max(float(exp.lags_m[use[i]].max()) / 2, 1e-3) if use[i].any() else top / 8 for i in range(3)]

    def unpack(x: np.ndarray) -> Variogram:
        c0 = float(x[0]) if nugget is None else float(nugget)
        return Variogram(model, c0, float(x[1]), (float(x[2]), float(x[3]), float(x[4])), strike_deg, dip_deg,
                         rake_deg)

    def residual(x: np.ndarray) -> np.ndarray:
        v = unpack(x)
        h = lag / np.asarray(v.ranges_m)[d_idx]
        return w * (v.gamma(h) - gam)

    x0 = np.array([0.1 * var0 if nugget is None else float(nugget), 0.9 * var0, *guess])
    lo = np.array([0.0, 1e-9 * var0, 1e-3, 1e-3, 1e-3])
    hi = np.array([var0, 4 * var0, top, top, top])
    x0 = np.clip(x0, lo * 1.0001 + 1e-12, hi * 0.9999)
    fit = least_squares(residual, x0, bounds=(lo, hi), method="trf", x_scale="jac")
    return unpack(fit.x)
