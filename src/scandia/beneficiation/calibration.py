"""Calibration of the concentration model to the seed test-work figures, by code.

Fits, within the physical ranges stated in the data files, the parameters the seed releases leave open:
mineral susceptibilities of the Sc and REE carriers (hedenbergite, ferro-pargasite, allanite), the WHIMS
capture sharpness, the DMS cut density and ecart probable, and the liberation size of each sample. The
targets (six recoveries, ``data/beneficiation/targets.yaml``) are matched in a weighted least-squares sense
with a weak pull towards the data files' central values (a MAP estimate with broad priors), so the
under-determined directions stay at their physical defaults::

    min  sum_i ((model_i - target_i) / 0.002)^2 + sum_j (0.5 (theta_j - theta0_j) / (hi_j - lo_j))^2

solved by ``scipy.optimize.least_squares`` (trust-region reflective, bounds enforced). Each Jacobian is one
vectorized model call: the parameter perturbations are laid along the scenario axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import least_squares

from ..core.datafiles import load_data
from ..scenario.loader import load_scenario
from .ore import ore_model
from .stage import run_beneficiation

__all__ = ["CalibrationResult", "Parameter", "calibrate", "evaluate", "parameters", "write_fitted"]

FITTED_PATH = Path(__file__).resolve().parent.parent / "data" / "beneficiation" / "fitted.yaml"


@dataclass(frozen=True)
class Parameter:
    """One fitted parameter: where it goes, its start value and bounds (log10 for susceptibilities)."""

    name: str
    start: float
    lo: float
    hi: float
    log: bool = False


def parameters() -> list[Parameter]:
    """The fitted parameters with starts and bounds read from the data files."""
    minerals = load_data("beneficiation/minerals.yaml")["minerals"]
    dev = load_data("beneficiation/devices.yaml")
    out = []
    for m in ("hedenbergite", "ferropargasite", "allanite"):
        spec = minerals[m]["susceptibility_m3_kg"]
        out.append(Parameter(f"susceptibility_m3_kg.{m}", np.log10(spec["value"]), np.log10(spec["min"]),
                             np.log10(spec["max"]), log=True))
    for sect, key in (("whims", "sharpness"), ("dms", "d50_t_m3"), ("dms", "ep_t_m3")):
        spec = dev[sect][key]
        out.append(Parameter(f"devices.{sect}.{key}", spec["value"], spec["min"], spec["max"]))
    lib = dev["liberation"]["d_lib_mm"]
    for sample in load_data("beneficiation/samples.yaml")["samples"]:
        out.append(Parameter(f"d_lib_mm.{sample}", lib["value"], lib["min"], lib["max"]))
    return out


def targets() -> list[dict[str, Any]]:
    return load_data("beneficiation/targets.yaml")["targets"]


def evaluate(theta: np.ndarray, params: list[Parameter] | None = None) -> np.ndarray:
    """Model recoveries at the targets for a batch of parameter vectors ``(k, n_params)`` -> ``(k, n_targets)``."""
    params = params or parameters()
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    k = theta.shape[0]
    values = {p.name: (10.0 ** theta[:, i] if p.log else theta[:, i]) for i, p in enumerate(params)}
    tgts = targets()
    out = np.zeros((k, len(tgts)))
    by_sample: dict[str, set[str]] = {}
    for t in tgts:
        by_sample.setdefault(t["sample"], set()).add(t["route"])
    for sample, routes in by_sample.items():
        scen = load_scenario()
        scen.beneficiation.sample = sample
        ore = ore_model(sample)
        chi = np.broadcast_to(ore.chi_default_m3_kg, (k, len(ore.minerals))).copy()
        for name, v in values.items():
            if name.startswith("susceptibility_m3_kg."):
                chi[:, ore.minerals.index(name.split(".", 1)[1])] = v
        arrays = {"beneficiation.susceptibility_m3_kg": chi, "beneficiation.d_lib_mm": values[f"d_lib_mm.{sample}"]}
        for name, v in values.items():
            if name.startswith("devices."):
                arrays["beneficiation." + name.split(".", 1)[1]] = v
        res = run_beneficiation(scen, k, arrays, routes=sorted(routes), keep_streams_max=0)
        for j, t in enumerate(tgts):
            if t["sample"] == sample:
                key = "sc_recovery_frac" if t["element"] == "Sc" else "tree_recovery_frac"
                out[:, j] = res.routes[t["route"]].metrics[key]
    return out


@dataclass
class CalibrationResult:
    """Fitted values, the model's recoveries at the targets and the fit diagnostics."""

    values: dict[str, float]
    achieved: np.ndarray
    targets: np.ndarray
    cost: float
    success: bool
    params: list[Parameter]

    @property
    def max_error_frac(self) -> float:
        return float(np.max(np.abs(self.achieved - self.targets)))


