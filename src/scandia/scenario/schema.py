"""Scenario schema: pydantic v2 models built from the data files.

Every numeric field is declared once, in a data file beside its source (``data/plant.yaml``,
``data/beneficiation/devices.yaml``): value, bounds (min/max) and ``source:`` or ``assumption:``. The models
below are generated from those entries, so the bounds a user sees in an error message are the ones the data file
states. The unit of a field is named by its suffix (``field_t`` is in tesla) and a scenario file may give any
numeric field as a string with another unit (``"2350 t/d"``), converted by pint at the boundary.

Numbers are plain floats for now. Each numeric field is typed :data:`Number`, the single place that a later
change widens to ``float | Distribution``; :meth:`Scenario.arrays` already turns every numeric leaf into an
array over the scenario axis, which is what the stages consume.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from ..uncertainty.distributions import Distribution
from .quantity import to_unit, unit_for_field

__all__ = [
    "LEACH_ROUTES", "ROUTES", "BeneficiationSection", "HydrometSection", "PlantSection", "Scenario", "load_data",
    "numeric_spec",
]

ROUTES = ("lims_whims", "dms", "xrt", "hls")


@cache
def load_data(relpath: str) -> Any:
    """Read a YAML file from the package's ``data/`` folder (cached)."""
    text = resources.files("scandia").joinpath("data", relpath).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _range_check(lo: float | None, hi: float | None, unit: str):
    def check(v: float) -> float:
        if not np.isfinite(v):
            raise ValueError(f"must be a finite number in [{lo}, {hi}] {unit}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ValueError(f"must lie in [{lo}, {hi}] {_pretty(unit)} (got {v:g})")
        return v

    return check


def _pretty(unit: str) -> str:
    return {"dimensionless": "(fraction or ratio)", "tonne/meter**3": "t/m3", "meter**3/kilogram": "m3/kg"}.get(
        unit, unit
    )


def Number(name: str, lo: float | None, hi: float | None) -> Any:
    """The annotation of a numeric scenario field: a float in the field's unit, range-checked."""
    unit = unit_for_field(name)
    return Annotated[
        float,
        BeforeValidator(lambda v, _u=unit: to_unit(v, _u)),
        AfterValidator(_range_check(lo, hi, unit)),
    ]


def Integer(name: str, lo: float | None, hi: float | None) -> Any:
    """The annotation of an integer scenario field (stage counts), range-checked."""

    def as_int(v: object) -> int:
        if isinstance(v, bool) or not isinstance(v, int | float) or float(v) != int(v):
            raise ValueError(f"must be a whole number in [{lo}, {hi}] (got {v!r})")
        return int(v)

    return Annotated[int, BeforeValidator(as_int), AfterValidator(_range_check(lo, hi, "(count)"))]


def numeric_spec(entry: dict[str, Any]) -> tuple[float, float | None, float | None, str]:
    """(value, min, max, provenance) of a data-file entry."""
    prov = entry.get("source") or entry.get("assumption") or entry.get("fitted_to") or ""
    kind = "source" if "source" in entry else ("assumption" if "assumption" in entry else "fitted_to")
    return float(entry["value"]), entry.get("min"), entry.get("max"), f"{kind}: {prov}"


def _section(model_name: str, entries: dict[str, Any], overrides: dict[str, float] | None = None) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or "value" not in entry:
            continue
        value, lo, hi, prov = numeric_spec(entry)
        if overrides and key in overrides:
            value = overrides[key]
            prov = f"fitted: {prov}"
        if entry.get("integer"):
            value = int(value)
        fields[key] = (
            Integer(key, lo, hi) if entry.get("integer") else Number(key, lo, hi),
            Field(
                default=value,
                description=prov,
                json_schema_extra={"unit": unit_for_field(key), "min": lo, "max": hi},
            ),
        )
    return create_model(model_name, __config__=ConfigDict(extra="forbid", validate_default=True), **fields)


def _fitted(stage: str = "beneficiation") -> dict[str, Any]:
    try:
        return load_data(f"{stage}/fitted.yaml") or {}
    except FileNotFoundError:
        return {}


_dev = load_data("beneficiation/devices.yaml")
_fit_dev = _fitted().get("devices", {})

PlantSection = _section("PlantSection", load_data("plant.yaml"))
_device_models = {
    name: _section(f"{name.title().replace('_', '')}Params", _dev[name], _fit_dev.get(name))
    for name in ("feed", "comminution", "liberation", "lims", "whims", "dms", "hls", "xrt")
}
FeedParams = _device_models["feed"]
ComminutionParams = _device_models["comminution"]
LiberationParams = _device_models["liberation"]
LimsParams = _device_models["lims"]
WhimsParams = _device_models["whims"]
DmsParams = _device_models["dms"]
HlsParams = _device_models["hls"]
XrtParams = _device_models["xrt"]
SampleName = Literal[tuple(load_data("beneficiation/samples.yaml")["samples"])]  # type: ignore[valid-type]
RouteName = Literal[ROUTES]  # type: ignore[valid-type]


class BeneficiationSection(BaseModel):
    """Concentration: ore sample, routes to evaluate and the parameters of every device."""

    model_config = ConfigDict(extra="forbid")

    sample: SampleName = Field("met01", description="built-in ore sample (data/beneficiation/samples.yaml)")
    routes: list[RouteName] = Field(default_factory=lambda: ["lims_whims", "dms", "xrt"])
    selected_route: RouteName = Field("lims_whims", description="route whose concentrate feeds the next stage")
    head_grade_sc_ppm: float | None = Field(
        None, ge=10.0, le=5000.0, description="Sc head grade, ppm (g/t Sc); default: the sample's own. Scales the "
        "Sc content of every mineral of the sample, mineralogy unchanged (assumption; see scenario_ore)")
    d_lib_mm: Annotated[float, BeforeValidator(lambda v: to_unit(v, "millimeter")),
                        AfterValidator(_range_check(0.1, 15.0, "millimeter"))] | None = Field(
        None, description="liberation size; default: the value fitted for the sample")
    susceptibility_m3_kg: dict[str, float] = Field(
        default_factory=dict, description="override of fitted mineral mass susceptibilities, m3/kg")
    modal_mass_frac: dict[str, float] | None = Field(
        None, description="override of the sample's modal mineralogy, mass fractions (0-1) summing to 1")
    feed: FeedParams = Field(default_factory=FeedParams)  # type: ignore[valid-type]
    comminution: ComminutionParams = Field(default_factory=ComminutionParams)  # type: ignore[valid-type]
    liberation: LiberationParams = Field(default_factory=LiberationParams)  # type: ignore[valid-type]
    lims: LimsParams = Field(default_factory=LimsParams)  # type: ignore[valid-type]
    whims: WhimsParams = Field(default_factory=WhimsParams)  # type: ignore[valid-type]
    dms: DmsParams = Field(default_factory=DmsParams)  # type: ignore[valid-type]
    hls: HlsParams = Field(default_factory=HlsParams)  # type: ignore[valid-type]
    xrt: XrtParams = Field(default_factory=XrtParams)  # type: ignore[valid-type]

    @field_validator("routes")
    @classmethod
    def _routes(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError(f"needs at least one route of {list(ROUTES)}")
        if len(set(v)) != len(v):
            raise ValueError("routes repeat")
        return v

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


_leach = load_data("hydromet/leach.yaml")
_sx = load_data("hydromet/sx.yaml")
_pur = load_data("hydromet/purification.yaml")
_fit_h = _fitted("hydromet").get("common", {})
TankParams = _section("TankParams", _leach["tank"])
BakeParams = _section("BakeParams", _leach["bake"])
HeapParams = _section("HeapParams", _leach["heap"])
LeachCommonParams = _section("LeachCommonParams", _leach["common"], _fit_h)
SXParams = _section("SXParams", _sx)
PurificationParams = _section("PurificationParams", _pur["defaults"])
CCDParams = _section("CCDParams", _pur["ccd"])
LEACH_ROUTES = ("tank", "bake", "heap")


class HydrometFeed(BaseModel):
    """A concentrate given directly, for running the hydromet stage alone."""

    model_config = ConfigDict(extra="forbid")

    concentrate_tph: Annotated[float, BeforeValidator(lambda v: to_unit(v, "tonne/hour")),
                               AfterValidator(_range_check(1e-6, 1e5, "tonne/hour"))] = Field(
        ..., description="concentrate feed rate")
    mineral_mass_frac: dict[str, float] = Field(..., description="mineral mass fractions (0-1) summing to 1")

    @field_validator("mineral_mass_frac")
    @classmethod
    def _minerals(cls, v: dict[str, float]) -> dict[str, float]:
        return BeneficiationSection._modal(v)  # same rules: known minerals, 0-1, sum 1


class HydrometSection(BaseModel):
    """Hydrometallurgy: leach route and lixiviant, washing, solvent extraction, purification."""

    model_config = ConfigDict(extra="forbid")

    leach_route: Literal[LEACH_ROUTES] = Field("tank", description="tank | bake | heap")  # type: ignore[valid-type]
    routes: list[Literal[LEACH_ROUTES]] | None = Field(  # type: ignore[valid-type]
        None, description="leach routes compared in the trade-off table (default: all that suit the lixiviant)")
    lixiviant: Literal["H2SO4", "HCl"] = Field(
        "HCl", description="leach and SX acid (HCl: the acid of the published Crater Lake Phase III leach)")
    feed: HydrometFeed | None = Field(None, description="concentrate for a stand-alone hydromet run")
    tank: TankParams = Field(default_factory=TankParams)  # type: ignore[valid-type]
    bake: BakeParams = Field(default_factory=BakeParams)  # type: ignore[valid-type]
    heap: HeapParams = Field(default_factory=HeapParams)  # type: ignore[valid-type]
    common: LeachCommonParams = Field(default_factory=LeachCommonParams)  # type: ignore[valid-type]
    ccd: CCDParams = Field(default_factory=CCDParams)  # type: ignore[valid-type]
    sx: SXParams = Field(default_factory=SXParams)  # type: ignore[valid-type]
    purification: PurificationParams = Field(default_factory=PurificationParams)  # type: ignore[valid-type]
    design: bool = Field(False, description="search extraction/scrub stages and O/A for the purity target")

    def model_post_init(self, __context: Any) -> None:
        if self.routes is None:
            # an acid bake is a sulfation bake: it is offered with sulfuric acid only
            self.routes = [r for r in LEACH_ROUTES if r != "bake" or self.lixiviant == "H2SO4"]
        if self.lixiviant != "H2SO4" and ("bake" in self.routes or self.leach_route == "bake"):
            raise ValueError("the acid bake is a sulfation bake; use lixiviant H2SO4 with leach route bake")


_ma = load_data("alloy/master_alloy.yaml")
MasterAlloyParams = _section("MasterAlloyParams", _ma["common"])
MASTER_ROUTES = tuple(_ma["routes"])
BASE_ALLOYS = tuple(load_data("alloy/base_alloys.yaml"))


class AgingStep(BaseModel):
    """One isothermal heat-treatment step."""

    model_config = ConfigDict(extra="forbid")

    temp_c: Number("temp_c", 20.0, 600.0) = Field(..., description="step temperature",  # type: ignore[valid-type]
                                                  json_schema_extra={"unit": "degC", "min": 20.0, "max": 600.0})
    duration_h: Number("duration_h", 0.0, 10000.0) = Field(  # type: ignore[valid-type]
        ..., description="step duration", json_schema_extra={"unit": "hour", "min": 0.0, "max": 10000.0})


class AlloySection(BaseModel):
    """Master alloy and the Sc(-Zr)-modified alloy: composition, heat treatment, prices, optional design."""

    model_config = ConfigDict(extra="forbid")

    base: Literal[BASE_ALLOYS] = Field("535", description="base alloy (data/alloy/base_alloys.yaml)")  # type: ignore[valid-type]
    sc_wt_pct: Number("sc_wt_pct", 0.0, 1.0) = Field(  # type: ignore[valid-type]
        0.15, description="assumption: 0.15 wt% Sc, at the primary-Al3Sc threshold of 535 (seed: 0.2-0.4 % Sc for "
        "wrought alloys)", json_schema_extra={"unit": "percent", "min": 0.0, "max": 1.0})
    zr_wt_pct: Number("zr_wt_pct", 0.0, 0.5) = Field(  # type: ignore[valid-type]
        0.1, description="assumption: 0.1 wt% Zr, the usual companion of Sc", json_schema_extra={
            "unit": "percent", "min": 0.0, "max": 0.5})
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
    sc2o3_price_usd_per_kg: Number("sc2o3_price_usd_per_kg", 100.0, 20000.0) = Field(  # type: ignore[valid-type]
        3000.0, description="source: seed release, oxide market US$2,000-4,000/kg (midpoint)",
        json_schema_extra={"unit": "USD/kg", "min": 100.0, "max": 20000.0})
    target_yield_mpa: Number("target_yield_mpa", 1.0, 1000.0) = Field(  # type: ignore[valid-type]
        250.0, description="target yield strength of the inverse design", json_schema_extra={
            "unit": "MPa", "min": 1.0, "max": 1000.0})
    design: bool = Field(False, description="search Sc, Zr and aging for the cheapest design meeting the target")

    @field_validator("aging")
    @classmethod
    def _aging(cls, v: list[AgingStep]) -> list[AgingStep]:
        if not v:
            raise ValueError("needs at least one step (use duration_h: 0 for as cast)")
        return v


_econ = {**load_data("economics/economics.yaml"),
         **{k: v for k, v in load_data("economics/capex.yaml").items() if isinstance(v, dict) and "value" in v}}
EconomicsParams = _section("EconomicsParams", _econ)


class EconomicsInputs(BaseModel):
    """Production figures for running the economics stage alone (the chain supplies them otherwise)."""

    model_config = ConfigDict(extra="forbid")

    concentrate_tpa: Number("concentrate_tpa", 0.0, 1e9) = Field(  # type: ignore[valid-type]
        ..., description="concentrate to the hydromet plant")
    sc2o3_production_tpa: Number("sc2o3_production_tpa", 0.0, 1e5) = Field(  # type: ignore[valid-type]
        ..., description="Sc2O3 produced")
    reo_production_tpa: Number("reo_production_tpa", 0.0, 1e7) = Field(  # type: ignore[valid-type]
        0.0, description="mixed REO produced")
    reagent_cost_usd_per_kg_sc2o3: Number("reagent_cost_usd_per_kg_sc2o3", 0.0, 1e5) = Field(  # type: ignore[valid-type]
        ..., description="hydromet reagent cost per kg Sc2O3")


class EconomicsSection(BaseModel):
    """Project economics: prices, taxes, cost factors; product sold; stand-alone production inputs."""

    model_config = ConfigDict(extra="forbid")

    product: Literal["sc2o3", "master_alloy"] = Field(
        "sc2o3", description="sell Sc2O3, or integrate and sell Al-Sc master alloy (uses the alloy stage)")
    params: EconomicsParams = Field(default_factory=EconomicsParams)  # type: ignore[valid-type]
    inputs: EconomicsInputs | None = Field(None, description="production figures for a stand-alone run")


class UncertaintySection(BaseModel):
    """Distributions on numeric scenario fields (by dotted path), their rank correlations and the sampling."""

    model_config = ConfigDict(extra="forbid")

    samples: int = Field(1, ge=1, le=50_000_000, description="number of sampled scenarios (1: deterministic run)")
    method: Literal["random", "lhs", "sobol"] = Field("lhs", description="sampling of the joint distribution")
    distributions: dict[str, Distribution] = Field(default_factory=dict)
    correlations: list[tuple[str, str, float]] = Field(
        default_factory=list, description="rank correlations [field_a, field_b, rho] (Iman-Conover)")
    output: str = Field("economics.npv_musd", description="stage.metric the sensitivity analysis explains")


class Scenario(BaseModel):
    """A complete scandia scenario (YAML on disk, see ``scandia scenarios``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("unnamed", min_length=1, max_length=200)
    description: str = ""
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of every random draw of the run")
    plant: PlantSection = Field(default_factory=PlantSection)  # type: ignore[valid-type]
    beneficiation: BeneficiationSection = Field(default_factory=BeneficiationSection)
    hydromet: HydrometSection = Field(default_factory=HydrometSection)
    alloy: AlloySection = Field(default_factory=AlloySection)
    economics: EconomicsSection = Field(default_factory=EconomicsSection)
    uncertainty: UncertaintySection = Field(default_factory=UncertaintySection)

    @model_validator(mode="after")
    def _uncertain_fields_exist(self) -> Scenario:
        fields_ = self.arrays(1)
        for path in self.uncertainty.distributions:
            if path not in fields_:
                raise ValueError(f"uncertainty.distributions: {path!r} is not a numeric scenario field")
        return self

    def arrays(self, n: int = 1, views: bool = False) -> dict[str, np.ndarray]:
        """Every numeric leaf as an array of shape ``(n,)``, keyed by its dotted path.

        ``views=True`` returns read-only broadcast views (no memory per scenario) for callers that never write
        into them, e.g. a million-sample economic Monte Carlo.

        This is the batch the stages consume; a deterministic run is ``n = 1``.
        """
        out: dict[str, np.ndarray] = {}

        def walk(obj: Any, prefix: str) -> None:
            if isinstance(obj, BaseModel):
                for key in type(obj).model_fields:
                    walk(getattr(obj, key), f"{prefix}{key}.")
            elif isinstance(obj, int | float) and not isinstance(obj, bool):
                one = np.array([float(obj)])
                out[prefix[:-1]] = np.broadcast_to(one, (n,)) if views else np.full(n, obj)

        walk(self, "")
        return out
