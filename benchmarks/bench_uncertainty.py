"""Uncertainty benchmark: Monte Carlo and Sobol through the chain, in process and on a Dask LocalCluster.

Run: ``python benchmarks/bench_uncertainty.py [--mc 1000000] [--sobol-base 16384] [--physical 10000]
[--sweep 20000] [--chunk 2000]``. Prints wall time, samples/s and peak resident memory (ru_maxrss) for:

1. ``--mc`` samples of the default scenario's *economic* distributions (price, REO price, contingency, discount
   rate): the process stages have no varying input, so they run once and are shared; plus Sobol first/total
   indices with ``--sobol-base`` Saltelli base samples (N(k+2) chain evaluations in one call).
2. ``--physical`` samples of all the default distributions, including the leach temperature and operating hours,
   so beneficiation and hydromet run for every sample.
3. ``--sweep`` samples of (2) in process (one call) and as sweeps on LocalClusters of 1 and 2 warm workers
   (``--chunk``, default 2,000 samples per chunk): the scaling from one worker to two.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from scandia.scenario import load_scenario
from scandia.uncertainty.analysis import distribution_summary, monte_carlo, sobol_indices
from scandia.uncertainty.sweep import sweep


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mc", type=int, default=1_000_000)
    ap.add_argument("--sobol-base", type=int, default=16384)
    ap.add_argument("--physical", type=int, default=10_000)
    ap.add_argument("--sweep", type=int, default=20_000)
    ap.add_argument("--chunk", type=int, default=2000, help="samples per sweep chunk")
    args = ap.parse_args()

    full = load_scenario()
    econ = full.model_copy(deep=True)
    econ.uncertainty.distributions = {k: v for k, v in full.uncertainty.distributions.items()
                                      if k.startswith("economics.")}
    econ.uncertainty.correlations = [c for c in full.uncertainty.correlations
                                     if c[0].startswith("economics.") and c[1].startswith("economics.")]

    print(f"1. economic uncertainty, {args.mc:,} samples ({len(econ.uncertainty.distributions)} inputs, LHS)")
    t0 = time.perf_counter()
    mc = monte_carlo(econ, args.mc)
    wall = time.perf_counter() - t0
    d = distribution_summary(mc.values, mc.result.status)
    print(f"   {wall:.1f} s ({args.mc / wall:,.0f} samples/s), peak RSS {peak_gib():.2f} GiB; NPV P10/P50/P90 "
          f"{d['p10']:.0f}/{d['p50']:.0f}/{d['p90']:.0f} US$M, P(NPV<0) {100 * d['prob_negative']:.1f} %")
    k = len(econ.uncertainty.distributions)
    t0 = time.perf_counter()
    si = sobol_indices(econ, args.sobol_base)
    wall_s = time.perf_counter() - t0
    print(f"   Sobol, N = {args.sobol_base:,} ({args.sobol_base * (k + 2):,} evaluations): {wall_s:.1f} s, "
          f"peak RSS {peak_gib():.2f} GiB")
    for _, r in si.iterrows():
        print(f"     {r['input']:<45} S1 {r['S1']:.3f} ± {r['S1_conf']:.3f}   ST {r['ST']:.3f} ± {r['ST_conf']:.3f}")

    print(f"2. all default distributions (process stages vary), {args.physical:,} samples")
    t0 = time.perf_counter()
    mc2 = monte_carlo(full, args.physical)
    wall2 = time.perf_counter() - t0
    print(f"   {wall2:.1f} s ({args.physical / wall2:,.0f} samples/s), status ok {(mc2.result.status == 0).sum():,}")

    print(f"3. {args.sweep:,} samples of (2): in process vs LocalCluster sweeps of 1 and 2 warm workers "
          f"(chunks of {args.chunk:,})")
    t0 = time.perf_counter()
    mc3 = monte_carlo(full, args.sweep)
    wall3 = time.perf_counter() - t0
    print(f"   in process: {wall3:.1f} s ({args.sweep / wall3:,.0f} samples/s)")
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = sweep(full, args.sweep, Path(tmp), chunk_size=args.chunk, workers=workers)
            wall4 = time.perf_counter() - t0
        same = np.allclose(np.sort(res.table["economics.npv_musd"].to_numpy()), np.sort(mc3.values), rtol=1e-9)
        print(f"   {workers} worker(s): {wall4:.1f} s, {wall4 / wall3:.2f}x the in-process time; same NPVs: {same}")

if __name__ == "__main__":
    main()
