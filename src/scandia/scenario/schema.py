"""Scenario schema: pydantic v2 models generated from the parameter declarations in the data files.

Every numeric field is declared once, in a data file beside its source (``data/plant.yaml``,
``data/beneficiation/devices.yaml``, ...): value, ``unit:``, bounds, ``scope:`` and ``source:`` or
``assumption:`` (see :mod:`scandia.scenario.params`). The models below are generated from those declarations,
so the unit and bounds a user sees in an error message are the ones the data file states. A scenario file may
give any numeric field as a plain number in the declared unit or as a string with another unit (``"2350 t/d"``),
read by the restricted grammar of :mod:`scandia.scenario.quantity`.

:meth:`Scenario.arrays` turns every declared field into an array over the scenario axis, which is what the
stages consume; :meth:`Scenario.set` and :meth:`Scenario.with_values` change fields with the same checks as a
scenario file.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from ..beneficiation.routes import CONCENTRATION_ROUTES
from ..core.datafiles import load_data
from ..hydromet.routes import LEACH_ROUTES
from ..market.inputs import Application, SupplySource, default_demand, default_supply
from .distributions import Distribution
from .params import PARAMS, Param, declare

__all__ = [
    "ROUTES", "BeneficiationSection", "HydrometSection", "PlantSection", "Scenario", "ScenarioModel", "load_data",
]


class _Section(BaseModel):
    """Base of every scenario section: unknown fields refused, defaults and assignments validated. A bad
    assignment (``scenario.plant.ore_feed_rate_tph = "2 parsec"``) is a one-line ScenarioError and changes
    nothing; a good one is converted to the declared unit (``"2000 t/d"`` becomes 83.33 t/h)."""

    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)

    def __setattr__(self, name: str, value: Any) -> None:
        from pydantic import ValidationError

        from ..core.errors import ScenarioError

        try:
            super().__setattr__(name, value)
        except ValidationError as err:
            first = err.errors()[0]
            msg = first["msg"].removeprefix("Value error, ")
            if first["type"] == "no_such_attribute":
                msg = "unknown field (check spelling; see `scandia validate --schema`)"
            raise ScenarioError(name, msg) from None


def _field(p: Param) -> tuple[Any, Any]:
    extra = {"unit": p.unit, "display_unit": p.display_unit, "min": p.lo, "max": p.hi, "scope": p.scope}
    desc = f"{p.basis}: {p.note}"
    if p.default is None:
        return p.annotation(), Field(..., description=desc, json_schema_extra=extra)
    return p.annotation(), Field(default=p.default, description=desc, json_schema_extra=extra)


def _section(model_name: str, prefix: str, entries: dict[str, Any],
             overrides: dict[str, float] | None = None) -> type[BaseModel]:
    """A pydantic section whose fields are the declarations in ``entries`` (registered under ``prefix``)."""
    fields: dict[str, Any] = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or "value" not in entry:
            continue
        fitted = overrides.get(key) if overrides else None
        fields[key] = _field(declare(prefix + key, entry, None if fitted is None else float(fitted)))
    return create_model(model_name, __base__=_Section, **fields)


def _fitted(stage: str = "beneficiation") -> dict[str, Any]:
    try:
        return load_data(f"{stage}/fitted.yaml") or {}
    except FileNotFoundError:
        return {}


PlantSection = _section("PlantSection", "plant.", load_data("plant.yaml"))
#: shared device sections of the concentration stage (route-specific ones come from the registry)
DEVICES = ("feed", "comminution", "liberation", "lims", "whims", "dms", "hls", "xrt")


def _device_sections() -> dict[str, Any]:
    """The shared device sections, with the fitted values of ``beneficiation/fitted.yaml`` as their defaults."""
    dev = load_data("beneficiation/devices.yaml")
    fit = _fitted().get("devices", {})
    out = {}
    for name in DEVICES:
        model = _section(f"{name.title()}Params", f"beneficiation.{name}.", dev[name], fit.get(name))
        out[name] = (model, Field(default_factory=model))
    return out


SampleName = Literal[tuple(load_data("beneficiation/samples.yaml")["samples"])]  # type: ignore[valid-type]


#: optional overrides of a sample's own values: checked like declared fields, but not on the scenario axis
_OVERRIDE = {"d_lib_mm": Param("beneficiation.d_lib_mm", None, "millimeter", 0.1, 15.0, scope="run",
                               note="liberation size; default: the value fitted for the sample")}


class BeneficiationBase(_Section):
    """Concentration: ore sample, routes to evaluate and the parameters of every device. The route choices and
    the sections of registered routes are added from the registry (:func:`_build`)."""

    sample: SampleName = Field("met01", description="built-in ore sample (data/beneficiation/samples.yaml)")
    head_grade_sc_ppm: float | None = Field(
        None, ge=10.0, le=5000.0, description="Sc head grade, ppm (g/t Sc); default: the sample's own. Scales the "
        "Sc content of every mineral of the sample, mineralogy unchanged (assumption; see scenario_ore)")
    d_lib_mm: float | None = Field(
        None, description="liberation size; default: the value fitted for the sample",
        json_schema_extra={"unit": "millimeter", "min": 0.1, "max": 15.0, "scope": "run"})
    susceptibility_m3_kg: dict[str, float] = Field(
        default_factory=dict, description="override of fitted mineral mass susceptibilities, m3/kg")
    modal_mass_frac: dict[str, float] | None = Field(
        None, description="override of the sample's modal mineralogy, mass fractions (0-1) summing to 1")

    @model_validator(mode="after")
    def _routes(self) -> BeneficiationBase:
        routes = getattr(self, "routes", None)
        if routes is not None and not routes:
            raise ValueError(f"routes: needs at least one route of {list(CONCENTRATION_ROUTES)}")
        if routes is not None and len(set(routes)) != len(routes):
            raise ValueError("routes: routes repeat")
        return self

    @field_validator("d_lib_mm", mode="before")
    @classmethod
    def _d_lib(cls, v: object) -> object:
        return None if v is None else _OVERRIDE["d_lib_mm"].coerce(v)

    @field_validator("susceptibility_m3_kg")
    @classmethod
    def _chi(cls, v: dict[str, float]) -> dict[str, float]:
        minerals = load_data("beneficiation/minerals.yaml")["minerals"]
        for name, value in v.items():
            if name not in minerals:
                raise ValueError(f"unknown mineral {name!r}; known: {', '.join(minerals)}")
            rng = minerals[name]["susceptibility_m3_kg"]
            if not (rng["min"] <= float(value) <= rng["max"]):
                raise ValueError(f"{name} must lie in [{rng['min']:g}, {rng['max']:g}] m3/kg (got {value:g})")
        return {k: float(x) for k, x in v.items()}

    @field_validator("modal_mass_frac")
    @classmethod
    def _modal(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        minerals = load_data("beneficiation/minerals.yaml")["minerals"]
        for name, value in v.items():
            if name not in minerals:
                raise ValueError(f"unknown mineral {name!r}; known: {', '.join(minerals)}")
            if not (0.0 <= float(value) <= 1.0):
                raise ValueError(f"{name} must lie in [0, 1] (got {value:g})")
        total = sum(float(x) for x in v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"fractions must sum to 1 (sum is {total:.6g})")
        return {k: float(x) for k, x in v.items()}

    def model_post_init(self, __context: Any) -> None:
        if self.selected_route not in self.routes:
            raise ValueError(f"selected_route {self.selected_route!r} is not among routes {self.routes}")
        if self.xrt.bottom_size_mm >= self.xrt.top_size_mm:
            raise ValueError("xrt.bottom_size_mm must be below xrt.top_size_mm")
        if self.dms.bottom_size_mm >= self.dms.top_size_mm:
            raise ValueError("dms.bottom_size_mm must be below dms.top_size_mm")


_sx = load_data("hydromet/sx.yaml")
_pur = load_data("hydromet/purification.yaml")
SXParams = _section("SXParams", "hydromet.sx.", _sx)
PurificationParams = _section("PurificationParams", "hydromet.purification.", _pur["defaults"])
CCDParams = _section("CCDParams", "hydromet.ccd.", _pur["ccd"])
_HydrometFeedParams = _section("_HydrometFeedParams", "hydromet.feed.", load_data("hydromet/feed.yaml"))


class HydrometFeed(_HydrometFeedParams):  # type: ignore[valid-type, misc]
    """A concentrate given directly, for running the hydromet stage alone."""

    mineral_mass_frac: dict[str, float] = Field(..., description="mineral mass fractions (0-1) summing to 1")

    @field_validator("mineral_mass_frac")
    @classmethod
    def _minerals(cls, v: dict[str, float]) -> dict[str, float]:
        return BeneficiationBase._modal(v)  # same rules: known minerals, 0-1, sum 1


def default_leach_route(lixiviant: str) -> str:
    """The leach route a scenario gets when it names none: the project's published route (caustic cracking, then
    HCl) with HCl, the agitated tank leach with H2SO4."""
    return "caustic" if lixiviant == "HCl" else "tank"


class HydrometBase(_Section):
    """Hydrometallurgy: leach route and lixiviant, washing, solvent extraction, purification. The leach-route
    choices and each registered route's section are added from the registry (:func:`_build`)."""

    lixiviant: Literal["H2SO4", "HCl"] = Field(
        "HCl", description="leach and SX acid (HCl: the acid of the published Crater Lake Phase III leach)")
    feed: HydrometFeed | None = Field(None, description="concentrate for a stand-alone hydromet run")
    ccd: CCDParams = Field(default_factory=CCDParams)  # type: ignore[valid-type]
    sx: SXParams = Field(default_factory=SXParams)  # type: ignore[valid-type]
    purification: PurificationParams = Field(default_factory=PurificationParams)  # type: ignore[valid-type]
    design: bool = Field(False, description="search extraction/scrub stages and O/A for the purity target")

    def model_post_init(self, __context: Any) -> None:
        if self.leach_route is None:
            self.leach_route = default_leach_route(self.lixiviant)
        if self.routes is None:  # every once-through registered route that takes the scenario's lixiviant (the
            # recycle routes converge extra tear streams: `scandia routes` compares them), and the selected one
            self.routes = list(dict.fromkeys([self.leach_route, *(
                r for r in LEACH_ROUTES
                if self.lixiviant in LEACH_ROUTES[r].reagents and "recycle" not in LEACH_ROUTES[r].ports)]))
        for r in dict.fromkeys([self.leach_route, *self.routes]):
            spec = LEACH_ROUTES[r]
            if self.lixiviant not in spec.reagents:
                raise ValueError(f"the {spec.label} ({r}) takes lixiviant {' or '.join(spec.reagents)}, "
                                 f"not {self.lixiviant}")


