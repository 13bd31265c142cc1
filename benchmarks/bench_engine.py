"""Engine benchmark: the concentration stage at n = 1, 1e3, 1e6, and a recycle flowsheet against BioSTEAM.

Run: ``make bench`` (installs the ``bench`` extra: biosteam 2.51.19 / thermosteam 0.51.17, the newest pair that
imports on Python 3.11, see shared/reference/peers.md) or ``python benchmarks/bench_engine.py [--quick]``.

Prints, as measured on this machine:
  A. scenarios/s and scenario-unit evaluations/s of the whole concentration stage (three routes, 14 units plus
     the ore feed per scenario), for a nominal batch (n identical scenarios) and a Monte Carlo-like batch in
     which five inputs vary per scenario; peak traced memory (tracemalloc, numpy allocations included).
  B. one mass-balance flowsheet with a recycle (mixer -> component splitter -> splitter -> recycle), two
     components, solved in BioSTEAM one scenario at a time and in scandia for n = 1e5 scenarios at once;
     per-scenario time ratio and the agreement of the recycle flow.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np

import scandia
from scandia.beneficiation.ore import ore_model
from scandia.beneficiation.stage import build_route, run_beneficiation, stage_arrays
from scandia.core import ComponentSet, ComponentSplitter, Flowsheet, Mixer, Splitter, Stream
from scandia.core.perf import tune_allocator
from scandia.scenario import load_scenario


def units_per_scenario(scenario) -> int:
    ore = ore_model(scenario.beneficiation.sample)
    a = stage_arrays(scenario, 1)
    return 1 + sum(len(build_route(r, ore, a).units) for r in scenario.beneficiation.routes)


def varied_arrays(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "plant.ore_feed_rate_tph": rng.uniform(80.0, 120.0, n),
        "beneficiation.whims.field_t": rng.uniform(0.5, 1.5, n),
        "beneficiation.dms.d50_t_m3": rng.uniform(2.8, 3.1, n),
        "beneficiation.xrt.ratio_threshold": rng.uniform(1.8, 2.1, n),
        "beneficiation.d_lib_mm": rng.uniform(1.0, 8.0, n),
    }


def bench_stage(n: int, varied: bool) -> dict[str, float]:
    scen = load_scenario()
    arrays = varied_arrays(n) if varied else None
    tracemalloc.start()
    t0 = time.perf_counter()
    res = run_beneficiation(scen, n, arrays, keep_streams_max=0)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.all(res.status == 0)
    u = units_per_scenario(scen)
    return {"n": n, "batch": "varied" if varied else "nominal", "seconds": dt, "scenarios_per_s": n / dt,
            "unit_evals_per_s": n * u / dt, "units_per_scenario": u, "peak_mib": peak / 2**20}


# ---------------------------------------------------------------------------------------------- recycle loop
SPLIT = {"water": 0.9, "ethanol": 0.2}
RECYCLE_FRAC = 0.5


def scandia_recycle(water_kg_h: np.ndarray, method: str) -> tuple[float, np.ndarray, np.ndarray]:
    n = water_kg_h.size
    cs = ComponentSet.from_formulas({"water": "H2O", "ethanol": "C2H6O"})
    feed = Stream.solution(cs, np.column_stack([water_kg_h, np.ones(n)]) * 1e-3)  # t/h
    fs = Flowsheet("loop")
    fs.add("M1", Mixer(2)).add("S1", ComponentSplitter(SPLIT)).add("S2", Splitter(RECYCLE_FRAC))
    fs.connect("M1.product", "S1.feed").connect("S1.product", "S2.feed").connect("S2.product", "M1.in1")
    fs.tear("S2.product")
    t0 = time.perf_counter()
    res = fs.solve({"M1.in0": feed}, method=method, tol=1e-9, check_balance=False)
    dt = time.perf_counter() - t0
    assert np.all(res.status == 0)
    return dt, res["S2.product"].component_tph * 1e3, res.iterations


def biosteam_recycle(water_kg_h: np.ndarray, tight: bool) -> tuple[float, np.ndarray]:
    import biosteam as bst
    import thermosteam as tmo

    bst.main_flowsheet.clear()
    tmo.settings.set_thermo(["Water", "Ethanol"], cache=True)
    feed = bst.Stream("feed", Water=100.0, Ethanol=1.0, units="kg/hr")
    recycle = bst.Stream("recycle")
    m1 = bst.Mixer("M1", ins=[feed, recycle])
    s1 = bst.Splitter("S1", ins=m1 - 0, outs=("top", "bottom"), split={"Water": SPLIT["water"],
                                                                        "Ethanol": SPLIT["ethanol"]})
    bst.Splitter("S2", ins=s1 - 0, outs=(recycle, "purge"), split=RECYCLE_FRAC)
    system = bst.System("sys", path=[m1, s1, bst.main_flowsheet.unit.S2], recycle=recycle)
    if tight:
        system.molar_tolerance = 1e-9
        system.relative_molar_tolerance = 1e-9
        system.maxiter = 500
    system.simulate()
    out = np.zeros((water_kg_h.size, 2))
    t0 = time.perf_counter()
    for i, w in enumerate(water_kg_h):
        feed.imass["Water"] = w
        system.simulate()
        out[i] = recycle.imass["Water", "Ethanol"]
    return (time.perf_counter() - t0) / water_kg_h.size, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip n = 1e6 (for a fast look)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()
    allocator = tune_allocator()  # as the CLI does: large temporaries reused from the heap (scandia.core.perf)
    report: dict[str, object] = {"scandia": scandia.__version__, "python": platform.python_version(),
                                 "machine": platform.machine(), "cpus": __import__("os").cpu_count()}

    print(f"scandia {scandia.__version__} on Python {platform.python_version()}, {report['cpus']} CPUs, "
          f"allocator tuned: {allocator}\n")
    print("A. Concentration stage (LIMS+WHIMS, DMS, XRT routes; one vectorized call, chunks of 4,000)")
    print(f"{'batch':>8} {'n':>9} {'s':>8} {'scenarios/s':>12} {'unit-evals/s':>13} {'peak MiB':>9}")
    rows = []
    sizes = [1, 1000] + ([] if args.quick else [1_000_000])
    for varied in (False, True):
        for n in sizes if not varied else [1000, 100_000]:
            bench_stage(min(n, 10), varied)  # warm caches
            r = bench_stage(n, varied)
            rows.append(r)
            print(f"{r['batch']:>8} {n:>9,} {r['seconds']:>8.3f} {r['scenarios_per_s']:>12,.0f} "
                  f"{r['unit_evals_per_s']:>13,.0f} {r['peak_mib']:>9.1f}")
    report["stage"] = rows

    print("\nB. Recycle flowsheet (mixer -> component splitter -> splitter -> recycle), n = 1e5 in scandia")
    n = 100_000
    water = np.linspace(50.0, 150.0, n)
    sc = {m: scandia_recycle(water, m) for m in ("direct", "wegstein", "anderson")}
    for m, (dt, _flows, iters) in sc.items():
        print(f"  scandia {m:9s}: {dt:.3f} s for {n:,} scenarios = {dt / n * 1e6:.3f} us/scenario, "
              f"{int(iters.max())} iterations, {3 * n / dt:,.0f} scenario-unit evals/s (per converged solve)")
    report["recycle_scandia"] = {m: {"seconds": v[0], "us_per_scenario": v[0] / n * 1e6,
                                     "iterations": int(v[2].max())} for m, v in sc.items()}
    try:
        import biosteam  # noqa: F401
    except ImportError:
        print("  BioSTEAM not installed (pip install -e '.[bench]'): ratio not measured")
    else:
        idx = np.linspace(0, n - 1, 500).astype(int)
        for tight in (False, True):
            per_sim, bflows = biosteam_recycle(water[idx], tight)
            label = "tol 1e-9" if tight else "defaults"
            ratio = {m: per_sim / (v[0] / n) for m, v in sc.items()}
            agree = float(np.max(np.abs(bflows - sc["wegstein"][1][idx]) / np.abs(bflows)))
            print(f"  BioSTEAM ({label}): {per_sim * 1e3:.3f} ms per simulation; ratio per scenario: "
                  f"{ratio['direct']:,.0f}x (direct), {ratio['wegstein']:,.0f}x (Wegstein), "
                  f"{ratio['anderson']:,.0f}x (Anderson); "
                  f"recycle flow agreement {agree:.1e} (max relative)")
            report[f"recycle_biosteam_{'tight' if tight else 'default'}"] = {
                "ms_per_simulation": per_sim * 1e3, "ratio_direct": ratio["direct"],
                "ratio_wegstein": ratio["wegstein"], "ratio_anderson": ratio["anderson"], "max_rel_diff": agree}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
