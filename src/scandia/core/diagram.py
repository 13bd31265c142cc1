"""Flowsheet diagrams: numbered streams, recycles and tears marked, drawn as offline SVG by scandia's own layout.

The layout is a layered drawing after Sugiyama, Tagawa & Toda (1981), "Methods for visual understanding of
hierarchical system structures", IEEE Trans. SMC 11(2):109-125:

1. the recycle edges (the declared tear streams, and any edge that would close a loop) are set aside, so the
   rest is acyclic;
2. each unit goes to the layer of its longest path from a feed (feeds on layer 0, products one layer after their
   unit);
3. within each layer, units are ordered by the barycentre of their neighbours, sweeping down and up a few times
   (the barycentre heuristic of the same paper), which keeps crossings few;
4. forward streams are drawn left to right as curves; recycle streams return under the drawing, dashed.

Stream numbers come from :func:`stream_numbers`: feeds first, then every unit outlet in solving order. The
stream tables use the same numbers, so a number on the diagram finds its row. No layout engine outside the
package is needed (no Graphviz), so a diagram renders wherever ``make demo`` ran.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

__all__ = ["FlowGraph", "chain_graph", "flowsheet_svg", "graph_from_dict", "graph_to_dict", "stream_numbers"]


@dataclass
class FlowGraph:
    """The structure of a flowsheet: units in solving order with their ports, connections, tears, and the
    labels of its feeds and products (``{"unit.port": "what it is"}``)."""

    name: str
    units: list[str]
    inlets: dict[str, tuple[str, ...]]
    outlets: dict[str, tuple[str, ...]]
    links: dict[str, str]  #: inlet "unit.port" -> source outlet "unit.port"
    tears: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def feeds(self) -> list[str]:
        """Inlets fed from outside (in unit order)."""
        return [f"{u}.{p}" for u in self.units for p in self.inlets[u] if f"{u}.{p}" not in self.links]

    @property
    def products(self) -> list[str]:
        """Outlets that leave the flowsheet (in unit order)."""
        used = set(self.links.values())
        return [f"{u}.{p}" for u in self.units for p in self.outlets[u] if f"{u}.{p}" not in used]

    def destination(self, port: str) -> str:
        """The unit an outlet feeds, or ``(leaves)`` for a product or waste."""
        for target, source in self.links.items():
            if source == port:
                return target.split(".")[0]
        return "(leaves)"

    def _repr_svg_(self) -> str:  # the notebook shows the diagram
        return flowsheet_svg(self)


def stream_numbers(graph: FlowGraph) -> dict[str, int]:
    """Stream number of every feed inlet and every unit outlet: feeds first, then outlets in solving order."""
    ports = [*graph.feeds, *(f"{u}.{p}" for u in graph.units for p in graph.outlets[u])]
    return {p: i + 1 for i, p in enumerate(ports)}


def graph_to_dict(graph: FlowGraph) -> dict:
    """The graph as JSON-ready data (it travels in the run summary, so a report drawn later has it)."""
    return {"name": graph.name, "units": list(graph.units), "inlets": {u: list(v) for u, v in graph.inlets.items()},
            "outlets": {u: list(v) for u, v in graph.outlets.items()}, "links": dict(graph.links),
            "tears": sorted(graph.tears), "labels": dict(graph.labels)}


def graph_from_dict(data: dict) -> FlowGraph:
    """Inverse of :func:`graph_to_dict`."""
    return FlowGraph(str(data["name"]), list(data["units"]), {u: tuple(v) for u, v in data["inlets"].items()},
                     {u: tuple(v) for u, v in data["outlets"].items()}, dict(data["links"]), set(data["tears"]),
                     dict(data.get("labels", {})))


def chain_graph(product: str = "sc2o3") -> FlowGraph:
    """The chain as stages: ore to concentrate (beneficiation), concentrate to Sc2O3 and mixed REO (hydromet),
    Sc2O3 to Al-Sc master alloy and castings (alloy); ``product`` is what economics sells (``sc2o3``,
    ``master_alloy`` or ``mix``)."""
    units = ["beneficiation", "hydromet", "alloy"]
    inlets = {"beneficiation": ("ore",), "hydromet": ("concentrate",), "alloy": ("sc2o3",)}
    outlets = {"beneficiation": ("concentrate", "tailings"), "hydromet": ("sc2o3", "reo", "residues"),
               "alloy": ("master_alloy",)}
    links = {"hydromet.concentrate": "beneficiation.concentrate", "alloy.sc2o3": "hydromet.sc2o3"}
    labels = {"beneficiation.ore": "ore (plant feed)", "beneficiation.tailings": "tailings",
              "hydromet.reo": "mixed REO (sold)", "hydromet.residues": "residues and effluent",
              "alloy.master_alloy": "Al-Sc master alloy" + (" (sold)" if product in ("master_alloy", "mix") else "")}
    if product in ("sc2o3", "mix"):  # Sc2O3 sold as well: a split before the alloy stage
        outlets["hydromet"] = ("sc2o3", "sc2o3_sold", "reo", "residues")
        labels["hydromet.sc2o3_sold"] = "Sc2O3 (sold)"
    return FlowGraph("chain", units, inlets, outlets, links, set(), labels)


# drawing constants, px
_DX, _DY, _W, _H, _M = 170, 64, 118, 34, 30


def _layout(graph: FlowGraph) -> tuple[dict[str, tuple[float, float]], list[tuple[str, str, str, bool]]]:
    """Node positions (centre x, y) and edges (source node, target node, stream port, is_recycle)."""
    nodes = [*(f"in:{f}" for f in graph.feeds), *graph.units, *(f"out:{p}" for p in graph.products)]
    edges: list[tuple[str, str, str, bool]] = []
    for f in graph.feeds:
        edges.append((f"in:{f}", f.split(".")[0], f, False))
    pos_in_order = {u: i for i, u in enumerate(graph.units)}
    for target, source in graph.links.items():
        su, tu = source.split(".")[0], target.split(".")[0]
        # a tear, or an edge against the solving order, closes a loop: drawn as a recycle
        back = source in graph.tears or pos_in_order[tu] <= pos_in_order[su]
        edges.append((su, tu, source, back))
    for p in graph.products:
        edges.append((p.split(".")[0], f"out:{p}", p, False))
    # layers: longest path over the forward edges (their graph is acyclic: they follow the solving order)
    layer = dict.fromkeys(nodes, 0)
    fwd = [(a, b) for a, b, _, back in edges if not back]
    for _ in range(len(nodes)):  # relax in node order until stable (at most |V| passes)
        changed = False
        for a, b in fwd:
            if layer[b] < layer[a] + 1:
                layer[b] = layer[a] + 1
                changed = True
        if not changed:
            break
    for f in graph.feeds:  # a feed sits just before its unit
        layer[f"in:{f}"] = layer[f.split(".")[0]] - 1
    rows: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        rows[layer[n]].append(n)
    nbrs: dict[str, list[str]] = defaultdict(list)
    for a, b, _, _ in edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    levels = sorted(rows)
    rank = {n: i for lv in levels for i, n in enumerate(rows[lv])}
    for sweep in range(6):  # barycentre ordering, alternately downward and upward
        seq = levels if sweep % 2 == 0 else levels[::-1]
        for lv in seq:
            def bary(n: str) -> float:
                near = [rank[m] for m in nbrs[n] if abs(layer[m] - layer[n]) == 1]
                return sum(near) / len(near) if near else rank[n]
            rows[lv].sort(key=bary)
            rank.update({n: i for i, n in enumerate(rows[lv])})
    height = max(len(r) for r in rows.values())
    lo = min(levels)
    pos = {}
    for lv in levels:
        off = (height - len(rows[lv])) * _DY / 2
        for i, n in enumerate(rows[lv]):
            pos[n] = (_M + _W / 2 + (lv - lo) * _DX, _M + 30 + _H / 2 + off + i * _DY)
    return pos, edges


def flowsheet_svg(graph: FlowGraph, title: str | None = None) -> str:
    """The flowsheet as a standalone SVG: units as boxes, feeds and products as labelled ends, every stream with
    its number (:func:`stream_numbers`), recycle and tear streams dashed under the drawing."""
    pos, edges = _layout(graph)
    num = stream_numbers(graph)
    width = max(x for x, _ in pos.values()) + _W / 2 + _M
    bottom = max(y for _, y in pos.values()) + _H / 2
    n_back = sum(1 for *_, back in edges if back)
    height = bottom + 24 + 14 * n_back + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#444"/></marker>'
           '<marker id="arrowr" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#b5651d"/></marker></defs>',
           f'<text x="{_M}" y="{_M}" font-size="14" font-weight="bold">{escape(title or graph.name)}</text>']
    labels: list[str] = []
    k = 0
    for a, b, port, back in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        n = num[port]
        if not back:
            x0, x1 = xa + (_W / 2 if not a.startswith("in:") else 30), xb - (_W / 2 if not b.startswith("out:") else 45)
            mx = (x0 + x1) / 2
            out.append(f'<path d="M{x0:.1f},{ya:.1f} C{mx:.1f},{ya:.1f} {mx:.1f},{yb:.1f} {x1:.1f},{yb:.1f}" '
                       f'fill="none" stroke="#444" stroke-width="1.2" marker-end="url(#arrow)"/>')
            lx, ly = mx, (ya + yb) / 2
            color = "#444"
        else:  # a recycle: out to the gap after the source, under the drawing, up the gap before the target
            k += 1
            yb_low = bottom + 12 + 14 * k
            gap = (_DX - _W) / 2
            x0, x1 = xa + _W / 2 + gap - 4 + 3 * k % 9, xb - _W / 2 - gap + 4 - 3 * k % 9
            out.append(f'<path d="M{xa + _W / 2:.1f},{ya + 6:.1f} L{x0:.1f},{ya + 6:.1f} L{x0:.1f},{yb_low:.1f} '
                       f'L{x1:.1f},{yb_low:.1f} L{x1:.1f},{yb + 6:.1f} L{xb - _W / 2:.1f},{yb + 6:.1f}" '
                       f'fill="none" stroke="#b5651d" stroke-width="1.2" stroke-dasharray="5,3" '
                       f'marker-end="url(#arrowr)"/>')
            lx, ly = (x0 + x1) / 2, yb_low
            color = "#b5651d"
        tear = " tear" if port in graph.tears else ""
        tip = f"{n}: {port}{tear}" + (f" ({graph.labels[port]})" if port in graph.labels else "")
        labels.append(f'<g><title>{escape(tip)}</title><circle cx="{lx:.1f}" cy="{ly:.1f}" r="9" fill="white" '
                      f'stroke="{color}"/><text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" '
                      f'fill="{color}" class="stream-number">{n}</text></g>')
    for node, (x, y) in pos.items():
        if node.startswith("in:"):
            port = node[3:]
            out.append(f'<text x="{x + 26:.1f}" y="{y - 6:.1f}" text-anchor="end" fill="#1f5fa0">'
                       f'{escape(graph.labels.get(port, port))}</text>')
        elif node.startswith("out:"):
            port = node[4:]
            text = graph.labels.get(port, port.split(".", 1)[1])
            out.append(f'<rect x="{x - 45:.1f}" y="{y - 11:.1f}" width="{_W + 10:.0f}" height="22" rx="11" '
                       f'fill="#eef6ee" stroke="#4a8a4a"/><text x="{x - 38:.1f}" y="{y + 4:.1f}" '
                       f'fill="#235a23">{escape(text[:22])}<title>{escape(port)}: {escape(text)}</title></text>')
        else:
            out.append(f'<rect x="{x - _W / 2:.1f}" y="{y - _H / 2:.1f}" width="{_W}" height="{_H}" rx="5" '
                       f'fill="#f4f7fb" stroke="#345" class="unit"/><text x="{x:.1f}" y="{y + 4:.1f}" '
                       f'text-anchor="middle" font-weight="bold">{escape(node.replace("_", " "))}</text>')
    out += labels
    ly = height - 14
    out.append(f'<text x="{_M}" y="{ly:.0f}" fill="#555">numbered streams match the stream table; '
               '<tspan fill="#b5651d">dashed: recycle (tear streams are where the solver cuts the loop)</tspan>'
               '</text>')
    out.append("</svg>")
    return "\n".join(out)
