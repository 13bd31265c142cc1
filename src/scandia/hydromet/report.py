"""Tables, summaries and the acid-cost trade-off curve of the hydromet stage (formatting and sweeps only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..beneficiation.ore import REE
from ..core.diagram import graph_to_dict, stream_numbers
from ..core.results import metric_summary
from ..core.status import Status
from ..core.stream import Stream
from ..scenario.schema import Scenario
from .routes import LEACH_ROUTES
from .solvent_extraction import mccabe_thiele
from .stage import PRODUCTS, HydrometResult, run_hydromet

__all__ = [
    "HEADLINE",
    "routes_table",
    "stage_summary",
    "stream_table",
    "sx_mccabe_thiele",
    "tradeoff_curve",
    "tradeoff_parameter",
]

HEADLINE = (
    "leach_sc_extraction_frac", "hydromet_sc_recovery_frac", "overall_sc_recovery_frac", "sc2o3_production_tpa",
    "sc2o3_purity_frac", "reo_production_tpa", "reo_purity_frac", "leach_acid_kg_per_t_concentrate",
    "leach_acid_cost_usd_per_t_ore", "reagent_cost_usd_per_kg_sc2o3",
)


def tradeoff_parameter(route: str) -> tuple[str, float, float]:
    """(dotted field, sweep low, sweep high) of a leach route's trade-off curve, from the route registry."""
    return LEACH_ROUTES[route].sweep()


def stage_summary(result: HydrometResult, scenario: Scenario) -> dict[str, Any]:
    """The ``stages.hydromet`` object of the run summary."""
    ok = result.status < Status.not_converged
    routes = {r: {k: metric_summary(v) for k, v in m.items()} for r, m in result.routes.items()}
    return {
        "leach_route": result.route,
        "lixiviant": scenario.hydromet.lixiviant,
        "metrics": {k: metric_summary(v, ok | (result.status == Status.infeasible)) for k, v in result.metrics.items()},
        "routes": routes,
        "purity_target_frac": float(scenario.hydromet.purification.purity_target_frac),
        **({"flowsheet": graph_to_dict(labelled_graph(result))} if result.flowsheet is not None
           and result.flowsheet.graph is not None else {}),
    }


def labelled_graph(result: HydrometResult):
    """The solved route's flowsheet graph with its products and feed named (for the diagram)."""
    from .stage import PRODUCTS

    g = result.flowsheet.graph
    g.labels.update({p: v for p, v in PRODUCTS.items() if p in g.products})
    g.labels.update({f: "concentrate" for f in g.feeds if f == "leach.solids"})
    return g


def routes_table(result: HydrometResult) -> pd.DataFrame:
    """The route trade-off table: one row per (scenario, leach route)."""
    frames = []
    for route, m in result.routes.items():
        df = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in m.items()})
        df.insert(0, "leach_route", route)
        df.insert(0, "scenario", np.arange(len(df)))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


#: components of the liquor phase (water, free acid and base, dissolved salts); ``(aq)`` species are liquor too
_LIQUOR = frozenset({"H2O", "HCl", "H2SO4", "NaOH", "NaCl", "H2C2O4", "Na2SiO3", "NaAlO2"})
#: components of the organic phase (``(org)`` species are organic too) and of a gas
_ORGANIC = frozenset({"D2EHPA", "kerosene"})
_GAS = frozenset({"CO2", "O2", "CH4"})


def phase_of(component: str) -> str:
    """``liquor``, ``organic``, ``gas`` or ``solid``: the phase a hydromet component is carried in (minerals,
    hydroxides, oxalates, oxides, gypsum, silica and the desilication products are solids)."""
    if component.endswith("(aq)") or component in _LIQUOR:
        return "liquor"
    if component.endswith("(org)") or component in _ORGANIC:
        return "organic"
    return "gas" if component in _GAS else "solid"


