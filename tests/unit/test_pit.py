"""Ultimate and nested pits by max-flow (issue 17 item 4): exact optima on cases with a known answer."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from scandia.core import ScenarioError
from scandia.resource.pit import nested_pits, precedence_offsets, precedences, required_by, ultimate_pit

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "mineflow"


def _lerchs_grossmann_2d(values: np.ndarray) -> int:
    """The 2-D optimum by Lerchs & Grossmann's dynamic programme (CIM Bull. 58 (1965) 47) for 45-degree slopes on
    square blocks: a pit is a depth per column changing by at most one between neighbours; the best total of the
    column prefix sums over such profiles. ``values`` (nx, nz) with z up."""
    nx = values.shape[0]
    cum = np.concatenate([np.zeros((nx, 1)), np.cumsum(values[:, ::-1], axis=1)], axis=1)  # depth h from top
    best = cum[0].copy()
    for j in range(1, nx):
        pad = np.r_[-np.inf, best, -np.inf]
        best = np.maximum(np.maximum(pad[:-2], pad[1:-1]), pad[2:]) + cum[j]
    return int(best.max())


def _mineflow(name: str, shape: tuple[int, int, int]) -> np.ndarray:
    with gzip.open(DATA / f"{name}.dat.gz", "rt") as f:
        v = np.loadtxt(f, dtype=np.int64)
    nx, ny, nz = shape
    return v.reshape(nz, ny, nx).transpose(2, 1, 0).ravel()   # MineFlow: x fastest; ours: z fastest


def test_2d_pits_equal_the_lerchs_grossmann_dynamic_programme():
    """300 random 2-D sections (2-40 columns, 1-20 levels, integer values of both signs): the max-flow optimum equals
    the exact 2-D dynamic programme, to the unit."""
    rng = np.random.default_rng(0)
    offs = precedence_offsets((10, 10, 10), 45.0)
    two_d = offs[offs[:, 1] == 0]
    for _ in range(300):
        nx, nz = int(rng.integers(2, 40)), int(rng.integers(1, 20))
        v = rng.integers(-10, 6, (nx, 1, nz)) * int(rng.integers(1, 1000))
        ptr, to = precedences((nx, 1, nz), two_d)
        assert ultimate_pit(v.ravel(), ptr, to).value == _lerchs_grossmann_2d(v[:, 0, :])


def test_3d_pits_equal_scipy_maximum_flow():
    """Random 3-D models up to 12^3 with the 1:5 pattern: pit value = sum of positive values - SciPy's max flow
    (Dinic, int32 capacities, exact at these sizes)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    rng = np.random.default_rng(1)
    offs = precedence_offsets((10, 10, 10), 45.0)
    for _ in range(30):
        shape = tuple(int(x) for x in rng.integers(2, 12, 3))
        n = int(np.prod(shape))
        v = rng.integers(-20, 8, n).astype(np.int64)
        ptr, to = precedences(shape, offs)
        src = np.repeat(np.arange(n), np.diff(ptr))
        rows = np.r_[np.full((v > 0).sum(), n), np.flatnonzero(v < 0), src]
        cols = np.r_[np.flatnonzero(v > 0), np.full((v < 0).sum(), n + 1), to]
        caps = np.r_[v[v > 0], -v[v < 0], np.full(src.size, np.abs(v).sum() + 1)].astype(np.int32)
        flow = maximum_flow(csr_matrix((caps, (rows, cols)), shape=(n + 2, n + 2)), n, n + 1).flow_value
        res = ultimate_pit(v, ptr, to)
        assert res.value == v[v > 0].sum() - flow
        assert not np.any(res.in_pit[src] & ~res.in_pit[to])   # a closure


def test_mineflow_published_optima():
    """MineFlow's data sets (MIT; tests/data/mineflow/NOTICE.md) and the optima its own tests state: Sim2D76 with
    2-D 45-degree precedences, 295,932 in 945 blocks (946 in the largest pit); BauxiteMed with the 45-degree
    minimum search pattern (MineFlow's "8" = offsets up to 7 benches up: 17 offsets, 5,349,104 arcs, as in
    Deutsch et al. 2022, Table 2), 28,416,592 in 74,412 blocks."""
    v = _mineflow("sim2d76", (75, 1, 40))
    offs = precedence_offsets((1, 1, 1), 45.0)
    ptr, to = precedences((75, 1, 40), offs[offs[:, 1] == 0])
    assert (ultimate_pit(v, ptr, to).value, ultimate_pit(v, ptr, to).blocks) == (295_932, 946)
    assert ultimate_pit(v, ptr, to, smallest=True).blocks == 945
    v = _mineflow("bauxitemed", (120, 120, 26))
    offs = precedence_offsets((1, 1, 1), 45.0, benches=7)
    assert len(offs) == 17
    ptr, to = precedences((120, 120, 26), offs)
    assert to.size == 5_349_104
    res = ultimate_pit(v, ptr, to, smallest=True)
    assert (res.value, res.blocks) == (28_416_592, 74_412)


