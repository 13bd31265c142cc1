"""Calibration of the leach kinetics to the Crater Lake Phase III leach extractions, by code.

Two factors on the Palandri & Kharaka (2004) rates are fitted: a common surface-roughness / lab-to-plant factor
(all minerals) and an extra factor for allanite (metamict allanite dissolves far faster than its epidote proxy),
to the MET01 extractions of Sc (87 %) and TREE+Y (84 %) in an HCl tank leach at the data files' defaults
(``data/hydromet/targets.yaml``). MET02's extractions are not fitted: tests/validation checks them as
predictions. Solved with ``scipy.optimize.least_squares`` in log space; each Jacobian is one vectorized call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import least_squares

from ..beneficiation.ore import REE, ore_model
from ..beneficiation.stage import run_beneficiation
from ..core.datafiles import load_data
from ..scenario.loader import load_scenario
from .chemistry import chemistry
from .leaching import TankLeach, mineral_feed

__all__ = ["calibrate_leach", "leach_extraction", "write_fitted"]

FITTED_PATH = Path(__file__).resolve().parent.parent / "data" / "hydromet" / "fitted.yaml"
BOUNDS = {"rate_factor": (1e-3, 1e4), "allanite_factor": (1.0, 1e6)}


def leach_extraction(sample: str, rate_factor: np.ndarray, allanite_factor: np.ndarray,
                     lixiviant: str = "HCl") -> dict[str, np.ndarray]:
    """Sc and TREE extraction of the sample's LIMS+WHIMS concentrate in the default tank leach, for a batch of
    factors (k,) -> {"Sc": (k,), "TREE": (k,)}."""
    scen = load_scenario()
    scen.beneficiation.sample = sample
    ore = ore_model(sample)
    # the concentrate with the beneficiation fit as stored now (device values too, not the import-time defaults)
    fitted = load_data("beneficiation/fitted.yaml") or {}
    dev = {f"beneficiation.{sect}.{key}": np.array([float(v)])
           for sect, vals in fitted.get("devices", {}).items() for key, v in vals.items()}
    conc = run_beneficiation(scen, 1, dev, routes=["lims_whims"]).concentrate
    chem = chemistry(lixiviant, ore.components)
    k = np.asarray(rate_factor).size
    feed = mineral_feed(np.repeat(ore.mineral_tph(conc), k, axis=0), ore, chem)
    t = load_data("hydromet/leach.yaml")["tank"]
    mineral = np.ones((k, len(ore.minerals)))
    mineral[:, ore.minerals.index("allanite")] = allanite_factor
    unit = TankLeach(ore, chem, t["temperature_c"]["value"], t["residence_time_h"]["value"],
                     int(t["n_tanks"]["value"]), t["free_acid_g_per_l"]["value"], t["solids_mass_frac"]["value"],
                     t["regrind_p80_mm"]["value"], rate_factor=np.asarray(rate_factor, dtype=float),
                     mineral_rate_factor=mineral)
    liquor = unit.run({"solids": feed}).outlets["liquor"]
    return {"Sc": liquor.element("Sc") / feed.element("Sc"),
            "TREE": sum(liquor.element(e) for e in REE) / sum(feed.element(e) for e in REE)}


def _targets(kind: str) -> list[dict[str, Any]]:
    return load_data("hydromet/targets.yaml")[kind]


def calibrate_leach() -> dict[str, Any]:
    """Fit the common and allanite rate factors to the MET01 extractions; returns values and achieved figures."""
    fit = _targets("fit")
    tgt = np.array([t["extraction_frac"] for t in fit])
    lo = np.log10([BOUNDS["rate_factor"][0], BOUNDS["allanite_factor"][0]])
    hi = np.log10([BOUNDS["rate_factor"][1], BOUNDS["allanite_factor"][1]])

    def model(theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        out = leach_extraction("met01", 10.0 ** theta[:, 0], 10.0 ** theta[:, 1])
        return np.column_stack([out[t["element"]] for t in fit])

    def fun(theta: np.ndarray) -> np.ndarray:
        return (model(theta)[0] - tgt) / 0.001

    def jac(theta: np.ndarray) -> np.ndarray:
        h = 1e-5
        batch = np.vstack([theta, theta + np.diag([h, h])])
        m = model(batch)
        return ((m[1:] - m[0]) / h).T / 0.001

    sol = least_squares(fun, np.array([0.0, 2.0]), jac=jac, bounds=(lo, hi), xtol=1e-12, ftol=1e-12, gtol=1e-12)
    achieved = model(sol.x)[0]
    return {"rate_factor": float(10.0 ** sol.x[0]), "allanite_factor": float(10.0 ** sol.x[1]),
            "achieved": achieved, "targets": tgt, "success": bool(sol.success)}


def write_fitted(result: dict[str, Any], path: Path = FITTED_PATH) -> Path:
    """Write the fitted factors with their targets to ``data/hydromet/fitted.yaml``."""
    src = load_data("hydromet/targets.yaml")["source"]
    doc = {
        "fitted_to": f"data/hydromet/targets.yaml ({src})",
        "method": "scandia.hydromet.calibration.calibrate_leach (scipy least_squares, HCl tank leach at defaults)",
        "common": {"rate_factor": float(f"{result['rate_factor']:.6g}")},
        "mineral_rate_factor": {"allanite": float(f"{result['allanite_factor']:.6g}")},
        "achieved": [{"sample": t["sample"], "element": t["element"], "target_frac": t["extraction_frac"],
                      "model_frac": round(float(a), 5)} for t, a in zip(_targets("fit"), result["achieved"],
                                                                         strict=True)],
    }
    header = "# Written by `scandia calibrate --write`; do not edit by hand.\n"
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path
