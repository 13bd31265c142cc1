"""Kriging benchmark: scandia's moving-neighbourhood ordinary block kriging against GSTools' ordinary kriging on
the same data and variogram (issue 17 goal: 1e5 blocks from 1e4 composites at least 10x faster).

Run: ``python benchmarks/bench_kriging.py [--data 10000] [--blocks 100000] [--gstools-targets 100000]``.

- Data: ``--data`` points uniform in a 500 x 500 x 200 m box with lognormal values; blocks: a regular grid of
  10 x 10 x 5 m blocks over the box (``--blocks`` rounded to the grid); spherical variogram, nugget 0.05, sill
  0.2, ranges 150 / 100 / 50 m.
- scandia: block kriging (24 nearest, 4 x 4 x 2 discretisation) and point kriging (24 nearest) at the block
  centres, after one warm-up call that compiles the kernels (compile time printed separately).
- GSTools 1.7 ``krige.Ordinary`` (``exact=True``): a global neighbourhood (GSTools has no moving search, issue
  #99) and no block support, so it is timed as point kriging at the block centres. Its kriging matrix is
  inverted once and applied to targets in chunks; with ``--gstools-targets`` below ``--blocks`` only that
  many targets are kriged and the time is extrapolated linearly in targets (stated in the output), the matrix
  set-up being paid in full.
- Peak resident memory of this process is printed at the end (VmHWM).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from _proc import peak_rss_mib


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=int, default=10_000)
    ap.add_argument("--blocks", type=int, default=100_000)
    ap.add_argument("--gstools-targets", type=int, default=100_000)
    a = ap.parse_args()

    from scandia.resource.kriging import Search, krige
    from scandia.resource.variogram import Variogram

    rng = np.random.default_rng(0)
    box = np.array([500.0, 500.0, 200.0])
    p = rng.uniform(0, box, (a.data, 3))
    z = rng.lognormal(0.0, 0.5, a.data)
    nz = max(1, round(a.blocks / 2500))  # 50 x 50 blocks per 5 m level
    centres = np.stack(np.meshgrid(np.arange(5, 500, 10.0), np.arange(5, 500, 10.0), np.arange(nz) * 5.0 + 2.5,
                                   indexing="ij"), axis=-1).reshape(-1, 3)
    vg = Variogram("spherical", nugget=0.05, sill=0.2, ranges_m=(150, 100, 50))
    t0 = time.perf_counter()
    krige(p, z, centres[:100], vg, Search(max_samples=24, radius=2.0), block_m=(10, 10, 5), discretisation=(4, 4, 2))
    krige(p, z, centres[:100], vg, Search(max_samples=24, radius=2.0))
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    blk = krige(p, z, centres, vg, Search(max_samples=24, radius=2.0), block_m=(10, 10, 5), discretisation=(4, 4, 2))
    block_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pt = krige(p, z, centres, vg, Search(max_samples=24, radius=2.0))
    point_s = time.perf_counter() - t0
    print(f"data {a.data:,}, blocks {len(centres):,} (10 x 10 x 5 m), spherical 150/100/50 m, 24 nearest")
    print(f"scandia compile + warm-up: {compile_s:.1f} s")
    print(f"scandia block kriging (4x4x2): {block_s:.2f} s, {len(centres) / block_s:,.0f} blocks/s, "
          f"{int(blk.estimated.sum()):,} estimated")
    print(f"scandia point kriging:         {point_s:.2f} s, {len(centres) / point_s:,.0f} points/s")

    import gstools as gs

    m = gs.Spherical(dim=3, var=0.2, len_scale=[150, 100, 50], nugget=0.05)
    n_t = min(a.gstools_targets, len(centres))
    t0 = time.perf_counter()
    ok = gs.krige.Ordinary(m, p.T, z, exact=True, pseudo_inv=False)
    ok(centres[:10].T)   # builds and inverts the kriging matrix
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    est = ok(centres[:n_t].T, chunk_size=2000)[0]
    apply_s = time.perf_counter() - t0
    total = setup_s + apply_s * len(centres) / n_t
    note = "" if n_t == len(centres) else f" (targets extrapolated from {n_t:,})"
    print(f"GSTools global OK (points): set-up {setup_s:.1f} s + {apply_s:.1f} s for {n_t:,} targets = "
          f"{total:.1f} s for {len(centres):,}{note}")
    print(f"ratio GSTools / scandia: point {total / point_s:.1f}x, block {total / block_s:.1f}x (goal >= 10x)")
    d = np.abs(est - pt.estimate[:n_t])
    print(f"moving (24) vs global neighbourhood, point estimates: median |diff| {np.median(d):.2e}, "
          f"max {d.max():.2e} (a different neighbourhood, not an error)")
    print(f"peak memory {peak_rss_mib(os.getpid()):,.0f} MiB")


if __name__ == "__main__":
    main()