_ma = load_data("alloy/master_alloy.yaml")
MasterAlloyParams = _section("MasterAlloyParams", "alloy.master_alloy.", _ma["common"])
_AlloyParams = _section("_AlloyParams", "alloy.", load_data("alloy/alloy.yaml"))
MASTER_ROUTES = tuple(_ma["routes"])
BASE_ALLOYS = tuple(load_data("alloy/base_alloys.yaml"))
CASTING_PROCESSES = (*load_data("alloy/casting.yaml")["processes"], "supersaturated")


_AGING = {k: Param(f"alloy.aging.*.{k}", None, u, lo, hi, scope="run", note=d) for k, u, lo, hi, d in (
    ("temp_c", "degC", 20.0, 600.0, "step temperature"), ("duration_h", "hour", 0.0, 10000.0, "step duration"))}
StepTempC = _AGING["temp_c"].annotation()
StepDurationH = _AGING["duration_h"].annotation()


class AgingStep(BaseModel):
    """One isothermal heat-treatment step (a list item: one schedule per run)."""

    model_config = ConfigDict(extra="forbid")

    temp_c: StepTempC = Field(  # type: ignore[valid-type]
        ..., description="step temperature", json_schema_extra={"unit": "degC", "min": 20.0, "max": 600.0})
    duration_h: StepDurationH = Field(  # type: ignore[valid-type]
        ..., description="step duration", json_schema_extra={"unit": "hour", "min": 0.0, "max": 10000.0})


