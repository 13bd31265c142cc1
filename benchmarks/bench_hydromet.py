"""Hydromet benchmark: the whole stage at n scenarios, and the SX cascade against PrOMMiS side by side.

Run: ``python benchmarks/bench_hydromet.py [--n 100000] [--prommis-venv DIR]``.

A. Scenarios/s and peak traced memory of the whole hydromet stage (tank leach -> CCD -> SX with two recycles ->
   purification -> Sc2O3 and REO), three inputs varying per scenario.
B. PrOMMiS's steady SX model (IDAES/Pyomo + Ipopt) and scandia's vectorized cascade on the same feed and
   distribution ratios: stage-by-stage agreement and the per-scenario time ratio against PrOMMiS's warm solve.
   PrOMMiS runs in its own environment, built by ``shared/tools/prommis-peer/setup.sh DIR`` (never a scandia
   dependency); without it part B prints how to build it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
import tracemalloc
from pathlib import Path

import numpy as np

import scandia
from scandia.beneficiation.stage import run_beneficiation
from scandia.core.datafiles import load_data
from scandia.core.perf import tune_allocator
from scandia.core.stream import Stream
from scandia.hydromet.peers import PROMMIS_METALS, prommis_sx_case
from scandia.hydromet.stage import run_hydromet
from scandia.scenario import load_scenario


def bench_stage(n: int, chunk: int = 2000) -> dict[str, float]:
    scen = load_scenario()
    c = run_beneficiation(scen, routes=["lims_whims"]).concentrate
    rng = np.random.default_rng(0)
    arrays = {"hydromet.tank.free_acid_g_per_l": rng.uniform(60, 160, n),
              "hydromet.tank.temperature_c": rng.uniform(70, 95, n),
              "hydromet.sx.extraction_oa": rng.uniform(0.05, 0.3, n)}
    tracemalloc.start()
    t0 = time.perf_counter()
    purity = []
    for start in range(0, n, chunk):
        k = min(chunk, n - start)
        conc = Stream(c.components, c.classes, np.repeat(c.class_tph, k, axis=0), c.w, validate=False)
        part = {key: v[start:start + k] for key, v in arrays.items()}
        res = run_hydromet(scen, k, part, concentrate=conc, routes=["tank"], keep_streams=False)
        purity.append(res.metrics["sc2o3_purity_frac"])
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    purity = np.concatenate(purity)
    return {"n": n, "seconds": dt, "scenarios_per_s": n / dt, "peak_mib": peak / 2**20,
            "purity_p10": float(np.percentile(purity, 10)), "purity_p90": float(np.percentile(purity, 90))}


def prommis(venv: Path) -> dict | None:
    py = venv / "bin" / "python"
    env_sh = venv / "prommis-env.sh"
    if not py.exists() or not env_sh.exists():
        return None
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{venv / 'pynumero'}:{env.get('LD_LIBRARY_PATH', '')}"
    env["PYTHONPATH"] = str(venv / "pynumero")
    env["SHIM_SCALING"] = "gradient-based"
    env["SHIM_OPTS"] = '{"tol": 1e-8}'
    out = subprocess.run([str(py), str(Path(__file__).with_name("prommis_side.py")), "3"], env=env,
                         capture_output=True, text=True, check=True, timeout=600)
    line = next(ln for ln in reversed(out.stdout.splitlines()) if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="scenarios for part A (the issue's figure: 100000)")
    ap.add_argument("--prommis-venv", type=Path, default=Path(os.environ.get("PROMMIS_VENV", "/work/prommis-venv")))
    args = ap.parse_args()
    tune_allocator()
    print(f"scandia {scandia.__version__}, {os.cpu_count()} CPUs\n")
    print("A. Whole hydromet stage (tank leach, SX with recycles, purification), three inputs varying")
    run_hydromet_warm = bench_stage(10)
    del run_hydromet_warm
    r = bench_stage(args.n)
    print(f"   n = {r['n']:,}: {r['seconds']:.1f} s, {r['scenarios_per_s']:,.0f} scenarios/s, peak "
          f"{r['peak_mib']:.0f} MiB traced; Sc2O3 purity P10-P90 {r['purity_p10']:.4f}-{r['purity_p90']:.4f}")

    print("\nB. SX cascade: PrOMMiS steady SX test (3 stages, O/A 1, 5 vol% D2EHPA) vs scandia")
    n = 100_000
    timings = {}
    for free in (False, True):
        t0 = time.perf_counter()
        res_n, mw = prommis_sx_case(n, dosage_from_free_extractant=free)
        timings[free] = (time.perf_counter() - t0) / n
        label = "stage dosage from free D2EHPA (PrOMMiS 1.1)" if free else "feed dosage (PrOMMiS test values)"
        print(f"   scandia, {label}: {n:,} copies, {timings[free] * 1e6:.2f} us per scenario, all converged: "
              f"{bool(res_n.converged.all())}")
    res, mw = prommis_sx_case(1)
    case = load_data("hydromet/prommis_sx_case.yaml")
    published = max(abs(res.raffinate[0, j] * mw[j] * 1e3 / case["expected_raffinate_mg_l"][e] - 1.0)
                    for j, e in enumerate(PROMMIS_METALS))
    print(f"   feed-dosage model against the raffinate PrOMMiS's test asserts: worst {published:.1e}")
    peer = prommis(args.prommis_venv)
    if peer is None:
        print(f"   PrOMMiS environment not found at {args.prommis_venv}: build it with "
              "'bash ../shared/tools/prommis-peer/setup.sh DIR' and pass --prommis-venv DIR")
        return
    res, mw = prommis_sx_case(1, dosage_from_free_extractant=True)  # like for like with PrOMMiS 1.1
    print(f"   PrOMMiS: build + initialise + solve {peer['cold_s']:.2f} s, warm solve {peer['warm_s'] * 1e3:.1f} ms")
    worst = {"Sc, Fe, Al, Ca": 0.0, "REE": 0.0}
    for s_idx, (stage, vals) in enumerate(sorted(peer["stages"].items(), key=lambda kv: int(kv[0]))):
        diffs = {"Sc, Fe, Al, Ca": [], "REE": []}
        for j, e in enumerate(PROMMIS_METALS):
            group = "Sc, Fe, Al, Ca" if e in ("Sc", "Fe", "Al", "Ca") else "REE"
            for phase, arr in (("aqueous", res.x), ("organic", res.y)):
                p = vals[phase][e]
                if p > 1e-6:
                    diffs[group].append(abs(arr[0, s_idx, j] * mw[j] * 1e3 / p - 1.0))
        for g, d in diffs.items():
            worst[g] = max(worst[g], max(d))
        print(f"   stage {stage}: max relative difference, Sc/Fe/Al/Ca {max(diffs['Sc, Fe, Al, Ca']):.1e}, "
              f"REE {max(diffs['REE']):.1e}")
    print(f"   worst: Sc/Fe/Al/Ca {worst['Sc, Fe, Al, Ca']:.1e}, REE {worst['REE']:.1e} (goal 1e-2)")
    ratio = peer["warm_s"] / timings[True]
    print(f"   per-scenario speed ratio vs PrOMMiS warm solve (like for like): {ratio:,.0f}x (goal 1e4x); "
          f"feed-dosage model: {peer['warm_s'] / timings[False]:,.0f}x")

if __name__ == "__main__":
    main()