def stream_table(result: HydrometResult, scenario_index: int = 0) -> pd.DataFrame:
    """Every stream of the selected route for one scenario, in stream-number order: from and to (unit names),
    mass by phase (solids, liquor, organic), % solids by mass, free acid in the liquor, and Sc, TREE, Fe and Th
    as flows, as ppm of the solids and as mg per litre of liquor water (the model carries no liquor density, so
    concentrations are per litre of water, taken at 1 kg/L), and the pH where the model computes one (the SX
    raffinate, from the cascade's stage equilibria) and the temperature where the model sets one (the leach's
    liquor and residue, at its operating temperature). No heat balance is solved, so other streams carry no
    temperature, and streams the model does not speciate carry no pH."""
    fs = result.flowsheet
    if fs is None:
        return pd.DataFrame()
    rows = []
    items: list[tuple[str, Stream]] = [("leach.solids", result.feed)] if result.feed is not None else []
    items += list(fs.streams.items())
    g = fs.graph
    numbers = stream_numbers(g) if g is not None else {}
    i = scenario_index
    cs = fs.streams[next(iter(fs.streams))].components  # one component set for the whole flowsheet
    els, em = cs.elements, cs.element_matrix
    phase = np.array([phase_of(c) for c in cs.names])
    # pH only where the model computes it: the SX cascade's equilibrium pH of its last extraction stage, which
    # the raffinate leaves (aqueous flows from stage 1 at the feed to stage N)
    ph_of: dict[str, float] = {}
    # temperature only where the model sets one: the leach's liquor and residue leave at its operating temperature
    temp_of: dict[str, float] = {}
    leach = fs.units.get("leach")
    if leach is not None and "outlet_temperature_c" in leach.design:
        t_leach = float(np.asarray(leach.design["outlet_temperature_c"])[i])
        temp_of = {"leach.liquor": t_leach, "leach.residue": t_leach}
    ext = fs.units.get("extract")
    if ext is not None and "stage_ph" in ext.design:
        ph_of["extract.raffinate"] = float(np.asarray(ext.design["stage_ph"])[i][-1])
    for port, s in items:
        e = s.element_tph[i]
        comp = s.component_tph[i]
        by_phase = {ph: comp * (phase == ph) for ph in ("solid", "liquor", "organic")}
        solids, liquor = float(by_phase["solid"].sum()), float(by_phase["liquor"].sum())
        water = float(s.component("H2O")[i])
        acid = float(s.component(result.chem.acid)[i]) if result.chem is not None else 0.0
        feed = port in fs.feeds
        row = {
            "no": numbers.get(port, 0), "stream": port + (" (feed)" if feed else ""),
            "from": "" if feed else port.split(".")[0],
            "to": port.split(".")[0] if feed else (g.destination(port) if g is not None else ""),
            "role": PRODUCTS.get(port, ""), "mass_tph": float(s.total_tph[i]),
            "solids_tph": solids, "liquor_tph": liquor, "organic_tph": float(by_phase["organic"].sum()),
            "water_tph": water,
            # rounding noise can leave a phase at -1e-18 t/h: the share is of the phases' non-negative parts;
            # the share first, then percent: (100 s) / s can round to 100.00000000000001, 100 (s / s) cannot
            "solids_pct": (100.0 * (max(solids, 0.0) / (max(solids, 0.0) + max(liquor, 0.0)))
                           if max(solids, 0.0) + max(liquor, 0.0) > 0 else np.nan),
            "free_acid_g_per_l_water": 1e3 * acid / water if water > 1e-9 else np.nan,
            "ph": ph_of.get(port, np.nan),
            "temperature_c": temp_of.get(port, np.nan),
            "sc_kg_per_h": float(e[els.index("Sc")] * 1e3),
            "tree_kg_per_h": float(sum(e[els.index(x)] for x in REE) * 1e3),
            "fe_kg_per_h": float(e[els.index("Fe")] * 1e3), "th_kg_per_h": float(e[els.index("Th")] * 1e3),
        }
        solid_el = by_phase["solid"] @ em
        liquor_el = by_phase["liquor"] @ em
        for key, members in (("sc", ("Sc",)), ("tree", REE), ("fe", ("Fe",)), ("th", ("Th",))):
            cols = [els.index(x) for x in members]
            row[f"{key}_solids_ppm"] = 1e6 * float(solid_el[cols].sum()) / solids if solids > 1e-12 else np.nan
            row[f"{key}_liquor_mg_per_l_water"] = (1e6 * float(liquor_el[cols].sum()) / water
                                                   if water > 1e-9 else np.nan)
        rows.append(row)
    return pd.DataFrame(rows).sort_values("no", kind="stable").reset_index(drop=True)


