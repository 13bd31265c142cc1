"""Flows of the chain for Sankey diagrams (report and dashboard): built from a run's summary and tables only."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["master_alloy_links", "sankey_data"]

SC_PER_SC2O3 = 2 * 44.955908 / (2 * 44.955908 + 3 * 15.999)  # kg Sc per kg Sc2O3 (IUPAC 2021 atomic masses)


def master_alloy_links(summary: dict[str, Any], tables: dict[str, pd.DataFrame], basis: str,
                       product_flow: float) -> list[tuple[str, str, float]]:
    """Links from the Sc2O3 product into the Al-Sc master alloy made at the smelter, for the share of the oxide
    converted (economics ``master_alloy_share_frac``; none when the oxide is sold as such), per unit of
    ``product_flow`` (the Sc2O3 product's t/h, or its kg/h Sc), from the alloy stage's per-kg master-alloy table."""
    share = float(summary.get("stages", {}).get("economics", {}).get("master_alloy_share_frac") or 0.0)
    ma = tables.get("master_alloy")
    if share <= 0 or ma is None or ma.empty or product_flow <= 0:
        return []
    row = lambda kind, item: float(ma.loc[(ma["kind"] == kind) & (ma["item"] == item), "value"].sum())  # noqa: E731
    oxide = row("input", "sc2o3")  # kg Sc2O3 per kg master alloy
    if oxide <= 0:
        return []
    sc_pct = 100.0 * row("output", "master_alloy_sc")
    alloy = f"Master alloy (Al-{sc_pct:.0f}Sc, smelter)"
    used = share * product_flow
    if basis == "Sc":
        into = used * row("output", "master_alloy_sc") / (oxide * SC_PER_SC2O3)
        return [("Sc2O3 product", alloy, into), ("Sc2O3 product", "Sc lost in alloying", used - into)]
    made = used / oxide  # t/h of master alloy
    others = (row("input", "al") + row("input", "flux")) * made
    waste = used + others - made
    return [("Sc2O3 product", alloy, used), ("Aluminium and flux", alloy, others),
            (alloy, "Master alloy product", made), (alloy, "Dross, slag and spent flux", waste)]


def sankey_data(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> dict[str, tuple]:
    """(labels, sources, targets, values, unit) per basis: total mass (t/h), Sc (kg/h), US$ M in the year of
    highest revenue. Mass and Sc follow the selected concentration route's streams into the selected leach
    route's product streams (scenario 0); reagents and water are the hydromet products less its feed."""
    out: dict[str, tuple] = {}
    ben = tables.get("beneficiation_streams")
    hyd = tables.get("hydromet_streams")
    ben_s = summary.get("stages", {}).get("beneficiation", {})
    route = ben_s.get("selected_route")
    for basis, ben_col, ben_scale, hyd_col, unit in (("mass", "mass_tph", 1.0, "mass_tph", "t/h"),
                                                     ("Sc", "sc_tph", 1000.0, "sc_kg_per_h", "kg/h Sc")):
        labels: list[str] = []
        links: list[tuple[int, int, float]] = []

        def node(name: str, labels: list[str] = labels) -> int:
            if name not in labels:
                labels.append(name)
            return labels.index(name)

        conc_value = None
        if ben is not None and route in set(ben.get("route", [])):
            r = ben[ben["route"] == route]
            port = ben_s.get("routes", {}).get(route, {}).get("concentrate_port", "mix.product")
            feed = float(r[r["stream"] == "feed"][ben_col].iloc[0]) * ben_scale
            conc_rows = r[r["stream"] == port]
            if len(conc_rows):
                conc_value = float(conc_rows[ben_col].iloc[0]) * ben_scale
                links.append((node("Ore feed"), node(f"Concentrator ({route})"), feed))
                links.append((node(f"Concentrator ({route})"), node("Concentrate"), conc_value))
                links.append((node(f"Concentrator ({route})"), node("Rejects (tailings)"), max(feed - conc_value, 0)))
        if hyd is not None and not hyd.empty:
            feed_rows = hyd[hyd["stream"].str.endswith("(feed)")]
            h_in = float(feed_rows[hyd_col].iloc[0]) if len(feed_rows) else 0.0
            prods = hyd[hyd["role"].fillna("").astype(str) != ""]
            leach = f"Hydromet ({summary['stages'].get('hydromet', {}).get('leach_route', '')})"
            src = node("Concentrate") if conc_value is not None else node("Concentrate (assay)")
            links.append((src, node(leach), h_in))
            added = float(prods[hyd_col].sum()) - h_in
            if added > 0:
                links.append((node("Reagents and water"), node(leach), added))
            for _, p in prods.iterrows():
                links.append((node(leach), node(str(p["role"])), float(p[hyd_col])))
            sc2o3 = prods[prods["role"].astype(str) == "Sc2O3 product"]
            if len(sc2o3):
                for a, b, v in master_alloy_links(summary, tables, basis, float(sc2o3[hyd_col].sum())):
                    links.append((node(a), node(b), v))
        top = max((lk[2] for lk in links), default=0.0)
        links = [lk for lk in links if lk[2] > 1e-6 * top]  # rounding-level flows (e.g. Sc in reagents) are noise
        used = sorted({i for lk in links for i in lk[:2]})
        remap = {old: new for new, old in enumerate(used)}
        labels[:] = [labels[i] for i in used]
        links = [(remap[a], remap[b], v) for a, b, v in links]
        if links:
            out[basis] = (labels, *map(list, zip(*links, strict=True)), unit)
    cf = tables.get("economics_cashflow")
    if cf is not None and not cf.empty:
        year = cf.loc[cf["revenue_musd"].idxmax()]
        labels = ["Revenue (Sc2O3 + REO)"]
        links = []
        opex = tables.get("economics_opex")
        costs: list[tuple[str, float]] = []
        if opex is not None and not opex.empty and opex["opex_musd_per_yr"].sum() > 0:
            scale = float(year["opex_musd"]) / float(opex["opex_musd_per_yr"].sum())
            costs += [(f"Opex: {r.item.replace('_', ' ')}", float(r.opex_musd_per_yr) * scale)
                      for r in opex.itertuples()]
        else:
            costs.append(("Opex", float(year["opex_musd"])))
        costs += [("Royalty", float(year["royalty_musd"])), ("Québec mining tax", float(year["mining_tax_musd"])),
                  ("Income tax", float(year["income_tax_musd"])),
                  ("Sustaining capex", float(year["sustaining_capex_musd"]))]
        revenue = float(year["revenue_musd"])
        margin = revenue - sum(v for _, v in costs)
        if margin > 0:
            costs.append(("Free cash flow", margin))
        else:
            labels.append("Shortfall (funded)")
            links.append((1, 0, -margin))
        for name, v in costs:
            if v > 0:
                labels.append(name)
                links.append((0, len(labels) - 1, v))
        out["US$"] = (labels, *map(list, zip(*links, strict=True)), f"US$ M in year {int(year['year'])}")
    return out