def calibrate(target_scale: float = 0.002, prior_weight: float = 0.5) -> CalibrationResult:
    """Fit the parameters of :func:`parameters` to the seed targets (deterministic; about a second)."""
    params = parameters()
    tgt = np.array([t["recovery_frac"] for t in targets()])
    theta0 = np.array([p.start for p in params])
    lo = np.array([p.lo for p in params])
    hi = np.array([p.hi for p in params])
    width = hi - lo
    step = 1e-6 * np.maximum(width, 1e-12) * 10.0

    def residual_parts(model: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return np.concatenate([(model - tgt) / target_scale, prior_weight * (theta - theta0) / width])

    def fun(theta: np.ndarray) -> np.ndarray:
        return residual_parts(evaluate(theta[None, :], params)[0], theta)

    def jac(theta: np.ndarray) -> np.ndarray:
        batch = np.repeat(theta[None, :], len(params) + 1, axis=0)
        h = np.where(theta + step <= hi, step, -step)
        batch[1:] += np.diag(h)
        model = evaluate(batch, params)
        j_model = (model[1:] - model[0]).T / h / target_scale
        j_prior = np.diag(prior_weight / width)
        return np.vstack([j_model, j_prior])

    sol = least_squares(fun, theta0, jac=jac, bounds=(lo, hi), method="trf", x_scale=width, xtol=1e-12,
                        ftol=1e-12, gtol=1e-12, max_nfev=200)
    achieved = evaluate(sol.x[None, :], params)[0]
    values = {p.name: float(10.0 ** sol.x[i] if p.log else sol.x[i]) for i, p in enumerate(params)}
    return CalibrationResult(values, achieved, tgt, float(sol.cost), bool(sol.success), params)


def fitted_document(result: CalibrationResult) -> dict[str, Any]:
    """The YAML document stored as ``data/beneficiation/fitted.yaml``."""
    src = load_data("beneficiation/targets.yaml")["source"]
    doc: dict[str, Any] = {
        "fitted_to": f"data/beneficiation/targets.yaml ({src})",
        "method": "scandia.beneficiation.calibration.calibrate (scipy least_squares, MAP with broad priors)",
        "devices": {},
        "d_lib_mm": {},
        "susceptibility_m3_kg": {},
        "achieved": [],
    }
    for name, v in result.values.items():
        head, _, rest = name.partition(".")
        if head == "devices":
            sect, key = rest.split(".")
            doc["devices"].setdefault(sect, {})[key] = round(v, 6)
        else:
            doc[head][rest] = float(f"{v:.6g}")
    for t, a in zip(targets(), result.achieved, strict=True):
        doc["achieved"].append({"route": t["route"], "sample": t["sample"], "element": t["element"],
                                "target_frac": t["recovery_frac"], "model_frac": round(float(a), 5)})
    return doc


def write_fitted(result: CalibrationResult, path: Path = FITTED_PATH) -> Path:
    """Write the fitted values (with their targets) to ``path``."""
    header = "# Written by `scandia calibrate --write`; do not edit by hand. Refit when targets or data change.\n"
    path.write_text(header + yaml.safe_dump(fitted_document(result), sort_keys=False), encoding="utf-8")
    return path