def sx_mccabe_thiele(result: HydrometResult, element: str = "Sc") -> pd.DataFrame:
    """McCabe-Thiele points of the extraction cascade (scenario 0) for one element, mol/L."""
    from .chemistry import AQUEOUS

    fs = result.flowsheet
    if fs is None:
        return pd.DataFrame()
    d = fs.units["extract"].design
    j = AQUEOUS.index(element)
    x_feed = d["feed_x_mol_l"]
    oa = d["organic_m3_per_h"] / d["aqueous_m3_per_h"]

    class _R:  # the cascade result view mccabe_thiele expects
        x = d["stage_x_mol_l"]
        y = d["stage_y_mol_l"]

    mt = mccabe_thiele(_R, x_feed, oa, j)  # type: ignore[arg-type]
    n_st = mt["stage_x"].size
    return pd.DataFrame({
        "element": element, "stage": np.arange(1, n_st + 1), "x_aq_mol_l": mt["stage_x"],
        "y_org_mol_l": mt["stage_y"], "operating_x_mol_l": mt["operating_x"][1:],
        "operating_y_mol_l": mt["operating_y"][1:], "stage_ph": d["stage_ph"][0],
    })


def tradeoff_curve(scenario: Scenario, concentrate: Stream | None, ore_tph: np.ndarray | None,
                   upstream_sc_recovery: np.ndarray | None, n_points: int = 9) -> pd.DataFrame:
    """Acid cost per t ore against payable Sc recovery for each leach route, as its acid parameter moves.

    The sweep points lie on the scenario axis: one vectorized hydromet run per route.
    """
    frames = []
    for route in scenario.hydromet.routes:
        key, lo, hi = tradeoff_parameter(route)
        values = np.linspace(lo, hi, n_points)
        conc = None
        if concentrate is not None:
            conc = Stream(concentrate.components, concentrate.classes,
                          np.repeat(concentrate.class_tph[:1], n_points, axis=0), concentrate.w, validate=False)
        def rep(v):
            return (None if v is None else np.repeat(np.asarray(v)[:1], n_points))
        res = run_hydromet(scenario, n_points, {key: values}, concentrate=conc, ore_tph=rep(ore_tph),
                           upstream_sc_recovery=rep(upstream_sc_recovery), routes=[route], keep_streams=False)
        m = res.routes[route]
        frames.append(pd.DataFrame({
            "leach_route": route, "acid_parameter": key.split(".", 1)[1], "acid_value": values,
            "leach_acid_cost_usd_per_t_ore": m["leach_acid_cost_usd_per_t_ore"],
            "payable_sc_recovery_frac": m["payable_sc_recovery_frac"],
            "leach_sc_extraction_frac": m["leach_sc_extraction_frac"],
            "sc2o3_purity_frac": m["sc2o3_purity_frac"],
        }))
    return pd.concat(frames, ignore_index=True)


#: the elements of the McCabe-Thiele table: Sc is extracted; Fe(III) and Th are the impurities the extraction must
#: reject for a 99.5 % oxide
MCCABE_ELEMENTS = ("Sc", "Fe3", "Th")


def mccabe_thiele_table(result: HydrometResult) -> pd.DataFrame:
    """McCabe-Thiele points of the extraction cascade for Sc, Fe(III) and Th (column ``element``)."""
    return pd.concat([sx_mccabe_thiele(result, el) for el in MCCABE_ELEMENTS], ignore_index=True)


def tradeoff_table(scenario: Scenario, beneficiation: Any, result: HydrometResult) -> pd.DataFrame:
    """The leach trade-off of every leach route, fed the selected concentration route's concentrate (or the
    scenario's hydromet feed when the stage runs alone)."""
    if beneficiation is None:
        return tradeoff_curve(scenario, None, None, None)
    sel = beneficiation.routes[beneficiation.selected_route].metrics
    return tradeoff_curve(scenario, beneficiation.concentrate, sel["feed_tph"], sel["sc_recovery_frac"])
