"""Tables and summaries of the concentration stage (no model logic: formatting of stage results)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.diagram import graph_to_dict, stream_numbers
from ..core.results import metric_summary
from ..core.status import Status
from ..core.stream import Stream
from .ore import REE
from .stage import BeneficiationResult, concentrate_port

__all__ = ["HEADLINE_METRICS", "routes_table", "stage_summary", "stream_table"]

HEADLINE_METRICS = (
    "mass_pull_frac", "concentrate_grade_sc_ppm", "concentrate_grade_sc2o3_ppm", "concentrate_treo_ppm",
    "sc_recovery_frac", "tree_recovery_frac", "concentrate_tpa",
)


def stage_summary(result: BeneficiationResult) -> dict[str, Any]:
    """The ``stages.beneficiation`` object of the run summary."""
    routes = {}
    for name, rr in result.routes.items():
        ok = rr.status < Status.not_converged
        routes[name] = {k: metric_summary(v, ok) for k, v in rr.metrics.items()}
        routes[name]["concentrate_port"] = concentrate_port(name)
    out = {"sample": result.sample, "routes": routes, "selected_route": result.selected_route}
    sel = result.routes.get(result.selected_route)
    if sel is not None and sel.flowsheet is not None and sel.flowsheet.graph is not None:
        g = sel.flowsheet.graph
        g.labels.update({f: "ore (plant feed)" for f in g.feeds})
        out["flowsheet"] = graph_to_dict(g)
    return out


def routes_table(result: BeneficiationResult) -> pd.DataFrame:
    """One row per (scenario, route) with every metric; units are in the column names."""
    frames = []
    for name, rr in result.routes.items():
        df = pd.DataFrame(rr.metrics)
        df.insert(0, "route", name)
        df.insert(0, "scenario", np.arange(len(df)))
        df["status"] = [Status(int(s)).name for s in rr.status]
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _row(route: str, port: str, s: Stream, i: int) -> dict[str, Any]:
    els = s.components.elements
    e = s.element_tph[i]
    total = float(s.total_tph[i])
    sc = float(e[els.index("Sc")])
    tree = float(sum(e[els.index(r)] for r in REE))
    fe = float(e[els.index("Fe")])
    per = (lambda x: x / total * 1e6) if total > 0 else (lambda x: float("nan"))
    return {"route": route, "stream": port, "mass_tph": total, "sc_tph": sc, "tree_tph": tree,
            "grade_sc_ppm": per(sc), "tree_ppm": per(tree), "fe_frac": fe / total if total > 0 else float("nan")}


def stream_table(result: BeneficiationResult, scenario_index: int = 0) -> pd.DataFrame:
    """Stream table (feed and every unit outlet of every route) for one scenario."""
    rows = []
    for name, rr in result.routes.items():
        if rr.flowsheet is None:
            continue
        g = rr.flowsheet.graph
        numbers = stream_numbers(g) if g is not None else {}
        first = g.feeds[0] if g is not None and g.feeds else ""
        if result.feed is not None:
            rows.append({"no": numbers.get(first, 0), **_row(name, "feed", result.feed, scenario_index),
                         "from": "", "to": first.split(".")[0]})
        for port, s in rr.flowsheet.streams.items():
            rows.append({"no": numbers.get(port, 0), **_row(name, port, s, scenario_index),
                         "from": port.split(".")[0], "to": g.destination(port) if g is not None else ""})
    return pd.DataFrame(rows)