class AlloySection(_AlloyParams):  # type: ignore[valid-type, misc]
    """Master alloy and the Sc(-Zr)-modified alloy: composition, heat treatment, prices, optional design."""

    base: Literal[BASE_ALLOYS] = Field("535", description="base alloy (data/alloy/base_alloys.yaml)")  # type: ignore[valid-type]
    aging: list[AgingStep] = Field(
        default_factory=lambda: [AgingStep(temp_c=325.0, duration_h=4.0)],
        description="heat treatment after casting, in order (default 325 C / 4 h, the Scalmalloy aging)",
        max_length=20)
    precipitation_model: Literal["kwn", "meanfield"] = Field(
        "kwn", description="kwn: size-distribution model with Al3(Sc,Zr); meanfield: mean-radius fast path, Sc only")
    master_alloy_route: Literal[MASTER_ROUTES] = Field(  # type: ignore[valid-type]
        "aluminothermic_sc2o3", description="aluminothermic_sc2o3 | scf3 | electrolysis")
    master_alloy: MasterAlloyParams = Field(default_factory=MasterAlloyParams)  # type: ignore[valid-type]
    sc2o3_price_basis: Literal["market", "chain"] = Field(
        "market", description="price Sc2O3 at the market price below, or at the chain's own reagent cost per kg "
        "(hydromet stage; capital and labour come with the economics stage)")
    design: bool = Field(False, description="search Sc, Zr, casting process and aging for the cheapest design "
                         "meeting the target")
    casting: Literal[CASTING_PROCESSES] = Field(  # type: ignore[valid-type]
        "permanent_mould", description="casting process (data/alloy/casting.yaml: its cooling rate sets segregation, "
        "eutectic Al3Sc and the cooling path); supersaturated: every solute in uniform solution (an upper bound)")
    cooling_rate_k_s: float | None = Field(
        None, gt=0.0, description="cooling rate through solidification; default: the casting process's",
        json_schema_extra={"unit": "kelvin/second", "min": 0.01, "max": 10000.0})
    sample_strength_constants: bool = Field(
        True, description="in a Monte Carlo, sample the strength constants fitted together (intrinsic, Mg "
        "solid solution, Hall-Petch) jointly with the fit's covariance")
    homogenise: AgingStep | None = Field(
        None, description="optional homogenisation after casting, before the aging steps (flattens segregation)")
    design_second_step: AgingStep | None = Field(
        None, description="design: a second aging step after each design's aging, priced as one more furnace "
        "cycle (e.g. 400 C / 8 h, where Zr joins the Al3Sc)")
    design_exposure: AgingStep | None = Field(
        None, description="design: a thermal exposure the part must survive after aging (service, HIP, hot "
        "forming), not priced; the target applies to the yield after it")

    @field_validator("aging")
    @classmethod
    def _aging(cls, v: list[AgingStep]) -> list[AgingStep]:
        if not v:
            raise ValueError("needs at least one step (use duration_h: 0 for as cast)")
        return v


