"""Concentration devices: comminution, screens, magnetic separators, dense media, heavy liquid, XRT sorter.

Each device is a :class:`~scandia.core.unit.Unit` acting on whole particles, so outlets are class-wise splits of
the feed (``Stream.split``) and compositions never change; element balances close by construction. Every
numeric parameter is a scalar or an array over scenarios.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from scipy.special import expit

from ..core.datafiles import load_data
from ..core.status import ok_array
from ..core.stream import Stream
from ..core.unit import Unit, UnitResult, per_scenario
from .ore import OreModel, rrsb_fractions
from .partition import MU0, magnetic_force_ratio, normal_cdf, tromp, whiten

__all__ = [
    "LIMS",
    "WHIMS",
    "Comminution",
    "DenseMediaSeparator",
    "HeavyLiquidSeparator",
    "MagneticSeparator",
    "PartitionSeparator",
    "Screen",
    "XRTSorter",
]


class Comminution(Unit):
    """Crushing or grinding to an RRSB size distribution with size-dependent liberation.

    Mineral masses are conserved exactly; particles are re-formed by :meth:`OreModel.liberate` at the new sizes
    (the liberation model is in :mod:`scandia.beneficiation.ore`).
    """

    outlets = ("product",)

    def __init__(self, ore: OreModel, p80_mm: Any, uniformity: Any, d_lib_mm: Any, liberation_exponent: Any) -> None:
        self.ore = ore
        self.p80_mm = p80_mm
        self.uniformity = uniformity
        self.d_lib_mm = d_lib_mm
        self.liberation_exponent = liberation_exponent

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["feed"]
        n = feed.n
        p80 = per_scenario(self.p80_mm, n, "comminution.p80_mm", 0.001, 1000.0)
        m = per_scenario(self.uniformity, n, "comminution.rrsb_uniformity")
        d_lib = per_scenario(self.d_lib_mm, n, "liberation.d_lib_mm")
        k = per_scenario(self.liberation_exponent, n, "liberation.exponent")
        sizes = rrsb_fractions(p80, m, self.ore.size_upper_mm)
        class_tph, status = self.ore.liberate(self.ore.mineral_tph(feed), sizes, d_lib, k)
        out = Stream(feed.components, feed.classes, class_tph, feed.w, validate=False)
        return UnitResult({"product": out}, status, design={"p80_mm": np.broadcast_to(p80[:, 0], (n,))})


class PartitionSeparator(Unit):
    """A separator defined by its partition curve: ``partition(feed)`` gives the fraction of each class sent to
    the first outlet; whole particles are split (``Stream.split``) so balances close by construction."""

    outlets = ("product", "rest")

    def partition(self, feed: Stream) -> np.ndarray:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must define partition()")

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["feed"]
        first, second = feed.split(self.partition(feed))
        return UnitResult({self.outlets[0]: first, self.outlets[1]: second}, ok_array(feed.n))


class Screen(PartitionSeparator):
    """Vibrating screen: Whiten efficiency curve to the oversize at ``aperture_mm``."""

    outlets = ("oversize", "undersize")

    def __init__(self, aperture_mm: Any, sharpness: Any = 6.0) -> None:
        self.aperture_mm = aperture_mm
        self.sharpness = sharpness

    def partition(self, feed: Stream) -> np.ndarray:
        a = per_scenario(self.aperture_mm, feed.n, "screen.aperture_mm", 1e-3, 1000.0)
        alpha = per_scenario(self.sharpness, feed.n, "screen.sharpness", 0.5, 50.0)
        return whiten(feed.classes.size_mm, a, alpha)



class MagneticSeparator(PartitionSeparator):
    """Wet magnetic separator (base of :class:`LIMS` and :class:`WHIMS`).

    Recovery of a particle class to the magnetics::

        P = e + (1 - e) / (1 + (1 / R)^k),   R = F_magnetic / (F_gravity + F_drag)   (per unit mass)

    with ``R`` from :func:`~scandia.beneficiation.partition.magnetic_force_ratio` (Svoboda 2004), capture
    sharpness ``k`` and entrainment ``e`` of non-magnetic particles. The field gradient is ``B / L``: ``L`` is
    the drum's field-decay length for a LIMS and the matrix-element radius for a WHIMS (Svoboda 2004, sect.
    3.4: near a magnetised wire of radius ``a`` the gradient scales as ``B / a``).
    """

    outlets = ("magnetics", "nonmagnetics")
    prefix = "magnetic"

    def __init__(self, field_t: Any, gradient_length_m: Any, slurry_velocity_m_s: Any, slurry_viscosity_pa_s: Any,
                 sharpness: Any, entrainment_frac: Any) -> None:
        self.field_t = field_t
        self.gradient_length_m = gradient_length_m
        self.slurry_velocity_m_s = slurry_velocity_m_s
        self.slurry_viscosity_pa_s = slurry_viscosity_pa_s
        self.sharpness = sharpness
        self.entrainment_frac = entrainment_frac

    def partition(self, feed: Stream) -> np.ndarray:
        """Fraction of each class to the magnetics, ``(n, n_classes)``."""
        n, p = feed.n, self.prefix
        b = per_scenario(self.field_t, n, f"{p}.field_t", 0.0, 5.0)
        length = per_scenario(self.gradient_length_m, n, f"{p}.gradient_length_m", 1e-5, 1.0)
        v = per_scenario(self.slurry_velocity_m_s, n, f"{p}.slurry_velocity_m_s", 0.0, 10.0)
        eta = per_scenario(self.slurry_viscosity_pa_s, n, f"{p}.slurry_viscosity_pa_s", 1e-4, 1.0)
        k = per_scenario(self.sharpness, n, f"{p}.sharpness", 0.1, 20.0)
        e = per_scenario(self.entrainment_frac, n, f"{p}.entrainment_frac", 0.0, 1.0)
        c = feed.classes
        # R = (B grad B / mu0) x (chi / F_c) factorizes into a scenario term and a class term, so the capture
        # curve 1 / (1 + R^-k) = expit(k ln R) costs one add and one expit per (scenario, class).
        per_mass = magnetic_force_ratio(c.susceptibility_m3_kg, 1.0, MU0, c.size_mm, c.density_t_m3, v, eta)
        positive = per_mass > 0
        log_class = np.log(np.where(positive, per_mass, 1.0))
        log_field = np.log(np.maximum(b * b / (length * MU0), 1e-300))
        capture = np.where(positive, expit(k * (log_field + log_class)), 0.0)
        return e + (1.0 - e) * capture



class LIMS(MagneticSeparator):
    """Low-intensity (drum) magnetic separator, about 0.1 T: recovers ferrimagnetic particles."""

    prefix = "lims"

    @classmethod
    def from_section(cls, lims: Any, whims: Any) -> LIMS:
        """From the scenario's ``beneficiation.lims`` section; the slurry (velocity, viscosity) and the capture
        sharpness are the magnetic circuit's, declared once in ``beneficiation.whims``."""
        return cls(lims.field_t, lims.gradient_length_m, whims.slurry_velocity_m_s, whims.slurry_viscosity_pa_s,
                   whims.sharpness, lims.entrainment_frac)


