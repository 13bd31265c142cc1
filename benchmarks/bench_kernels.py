"""Compiled kernels (scandia.core.jit): compile time paid once, load time from the disk cache, thread scaling.

Run: ``python benchmarks/bench_kernels.py [--n 100000]``.

A. Compile time: a fresh process with an empty numba cache (``NUMBA_CACHE_DIR`` in a temporary folder) runs the
   whole default chain once at n = 1, so every kernel it reaches compiles; a second process with the same cache
   only loads them. The difference is the one-off compile cost per machine and source version.
B. Thread scaling of the SX cascade kernel on PrOMMiS's steady SX case at ``n`` copies: 1 and 2 threads
   (``NUMBA_NUM_THREADS``-bounded), microseconds per scenario.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

CHILD = """
import time
t0 = time.perf_counter()
from scandia.chain import run
from scandia.scenario import load_scenario
t1 = time.perf_counter()
run(load_scenario("crater-lake"), n=1)
t2 = time.perf_counter()
print(f"RESULT {t1 - t0:.3f} {t2 - t1:.3f}")
"""


def _child(cache: str) -> tuple[float, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True,
                         timeout=1800)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
    imp, chain = (float(v) for v in line.split()[1:])
    return imp, chain


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="copies of the PrOMMiS SX case in part B")
    args = ap.parse_args()
    import numba

    import scandia.core.jit  # noqa: F401  (selects the threading layer before any kernel runs)

    print(f"numba {numba.__version__}, threading layer requested {numba.config.THREADING_LAYER!r}, "
          f"{numba.config.NUMBA_NUM_THREADS} threads available\n")
    print("A. Compile time (default chain, n = 1, separate processes)")
    with tempfile.TemporaryDirectory() as cache:
        cold = _child(cache)
        warm = _child(cache)
    print(f"   empty cache: import {cold[0]:.2f} s, chain {cold[1]:.2f} s")
    print(f"   warm cache:  import {warm[0]:.2f} s, chain {warm[1]:.2f} s")
    print(f"   one-off compile cost: {cold[1] - warm[1]:.1f} s")

    from scandia.core.jit import set_threads
    from scandia.hydromet.peers import prommis_sx_case

    print(f"\nB. SX cascade kernel, PrOMMiS steady SX case, {args.n:,} copies (stage dosage from free D2EHPA)")
    prommis_sx_case(16, dosage_from_free_extractant=True)  # load the kernels
    per = {}
    for k in (1, 2):
        if k > numba.config.NUMBA_NUM_THREADS:
            continue
        set_threads(k)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            res, _ = prommis_sx_case(args.n, dosage_from_free_extractant=True)
            best = min(best, time.perf_counter() - t0)
        per[k] = best / args.n
        print(f"   {k} thread(s): {per[k] * 1e6:.2f} us per scenario (best of 3), "
              f"converged {bool(res.converged.all())}")
    print(f"   threading layer used: {numba.threading_layer()}")
    if 1 in per and 2 in per:
        print(f"   speed-up on 2 threads: {per[1] / per[2]:.2f}x")


if __name__ == "__main__":
    main()
