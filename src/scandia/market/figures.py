"""Plotly figures of the market stage, drawn from its declared tables (report and ``scandia market --out``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["market_figures"]


def market_figures(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The price fan (with and without the project, the fitted history), the supply stack and the demand by
    application as stacked areas, and the cost curve of the project's first year; each when its table is there."""
    import plotly.graph_objects as go

    figs: dict[str, Any] = {}
    pp = tables.get("market_price_path")
    if pp is not None and not pp.empty:
        fig = go.Figure()
        if "price_p10_usd_per_kg" in pp:
            fig.add_trace(go.Scatter(x=pp["year"], y=pp["price_p90_usd_per_kg"], line={"width": 0}, showlegend=False,
                                     hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=pp["year"], y=pp["price_p10_usd_per_kg"], fill="tonexty", line={"width": 0},
                                     fillcolor="rgba(211,84,0,0.2)", name="with the project, P10-P90"))
        fig.add_trace(go.Scatter(x=pp["year"], y=pp["price_p50_usd_per_kg"], name="with the project (median)",
                                 line={"color": "#d35400"}))
        fig.add_trace(go.Scatter(x=pp["year"], y=pp["price_without_project_p50_usd_per_kg"], name="without it",
                                 line={"color": "#5d6d7e", "dash": "dash"}))
        obs = pp.dropna(subset=["observed_price_usd_per_kg"])
        fig.add_trace(go.Scatter(x=obs["year"], y=obs["observed_price_usd_per_kg"], mode="markers",
                                 name="USGS MCS 2026 (fitted)", marker={"color": "black"}))
        fig.update_layout(title="Sc2O3 price path (US$/kg)", xaxis_title="year", yaxis_title="US$/kg Sc2O3")
        figs["market_price"] = fig
    for name, key, col, title in (("market_supply", "producer", "supply_tpa", "Supply by source (t/a Sc2O3)"),
                                  ("market_demand", "application", "demand_tpa", "Demand by application (t/a)")):
        t = tables.get(name)
        if t is None or t.empty:
            continue
        fig = go.Figure()
        for label, part in t.groupby(key, sort=False):
            if np.nanmax(part[col]) <= 0:
                continue
            fig.add_trace(go.Scatter(x=part["year"], y=part[col], name=str(label), stackgroup="one", mode="lines"))
        fig.update_layout(title=title, xaxis_title="year", yaxis_title="t/a Sc2O3")
        figs[name] = fig
    cc = tables.get("market_cost_curve")
    if cc is not None and not cc.empty:
        left = cc["cumulative_tpa"] - cc["available_tpa"]
        colors = np.where(cc["is_project"].astype(bool), "#d35400", "#5d6d7e").tolist()
        fig = go.Figure(go.Bar(x=left + cc["available_tpa"] / 2, y=cc["cash_cost_usd_per_kg"],
                               width=cc["available_tpa"], marker_color=colors, hovertext=cc["producer"]))
        fig.update_layout(title=f"Cash-cost curve in {int(cc['year'].iloc[0])} (the project in orange)",
                          xaxis_title="cumulative available capacity, t/a", yaxis_title="cash cost, US$/kg Sc2O3",
                          bargap=0)
        figs["market_cost_curve"] = fig
    return figs
