"""Conditional simulation benchmark: scandia's randomization-method simulation conditioned by kriging against
GSTools' ``CondSRF`` on the same data, variogram and nodes (issue 17 goal: 100 conditional realisations of 1e5
blocks in <= 60 s on two cores).

Run: ``python benchmarks/bench_simulation.py [--data 10000] [--blocks 100000] [--realisations 100]
[--peer-data 1000] [--peer-nodes 10000] [--peer-realisations 5]``.

- Data: ``--data`` points uniform in a 500 x 500 x 200 m box with standard normal scores; blocks: 10 x 10 x 5 m
  over the box (``--blocks`` rounded to the grid); spherical variogram of the scores, nugget 0.2, sill 0.8,
  ranges 150 / 100 / 50 m; 1000 wave vectors per realisation; 24 nearest data condition each node.
- The goal case, scandia only: ``--realisations`` realisations at one node per block (point support at the
  block centres) and at 2 x 2 x 2 nodes per block (what the SMU average of the resource stage uses), after a
  warm-up call that compiles the kernels.
- Side by side with GSTools 1.7 (``CondSRF`` over ``krige.Ordinary``, randomization method with the same 1000
  modes): GSTools conditions with a global kriging system (no moving neighbourhood), whose set-up grows as the
  cube of the data and whose evaluation is a dense product per target, so the peer case uses ``--peer-data``
  data, the first ``--peer-nodes`` block centres and ``--peer-realisations`` realisations for both; the ratio
  is of the whole run, kriging set-up included.
- Peak resident memory of this process is printed at the end (VmHWM).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from _proc import peak_rss_mib


def _scandia(p: np.ndarray, y: np.ndarray, origin: np.ndarray, step: np.ndarray, idx: np.ndarray, r: int,
             seed: int) -> tuple[float, np.ndarray]:
    from scandia.resource.kriging import Search
    from scandia.resource.simulate import simulate_gaussian
    from scandia.resource.variogram import Variogram

    vg = Variogram("spherical", 0.2, 0.8, (150.0, 100.0, 50.0))
    t0 = time.perf_counter()
    out = simulate_gaussian(p, y, origin, step, idx, vg, Search(24, 4, 2.0), r, np.random.default_rng(seed), 1000)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=int, default=10_000)
    ap.add_argument("--blocks", type=int, default=100_000)
    ap.add_argument("--realisations", type=int, default=100)
    ap.add_argument("--peer-data", type=int, default=1_000)
    ap.add_argument("--peer-nodes", type=int, default=10_000)
    ap.add_argument("--peer-realisations", type=int, default=5)
    a = ap.parse_args()

    rng = np.random.default_rng(0)
    box = np.array([500.0, 500.0, 200.0])
    p = rng.uniform(0, box, (a.data, 3))
    y = rng.standard_normal(a.data)
    block = np.array([10.0, 10.0, 5.0])
    nz = max(1, round(a.blocks / 2500))
    bidx = np.stack(np.meshgrid(np.arange(50), np.arange(50), np.arange(nz), indexing="ij"), -1).reshape(-1, 3)
    n_b = len(bidx)
    centre_origin = block / 2
    _scandia(p, y, centre_origin, block, bidx[:200], 2, 1)   # compile
    s1, f1 = _scandia(p, y, centre_origin, block, bidx, a.realisations, 0)
    sub = np.stack(np.meshgrid(*(np.arange(2),) * 3, indexing="ij"), -1).reshape(-1, 3)
    nidx = (bidx[:, None, :] * 2 + sub[None]).reshape(-1, 3)
    s8, _ = _scandia(p, y, block / 4, block / 2, nidx, a.realisations, 0)
    print(f"data {a.data:,}, blocks {n_b:,} (10 x 10 x 5 m), spherical 150/100/50 m, nugget 0.2, 24 nearest, "
          f"1000 modes")
    print(f"scandia {a.realisations} realisations, 1 node/block ({n_b:,} nodes): {s1:.1f} s, "
          f"{a.realisations * n_b / s1:,.0f} node-realisations/s (goal <= 60 s)")
    print(f"scandia {a.realisations} realisations, 2x2x2 nodes/block ({len(nidx):,} nodes): {s8:.1f} s, "
          f"{a.realisations * len(nidx) / s8:,.0f} node-realisations/s")
    print(f"  check: mean of node scores {f1.mean():+.3f}, variance {f1.var():.3f} (data scores: N(0, 1))")

    import gstools as gs

    q, yq = p[: a.peer_data], y[: a.peer_data]
    pidx = bidx[: a.peer_nodes]
    centres = (pidx + 0.5) * block
    rp = a.peer_realisations
    s_peer, _ = _scandia(q, yq, centre_origin, block, pidx, rp, 0)
    m = gs.Spherical(dim=3, var=0.8, len_scale=[150, 100, 50], nugget=0.2)
    t0 = time.perf_counter()
    krig = gs.krige.Ordinary(m, q.T, yq, exact=True)
    cs = gs.CondSRF(krig, mode_no=1000)
    for seed in range(rp):
        cs(centres.T, seed=seed)
    g_s = time.perf_counter() - t0
    print(f"peer case: {a.peer_data:,} data, {len(pidx):,} nodes, {rp} realisations")
    print(f"  scandia {s_peer:.1f} s ({s_peer / rp:.2f} s/realisation); GSTools CondSRF {g_s:.1f} s "
          f"({g_s / rp:.2f} s/realisation); ratio GSTools / scandia {g_s / s_peer:.1f}x")
    print("  (GSTools conditions with the global neighbourhood, scandia with 24 nearest: the same method, "
          "a different neighbourhood)")
    print(f"peak memory {peak_rss_mib(os.getpid()):,.0f} MiB")


if __name__ == "__main__":
    main()
