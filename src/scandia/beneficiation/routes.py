"""The concentration-route registry: every route (and the device it is built around) is listed here once.

An entry names the function that builds the route's flowsheet from the scenario's sections, its own device
section when it brings one (``params``: the declarations of its data section), its feed and concentrate ports,
the cut parameter its grade-recovery curve sweeps and its capex items (``data/beneficiation/routes.yaml``). The
schema's route choices and sections, the stage's builder, the report's curves, the dashboard's control and the
capex follow from these entries. A new device and route: one device class, one data section, one
``CONCENTRATION_ROUTES.register(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.datafiles import load_data
from ..core.flowsheet import Flowsheet
from ..core.registry import CapexItem, Registry, Route, SectionView
from ..core.units import Mixer, Splitter
from .devices import LIMS, WHIMS, Comminution, DenseMediaSeparator, HeavyLiquidSeparator, Screen, XRTSorter
from .ore import OreModel

__all__ = ["CONCENTRATION_ROUTES", "Sections", "concentration_route", "screened_route"]

CONCENTRATION_ROUTES = Registry("beneficiation.routes")

#: a route builder's access to the scenario's sections: ``sec("dms").d50_t_m3`` is an (n,) array
Sections = Callable[[str], SectionView]


def concentration_route(name: str, build: Callable[[Flowsheet, OreModel, Sections, dict[str, Any]], None], *,
                        label: str, cut: str, feed: str, concentrate: str = "mix.product",
                        params: Mapping[str, Any] | None = None, capex: Mapping[str, Any] | None = None,
                        plant: bool = True) -> Route:
    """A concentration-route entry. ``build(fs, ore, sec, crush)`` adds the route's units to ``fs``; ``crush``
    holds the comminution keywords (uniformity, liberation size and exponent); ``cut`` is the dotted field its
    grade-recovery curve sweeps over its declared range; ``params`` declares the route's own device section
    (``beneficiation.<name>``); ``plant=False`` marks a laboratory reference (not offered in the dashboard)."""
    items = CapexItem.from_mapping(capex)
    return Route(name=name, builder=build, label=label, section=name if params is not None else None,
                 params=params, ports={"feed": feed, "concentrate": concentrate},
                 tradeoff=(cut, float("nan"), float("nan")), capex=items, offered=plant)


def screened_route(crush_p80: str, screen_section: str, separator: Callable[[Sections], Any], product: str
                   ) -> Callable[[Flowsheet, OreModel, Sections, dict[str, Any]], None]:
    """The common shape of a coarse route: crush, screen at the separator's bottom size, separate the oversize,
    send the undersize through a splitter (fines to concentrate), and mix the separator's ``product`` with it."""

    def build(fs: Flowsheet, ore: OreModel, sec: Sections, crush: dict[str, Any]) -> None:
        s = sec(screen_section)
        fs.add("crush", Comminution(ore, getattr(sec("feed"), crush_p80), **crush))
        fs.add("screen", Screen(s.bottom_size_mm))
        fs.add("sep", separator(sec)).add("fines", Splitter(s.fines_to_concentrate_frac)).add("mix", Mixer(2))
        fs.connect("crush.product", "screen.feed").connect("screen.oversize", "sep.feed")
        fs.connect("screen.undersize", "fines.feed").connect(f"sep.{product}", "mix.in0")
        fs.connect("fines.product", "mix.in1")

    return build


def _lims_whims(fs: Flowsheet, ore: OreModel, sec: Sections, crush: dict[str, Any]) -> None:
    lims, w = sec("lims"), sec("whims")
    fs.add("grind", Comminution(ore, sec("feed").lims_whims_grind_p80_mm, **crush))
    fs.add("lims", LIMS.from_section(lims, w)).add("whims", WHIMS.from_section(w))
    fs.add("mix", Mixer(2))
    fs.connect("grind.product", "lims.feed").connect("lims.nonmagnetics", "whims.feed")
    fs.connect("lims.magnetics", "mix.in0").connect("whims.magnetics", "mix.in1")


def _lims_whims_scalp(fs: Flowsheet, ore: OreModel, sec: Sections, crush: dict[str, Any]) -> None:
    """LIMS + WHIMS, then a low-field WHIMS on the WHIMS magnetics that scalps the more susceptible, Sc-poor
    fayalite (1.25e-6 m3/kg against 5e-7 for the Sc-bearing pyroxene and amphibole; minerals.yaml) to a reject:
    the olivine rejection of the 2022 optimisation, done where the concentration stage can do it."""
    lims, w = sec("lims"), sec("whims")
    scalp = sec("lims_whims_scalp")
    fs.add("grind", Comminution(ore, sec("feed").lims_whims_grind_p80_mm, **crush))
    fs.add("lims", LIMS.from_section(lims, w)).add("whims", WHIMS.from_section(w))
    fs.add("scalp", WHIMS(scalp.scalp_field_t, w.matrix_element_mm * 1e-3, w.slurry_velocity_m_s,
                          w.slurry_viscosity_pa_s, w.sharpness, w.entrainment_frac))
    fs.add("mix", Mixer(2))
    fs.connect("grind.product", "lims.feed").connect("lims.nonmagnetics", "whims.feed")
    fs.connect("whims.magnetics", "scalp.feed")
    fs.connect("lims.magnetics", "mix.in0").connect("scalp.nonmagnetics", "mix.in1")


def _dms(sec: Sections) -> Any:
    return DenseMediaSeparator.from_section(sec("dms"))


def _xrt(sec: Sections) -> Any:
    return XRTSorter.from_section(sec("xrt"))


def _hls(sec: Sections) -> Any:
    return HeavyLiquidSeparator.from_section(sec("hls"))


_routes = load_data("beneficiation/routes.yaml")
CONCENTRATION_ROUTES.register(concentration_route(
    "lims_whims", _lims_whims, label=_routes["lims_whims"]["label"], cut="beneficiation.whims.field_t",
    feed="grind.feed", capex=_routes["lims_whims"]["capex"]))
CONCENTRATION_ROUTES.register(concentration_route(
    "dms", screened_route("dms_crush_p80_mm", "dms", _dms, "sinks"), label=_routes["dms"]["label"],
    cut="beneficiation.dms.d50_t_m3", feed="crush.feed", capex=_routes["dms"]["capex"]))
CONCENTRATION_ROUTES.register(concentration_route(
    "xrt", screened_route("xrt_crush_p80_mm", "xrt", _xrt, "ejected"), label=_routes["xrt"]["label"],
    cut="beneficiation.xrt.ratio_threshold", feed="crush.feed", capex=_routes["xrt"]["capex"]))
CONCENTRATION_ROUTES.register(concentration_route(
    "hls", screened_route("dms_crush_p80_mm", "dms", _hls, "sinks"), label=_routes["hls"]["label"],
    cut="beneficiation.hls.liquid_density_t_m3", feed="crush.feed", capex=_routes["hls"]["capex"], plant=False))
CONCENTRATION_ROUTES.register(concentration_route(
    "lims_whims_scalp", _lims_whims_scalp, label=_routes["lims_whims_scalp"]["label"],
    cut="beneficiation.lims_whims_scalp.scalp_field_t", feed="grind.feed",
    params=_routes["lims_whims_scalp"]["params"], capex=_routes["lims_whims_scalp"]["capex"]))