_econ = {**load_data("economics/economics.yaml"),
         **{k: v for k, v in load_data("economics/capex.yaml").items() if isinstance(v, dict) and "value" in v}}
EconomicsParams = _section("EconomicsParams", "economics.params.", _econ)
EconomicsInputs = _section("EconomicsInputs", "economics.inputs.", load_data("economics/inputs.yaml"))
EconomicsInputs.__doc__ = "Production figures for a stand-alone economics run (the chain supplies them otherwise)."


class EconomicsSection(_Section):
    """Project economics: prices, taxes, cost factors; product sold; stand-alone production inputs."""

    model_config = ConfigDict(extra="forbid")

    product: Literal["sc2o3", "master_alloy", "mix"] = Field(
        "sc2o3", description="sell Sc2O3; or integrate and sell Al-Sc master alloy; or a mix, the share "
                             "params.master_alloy_share_frac as master alloy (both use the alloy stage)")
    co2e_allocation: Literal["none", "mass", "economic"] = Field(
        "economic", description="how the site's CO2e is shared between the Sc2O3 and the mixed REO co-product: "
                                "none (all to Sc2O3), by mass, or by revenue (ISO 14044 4.3.4; economic "
                                "allocation is the rare-earth LCA convention, Koltun & Tharumarajah 2014, ISRN "
                                "Metallurgy 907536)")
    price_source: Literal["fixed", "market"] = Field(
        "fixed", description="fixed: the Sc2O3 price below for every year (a price-taker); market: the market "
                             "stage's price path and sales (the project's own volume moves the price)")
    params: EconomicsParams = Field(default_factory=EconomicsParams)  # type: ignore[valid-type]
    inputs: EconomicsInputs | None = Field(None, description="production figures for a stand-alone run")


_MarketParams = _section("_MarketParams", "market.", load_data("market/market.yaml"), _fitted("market"))


