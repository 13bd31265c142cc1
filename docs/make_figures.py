"""Regenerate the documentation figures: ``python docs/make_figures.py [OUT_DIR]`` (default docs/figures)."""

from __future__ import annotations

import sys
from pathlib import Path

from scandia.beneficiation.calibration import targets
from scandia.beneficiation.curves import grade_recovery_curve
from scandia.beneficiation.stage import fitted_parameters
from scandia.report.svg import bar_chart, line_chart
from scandia.scenario import load_scenario


def calibration_figure() -> str:
    achieved = fitted_parameters()["achieved"]
    cats = [f"{t['route']}\n{t['sample']}\n{t['element']}" for t in targets()]
    return bar_chart(
        cats,
        {"seed release": [t["recovery_frac"] for t in targets()],
         "scandia fit": [a["model_frac"] for a in achieved]},
        "Recovery to concentrate: Crater Lake Phase II vs scandia", "recovery (fraction)")


def grade_recovery_figure() -> str:
    scen = load_scenario()
    lines = {}
    for route in ("lims_whims", "dms", "xrt", "hls"):
        df = grade_recovery_curve(scen, route, 21).sort_values("sc_recovery_frac")
        lines[route] = (list(df["sc_recovery_frac"]), list(df["concentrate_grade_sc_ppm"]))
    return line_chart(lines, "Grade-recovery as the cut point moves (crater-lake, sample 1)",
                      "Sc recovery (fraction)", "concentrate grade, ppm Sc", (0.0, 1.0), (0.0, 450.0))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "beneficiation_calibration.svg").write_text(calibration_figure(), encoding="utf-8")
    (out / "grade_recovery.svg").write_text(grade_recovery_figure(), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "figures")
