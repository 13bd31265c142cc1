"""Memory benchmark: peak resident memory of large runs, in one call against chunk by chunk (issue 16 item 4).

Run: ``python benchmarks/bench_memory.py [--stage-n 1000000] [--econ-n 1000000] [--chain-n 10000 30000]
[--chunk 2500]``. Each case runs in its own fresh process (so one case's peak does not hide another's) and prints
wall time, samples/s and peak resident memory (VmHWM) against the goal of 4 GiB:

1. the concentration stage alone at ``--stage-n`` scenarios with WHIMS sharpness varying: one call (every
   stream kept) against :func:`scandia.chain.run_chunked` (metrics and status kept);
2. the whole chain at ``--econ-n`` samples of the economic distributions, chunked (the process stages run once);
3. the whole chain with every default distribution varying, chunked, at each ``--chain-n``: the peak should
   not grow with n beyond the kept metrics (about 2 kB per sample).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GOAL_GIB = 4.0


def _case(kind: str, n: int, chunk: int) -> dict[str, float]:
    """Run one case in this process; returns seconds and samples/s (the parent reads the peak memory)."""
    from scandia.chain import run, run_chunked
    from scandia.core.perf import tune_allocator
    from scandia.scenario import load_scenario
    from scandia.uncertainty.sampling import sample

    tune_allocator()
    scen = load_scenario()
    u = scen.uncertainty
    if kind.startswith("stage"):
        dists = {"beneficiation.whims.sharpness": u.distributions["beneficiation.whims.sharpness"]}
        corr: list = []
    elif kind == "econ":
        dists = {k: v for k, v in u.distributions.items() if k.startswith("economics.")}
        corr = [c for c in u.correlations if c[0] in dists and c[1] in dists]
    else:
        dists, corr = dict(u.distributions), list(u.correlations)
    arrays = sample(dists, n, u.method, scen.seed, corr)
    run(scen, stage="beneficiation" if kind.startswith("stage") else None, n=2,
        arrays={k: v[:2] for k, v in arrays.items()})  # kernels loaded, data files read
    t0 = time.perf_counter()
    if kind == "stage-one-call":
        res = run(scen, stage="beneficiation", n=n, arrays=arrays)
    else:
        res = run_chunked(scen, n, arrays, chunk, stage="beneficiation" if kind.startswith("stage") else None)
    dt = time.perf_counter() - t0
    ok = int((np.asarray(res.status) == 0).sum())
    return {"seconds": dt, "per_s": n / dt, "ok": ok}


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stage-n", type=int, default=1_000_000)
    ap.add_argument("--econ-n", type=int, default=1_000_000)
    ap.add_argument("--chain-n", type=int, nargs="*", default=[10_000, 30_000])
    ap.add_argument("--chunk", type=int, default=2500)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:  # the child: one case, its figures as JSON on stdout
        out = _case(args.case, args.n, args.chunk)
        out["peak_mib"] = _peak_mib()
        print(json.dumps(out))
        return
    cases = [("stage-one-call", args.stage_n, "concentration stage, one call (streams kept)"),
             ("stage-chunked", args.stage_n, "concentration stage, chunked"),
             ("econ", args.econ_n, "whole chain, economic inputs, chunked")]
    cases += [("chain", n, "whole chain, every default input, chunked") for n in args.chain_n]
    print(f"peak resident memory, chunks of {args.chunk:,} (goal <= {GOAL_GIB:g} GiB); each case in a fresh process")
    print(f"{'case':<46} {'n':>10} {'s':>8} {'samples/s':>10} {'peak GiB':>9}  goal")
    for kind, n, label in cases:
        proc = subprocess.run([sys.executable, __file__, "--case", kind, "--n", str(n), "--chunk", str(args.chunk)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{label:<46} {n:>10,} failed: {tail}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        gib = r["peak_mib"] / 1024
        print(f"{label:<46} {n:>10,} {r['seconds']:>8.1f} {r['per_s']:>10,.0f} {gib:>9.2f}  "
              f"{'met' if gib <= GOAL_GIB else 'NOT met'}")


if __name__ == "__main__":
    main()