class WHIMS(MagneticSeparator):
    """Wet high-intensity (matrix) magnetic separator, 0.5-1.5 T: recovers paramagnetic Fe silicates."""

    prefix = "whims"

    @classmethod
    def from_section(cls, whims: Any) -> WHIMS:
        """From the scenario's ``beneficiation.whims`` section (gradient length = matrix-element radius, m)."""
        return cls(whims.field_t, whims.matrix_element_mm * 1e-3, whims.slurry_velocity_m_s,
                   whims.slurry_viscosity_pa_s, whims.sharpness, whims.entrainment_frac)


class DenseMediaSeparator(PartitionSeparator):
    """Dense-medium separator (bath or cyclone): Tromp curve in particle density, size dependent.

    ``P_sink = tromp(rho, d50(d), Ep(d))`` with ``Ep(d) = Ep_ref (d_ref / d)^a`` and
    ``d50(d) = d50_ref + shift * max(d_ref / d - 1, 0)``: finer particles separate less sharply and at a higher
    cut density (Napier-Munn 1991, Minerals Engineering 4:329, on the size dependence of DMC performance).
    """

    outlets = ("sinks", "floats")

    def __init__(self, d50_t_m3: Any, ep_t_m3: Any, reference_size_mm: Any, ep_size_exponent: Any,
                 d50_fine_shift_t_m3: Any) -> None:
        self.d50_t_m3 = d50_t_m3
        self.ep_t_m3 = ep_t_m3
        self.reference_size_mm = reference_size_mm
        self.ep_size_exponent = ep_size_exponent
        self.d50_fine_shift_t_m3 = d50_fine_shift_t_m3

    @classmethod
    def from_section(cls, dms: Any) -> DenseMediaSeparator:
        """From the scenario's ``beneficiation.dms`` section."""
        return cls(dms.d50_t_m3, dms.ep_t_m3, dms.reference_size_mm, dms.ep_size_exponent, dms.d50_fine_shift_t_m3)

    def partition(self, feed: Stream) -> np.ndarray:
        n = feed.n
        d50 = per_scenario(self.d50_t_m3, n, "dms.d50_t_m3")
        ep = per_scenario(self.ep_t_m3, n, "dms.ep_t_m3")
        dref = per_scenario(self.reference_size_mm, n, "dms.reference_size_mm")
        a = per_scenario(self.ep_size_exponent, n, "dms.ep_size_exponent")
        shift = per_scenario(self.d50_fine_shift_t_m3, n, "dms.d50_fine_shift_t_m3")
        rel = dref / feed.classes.size_mm
        return tromp(feed.classes.density_t_m3, d50 + shift * np.maximum(rel - 1.0, 0.0), ep * rel**a)



