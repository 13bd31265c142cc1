"""PrOMMiS side of bench_hydromet.py: run inside the PrOMMiS environment (shared/tools/prommis-peer/setup.sh).

Builds PrOMMiS's steady SX model (3 stages, 5 vol% D2EHPA), times build + initialise + solve and a warm re-solve,
and prints every stage's aqueous and organic concentrations (mg/L) as JSON on stdout. Not part of scandia.
"""

from __future__ import annotations

import json
import sys
import time

import cyipopt_shim

cyipopt_shim.install()

from idaes.core.solvers import get_solver  # noqa: E402
from prommis.solvent_extraction.solvent_extraction_steady import (  # noqa: E402
    initialize_steady_model,
    model_buildup_and_set_inputs,
)
from pyomo.environ import value  # noqa: E402

METALS = ["Al", "Ca", "Fe", "Sc", "Y", "La", "Ce", "Pr", "Nd", "Sm", "Gd", "Dy"]


def main(n_stages: int = 3, repeats: int = 10) -> None:
    t0 = time.perf_counter()
    m = model_buildup_and_set_inputs(5, n_stages, has_holdup=False)
    initialize_steady_model(m)
    solver = get_solver("ipopt_v2")
    solver.solve(m, tee=False)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeats):
        t1 = time.perf_counter()
        solver.solve(m, tee=False)
        warm.append(time.perf_counter() - t1)
    mc = m.fs.solex.mscontactor
    stages = list(mc.elements)
    out = {"cold_s": cold, "warm_s": min(warm), "stages": {}}
    for s in stages:
        out["stages"][str(s)] = {
            "aqueous": {j: value(mc.aqueous[0, s].conc_mass_comp[j]) for j in [*METALS, "H"]},
            "organic": {j: value(mc.organic[0, s].conc_mass_comp[f"{j}_o"]) for j in METALS},
            "pH": value(mc.aqueous[0, s].pH) if hasattr(mc.aqueous[0, s], "pH") else None,
        }
    sys.stdout.write("\nRESULT " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
