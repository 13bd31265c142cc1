"""Flowsheet diagrams (scandia.core.diagram): every stream drawn once with the stream table's number, recycles
marked, no layout engine outside the package."""

from __future__ import annotations

import re

import pytest

from scandia.core.diagram import FlowGraph, chain_graph, flowsheet_svg, graph_from_dict, graph_to_dict, stream_numbers
from scandia.core.flowsheet import Flowsheet
from scandia.core.units import Mixer, Splitter


def _numbers_drawn(svg: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="stream-number">(\d+)<', svg)]


@pytest.fixture()
def loop() -> FlowGraph:
    """mix -> split, split.product back to mix (a tear), split.rest leaves; a second splitter after it."""
    fs = Flowsheet("loop")
    fs.add("mix", Mixer(2)).add("split", Splitter(0.5)).add("cut", Splitter(0.3))
    fs.connect("mix.product", "split.feed").connect("split.product", "mix.in1").connect("split.rest", "cut.feed")
    fs.tear("split.product")
    return fs.graph({"mix.in0": "fresh feed"})


def test_numbers_cover_feeds_then_outlets_in_solving_order(loop):
    """Feeds first (1), then each unit's outlets in solving order: mix.product 2, split.product 3, split.rest 4,
    cut.product 5, cut.rest 6; contiguous, none twice."""
    assert stream_numbers(loop) == {"mix.in0": 1, "mix.product": 2, "split.product": 3, "split.rest": 4,
                                    "cut.product": 5, "cut.rest": 6}


def test_every_stream_is_drawn_once_and_the_tear_is_dashed(loop):
    svg = flowsheet_svg(loop)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert sorted(_numbers_drawn(svg)) == list(range(1, 7))
    assert svg.count('stroke-dasharray="5,3"') == 1  # the one recycle
    assert "split.product tear" in svg  # its hover title says it is the tear
    assert "fresh feed" in svg


def test_graph_round_trips_through_json(loop):
    import json

    back = graph_from_dict(json.loads(json.dumps(graph_to_dict(loop))))
    assert back == loop


def test_chain_graph_names_the_products_sold():
    """With product master_alloy the Sc2O3 goes to the alloy stage only; with mix it is also sold."""
    alone = flowsheet_svg(chain_graph("master_alloy"))
    mixed = flowsheet_svg(chain_graph("mix"))
    assert "Sc2O3 (sold)" not in alone and "Sc2O3 (sold)" in mixed
    assert "Al-Sc master alloy (sold)" in alone


def test_hydromet_diagram_numbers_match_its_stream_table():
    """The default run's hydromet diagram carries exactly the numbers of its stream table, and its recycles are
    the flowsheet's two tear streams (SX scrub liquor and stripped organic)."""
    import scandia
    from scandia.report.html import stage_diagrams

    r = scandia.run("crater-lake", stage=None)
    svgs = stage_diagrams(r.summary)
    assert set(svgs) == {"chain", "beneficiation", "hydromet"}
    table = r.stream_table("hydromet")
    assert sorted(_numbers_drawn(svgs["hydromet"])) == sorted(table["no"].tolist())
    assert table["no"].tolist() == list(range(1, len(table) + 1))
    graph = graph_from_dict(r.summary["stages"]["hydromet"]["flowsheet"])
    assert graph.tears == {"strip.organic", "scrub.liquor"}
    ben = r.stream_table("beneficiation")
    assert sorted(_numbers_drawn(svgs["beneficiation"])) == sorted(ben["no"].tolist())


def test_hydromet_stream_table_phases_and_concentrations():
    """Issue 15 item 2 (part): by phase, solids + liquor + organic is the stream's mass less its gas; % solids in
    [0, 100]; every stream has a from or a to; the PLS Sc concentration of the table equals the stage's own
    pls_sc_mg_per_l metric (computed separately, per litre of PLS water)."""
    import numpy as np

    import scandia

    r = scandia.run("crater-lake")
    t = r.stream_table("hydromet")
    phases = t["solids_tph"] + t["liquor_tph"] + t["organic_tph"]
    assert np.all(phases <= t["mass_tph"] * (1 + 1e-12) + 1e-15)
    pct = t["solids_pct"].dropna()
    assert ((pct >= 0) & (pct <= 100)).all()
    assert ((t["from"] != "") | (t["to"] != "")).all()
    pls = t.loc[t["stream"] == "ccd.pls", "sc_liquor_mg_per_l_water"].item()
    assert pls == pytest.approx(float(r.hydromet.metrics["pls_sc_mg_per_l"][0]), rel=1e-6)
