"""Grade-recovery curves: each route's concentrate as its cut point moves.

The cut points are laid along the scenario axis, so a whole curve is one vectorized run. Moving the WHIMS field
(LIMS+WHIMS), the DMS cut density, the XRT ratio threshold or the heavy-liquid density traces the trade-off
between concentrate grade and recovery that a metallurgist reads off a washability or grade-recovery plot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.datafiles import load_data
from ..scenario.schema import Scenario
from .stage import run_beneficiation

__all__ = ["CUT_PARAMETERS", "grade_recovery_curve"]

#: the parameter each route's curve moves: (array key, data-file section, data-file key)
CUT_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "lims_whims": ("beneficiation.whims.field_t", "whims", "field_t"),
    "dms": ("beneficiation.dms.d50_t_m3", "dms", "d50_t_m3"),
    "xrt": ("beneficiation.xrt.ratio_threshold", "xrt", "ratio_threshold"),
    "hls": ("beneficiation.hls.liquid_density_t_m3", "hls", "liquid_density_t_m3"),
}

_COLUMNS = ("mass_pull_frac", "sc_recovery_frac", "tree_recovery_frac", "concentrate_grade_sc_ppm",
            "concentrate_grade_sc2o3_ppm", "concentrate_treo_ppm")


def grade_recovery_curve(scenario: Scenario, route: str, n_points: int = 25) -> pd.DataFrame:
    """Concentrate mass pull, grades and recoveries at ``n_points`` cut points across the parameter's range."""
    key, sect, field = CUT_PARAMETERS[route]
    spec = load_data("beneficiation/devices.yaml")[sect][field]
    cuts = np.linspace(spec["min"], spec["max"], n_points)
    res = run_beneficiation(scenario, n_points, {key: cuts}, routes=[route], keep_streams_max=0)
    m = res.routes[route].metrics
    df = pd.DataFrame({"route": route, "cut_parameter": key.split(".", 1)[1], "cut_value": cuts})
    for c in _COLUMNS:
        df[c] = m[c]
    df["status"] = res.routes[route].status
    return df
