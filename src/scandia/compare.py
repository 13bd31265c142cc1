"""The route table: every registered leach route with each lixiviant it takes, run through the whole chain on
one feed, side by side (``scandia routes``, the report's route comparison, issue 14 item 6).

Each option is the scenario itself with only ``hydromet.lixiviant`` and ``hydromet.leach_route`` changed, so
the ore, concentration, SX, purification and prices are the same for every row; an option's own section keeps
the scenario's values (for instance the tank's free acid applies to HCl and H2SO4 alike, which the table says).
Options come from the leach-route registry, so a newly registered route appears with no change here. With
``samples`` > 1 each option runs the scenario's Monte Carlo with the same seed (common random numbers) and the
table gives P10/P50/P90 of NPV and the P50 of the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .core.errors import ScandiaError

__all__ = ["COLUMNS", "route_options", "route_table"]

#: (stage, metric) of every column, in order
COLUMNS: tuple[tuple[str, str], ...] = (
    ("hydromet", "leach_sc_extraction_frac"), ("hydromet", "overall_sc_recovery_frac"),
    ("hydromet", "sc2o3_production_tpa"), ("hydromet", "hcl_kg_per_kg_sc2o3"), ("hydromet", "h2so4_kg_per_kg_sc2o3"),
    ("hydromet", "naoh_kg_per_kg_sc2o3"), ("hydromet", "cao_kg_per_kg_sc2o3"), ("hydromet", "ch4_kg_per_kg_sc2o3"),
    ("hydromet", "hcl_regenerated_kg_per_kg_sc2o3"),
    ("economics", "opex_usd_per_kg_sc2o3"), ("economics", "cash_cost_usd_per_kg_sc2o3"),
    ("economics", "capex_musd"), ("economics", "co2e_kg_per_kg_sc2o3"), ("economics", "co2e_kg_per_kg_master_alloy"),
    ("economics", "npv_musd"),
    ("economics", "irr_frac"),
)


def route_options() -> list[tuple[str, str]]:
    """(leach route, lixiviant) of every registered route and each lixiviant it takes."""
    from .hydromet.routes import LEACH_ROUTES

    return [(name, lix) for name in LEACH_ROUTES if LEACH_ROUTES[name].offered
            for lix in LEACH_ROUTES[name].reagents]


def lixiviant_sx(scenario: Any, lixiviant: str) -> dict[str, float]:
    """The SX design an option takes when it switches the scenario's lixiviant (``lixiviant_designs`` of
    ``data/hydromet/sx.yaml``: each lixiviant's dosage from its own source, with the design search's stages and
    O/A); nothing when the lixiviant is the scenario's own."""
    from .core.datafiles import load_data

    if lixiviant == scenario.hydromet.lixiviant:
        return {}
    design = load_data("hydromet/sx.yaml").get("lixiviant_designs", {}).get(lixiviant, {})
    return {f"hydromet.sx.{k}": v for k, v in design.items()}


def route_table(scenario: Any, samples: int = 1, progress: Callable[..., None] | None = None) -> pd.DataFrame:
    """One row per route option: recovery, reagents per kg Sc2O3, opex, capex, CO2e, NPV, IRR (P10-P90 of NPV
    when sampled). An option the chain refuses for this scenario is listed with the reason in ``note``."""
    from .api import metric_arrays
    from .chain import StageCache
    from .chain import run as run_chain
    from .hydromet.routes import LEACH_ROUTES
    from .runner import adapt_progress
    from .uncertainty.analysis import monte_carlo

    say = adapt_progress(progress)  # say(message, done, total): options done of all
    cache = StageCache()  # the options share the ore, the concentrate and the alloy: those stages run once
    rows = []
    options = route_options()
    for i, (route, lix) in enumerate(options):
        label = f"{LEACH_ROUTES[route].label}, {lix}"
        say(f"route table: {label}", i, len(options))
        row: dict[str, Any] = {"leach_route": route, "lixiviant": lix, "option": label,
                               "current": route == scenario.hydromet.leach_route
                               and lix == scenario.hydromet.lixiviant, "note": ""}
        try:
            s = scenario.with_values({"hydromet.lixiviant": lix, "hydromet.leach_route": route,
                                      "hydromet.routes": [route], **lixiviant_sx(scenario, lix)})
            res = monte_carlo(s, samples).result if samples > 1 else run_chain(s, cache=cache)
        except ScandiaError as exc:
            row["note"] = str(exc)
            rows.append(row)
            continue
        flat = metric_arrays(res)
        ok = np.asarray(res.status) == 0
        for stage, metric in COLUMNS:
            v = np.asarray(flat.get(f"{stage}.{metric}", np.nan), dtype=float).reshape(-1)
            v = v[ok[: v.size]] if v.size == ok.size and ok.any() else v
            v = v[np.isfinite(v)]
            row[metric] = float(np.median(v)) if v.size else np.nan
            if samples > 1 and metric == "npv_musd" and v.size:
                row["npv_p10_musd"], row["npv_p90_musd"] = (float(q) for q in np.percentile(v, [10, 90]))
        row["ok_frac"] = float(ok.mean())
        if not ok.all():
            from .core.status import Status

            bad = np.asarray(res.status)[~ok]
            names = ", ".join(sorted({Status(int(c)).name for c in bad}))
            row["note"] = f"{bad.size} of {ok.size} scenario(s) {names}"
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["samples"] = samples
    return df


def route_table_for_report(scenario: Any, hydromet: Any) -> pd.DataFrame:
    """The route table of a run's report (deterministic: the scenario's own values); built when the hydromet
    stage ran."""
    return route_table(scenario, 1)