class MarketSection(_MarketParams):  # type: ignore[valid-type, misc]
    """The scandium market (scandia.market): supply stack, demand by application, price formation; the
    project's volume from the chain (or ``project_capacity_tpa`` run alone)."""

    supply: list[SupplySource] = Field(default_factory=default_supply, max_length=200,
                                       description="rival sources (default: data/market/supply.yaml)")
    demand: dict[str, Application] = Field(default_factory=default_demand, max_length=50,
                                           description="applications (default: data/market/demand.yaml)")
    china_export_licensing: bool = Field(
        False, description="from licensing_year on, only china_availability_frac of Chinese supply reaches the "
                           "market (the price history is fitted without it)")
    alloy_adoption: bool = Field(True, description="latent Al-Sc alloy demand follows adoption (Bass diffusion "
                                                   "driven by the alloy's cost per MPa and supply reliability)")
    condition_on_history: bool = Field(
        False, description="refit byproduct_offer_factor per scenario to the price history given the scenario's "
                           "other market inputs (sampled base demand, growth, elasticities ...), so every sampled "
                           "market replays the observed prices; off: the field's value (the default fit)")

    @model_validator(mode="after")
    def _stack(self) -> MarketSection:
        from ..market.inputs import check_stack

        check_stack(self.supply, self.demand, int(load_data("market/prices.yaml")["fit"]["years"][0]),
                    int(self.horizon_year))
        return self


class ResourceSection(BaseModel):
    """The resource stage (scandia.resource): drill holes to a block model and a mine plan whose feed grade and
    years drive the chain when ``feeds_chain`` is set."""

    model_config = ConfigDict(extra="forbid")

    feeds_chain: bool = Field(
        False, description="run the resource stage first in the chain: its plan's mean feed grade over the valued "
                           "years sets the beneficiation head grade and its years the economics' production and life")
    holes: str | None = Field(
        None, min_length=1, max_length=500,
        description="folder with collars.csv, surveys.csv and assays.csv; default: the synthetic "
                    "Crater-Lake-like deposit (generated by code, documented as synthetic)")
    synthetic_seed: int | None = Field(None, ge=0, le=2**31 - 1, description="seed of the synthetic deposit "
                                       "(default: its data file's)")
    realisations: int = Field(0, ge=0, le=200, description="conditional simulations run through the plan; a "
                              "sampled run gives sample i realisation 1 + (i mod realisations)")
    simulation_seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the conditional simulations")
    realisation_pits: bool = Field(True, description="solve each simulation's own nested pits (the spread of "
                                   "optimal pits); false: every simulation mines the kriged model's pits")