class HeavyLiquidSeparator(PartitionSeparator):
    """Laboratory heavy-liquid sink-float: ideal separation at the liquid density (the washability reference)."""

    outlets = ("sinks", "floats")

    def __init__(self, liquid_density_t_m3: Any) -> None:
        self.liquid_density_t_m3 = liquid_density_t_m3

    @classmethod
    def from_section(cls, hls: Any) -> HeavyLiquidSeparator:
        """From the scenario's ``beneficiation.hls`` section."""
        return cls(hls.liquid_density_t_m3)

    def partition(self, feed: Stream) -> np.ndarray:
        rho = per_scenario(self.liquid_density_t_m3, feed.n, "hls.liquid_density_t_m3")
        return (feed.classes.density_t_m3 > rho).astype(float)



@cache
def _mu_table(e_low: float, e_high: float, elements: tuple[str, ...]) -> np.ndarray:
    """Mass attenuation (cm2/g) of each element at two energies, linear-log interpolated; (n_elements, 2)."""
    data = load_data("beneficiation/xray_attenuation.yaml")
    energies = np.array(data["energies_kev"], dtype=float)
    table = data["mu_rho_cm2_g"]
    out = np.zeros((len(elements), 2))
    for i, el in enumerate(elements):
        row = table.get(el) or table[data["proxies"][el]]
        out[i] = np.exp(np.interp(np.log([e_low, e_high]), np.log(energies), np.log(row)))
    return out


class XRTSorter(PartitionSeparator):
    """Dual-energy X-ray-transmission sensor sorter.

    Per particle class: attenuation ``A_E = (mu/rho)_E rho t`` at a low and a high energy (Beer-Lambert,
    ``I = I0 exp(-(mu/rho) rho t)``) with ``(mu/rho)`` of the class from its element mass fractions and the
    NIST tables (Hubbell & Seltzer 2004), and path length ``t = thickness_factor x size``. The sorter reads the
    ratio ``R = A_low / A_high``, which rises with mean atomic number and is independent of thickness; each
    attenuation carries Gaussian noise ``sigma``, so ``sd(R) = R sigma sqrt(1/A_low^2 + 1/A_high^2)`` and thin
    rocks are classified less reliably. A rock is flagged when ``R > threshold``:
    ``P_flag = Phi((R - threshold) / sd(R))``; flagged rocks are ejected with efficiency ``eta`` and unflagged
    rocks are co-ejected with probability ``m``: ``P_eject = eta P_flag + m (1 - P_flag)``
    (dual-energy XRT principle: Robben & Wotruba 2019, Minerals 9:523).
    """

    outlets = ("ejected", "accepted")

    def __init__(self, ratio_threshold: Any, energy_low_kev: float, energy_high_kev: float, thickness_factor: Any,
                 attenuation_noise: Any, ejection_efficiency: Any, misplacement_frac: Any) -> None:
        self.ratio_threshold = ratio_threshold
        self.energy_low_kev = energy_low_kev
        self.energy_high_kev = energy_high_kev
        self.thickness_factor = thickness_factor
        self.attenuation_noise = attenuation_noise
        self.ejection_efficiency = ejection_efficiency
        self.misplacement_frac = misplacement_frac

    @classmethod
    def from_section(cls, xrt: Any) -> XRTSorter:
        """From the scenario's ``beneficiation.xrt`` section; the two channel energies are run-scoped (the
        attenuation tables are built once per run)."""
        return cls(xrt.ratio_threshold, xrt.single("energy_low_kev"), xrt.single("energy_high_kev"),
                   xrt.thickness_factor, xrt.attenuation_noise, xrt.ejection_efficiency, xrt.misplacement_frac)

    def attenuation(self, feed: Stream) -> np.ndarray:
        """Mass attenuation of each class at the two energies, ``(n_classes, 2)`` (or with a scenario axis)."""
        mu = _mu_table(float(self.energy_low_kev), float(self.energy_high_kev), feed.components.elements)
        return (feed.w @ feed.components.element_matrix) @ mu

    def partition(self, feed: Stream) -> np.ndarray:
        n = feed.n
        thr = per_scenario(self.ratio_threshold, n, "xrt.ratio_threshold")
        tf = per_scenario(self.thickness_factor, n, "xrt.thickness_factor")
        sigma = per_scenario(self.attenuation_noise, n, "xrt.attenuation_noise")
        eta = per_scenario(self.ejection_efficiency, n, "xrt.ejection_efficiency")
        mis = per_scenario(self.misplacement_frac, n, "xrt.misplacement_frac")
        mu = self.attenuation(feed)
        rho_t = feed.classes.density_t_m3 * (tf * feed.classes.size_mm * 0.1)  # g/cm2 (size in cm)
        a_low, a_high = mu[..., 0] * rho_t, mu[..., 1] * rho_t
        ratio = mu[..., 0] / mu[..., 1]
        sd = ratio * sigma * np.sqrt(1.0 / a_low**2 + 1.0 / a_high**2)
        flag = normal_cdf((ratio - thr) / sd)
        return mis + (eta - mis) * flag  # = eta flag + mis (1 - flag), within [0, 1] for eta, mis in [0, 1]

