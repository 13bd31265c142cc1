"""The JSON run summary shared by every interface (DESIGN.md, "The run summary").

A metric is a number when ``n = 1`` and ``{"mean", "p10", "p50", "p90"}`` when ``n > 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .status import Status, count

__all__ = ["metric_summary", "run_summary"]


def metric_summary(values: np.ndarray, ok: np.ndarray | None = None) -> float | dict[str, float] | None:
    """Summarise one metric over scenarios (scenarios whose status is not usable are left out)."""
    v = np.asarray(values, dtype=float)
    if ok is not None:
        v = v[ok]
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    if np.asarray(values).size == 1:
        return float(v[0])
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return {"mean": float(v.mean()), "p10": float(p10), "p50": float(p50), "p90": float(p90)}


def run_summary(
    *, version: str, scenario: str, seed: int, n: int, status: np.ndarray, stages: dict[str, Any]
) -> dict[str, Any]:
    """The top-level summary object written as ``summary.json``."""
    counts = count(status)
    return {
        "scandia_version": version,
        "scenario": scenario,
        "seed": int(seed),
        "n_scenarios": int(n),
        "status": counts,
        "status_codes": {s.name: int(s) for s in Status},
        "stages": stages,
    }
