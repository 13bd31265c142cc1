"""Uncertainty through the chain: one vectorized pass over all samples, output distribution, tornado and Sobol.

- Monte Carlo: the sampled fields go to :func:`scandia.chain.run` as per-scenario arrays; every stage runs once.
- Tornado (one at a time): each uncertain field at its 10th and 90th percentile with the others at their
  scenario values; all 2k cases in one chain call.
- Sobol first-order and total indices: Saltelli's sampling and estimators through SALib (Herman & Usher, JOSS
  2 (2017) 97; Saltelli et al., Comput. Phys. Commun. 181 (2010) 259), again in one chain call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ScenarioError
from ..core.status import Status
from ..scenario.schema import Scenario
from .sampling import scenario_samples

__all__ = ["MonteCarlo", "distribution_summary", "monte_carlo", "output_values", "sobol_analysis", "sobol_indices",
           "tornado"]


def output_values(result: Any, output: str) -> np.ndarray:
    """The (n,) values of ``stage.metric`` from a chain result."""
    stage, _, metric = output.partition(".")
    if stage not in result.stages or metric not in getattr(result.stages[stage], "metrics", {}):
        raise ScenarioError("uncertainty.output", f"{output!r} is not a metric of the run (stage.metric)")
    return np.asarray(result.stages[stage].metrics[metric], dtype=float)


@dataclass
class MonteCarlo:
    samples: dict[str, np.ndarray]
    result: Any
    output: str
    values: np.ndarray


def monte_carlo(scenario: Scenario, n: int | None = None, progress: Any = None,
                chunk_size: int | None = None) -> MonteCarlo:
    """Sample the scenario's distributions and run the chain over all samples: one vectorized call up to
    ``chunk_size`` samples (default :data:`scandia.chain.CHUNK_SAMPLES`), else chunk by chunk keeping per sample
    only the metrics and status (:func:`scandia.chain.run_chunked`); ``progress(done, total)`` counts chunks."""
    from ..chain import CHUNK_SAMPLES, run_chunked

    u = scenario.uncertainty
    n = int(n or u.samples)
    if not u.distributions:
        raise ScenarioError("uncertainty.distributions", "no field has a distribution; nothing to sample")
    s = scenario_samples(scenario, n)
    res = run_chunked(scenario, n, s, chunk_size or CHUNK_SAMPLES, progress=progress)
    return MonteCarlo(s, res, u.output, output_values(res, u.output))


def distribution_summary(values: np.ndarray, status: np.ndarray, bins: int = 30) -> dict[str, Any]:
    """P10/P50/P90, mean, probability of a negative value and histogram data (usable scenarios only)."""
    ok = (np.asarray(status) < Status.not_converged) & np.isfinite(values)
    v = values[ok]
    if v.size == 0:
        return {"n_usable": 0}
    counts, edges = np.histogram(v, bins=bins)
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return {"n_usable": int(v.size), "mean": float(v.mean()), "p10": float(p10), "p50": float(p50),
            "p90": float(p90), "prob_negative": float((v < 0).mean()),
            "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}}


def tornado(scenario: Scenario, output: str | None = None) -> pd.DataFrame:
    """Output at each field's P10 and P90 (others at their scenario values), sorted by swing."""
    from ..chain import run

    u = scenario.uncertainty
    output = output or u.output
    paths = list(u.distributions)
    if not paths:
        raise ScenarioError("uncertainty.distributions", "no field has a distribution")
    base = scenario.arrays(1)
    k = len(paths)
    arrays = {p: np.full(2 * k + 1, float(base[p][0])) for p in paths}
    for j, p in enumerate(paths):
        lo, hi = u.distributions[p].ppf(np.array([0.1, 0.9]))
        arrays[p][2 * j] = lo
        arrays[p][2 * j + 1] = hi
    res = run(scenario, n=2 * k + 1, arrays=arrays)
    vals = output_values(res, output)
    rows = []
    for j, p in enumerate(paths):
        rows.append({"input": p, "p10_value": arrays[p][2 * j], "p90_value": arrays[p][2 * j + 1],
                     "output_at_p10": vals[2 * j], "output_at_p90": vals[2 * j + 1],
                     "swing": abs(vals[2 * j + 1] - vals[2 * j])})
    df = pd.DataFrame(rows).sort_values("swing", ascending=False).reset_index(drop=True)
    df.attrs["base_output"] = float(vals[-1])
    df.attrs["output"] = output
    return df


def sobol_analysis(func: Any, dists: dict[str, Any], n_base: int = 256, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of ``func`` (dict of (N,) arrays -> (N,) values) with
    SALib's Saltelli scheme; the inputs are drawn through their inverse CDFs from Saltelli's uniform design, so
    the indices refer to the stated marginals (Sobol indices assume independent inputs)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    paths = list(dists)
    problem = {"num_vars": len(paths), "names": paths, "bounds": [[0.0, 1.0]] * len(paths)}
    unit = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    y = np.asarray(func({p: dists[p].ppf(unit[:, j]) for j, p in enumerate(paths)}), dtype=float)
    if not np.all(np.isfinite(y)):
        raise ScenarioError("uncertainty.output", "the output is not finite for every sample (check run status)")
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    return pd.DataFrame({"input": paths, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                         "ST_conf": si["ST_conf"]}).sort_values("ST", ascending=False).reset_index(drop=True)


def sobol_indices(scenario: Scenario, n_base: int = 256, output: str | None = None,
                  seed: int | None = None) -> pd.DataFrame:
    """Sobol indices of a chain output over the scenario's distributions: the N(k+2) runs as one chain call, or
    chunk by chunk past :data:`scandia.chain.CHUNK_SAMPLES` (memory bounded by one chunk)."""
    from ..chain import CHUNK_SAMPLES, run_chunked

    u = scenario.uncertainty
    output = output or u.output
    if not u.distributions:
        raise ScenarioError("uncertainty.distributions", "no field has a distribution")

    def func(arrays: dict[str, np.ndarray]) -> np.ndarray:
        n = next(iter(arrays.values())).size
        return output_values(run_chunked(scenario, n, arrays, CHUNK_SAMPLES), output)

    return sobol_analysis(func, u.distributions, n_base, scenario.seed if seed is None else seed)
