"""The kawin half of bench_alloy.py: run in kawin's own environment, print one JSON line.

Case: Al-0.2 at.% Sc at 623 K for 100 h, homogeneous nucleation, gamma 0.1 J/m2, D = 1.9e-4 exp(-164 kJ/RT),
kawin's AlScZr.tdb, lattice parameters 0.405 nm (Al) and 0.4196 nm (Al3Sc) as in kawin's examples.
Usage: ``python kawin_side.py TDB [rk4|euler]``. (Never name this file pycalphad_*: pycalphad loads those.)
"""

import json
import sys
import time

import numpy as np
from kawin.precipitation import (
    MatrixParameters,
    PrecipitateModel,
    PrecipitateParameters,
    TemperatureParameters,
    VolumeParameter,
)
from kawin.solver import explicitEulerIterator, rk4Iterator
from kawin.thermo import BinaryThermodynamics

T, X0, GAMMA, HOURS = 623.0, 0.002, 0.1, 100.0
REPORT_H = [0.1, 1.0, 10.0, 100.0]


def main() -> None:
    tdb, stepper = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "rk4")
    therm = BinaryThermodynamics(tdb, ["AL", "SC"], ["FCC_A1", "AL3SC"], drivingForceMethod="tangent")
    therm.setGuessComposition(0.24)
    therm.setDiffusivity(lambda temp: 1.9e-4 * np.exp(-164000.0 / (8.314 * temp)), "FCC_A1")
    matrix = MatrixParameters(["SC"])
    matrix.initComposition = X0
    matrix.volume.setVolume(0.405e-9, VolumeParameter.LATTICE_PARAMETER, 4)
    prec = PrecipitateParameters("AL3SC")
    prec.gamma = GAMMA
    prec.volume.setVolume(0.4196e-9, VolumeParameter.LATTICE_PARAMETER, 4)
    prec.nucleation.setNucleationType("bulk")
    model = PrecipitateModel(matrix, [prec], therm, TemperatureParameters(T))
    t0 = time.perf_counter()
    model.solve(HOURS * 3600.0, iterator=rk4Iterator if stepper == "rk4" else explicitEulerIterator)
    wall = time.perf_counter() - t0
    d = model.data
    ratio = prec.volume.Vm / matrix.volume.Vm  # kawin's volFrac is a molar fraction; times this = volume
    out = {"stepper": stepper, "wall_s": wall, "steps": int(len(d.time) - 1), "times_h": REPORT_H,
           "radius_nm": [], "number_density_m3": [], "volume_frac": []}
    for th in REPORT_H:
        ts = th * 3600.0
        out["radius_nm"].append(float(np.interp(ts, d.time, d.Ravg[:, 0])) * 1e9)
        out["number_density_m3"].append(float(np.interp(ts, d.time, d.precipitateDensity[:, 0])))
        out["volume_frac"].append(float(np.interp(ts, d.time, d.volFrac[:, 0])) * ratio)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
