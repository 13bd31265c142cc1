"""Grade-recovery curves: each route's concentrate as its cut point moves.

The cut points are laid along the scenario axis, so a whole curve is one vectorized run. Moving the WHIMS field
(LIMS+WHIMS), the DMS cut density, the XRT ratio threshold or the heavy-liquid density traces the trade-off
between concentrate grade and recovery that a metallurgist reads off a washability or grade-recovery plot.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..scenario.schema import Scenario
from .routes import CONCENTRATION_ROUTES
from .stage import run_beneficiation

__all__ = ["cut_parameter", "grade_recovery_curve"]


def cut_parameter(route: str) -> tuple[str, float, float]:
    """(dotted field, low, high) a route's grade-recovery curve sweeps: the registry's cut field over its
    declared bounds."""
    return CONCENTRATION_ROUTES[route].sweep()


_COLUMNS = ("mass_pull_frac", "sc_recovery_frac", "tree_recovery_frac", "concentrate_grade_sc_ppm",
            "concentrate_grade_sc2o3_ppm", "concentrate_treo_ppm")


def grade_recovery_curve(scenario: Scenario, route: str, n_points: int = 25) -> pd.DataFrame:
    """Concentrate mass pull, grades and recoveries at ``n_points`` cut points across the parameter's range."""
    key, lo, hi = cut_parameter(route)
    cuts = np.linspace(lo, hi, n_points)
    res = run_beneficiation(scenario, n_points, {key: cuts}, routes=[route], keep_streams_max=0)
    m = res.routes[route].metrics
    df = pd.DataFrame({"route": route, "cut_parameter": key.split(".", 1)[1], "cut_value": cuts})
    for c in _COLUMNS:
        df[c] = m[c]
    df["status"] = res.routes[route].status
    return df


def grade_recovery_table(scenario: Scenario, result: Any) -> pd.DataFrame:
    """The grade-recovery curve of every concentration route the stage ran (one frame, column ``route``)."""
    return pd.concat([grade_recovery_curve(scenario, r) for r in result.routes], ignore_index=True)