class UncertaintySection(BaseModel):
    """Distributions on numeric scenario fields (by dotted path), their rank correlations and the sampling."""

    model_config = ConfigDict(extra="forbid")

    samples: int = Field(1, ge=1, le=50_000_000, description="number of sampled scenarios (1: deterministic run)")
    method: Literal["random", "lhs", "sobol"] = Field("lhs", description="sampling of the joint distribution")
    distributions: dict[str, Distribution] = Field(default_factory=dict)
    correlations: list[tuple[str, str, float]] = Field(
        default_factory=list, description="rank correlations [field_a, field_b, rho] (Iman-Conover)")
    output: str = Field("economics.npv_musd", description="stage.metric the sensitivity analysis explains")

    @field_validator("correlations")
    @classmethod
    def _rho(cls, v: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
        for a, b, rho in v:
            if not (math.isfinite(rho) and -1.0 <= rho <= 1.0):
                raise ValueError(f"rank correlation of {a} and {b} must be a finite number in [-1, 1] (got {rho})")
        return v


def _get(obj: Any, path: str) -> Any:
    """The value at a dotted path, or ``None`` where an optional section on the way is not set."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


class ScenarioModel(BaseModel):
    """A complete scandia scenario (YAML on disk, see ``scandia scenarios``): the methods of every generated
    :data:`Scenario` class (its fields come from the registries, see :func:`_build`)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @model_validator(mode="after")
    def _uncertain_fields_exist(self) -> ScenarioModel:
        present = self.numeric_paths()
        for path in self.uncertainty.distributions:
            p = PARAMS.get(path)
            if p is None:
                raise ValueError(f"uncertainty.distributions: {path!r} is not a declared numeric scenario field")
            if p.why_fixed():
                raise ValueError(f"uncertainty.distributions: {path} {p.why_fixed()}; it cannot take a distribution")
            if path not in present:
                section = path.rsplit(".", 1)[0]
                raise ValueError(f"uncertainty.distributions: {path} is not set in this scenario (give {section})")
            # samples stay inside the field's declared range (inverse-CDF truncation)
            self.uncertainty.distributions[path].bound(p.lo, p.hi, path)
        for a, b, _ in self.uncertainty.correlations:
            for path in (a, b):
                if path not in self.uncertainty.distributions:
                    raise ValueError(f"uncertainty.correlations: {path!r} has no distribution")
        return self

    def numeric_paths(self) -> list[str]:
        """Dotted paths of the declared numeric fields present in this scenario (optional sections may be unset)."""
        return [path for path in PARAMS if _get(self, path) is not None]

    def arrays(self, n: int = 1, views: bool = False) -> dict[str, np.ndarray]:
        """Every declared numeric field as an array of shape ``(n,)``, keyed by its dotted path.

        ``views=True`` returns read-only broadcast views (no memory per scenario) for callers that never write
        into them, e.g. a million-sample economic Monte Carlo.

        This is the batch the stages consume; a deterministic run is ``n = 1``.
        """
        out: dict[str, np.ndarray] = {}
        for path in PARAMS:
            v = _get(self, path)
            if v is None:
                continue
            out[path] = np.broadcast_to(np.array([float(v)]), (n,)) if views else np.full(n, float(v))
        return out

    def batch(self, n: int = 1, samples: dict[str, Any] | None = None) -> Any:
        """The scenario on the scenario axis: the same section tree, each declared field an ``(n,)`` array
        (``batch.hydromet.tank.temperature_c``); ``samples`` gives per-scenario values by dotted path (e.g. the
        draws of :func:`scandia.uncertainty.sampling.sample`), checked against the declarations (known field,
        scope, bounds). Build units from its sections: ``TankLeach.from_section(batch.hydromet.tank, ...)``."""
        from ..core.errors import ScenarioError
        from ..core.registry import SectionView

        arrays = self.arrays(n)
        for path, values in (samples or {}).items():
            p = PARAMS.get(path)
            if p is None or path not in arrays:
                raise ScenarioError(path, "not a declared numeric field of this scenario")
            v = np.broadcast_to(np.asarray(values, dtype=float), (n,))
            p.refuse_variation(v)
            bad = ~np.isfinite(v) | (v < p.lo) | (v > p.hi)
            if bad.any():
                raise ScenarioError(path, f"values must lie in [{p.lo}, {p.hi}] {p.display_unit or '(dimensionless)'}"
                                          f" (scenario {int(np.argmax(bad))} is {v[np.argmax(bad)]:g})")
            arrays[path] = v.copy()
        return SectionView(arrays, "")

    def with_values(self, values: dict[str, Any]) -> ScenarioModel:
        """A copy with fields changed by dotted path (``{"hydromet.tank.temperature_c": "95 degC"}``), validated
        as a scenario file is; a bad value is a one-line :class:`~scandia.core.errors.ScenarioError`."""
        from ..core.errors import ScenarioError
        from .loader import scenario_from_dict

        data = self.model_dump(mode="json", exclude_unset=False)
        for path, value in values.items():
            parts = str(path).split(".")
            node = data
            for part in parts[:-1]:
                nxt = node.get(part) if isinstance(node, dict) else None
                if nxt is None and isinstance(node, dict) and part in _OPTIONAL_SECTIONS:
                    nxt = node[part] = {}
                if not isinstance(nxt, dict):
                    raise ScenarioError(path, "no such scenario section (see `scandia validate --schema`)")
                node = nxt
            node[parts[-1]] = value
        return scenario_from_dict(data)

    def set(self, path: str, value: Any) -> ScenarioModel:
        """Change one field in place by dotted path, validated (``scenario.set("plant.ore_feed_rate_tph",
        "2350 t/d")``); returns the scenario, so calls chain. A bad value changes nothing."""
        new = self.with_values({path: value})
        for key in type(self).model_fields:
            object.__setattr__(self, key, getattr(new, key))
        return self


#: optional sections that :meth:`ScenarioModel.with_values` may create (``economics.inputs``, ``hydromet.feed``)
_OPTIONAL_SECTIONS = ("inputs", "feed")


_ROUTE_PREFIXES: set[str] = set()  #: declaration prefixes of route sections (dropped when a route is removed)


def _route_sections(registry: Any, prefix: str) -> dict[str, Any]:
    """The parameter sections of the registered routes that bring their own (``route.params``)."""
    out: dict[str, Any] = {}
    for spec in registry.values():
        if spec.params is not None and spec.section is not None:
            _ROUTE_PREFIXES.add(f"{prefix}{spec.section}.")
            fitted = _fitted("hydromet").get(spec.section, {}) if prefix == "hydromet." else {}
            model = _section(f"{spec.section.title().replace('_', '')}Params", f"{prefix}{spec.section}.",
                             spec.params, fitted)
            out[spec.section] = (model, Field(default_factory=model))
    return out


def _build() -> None:
    """(Re)generate the route-dependent sections and the :data:`Scenario` class from the registries.

    Called at import and whenever a route is registered, so a new route's name is a valid choice and its section
    a valid part of a scenario file. Module globals are replaced; ``isinstance(x, ScenarioModel)`` holds for
    every generation.
    """
    global ROUTES, BeneficiationSection, HydrometSection, Scenario
    for path in [p for p in PARAMS if any(p.startswith(pre) for pre in _ROUTE_PREFIXES)]:
        del PARAMS[path]  # re-declared below for the routes still registered
    ROUTES = CONCENTRATION_ROUTES.names()
    route_name = Literal[ROUTES]  # type: ignore[valid-type]
    offered = [r for r in ROUTES if CONCENTRATION_ROUTES[r].offered]
    BeneficiationSection = create_model(
        "BeneficiationSection", __base__=BeneficiationBase, __module__=__name__, **_device_sections(),
        routes=(list[route_name], Field(default_factory=lambda: list(offered),
                                        description=f"concentration routes to evaluate: {', '.join(ROUTES)}")),
        selected_route=(route_name, Field("lims_whims", description="route whose concentrate feeds the next stage")),
        **_route_sections(CONCENTRATION_ROUTES, "beneficiation."))
    leach_name = Literal[LEACH_ROUTES.names()]  # type: ignore[valid-type]
    common = _section("LeachCommonParams", "hydromet.common.", load_data("hydromet/leach.yaml")["common"],
                      _fitted("hydromet").get("common", {}))  # the fitted rate factor is its default
    HydrometSection = create_model(
        "HydrometSection", __base__=HydrometBase, __module__=__name__,
        common=(common, Field(default_factory=common)),
        leach_route=(leach_name | None, Field(None, description=" | ".join(LEACH_ROUTES) + "; default: caustic with "
                                                                   "HCl (the Phase III route), tank with H2SO4")),
        routes=(list[leach_name] | None, Field(
            None, description="leach routes compared in the trade-off table (default: the selected one and every "
                              "once-through route that suits the lixiviant)")),
        **_route_sections(LEACH_ROUTES, "hydromet."))
    Scenario = create_model(
        "Scenario", __base__=ScenarioModel, __module__=__name__,
        name=(str, Field("unnamed", min_length=1, max_length=200)),
        description=(str, ""),
        seed=(int, Field(0, ge=0, le=2**63 - 1, description="seed of every random draw of the run")),
        resource=(ResourceSection, Field(default_factory=ResourceSection)),
        plant=(PlantSection, Field(default_factory=PlantSection)),
        beneficiation=(BeneficiationSection, Field(default_factory=BeneficiationSection)),
        hydromet=(HydrometSection, Field(default_factory=HydrometSection)),
        alloy=(AlloySection, Field(default_factory=AlloySection)),
        market=(MarketSection, Field(default_factory=MarketSection)),
        economics=(EconomicsSection, Field(default_factory=EconomicsSection)),
        uncertainty=(UncertaintySection, Field(default_factory=UncertaintySection)),
    )
    Scenario.__doc__ = ScenarioModel.__doc__


ROUTES: tuple[str, ...] = ()
BeneficiationSection: Any = None
HydrometSection: Any = None
Scenario: Any = None
_build()
CONCENTRATION_ROUTES.on_change(_build)
LEACH_ROUTES.on_change(_build)
