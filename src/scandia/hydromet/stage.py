"""The hydrometallurgy stage: concentrate -> leach -> CCD -> SX (extract, scrub, strip) -> purification ->
99.5 % Sc2O3, and raffinate -> iron removal -> REE hydroxide -> mixed REO.

The stage is one :class:`~scandia.core.flowsheet.Flowsheet` with two recycles solved as tear streams: the scrub
liquor returns to the extraction feed (so scrubbed Sc is not lost) and the stripped organic returns to extraction
(so unstripped Sc circulates, as in PrOMMiS's pre-loaded organic). All scenarios are solved at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from ..beneficiation.ore import REE, OreModel, scenario_ore
from ..core.datafiles import load_data
from ..core.errors import ScenarioError
from ..core.flowsheet import Flowsheet, FlowsheetResult
from ..core.registry import SectionView
from ..core.status import Status, combine
from ..core.stream import Stream
from ..core.units import Mixer, Splitter
from ..scenario.schema import Scenario
from .chemistry import Chemistry, chemistry
from .leaching import mineral_feed
from .precipitation import Calcination, HydroxidePrecipitation, OxalatePrecipitation, Redissolution
from .regeneration import Pyrohydrolysis
from .routes import LEACH_ROUTES
from .solvent_extraction import SXExtraction, SXScrub, SXStrip
from .washing import CCD, Acidify, AcidifyWithReturn

__all__ = ["HydrometResult", "build_hydromet", "hydromet_arrays", "reagent_prices", "run_hydromet"]

REAGENTS = ("H2SO4", "HCl", "NaOH", "CaO", "H2C2O4", "D2EHPA", "kerosene", "H2O", "O2", "CH4")


@cache
def reagent_prices() -> dict[str, float]:
    """US$ per t of each reagent (data/hydromet/reagents.yaml)."""
    return {k: float(v["value"]) for k, v in load_data("hydromet/reagents.yaml")["usd_per_t"].items()}


def hydromet_arrays(scenario: Scenario, n: int) -> dict[str, np.ndarray]:
    """Numeric inputs of the stage (``hydromet.*`` and plant) on the scenario axis (including the stand-alone
    ``hydromet.feed.concentrate_tph`` when a feed is given)."""
    return {k: v for k, v in scenario.arrays(n).items() if k.startswith(("hydromet.", "plant."))}


def mineral_rate_factors(ore: OreModel) -> np.ndarray:
    """Fitted per-mineral rate multipliers (data/hydromet/fitted.yaml; 1 where none was fitted)."""
    try:
        fitted = load_data("hydromet/fitted.yaml") or {}
    except FileNotFoundError:
        fitted = {}
    out = np.ones(len(ore.minerals))
    for name, value in fitted.get("mineral_rate_factor", {}).items():
        out[ore.minerals.index(name)] = float(value)
    return out


def _leach_unit(route: str, ore: OreModel, chem: Chemistry, a: dict[str, np.ndarray]):
    """The leach unit of a registered route, built from its scenario section (:data:`LEACH_ROUTES`)."""
    common = SectionView(a, "hydromet.common.")
    spec = LEACH_ROUTES[route]
    return spec.builder.from_section(
        SectionView(a, f"hydromet.{spec.section}."), ore, chem, rate_factor=common.rate_factor,
        rrsb_uniformity=common.rrsb_uniformity, gypsum_solubility_g_per_l=common.gypsum_solubility_g_per_l,
        mineral_rate_factor=mineral_rate_factors(ore))


def build_hydromet(route: str, ore: OreModel, chem: Chemistry, a: dict[str, np.ndarray]) -> Flowsheet:
    """The hydromet flowsheet for one leach route (parameters as arrays over scenarios)."""
    sx, pur = SectionView(a, "hydromet.sx."), SectionView(a, "hydromet.purification.")
    ccd, gyp = SectionView(a, "hydromet.ccd."), SectionView(a, "hydromet.common.").gypsum_solubility_g_per_l
    fs = Flowsheet(f"hydromet-{route}")
    fs.add("leach", _leach_unit(route, ore, chem, a))
    fs.add("ccd", CCD(chem, ccd.stages, ccd.wash_ratio, ccd.underflow_liquor_t_per_t))
    spec = LEACH_ROUTES[route]
    regen = "regenerate" in spec.ports
    fs.add("condition", (AcidifyWithReturn if regen else Acidify)(chem, sx.feed_min_free_acid_g_per_l))
    fs.add("feedmix", Mixer(2))
    # stage counts are run-scoped (they set the cascade's shape): one value per run
    fs.add("extract", SXExtraction(chem, sx.count("extraction_stages"), sx.extraction_oa, sx.dosage_vol_pct,
                                   sx.entrainment_l_per_m3, sx.organic_loss_l_per_m3))
    fs.add("scrub", SXScrub(chem, sx.count("scrub_stages"), sx.scrub_oa, sx.scrub_acid_g_per_l, sx.dosage_vol_pct))
    fs.add("strip", SXStrip(chem, sx.count("strip_stages"), sx.naoh_excess_frac))
    fs.add("redissolve", Redissolution(chem, pur.redissolve_free_acid_g_per_l, pur.redissolve_liquor_m3_per_t_cake))
    fs.add("impurity", HydroxidePrecipitation(chem, pur.impurity_ph, "NaOH", "impurity", oxidise_fe=True))
    fs.add("sc_oxalate", OxalatePrecipitation(chem, pur.oxalic_excess_frac, pur.mother_liquor_entrained_frac))
    fs.add("sc_calcine", Calcination(chem))
    if not regen:  # the REE circuit on the raffinate: iron removal with lime, REE hydroxide with NaOH
        fs.add("iron_removal", HydroxidePrecipitation(chem, pur.ree_iron_removal_ph, "CaO", "ree_iron_removal",
                                                      oxidise_fe=True, gypsum_solubility_g_per_l=gyp))
        fs.add("ree_precipitation", HydroxidePrecipitation(chem, pur.ree_precipitation_ph, "NaOH",
                                                           "ree_precipitation"))
        # the hydroxide holds Mn (pH50 8.5): redissolved near pH 1, REE oxalates leave Mn in solution
        fs.add("ree_redissolve", Redissolution(chem, pur.ree_redissolve_free_acid_g_per_l,
                                               pur.ree_redissolve_liquor_m3_per_t_cake,
                                               "hydromet.purification.ree_redissolve"))
        fs.add("ree_oxalate", OxalatePrecipitation(chem, pur.oxalic_excess_frac, pur.mother_liquor_entrained_frac))
    fs.add("ree_calcine", Calcination(chem))
    fs.add("neutralise", HydroxidePrecipitation(chem, pur.effluent_ph, "CaO", "effluent",
                                                gypsum_solubility_g_per_l=gyp))
    if "recycle" in spec.ports:  # SX raffinate back to the leach, less the bleed (a tear stream)
        sec = SectionView(a, f"hydromet.{spec.section}.")
        fs.add("raffinate_split", Splitter(1.0 - sec.bleed_frac))
        fs.connect("extract.raffinate", "raffinate_split.feed")
        fs.add("bleed", Mixer(2))  # the bleed and the leach overflow
        fs.connect("raffinate_split.rest", "bleed.in0").connect("leach.overflow", "bleed.in1")
        if regen:  # REE oxalates out of the bleed, then the chlorides to the roaster; its acid joins the recycle
            fs.add("ree_oxalate", OxalatePrecipitation(chem, pur.oxalic_excess_frac,
                                                       pur.mother_liquor_entrained_frac))
            fs.add("regenerate", Pyrohydrolysis(chem, sec.roaster_temperature_c, sec.acid_return_frac,
                                                sec.acid_mass_frac, sec.mg_hydrolysis_frac,
                                                sec.furnace_efficiency_frac, sec.offgas_temperature_c,
                                                sec.excess_air_frac))
            for src, dst in [("bleed.product", "ree_oxalate.liquor"), ("ree_oxalate.solids", "ree_calcine.solids"),
                             ("ree_oxalate.liquor", "regenerate.liquor"),
                             ("raffinate_split.product", spec.ports["recycle"]),
                             ("regenerate.acid", spec.ports["acid"]), ("leach.spare_acid", "condition.acid"),
                             ("sc_oxalate.liquor", "neutralise.liquor")]:
                fs.connect(src, dst)
            fs.tear("raffinate_split.product").tear("regenerate.acid")
        else:
            fs.connect("raffinate_split.product", spec.ports["recycle"])
            fs.connect("bleed.product", "iron_removal.liquor")
            fs.tear("raffinate_split.product")
    else:
        fs.connect("extract.raffinate", "iron_removal.liquor")
    if not regen:
        fs.add("barren", Mixer(3))
        for src, dst in [("iron_removal.liquor", "ree_precipitation.liquor"),
                         ("ree_precipitation.solids", "ree_redissolve.cake"), ("ree_redissolve.liquor",
                                                                                "ree_oxalate.liquor"),
                         ("ree_oxalate.solids", "ree_calcine.solids"), ("sc_oxalate.liquor", "barren.in0"),
                         ("ree_precipitation.liquor", "barren.in1"), ("ree_oxalate.liquor", "barren.in2"),
                         ("barren.product", "neutralise.liquor")]:
            fs.connect(src, dst)
    for src, dst in [
        ("leach.residue", "ccd.solids"), ("leach.liquor", "ccd.liquor"), ("ccd.pls", "condition.liquor"),
        ("condition.liquor", "feedmix.in0"),
        ("scrub.liquor", "feedmix.in1"), ("feedmix.product", "extract.aqueous"), ("strip.organic", "extract.organic"),
        ("extract.loaded", "scrub.organic"), ("scrub.organic", "strip.organic"), ("strip.cake", "redissolve.cake"),
        ("redissolve.liquor", "impurity.liquor"), ("impurity.liquor", "sc_oxalate.liquor"),
        ("sc_oxalate.solids", "sc_calcine.solids"),
    ]:
        fs.connect(src, dst)
    fs.tear("strip.organic").tear("scrub.liquor")
    return fs


#: product ports of the flowsheet and what they are
PRODUCTS = {
    "sc_calcine.product": "Sc2O3 product", "ree_calcine.product": "mixed REO product",
    "ccd.residue": "leach residue", "impurity.solids": "Sc-circuit impurity cake",
    "iron_removal.solids": "iron/thorium residue", "neutralise.solids": "neutralisation residue",
    "neutralise.liquor": "effluent", "sc_calcine.offgas": "calciner off-gas", "ree_calcine.offgas": "calciner off-gas",
    "leach.caustic_residue": "causticisation residue (CaSiO3)", "leach.caustic_bleed": "caustic bleed, neutralised",
    "leach.condensate": "evaporator condensate",
    "regenerate.oxide": "roaster oxide (Fe2O3 with the unhydrolysed chlorides)", "regenerate.offgas": "roaster off-gas",
}


@dataclass
class HydrometResult:
    """Metrics (arrays over scenarios), status, the solved flowsheet, and per-route results for the trade-off."""

    route: str
    metrics: dict[str, np.ndarray]
    status: np.ndarray  #: solve status combined with the purity target (infeasible where it is missed)
    flowsheet: FlowsheetResult | None
    routes: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    feed: Stream | None = None
    chem: Chemistry | None = None
    solve_status: np.ndarray | None = None  #: the flowsheet's own status, before the purity target

    @property
    def dataset(self) -> Any:
        """This stage's results as an ``xarray.Dataset`` (named dimensions, units in attributes, status);
        see :mod:`scandia.core.labelled`."""
        from ..core.labelled import stage_dataset

        return stage_dataset("hydromet", self)

def _metrics(chem: Chemistry, feed: Stream, res: FlowsheetResult, hours: np.ndarray,
             ore_tph: np.ndarray | None, upstream_sc_recovery: np.ndarray | None) -> dict[str, np.ndarray]:
    cs = chem.components
    prices = reagent_prices()
    sc_feed = feed.element("Sc")
    prod = res["sc_calcine.product"].component_tph
    sc2o3 = prod[:, cs.index("Sc(oxide)")]
    total = prod.sum(axis=1)
    reo = res["ree_calcine.product"].component_tph
    ree_oxides = sum(reo[:, cs.index(f"{k}(oxide)")] for k in REE)
    reo_total = reo.sum(axis=1)
    tree_feed = sum(feed.element(e) for e in REE)
    reo_ree = sum(res["ree_calcine.product"].element(e) for e in REE)
    liquor = res.units["leach"].outlets["liquor"]
    # with a raffinate recycle the liquor also carries what came back: the leach extraction counts the fresh feed
    back = res.streams.get("raffinate_split.product")
    returned = {e: (back.element(e) - res["leach.overflow"].element(e)) if back is not None else 0.0
                for e in ("Sc", *REE)}
    pls = res["ccd.pls"]
    cake = res["strip.cake"]
    reagent_t = {r: np.zeros(feed.n) for r in REAGENTS}
    for ur in res.units.values():
        for s in ur.reagents.values():
            comp = s.component_tph
            for r in REAGENTS:
                reagent_t[r] = reagent_t[r] + comp[:, cs.index(r)]
    safe = np.where(sc2o3 > 0, sc2o3, np.nan)
    m: dict[str, np.ndarray] = {
        "concentrate_tph": feed.total_tph,
        "concentrate_grade_sc_ppm": sc_feed / feed.total_tph * 1e6,
        "leach_sc_extraction_frac": (liquor.element("Sc") - returned["Sc"]) / sc_feed,
        "leach_tree_extraction_frac": sum(liquor.element(e) - returned[e] for e in REE) / tree_feed,
        "pls_sc_mg_per_l": pls.element("Sc") / np.maximum(pls.component("H2O"), 1e-300) * 1e6,
        "sx_sc_recovery_frac": cake.element("Sc") / np.maximum(pls.element("Sc"), 1e-300),
        "hydromet_sc_recovery_frac": res["sc_calcine.product"].element("Sc") / sc_feed,
        "sc2o3_tph": sc2o3,
        "sc2o3_production_tpa": sc2o3 * hours,
        "sc2o3_purity_frac": sc2o3 / np.maximum(total, 1e-300),
        "reo_production_tpa": reo_total * hours,
        "reo_purity_frac": ree_oxides / np.maximum(reo_total, 1e-300),
        "tree_to_reo_frac": reo_ree / tree_feed,
        "residue_tpa": res["ccd.residue"].total_tph * hours,
        "effluent_m3_per_h": res["neutralise.liquor"].component("H2O"),
        "th_in_product_ppm": res["sc_calcine.product"].element("Th") / np.maximum(total, 1e-300) * 1e6,
    }
    cost = np.zeros(feed.n)
    for r, t in reagent_t.items():
        m[f"{r.lower()}_kg_per_kg_sc2o3"] = t / safe
        cost = cost + t * prices.get(r, 0.0)
    acid = reagent_t[chem.acid]
    m["reagent_cost_usd_per_h"] = cost
    m["reagent_cost_usd_per_kg_sc2o3"] = cost / (safe * 1e3)
    # gross acid drawn by the leach and the PLS conditioning: the flowsheet neutralises the PLS acid downstream (no
    # raffinate recycle is modelled yet), so no recycle credit is taken, consistent with the reagent bill
    net_acid = res.units["leach"].design["acid_added_tph"] + res.units["condition"].design["acid_added_tph"]
    m["leach_acid_kg_per_t_concentrate"] = net_acid / feed.total_tph * 1e3
    base = ore_tph if ore_tph is not None else feed.total_tph
    m["leach_acid_cost_usd_per_t_ore"] = net_acid * prices[chem.acid] / base
    m["acid_total_kg_per_kg_sc2o3"] = acid / safe
    ext = res.units["extract"].design
    m["sx_loading_frac"] = ext["loading_frac"]  # share of the D2EHPA bound in the loaded organic
    m["sx_sc_loaded_g_per_l"] = ext["sc_loaded_g_per_l"]
    regen = res.units.get("regenerate")
    zero = np.zeros(feed.n)
    m["regen_fuel_mw"] = regen.design["fuel_gj_per_h"] / 3.6 if regen is not None else zero
    m["evaporator_mw"] = res.units["leach"].design.get("evaporator_kw", zero) * 1e-3
    m["hcl_regenerated_kg_per_kg_sc2o3"] = regen.design["hcl_regenerated_tph"] / safe if regen is not None else zero
    if upstream_sc_recovery is not None:
        m["overall_sc_recovery_frac"] = upstream_sc_recovery * m["hydromet_sc_recovery_frac"]
    m["payable_sc_recovery_frac"] = m.get("overall_sc_recovery_frac", m["hydromet_sc_recovery_frac"])
    return m


def _purity_status(m: dict[str, np.ndarray], target: np.ndarray) -> np.ndarray:
    return np.where(m["sc2o3_purity_frac"] + 1e-12 >= target, Status.ok, Status.infeasible).astype(np.int8)


def run_hydromet(
    scenario: Scenario,
    n: int = 1,
    arrays: dict[str, np.ndarray] | None = None,
    *,
    concentrate: Stream | None = None,
    ore_tph: np.ndarray | None = None,
    upstream_sc_recovery: np.ndarray | None = None,
    routes: list[str] | None = None,
    keep_streams: bool = True,
) -> HydrometResult:
    """Run the hydromet stage: the selected leach route in full and, for the trade-off, the other routes too.

    ``concentrate`` is the beneficiation concentrate (classes of the sample's ore model); without it the
    scenario's ``hydromet.feed`` is used (stand-alone run). Scenarios whose Sc2O3 purity misses
    ``purification.purity_target_frac`` are marked ``infeasible`` (their best purity is still reported).
    """
    h = scenario.hydromet
    ore = scenario_ore(scenario.beneficiation.sample, scenario.beneficiation.head_grade_sc_ppm)
    chem = chemistry(h.lixiviant, ore.components)
    a = hydromet_arrays(scenario, n)
    for key, value in (arrays or {}).items():
        v = np.asarray(value, dtype=float)
        if v.shape[:1] != (n,):
            raise ScenarioError(key, f"array must have a leading axis of {n} scenarios, got shape {v.shape}")
        a[key] = v
    if concentrate is not None:
        minerals = ore.mineral_tph(concentrate)
    elif h.feed is not None:
        frac = ore.modal_vector(h.feed.mineral_mass_frac)
        minerals = a["hydromet.feed.concentrate_tph"][:, None] * frac[None, :]
    else:
        raise ScenarioError("hydromet.feed", "a stand-alone hydromet run needs hydromet.feed (concentrate_tph and "
                                             "mineral_mass_frac), or run the chain")
    feed = mineral_feed(minerals, ore, chem)
    hours = a["plant.operating_hours_per_year_h_per_yr"]
    if ore_tph is None:  # stand-alone: the plant's ore rate (the concentrate came from it)
        ore_tph = a["plant.ore_feed_rate_tph"]
    target = a["hydromet.purification.purity_target_frac"]
    results: dict[str, dict[str, np.ndarray]] = {}
    main_res: FlowsheetResult | None = None
    main_status = None
    run_list = routes or list(dict.fromkeys([h.leach_route, *h.routes]))
    main_route = h.leach_route if h.leach_route in run_list else run_list[0]
    for route in run_list:
        fs = build_hydromet(route, ore, chem, a)
        # Anderson acceleration: 5-6 passes where Wegstein took 7-9 on the default routes (1.3x the chain's speed);
        # up to 500 passes for the regeneration route at its smallest bleed (a loop gain near 0.98)
        res = fs.solve({"leach.solids": feed}, check_balance=keep_streams, max_iter=500, method="anderson")
        m = _metrics(chem, feed, res, hours, ore_tph, upstream_sc_recovery)
        results[route] = m
        if route == main_route:
            main_res = res
            main_status = combine(res.status, _purity_status(m, target))
    assert main_res is not None and main_status is not None
    return HydrometResult(main_route, results[main_route], main_status, main_res if keep_streams else None,
                          results, feed, chem, main_res.status.copy())
