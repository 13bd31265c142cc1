"""Market-model benchmark: scenarios/s and peak memory of the market stage alone (issue 18).

Run: ``python benchmarks/bench_market.py [--n 1 1000 10000] [--condition]``. Each size runs in its own fresh
process and prints wall time, scenarios/s and peak resident memory (VmHWM). One scenario is the market from
2021 to 2100 twice, with the project and without it; ``--condition`` also refits the by-product offer factor
to the price history per scenario (``market.condition_on_history``).

No peer is run side by side: no open tool simulates the scandium market. WORLD7 (Sverdrup & Sverdrup 2024) is
not published as code, and system-dynamics hosts (PySD, BPTK-Py) would need the model rebuilt in them, which is
not a like-for-like comparison of one model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def _case(n: int, condition: bool) -> dict[str, float]:
    from scandia.market.stage import run_market
    from scandia.scenario import load_scenario

    scen = load_scenario()
    if condition:
        scen = scen.with_values({"market.condition_on_history": True})
    rng = np.random.default_rng(0)
    arrays = {"market.base_demand_tpa": rng.uniform(20.0, 50.0, n),
              "market.project_capacity_tpa": rng.uniform(0.0, 150.0, n)}
    run_market(scen, 1)  # imports and first-call costs out of the timing
    t = time.perf_counter()
    run_market(scen, n, arrays)
    dt = time.perf_counter() - t
    sys.path.insert(0, str(Path(__file__).parent))
    from _proc import peak_rss_mib

    return {"seconds": dt, "scenarios_per_s": n / dt, "peak_mib": peak_rss_mib(os.getpid())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, nargs="+", default=[1, 1000, 10000])
    ap.add_argument("--condition", action="store_true")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        sys.stdout.write(json.dumps(_case(args.child, args.condition)) + "\n")
        return
    print(f"{'scenarios':>10} {'seconds':>9} {'scenarios/s':>12} {'peak MiB':>9}")
    for n in args.n:
        cmd = [sys.executable, __file__, "--child", str(n)] + (["--condition"] if args.condition else [])
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
        res = json.loads(out.strip().splitlines()[-1])
        print(f"{n:>10,} {res['seconds']:>9.2f} {res['scenarios_per_s']:>12,.0f} {res['peak_mib']:>9.0f}")


if __name__ == "__main__":
    main()
