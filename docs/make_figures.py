"""Regenerate the documentation figures: ``python docs/make_figures.py [OUT_DIR]`` (default docs/figures)."""

from __future__ import annotations

import sys
from pathlib import Path

from scandia.beneficiation.calibration import targets
from scandia.beneficiation.curves import grade_recovery_curve
from scandia.beneficiation.stage import fitted_parameters, run_beneficiation
from scandia.hydromet.report import tradeoff_curve
from scandia.report.svg import bar_chart, line_chart
from scandia.scenario import load_scenario
from scandia.scenario.schema import load_data


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


def hydromet_validation_figure() -> str:
    """Published vs modelled: Phase III leach extractions and PrOMMiS's SX outlets (as fractions extracted)."""
    import numpy as np

    from scandia.hydromet.calibration import leach_extraction
    from scandia.hydromet.peers import PROMMIS_METALS, prommis_sx_case

    fit = load_data("hydromet/fitted.yaml")
    rf, af = np.array([fit["common"]["rate_factor"]]), np.array([fit["mineral_rate_factor"]["allanite"]])
    m1, m2 = leach_extraction("met01", rf, af), leach_extraction("met02", rf, af)
    case = load_data("hydromet/prommis_sx_case.yaml")
    res, mw = prommis_sx_case(1)
    raf = {e: res.raffinate[0, j] * mw[j] * 1e3 for j, e in enumerate(PROMMIS_METALS)}
    cats = ["leach\nSc MET01\n(fitted)", "leach\nTREE MET01\n(fitted)", "leach\nSc MET02", "leach\nTREE MET02"]
    pub = [0.87, 0.84, 0.84, 0.84]
    mod = [m1["Sc"][0], m1["TREE"][0], m2["Sc"][0], m2["TREE"][0]]
    for e in ("Sc", "Fe", "Al", "Dy"):
        cats.append(f"SX {e}\nPrOMMiS")
        feed = case["aqueous_feed_mg_l"][e]
        pub.append(1 - case["expected_raffinate_mg_l"][e] / feed)
        mod.append(1 - raf[e] / feed)
    return bar_chart(cats, {"published": pub, "scandia": mod},
                     "Hydromet validation: Phase III leach (2021) and PrOMMiS steady SX test", "fraction extracted")


def leach_tradeoff_figure() -> str:
    scen = load_scenario("crater-lake-sulfuric")  # H2SO4: tank, acid bake and heap side by side
    ben = run_beneficiation(scen, routes=["lims_whims"])
    sel = ben.routes["lims_whims"].metrics
    df = tradeoff_curve(scen, ben.concentrate, sel["feed_tph"], sel["sc_recovery_frac"])
    lines = {r: (list(g["leach_acid_cost_usd_per_t_ore"]), list(g["payable_sc_recovery_frac"]))
             for r, g in df.groupby("leach_route")}
    return line_chart(lines, "Acid cost against payable Sc recovery (ore to Sc2O3), crater-lake-sulfuric",
                      "leach acid cost, US$ per t ore", "payable Sc recovery (fraction)", (0.0, 300.0), (0.0, 1.0))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "beneficiation_calibration.svg").write_text(calibration_figure(), encoding="utf-8")
    (out / "grade_recovery.svg").write_text(grade_recovery_figure(), encoding="utf-8")
    (out / "hydromet_validation.svg").write_text(hydromet_validation_figure(), encoding="utf-8")
    (out / "leach_tradeoff.svg").write_text(leach_tradeoff_figure(), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "figures")
