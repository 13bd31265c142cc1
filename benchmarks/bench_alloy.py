"""Alloy benchmark: scandia's KWN and thermodynamics against kawin and pycalphad, side by side.

Run: ``python benchmarks/bench_alloy.py [--kawin-venv DIR] [--batch 1000]``.

1. The Al-0.2 at.% Sc, 623 K, 100 h case in kawin 0.5.0 (its default RK4 stepper, run in its own environment,
   see ../shared/reference/peers.md) and in scandia with the same inputs: kawin's AlScZr.tdb solvus (evaluated
   by pycalphad and fitted to K0 exp(-H/RT)), its lattice parameters, its solute-site nucleation density.
   Prints mean radius, number density and volume fraction at 0.1/1/10/100 h, their ratios, and the speed ratio.
2. A batch of compositions (default 1,000) in one call, through the KWN model and through the mean-radius fast
   path: wall time and peak memory.
3. The (Al) solvus at 41 temperatures: pycalphad's equilibrium on scandia's exported TDB against scandia's own
   chemical-potential solver on the same parameters: agreement and speed ratio.
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

from scandia.alloy import thermo
from scandia.alloy.kwn import PrecipitationModel, Schedule, Solute, default_model
from scandia.alloy.meanfield import MeanRadiusModel
from scandia.alloy.properties import predict
from scandia.alloy.table import tabulated_predict

HERE = Path(__file__).resolve().parent
TDB = HERE / "data" / "AlScZr.tdb"
R = 8.314462618
T, X0, HOURS = 623.0, 0.002, 100.0
REPORT_H = np.array([0.1, 1.0, 10.0, 100.0])


def kawin_tdb_solute() -> Solute:
    """Sc in kawin's AlScZr.tdb: solvus from pycalphad at 12 temperatures, fitted to K0 exp(-H/RT)."""
    from pycalphad import Database, equilibrium
    from pycalphad import variables as v

    db = Database(str(TDB))
    temps = np.linspace(550.0, 750.0, 12)
    eq = equilibrium(db, ["AL", "SC", "VA"], ["FCC_A1", "AL3SC"],
                     {v.T: temps, v.P: 101325, v.X("SC"): 0.01, v.N: 1})
    xs = []
    for i in range(temps.size):
        phases = list(eq.Phase.values[0, 0, i, 0])
        xs.append(float(eq.X.sel(component="SC").values[0, 0, i, 0][phases.index("FCC_A1")]))
    slope, icpt = np.polyfit(1.0 / temps, np.log(xs), 1)
    return Solute("SC", 1.9e-4, 164000.0, float(np.exp(icpt)), float(-slope * R), -109500.0, 2.5)


def scandia_case(solute: Solute, bins: int) -> tuple[dict, float]:
    model = PrecipitationModel(solutes=(solute,), bins=bins, a_matrix_m=0.405e-9, a_precip_m=0.4196e-9,
                               nucleation_sites="solute")
    model.solve(np.array([[X0]]), Schedule([[T]], [[3600.0]]), np.array([3600.0]))  # warm-up
    t0 = time.perf_counter()
    res = model.solve(np.array([[X0]]), Schedule([[T]], [[HOURS * 3600.0]]), REPORT_H * 3600.0)
    wall = time.perf_counter() - t0
    return {"radius_nm": res.mean_radius_nm[0], "number_density_m3": res.number_density_m3[0],
            "volume_frac": res.volume_fraction[0], "steps": int(res.steps[0])}, wall


