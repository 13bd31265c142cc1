"""The period schedule of nested pit shells (issue 17 item 4): capacities, precedences and mass balance."""

from __future__ import annotations

import numpy as np
import pytest

from scandia.resource.estimate import BlockGrid
from scandia.resource.mine import mine_settings, pit_shells
from scandia.resource.pit import precedence_offsets, precedences
from scandia.resource.schedule import best_shell, schedule_shell

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def shells():
    """A 30 x 30 x 12 model of 10 m blocks: a lognormal lens of ore under waste at 20 g/t Sc2O3."""
    grid = BlockGrid((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (30, 30, 12))
    c = grid.centres()
    rng = np.random.default_rng(3)
    lens = (np.abs(c[:, 0] - 150) < 80) & (np.abs(c[:, 1] - 150) < 60) & (c[:, 2] < 80)
    grade = np.where(lens, rng.lognormal(np.log(250), 0.4, grid.n), rng.lognormal(np.log(20), 0.5, grid.n))
    s = dict(mine_settings())
    s["price_factors"] = {"value": [0.5, 1.0, 1.5]}
    s["mining_capacity_t_per_year"] = {"value": 1.5e6}
    return pit_shells(grid, grade, np.full(grid.n, 2700.0), 0.65, 3000.0, top_m=120.0, settings=s), c, s


def test_schedule_respects_capacities_precedence_and_balance(shells):
    """Every year: material moved within the fleet's capacity (plus one block), feed within the mill's year; a
    block is never mined before a block it requires; all ore mined is fed by the end (nothing left in the
    stockpile), and the feed's metal equals the ore's."""
    ps, c, s = shells
    mill = 2350.0 * 182.5
    cut = 150.0
    plan = schedule_shell(ps, 1, c[:, 2], s, mill_cutoff_sc2o3_g_per_t=cut)
    t = plan.table
    assert np.all(t["mined_t"] <= 1.5e6 + 2700.0 + 1e-6)
    assert np.all(t["feed_t"] <= mill + 1e-6)
    assert t["stockpile_t"].iloc[-1] == pytest.approx(0.0, abs=1e-6)
    assert t["feed_t"].sum() == pytest.approx(t["ore_mined_t"].sum(), rel=1e-12)
    ore = ps.economics.is_ore(1.0) & (plan.year_mined >= 0)
    metal = float((ps.economics.tonnes[ore] * ps.economics.grade_sc2o3_g_per_t[ore]).sum())
    fed = float((t["feed_t"] * t["feed_sc2o3_g_per_t"].fillna(0.0)).sum())
    assert fed == pytest.approx(metal, rel=1e-9)
    ptr, to = precedences((30, 30, 12), precedence_offsets((10, 10, 10), 45.0, 4))
    src = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    mined = plan.year_mined[src] >= 0
    assert np.all(plan.year_mined[to][mined] >= 0)                         # required blocks are mined
    assert np.all(plan.year_mined[to][mined] <= plan.year_mined[src][mined])   # and not later
    pos = np.empty(ps.economics.tonnes.size, dtype=np.int64)
    pos[plan.order] = np.arange(plan.order.size)
    assert np.all(pos[to][mined] < pos[src][mined])                         # and earlier in the order


def test_best_shell_picks_the_highest_npv(shells):
    """The chosen plan's NPV is the largest of the pit-by-pit table, and at least that of every shell at the
    NSR cut-off alone; a higher discount rate lowers it."""
    ps, c, s = shells
    best, table = best_shell(ps, c[:, 2], s, cutoff_steps=3)
    assert best.npv_musd == pytest.approx(table["npv_musd"].max())
    for i in table["shell"]:
        assert best.npv_musd >= schedule_shell(ps, int(i), c[:, 2], s).npv_musd - 1e-9
    assert schedule_shell(ps, best.shell, c[:, 2], s, 0.15, best.mill_cutoff_sc2o3_g_per_t).npv_musd < best.npv_musd