def test_oreblocks_stamped_optimum():
    """oreblocks 0.6 (MIT) generates a porphyry-like model with its exact optimum stamped (its own exact
    max-flow, on its 1:9 precedences, given here as CSR): our pit on the same precedences is the same set of
    blocks, and its value equals the stamped one within the rounding of the values to 1e-3 (2,642 blocks)."""
    from oreblocks import make_twin

    twin = make_twin("porphyry", dims=(20, 20, 10), seed=42)
    v = np.rint(np.asarray(twin.values) * 1000).astype(np.int64)
    res = ultimate_pit(v, np.asarray(twin.precedence.pstart), np.asarray(twin.precedence.plist))
    assert np.array_equal(res.in_pit, np.asarray(twin.upit.in_pit))
    assert res.value / 1000 == pytest.approx(twin.upit.pit_value, abs=0.0005 * twin.upit.n_in_pit)


def test_nested_pits_are_nested_and_each_is_optimal():
    """Pits for price factors 0.4-1.6 on a random ore body: nested, growing with the factor, each equal in value to
    an independent ultimate-pit solve of the whole model at its factor; a sample picks the largest factor not
    above its own."""
    rng = np.random.default_rng(2)
    shape = (30, 30, 15)
    n = int(np.prod(shape))
    iz = np.unravel_index(np.arange(n), shape)[2]
    ore = rng.random(n) < 0.15 * (1 - iz / 15)
    revenue = np.where(ore, rng.uniform(50, 400, n), 0.0)
    cost = np.where(ore, 60.0, 10.0)
    ptr, to = precedences(shape, precedence_offsets((10, 10, 10), 45.0))
    factors = np.array([0.4, 0.7, 1.0, 1.3, 1.6])
    nest = nested_pits(lambda f: np.rint(f * revenue - cost), ptr, to, factors)
    sizes = [nest.pit(i).sum() for i in range(factors.size)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    for i in range(factors.size - 1):
        assert not np.any(nest.pit(i) & ~nest.pit(i + 1))
    for i, f in enumerate(factors):  # the bisection's solves between two pits give the whole model's pit
        whole = ultimate_pit(np.rint(f * revenue - cost), ptr, to)
        assert nest.values[i] == whole.value and np.array_equal(nest.pit(i), whole.in_pit)
    assert nest.shell_for(np.array([0.3, 0.4, 1.1, 9.0])).tolist() == [-1, 0, 2, 4]
    with pytest.raises(ScenarioError, match="decrease"):
        nested_pits(lambda f: np.rint(-f * revenue), ptr, to, factors)


def test_required_by_is_the_smallest_closure_holding_the_seeds():
    """The upward cones of seed blocks: a closure (no precedence leaves it), holding the seeds, and no larger than
    the union of each seed's own cone found by a plain per-seed search."""
    shape = (12, 12, 6)
    ptr, to = precedences(shape, precedence_offsets((10, 10, 10), 45.0, 2))
    seed = np.zeros(int(np.prod(shape)), dtype=bool)
    seed[[np.ravel_multi_index((6, 6, 5), shape), np.ravel_multi_index((1, 2, 3), shape)]] = True
    got = required_by(seed, ptr, to)
    src = np.repeat(np.arange(seed.size), np.diff(ptr))
    assert not np.any(got[src] & ~got[to]) and np.all(got[seed])
    want = seed.copy()
    stack = list(np.flatnonzero(seed))
    while stack:
        u = stack.pop()
        for w in to[ptr[u]:ptr[u + 1]]:
            if not want[w]:
                want[w] = True
                stack.append(w)
    assert np.array_equal(got, want)


def test_precedence_patterns_and_bad_input():
    """45 degrees on cubes, one bench: the 1:5 cross; 2:1 blocks (twice as wide as high) at 45 degrees: only the
    block above; bad slopes, bench counts and values are one-line errors."""
    assert sorted(map(tuple, precedence_offsets((10, 10, 10), 45.0)[:, :2].tolist())) == \
        [(-1, 0), (0, -1), (0, 0), (0, 1), (1, 0)]
    assert precedence_offsets((20, 20, 10), 45.0).tolist() == [[0, 0, 1]]
    with pytest.raises(ScenarioError, match="slope"):
        precedence_offsets((10, 10, 10), 95.0)
    with pytest.raises(ScenarioError, match="benches"):
        precedence_offsets((10, 10, 10), 45.0, benches=0)
    ptr, to = precedences((2, 2, 2), precedence_offsets((10, 10, 10), 45.0))
    with pytest.raises(ScenarioError, match="finite"):
        ultimate_pit(np.full(8, np.nan), ptr, to)


def test_a_single_column_where_the_path_to_t_passes_every_block():
    """A column of k blocks, ore at the bottom worth V, waste of -1 above: mine all k when V > k - 1, else nothing
    (the longest residual path to t runs through every block, so a label bound of n would cut it off: a bug this
    case found)."""
    for k in (2, 3, 7):
        ptr, to = precedences((1, 1, k), precedence_offsets((1, 1, 1), 45.0))
        for worth, mined in ((k, k), (k - 2, 0)):
            v = np.r_[worth, -np.ones(k - 1)].astype(np.int64)
            res = ultimate_pit(v, ptr, to, smallest=True)
            assert res.blocks == mined and res.value == (worth - (k - 1) if mined else 0)