def kawin_case(venv: Path) -> dict | None:
    py = venv / "bin" / "python"
    if not py.exists():
        return None
    out = subprocess.run([str(py), str(HERE / "kawin_side.py"), str(TDB), "rk4"], capture_output=True, text=True,
                         timeout=1800, check=False)
    if out.returncode != 0:
        print("   kawin failed:", out.stderr.strip().splitlines()[-1:] or out.returncode)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def batch(n: int, fast: bool = False) -> tuple[float, float, np.ndarray]:
    """Wall time of one untraced call, then peak traced memory of a second, traced call (tracemalloc slows
    numpy-heavy loops several-fold, so it never runs during the timing)."""
    rng = np.random.default_rng(0)
    model = MeanRadiusModel(default_model()) if fast else default_model()
    x0 = np.column_stack([rng.uniform(0.0008, 0.0025, n), np.zeros(n)])
    sched = Schedule(np.full((n, 1), T), np.full((n, 1), HOURS * 3600.0))
    t0 = time.perf_counter()
    res = model.solve(x0, sched, np.array([HOURS * 3600.0]))
    wall = time.perf_counter() - t0
    short = Schedule(np.full((n, 1), T), np.full((n, 1), 3600.0))  # memory does not grow with time simulated
    tracemalloc.start()
    model.solve(x0, short, np.array([3600.0]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return wall, peak, res.status


def solvus_comparison() -> tuple[float, float, float]:
    from pycalphad import Database, equilibrium
    from pycalphad import variables as v

    db_ours = thermo.database()
    dbf = Database(thermo.to_tdb(db_ours))
    temps = np.linspace(650.0, 920.0, 41)
    t0 = time.perf_counter()
    eq = equilibrium(dbf, ["AL", "SC", "VA"], ["FCC_A1", "AL3SC"], {v.T: temps, v.P: 101325, v.X("SC"): 0.005,
                                                                    v.N: 1})
    t_pyc = time.perf_counter() - t0
    x_pyc = []
    for i in range(temps.size):
        phases = list(eq.Phase.values[0, 0, i, 0])
        x_pyc.append(float(eq.X.sel(component="SC").values[0, 0, i, 0][phases.index("FCC_A1")]))
    db_ours.solvus(temps)  # warm-up
    t0 = time.perf_counter()
    x_ours = db_ours.solvus(temps)
    t_ours = time.perf_counter() - t0
    return float(np.max(np.abs(x_ours / np.array(x_pyc) - 1.0))), t_pyc, t_ours


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kawin-venv", type=Path, default=Path(os.environ.get("KAWIN_VENV", "/work/kawin-venv")))
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--bins", type=int, default=640)
    ap.add_argument("--table-samples", type=int, default=1_000_000)
    ap.add_argument("--casting", default="permanent_mould",
                    help="casting process of part 4 (the chain's default; supersaturated: no regions, as before)")
    ap.add_argument("--only-table", action="store_true", help="run part 4 only")
    args = ap.parse_args()
    if args.only_table:
        table_part(args)
        return

    print(f"1. Al-0.2 at.% Sc, {T:g} K, {HOURS:g} h, homogeneous nucleation, gamma 0.1 J/m2 (kawin's set-up)")
    sol = kawin_tdb_solute()
    print(f"   kawin's AlScZr.tdb solvus (pycalphad): K0 = {sol.k0:.4g}, H = {sol.h_j_mol / 1000:.2f} kJ/mol")
    ours, wall_ours = scandia_case(sol, args.bins)
    peer = kawin_case(args.kawin_venv)
    print(f"   scandia: {wall_ours:.2f} s, {ours['steps']} steps, {args.bins} radius bins")
    header = f"   {'t, h':>6} {'r nm scandia':>13} {'kawin':>8} {'ratio':>6} {'N m-3 scandia':>14} {'kawin':>10} " \
             f"{'ratio':>6} {'f scandia':>10} {'kawin':>9} {'ratio':>6}"
    print(header)
    for i, th in enumerate(REPORT_H):
        r, nn, f = ours["radius_nm"][i], ours["number_density_m3"][i], ours["volume_frac"][i]
        if peer:
            kr, kn, kf = peer["radius_nm"][i], peer["number_density_m3"][i], peer["volume_frac"][i]
            print(f"   {th:6g} {r:13.3f} {kr:8.3f} {r / kr:6.3f} {nn:14.4g} {kn:10.4g} {nn / kn:6.3f} {f:10.3e} "
                  f"{kf:9.3e} {f / kf:6.3f}")
        else:
            print(f"   {th:6g} {r:13.3f} {'-':>8} {'-':>6} {nn:14.4g} {'-':>10} {'-':>6} {f:10.3e}")
    if peer:
        print(f"   kawin 0.5.0 ({peer['stepper']}): {peer['wall_s']:.1f} s, {peer['steps']} steps; "
              f"speed ratio kawin/scandia = {peer['wall_s'] / wall_ours:.0f}x")
    else:
        print(f"   kawin environment not found at {args.kawin_venv}: python -m venv DIR && "
              "DIR/bin/pip install kawin==0.5.0 pycalphad==0.11.2, then pass --kawin-venv DIR")

    print(f"2. {args.batch} compositions (x_Sc 0.08-0.25 at.%) at {T:g} K for {HOURS:g} h in one call")
    for fast, label in ((False, "KWN (480 bins)"), (True, "mean-radius fast path")):
        wall, peak, status = batch(args.batch, fast)
        print(f"   {label}: {wall:.2f} s ({args.batch / wall:.0f} scenarios/s), peak traced memory "
              f"{peak / 2**20:.0f} MiB, status ok {(status == 0).sum()}/{status.size}")

    print("3. (Al) solvus at 41 temperatures, same parameters: pycalphad vs scandia's solver")
    dev, t_pyc, t_ours = solvus_comparison()
    print(f"   max relative difference {dev:.2e}; pycalphad {t_pyc:.3f} s, scandia {t_ours * 1000:.1f} ms, "
          f"ratio {t_pyc / t_ours:.0f}x")

    table_part(args)


def table_part(args: argparse.Namespace) -> None:
    """Part 4: the tabulated alloy stage over a million sampled compositions, against the model."""
    print(f"4. The alloy stage at chain speed: {args.table_samples:,} samples of (Sc 0.05-0.40, Zr 0-0.2 wt%), "
          f"535 cast ({args.casting}) and aged at 325 C / 4 h, KWN tabulated (scandia.alloy.table)")
    rng = np.random.default_rng(0)
    sc = rng.uniform(0.05, 0.40, args.table_samples)
    zr = rng.uniform(0.0, 0.2, args.table_samples)
    t0 = time.perf_counter()
    props, info = tabulated_predict("535", sc, zr, np.array([325.0]), np.array([4.0]), casting=args.casting)
    wall = time.perf_counter() - t0
    k = 200
    t0 = time.perf_counter()
    exact = predict("535", sc[:k], zr[:k], np.full((k, 1), 325.0), np.full((k, 1), 4.0), casting=args.casting)
    direct = (time.perf_counter() - t0) / k
    rel = np.abs(props.yield_mpa[:k] - exact.yield_mpa) / exact.yield_mpa
    print(f"   table {info.sc_nodes} x {info.zr_nodes} nodes built and used in {wall:.1f} s "
          f"({args.table_samples / wall:,.0f} samples/s); checked error {info.max_yield_error_frac:.2%}")
    print(f"   KWN per sample {direct * 1e3:.1f} ms ({1 / direct:.0f} samples/s); table against KWN at {k} unseen "
          f"samples: max {rel.max():.2%}, mean {rel.mean():.3%} (bound 1 %)")


if __name__ == "__main__":
    main()
