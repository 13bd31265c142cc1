"""Pit benchmark: scandia's exact max-closure solver against SciPy's ``maximum_flow`` (Dinic) and, when it is
installed, PyMineFlow (MineFlow's pseudoflow), on the same values and precedences (issue 17 goal: 1e6 blocks
solved exactly, timed side by side).

Run: ``python benchmarks/bench_pit.py [--size 100]``.

Cases: (1) MineFlow's ``bauxitemed`` (374,400 blocks, MIT, tests/data/mineflow), 45-degree minimum search
pattern (17 offsets), published optimum 28,416,592; (2) a synthetic ore body of ``--size``^3 blocks (1e6 at the
default): a lognormal grade field (randomization method) in a dipping lens, values = grade revenue - costs, in
whole units, 1:5 pattern. SciPy needs int32 capacities, so its infinite arcs are Σ|v| + 1 and the case is run only
when that fits below 2^31 (the values here do); its pit is recovered by a breadth-first search of the residual
graph. Each solver's time excludes building its input arrays (printed separately). Peak memory at the end.
"""

from __future__ import annotations

import argparse
import gzip
import os
import time
from pathlib import Path

import numpy as np

from _proc import peak_rss_mib

ROOT = Path(__file__).resolve().parents[1]




def _scipy(v: np.ndarray, ptr: np.ndarray, to: np.ndarray) -> tuple[float, float, int]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    n = v.size
    big = int(np.abs(v).sum() + 1)
    if big >= 2**31:
        return float("nan"), float("nan"), -1
    t0 = time.perf_counter()
    src = np.repeat(np.arange(n), np.diff(ptr))
    rows = np.r_[np.full((v > 0).sum(), n), np.flatnonzero(v < 0), src]
    cols = np.r_[np.flatnonzero(v > 0), np.full((v < 0).sum(), n + 1), to]
    caps = np.r_[v[v > 0], -v[v < 0], np.full(src.size, big)].astype(np.int32)
    g = csr_matrix((caps, (rows, cols)), shape=(n + 2, n + 2))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    flow = maximum_flow(g, n, n + 1, method="dinic").flow_value
    return build, time.perf_counter() - t0, int(v[v > 0].sum() - flow)


def _mineflow(v: np.ndarray, shape: tuple[int, int, int], pattern: str, benches: int) -> tuple[float, int] | None:
    try:
        from pymineflow import Pit
    except ImportError:
        return None
    nx, ny, nz = shape
    xfast = v.reshape(shape).transpose(2, 1, 0).ravel()   # PyMineFlow: x fastest, z up
    t0 = time.perf_counter()
    _, value, _, _ = Pit(nx, ny, nz, xfast, pattern=pattern, slope_deg=45.0, n_benches=benches).solve()
    return time.perf_counter() - t0, int(value)


def _case(name: str, v: np.ndarray, shape: tuple[int, int, int], benches: int, mf_pattern: str,
          mf_benches: int, known: int | None) -> None:
    from scandia.resource.pit import precedence_offsets, precedences, ultimate_pit

    t0 = time.perf_counter()
    ptr, to = precedences(shape, precedence_offsets((1, 1, 1), 45.0, benches))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = ultimate_pit(v, ptr, to)
    t_ours = time.perf_counter() - t0
    print(f"{name}: {v.size:,} blocks, {to.size:,} arcs (built in {build:.2f} s)")
    tag = "" if known is None else (" = published" if ours.value == known else f" != published {known:,}")
    print(f"  scandia push-relabel: {t_ours:.2f} s, value {ours.value:,}{tag}, {ours.blocks:,} blocks")
    sb, st, sv = _scipy(v, ptr, to)
    if sv >= 0:
        print(f"  SciPy maximum_flow (dinic): {st:.2f} s (+ {sb:.2f} s to build), value {sv:,} "
              f"({'same' if sv == ours.value else 'DIFFERENT'}); ratio SciPy / scandia {st / t_ours:.2f}x")
    else:
        print("  SciPy maximum_flow: skipped, capacities exceed 2^31")
    mf = _mineflow(v, shape, mf_pattern, mf_benches)
    if mf is None:
        print("  PyMineFlow: not installed (pip install pymineflow to compare)")
    else:
        print(f"  PyMineFlow: {mf[0]:.2f} s, value {mf[1]:,} ({'same' if mf[1] == ours.value else 'DIFFERENT'}); "
              f"ratio PyMineFlow / scandia {mf[0] / t_ours:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100)
    a = ap.parse_args()
    from scandia.resource.fields import exponential_field
    from scandia.resource.pit import precedence_offsets, precedences, ultimate_pit

    ultimate_pit(np.array([1, -1]), *precedences((1, 1, 2), precedence_offsets((1, 1, 1), 45.0)))  # compile
    with gzip.open(ROOT / "tests" / "data" / "mineflow" / "bauxitemed.dat.gz", "rt") as f:
        b = np.loadtxt(f, dtype=np.int64)
    _case("bauxitemed (MineFlow)", b.reshape(26, 120, 120).transpose(2, 1, 0).ravel(), (120, 120, 26), 7,
          "minsearch", 8, 28_416_592)
    L = a.size
    shape = (L, L, L)
    idx = np.stack(np.meshgrid(*(np.arange(L),) * 3, indexing="ij"), axis=-1).reshape(-1, 3).astype(float)
    y = exponential_field(np.random.default_rng(0), 500)(idx / np.array([20.0, 12.0, 6.0]))
    lens = np.abs((idx[:, 0] - L / 2) * 0.3 + (idx[:, 2] - 0.7 * L)) < 0.12 * L
    grade = np.where(lens, 3.0, 0.4) * np.exp(0.6 * y - 0.18)
    v = np.where(grade > 1.0, np.rint(100 * (grade - 1.0)).astype(np.int64), -30)
    _case(f"synthetic lens ({L}^3)", v, shape, 1, "1:5", 1, None)
    print(f"peak memory {peak_rss_mib(os.getpid()):,.0f} MiB")


if __name__ == "__main__":
    main()
