"""Profile of the whole chain with every default distribution varying (issue 16 item 1): what to compile first.

Run: ``python benchmarks/profile_chain.py [--n 10000] [--top 25] [--inputs K] [--no-profile] [--rss]``.

Draws ``n`` samples of the default scenario's ``uncertainty.distributions`` (16: four economic inputs and twelve
physical ones: the caustic autoclave's temperature, time and NaOH strength, operating hours, the HCl residue
leach's acid, temperature and time, regrind size, D2EHPA dosage, the two fitted cracking-rate factors and the WHIMS
sharpness), runs the chain once over all of them under cProfile (allocator tuned as the CLI tunes it), and prints
the wall time, samples/s and the functions with the largest own time and cumulative time. A profile is a
measurement of this machine at this commit: re-run it after each change to a hot loop (no timing is asserted by the
tests).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from scandia.chain import run
from scandia.core.perf import tune_allocator
from scandia.scenario import load_scenario
from scandia.uncertainty.sampling import sample


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="samples (default 10,000)")
    ap.add_argument("--top", type=int, default=25, help="rows of each table")
    ap.add_argument("--scenario", default="crater-lake")
    ap.add_argument("--inputs", type=int, default=None,
                    help="vary only the first K distributions of the scenario (default: all)")
    ap.add_argument("--no-profile", action="store_true",
                    help="time the run without cProfile (the rate a user sees) and print no tables")
    ap.add_argument("--rss", action="store_true", help="also print the process's peak resident memory")
    args = ap.parse_args(argv)
    tune_allocator()
    scen = load_scenario(args.scenario)
    u = scen.uncertainty
    dists = dict(list(u.distributions.items())[: args.inputs])
    corr = [c for c in u.correlations if c[0] in dists and c[1] in dists]
    arrays = sample(dists, args.n, u.method, scen.seed, corr)
    run(scen, n=min(args.n, 16), arrays={k: v[:16] for k, v in arrays.items()})  # imports and tables, warm
    if args.no_profile:
        t0 = time.perf_counter()
        res = run(scen, n=args.n, arrays=arrays)
        wall = time.perf_counter() - t0
        print(f"{args.scenario}: {args.n:,} samples, {len(arrays)} inputs varying: {wall:.2f} s, "
              f"{args.n / wall:,.0f} samples/s (status ok {int((res.status == 0).sum()):,})")
        if args.rss:
            import resource

            print(f"peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
        return 0
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    res = run(scen, n=args.n, arrays=arrays)
    prof.disable()
    wall = time.perf_counter() - t0
    print(f"{args.scenario}: {args.n:,} samples, {len(arrays)} inputs varying: {wall:.2f} s under cProfile, "
          f"{args.n / wall:,.0f} samples/s (status ok {int((res.status == 0).sum()):,})")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
        print(f"\n== top {args.top} by {title} ==")
        body = out.getvalue()
        print(body[body.find("ncalls"):].rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
