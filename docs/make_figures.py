"""Regenerate the documentation figures: ``python docs/make_figures.py [OUT_DIR]`` (default docs/figures)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from scandia.beneficiation.calibration import targets
from scandia.beneficiation.curves import grade_recovery_curve
from scandia.beneficiation.stage import fitted_parameters, run_beneficiation
from scandia.core.datafiles import load_data
from scandia.hydromet.report import tradeoff_curve
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


def caustic_validation_figure() -> str:
    """Sc and TREE+Y extraction of the fitted caustic route against autoclave residence time (MET01), with the
    Phase III (2021) and optimisation (2022) figures as horizontal lines."""
    from scandia.hydromet.calibration import optimisation_check

    r = optimisation_check()
    grid, ext = r["grid"]["time_h"]
    lines = {"Sc, model (220 C, 30 wt% NaOH)": (list(grid), list(ext["Sc"])),
             "TREE+Y, model": (list(grid), list(ext["TREE"])),
             "Sc Phase III MET01 (87 %)": ([grid[0], grid[-1]], [0.87, 0.87]),
             "Sc optimisation 2022 (96 %)": ([grid[0], grid[-1]], [0.96, 0.96]),
             "TREE+Y optimisation 2022 (94 %)": ([grid[0], grid[-1]], [0.94, 0.94])}
    return line_chart(lines, "Caustic crack then HCl: leach extraction vs autoclave time (MET01, fitted at 2 h)",
                      "autoclave residence time, h", "extraction to leach liquor (fraction)", (0.0, 12.0),
                      (0.4, 1.0))


def acid_loop_figure() -> str:
    """Fresh HCl per t of ore by HCl route against the published range of REE projects (Bogner 2014), and the
    roaster's fuel per m3 of spent pickle liquor against the published range of spray-roasting plants."""
    from scandia.hydromet.validation import acid_loop_check

    r = acid_loop_check()
    cats = [*r["hcl_kg_per_t_ore"], "roaster, GJ/m3 x 100"]
    model = [*r["hcl_kg_per_t_ore"].values(), 100.0 * r["roaster_gj_per_m3"]]
    lo = [100.0] * len(r["hcl_kg_per_t_ore"]) + [250.0]
    hi = [1000.0] * len(r["hcl_kg_per_t_ore"]) + [500.0]
    return bar_chart(cats, {"published low": lo, "scandia": model, "published high": hi},
                     "Acid loop: fresh HCl per t ore (REE projects 100-1,000, Bogner 2014) and roaster fuel "
                     "(2.5-5.0 GJ/m3)", "kg HCl per t ore; GJ per m3 x 100")


def footprint_figure() -> str:
    """CO2e per kg Sc2O3 of each HCl route by source, beside the one published LCA value found (Zhang et al.
    2019)."""
    from scandia.hydromet.validation import PUBLISHED_SC2O3_KG_CO2E_PER_KG, footprint_by_route

    fp = footprint_by_route()
    routes = list(fp)
    groups = list(next(iter(fp.values())))
    series = {"total": [sum(fp[r].values()) for r in routes] + [PUBLISHED_SC2O3_KG_CO2E_PER_KG]}
    series.update({g: [fp[r][g] for r in routes] + [0.0] for g in groups})
    top = 1000.0 * math.ceil(max(series["total"]) / 1000.0)
    return bar_chart([*routes, "Zhang et al.\n2019 (LCA)"], series,
                     "CO2e per kg Sc2O3 by HCl route and source (whole site on the oxide), against the published LCA",
                     "kg CO2e per kg Sc2O3", (0.0, top))


def leach_tradeoff_figure() -> str:
    scen = load_scenario("crater-lake-sulfuric")  # H2SO4: tank, acid bake and heap side by side
    ben = run_beneficiation(scen, routes=["lims_whims"])
    sel = ben.routes["lims_whims"].metrics
    df = tradeoff_curve(scen, ben.concentrate, sel["feed_tph"], sel["sc_recovery_frac"])
    lines = {r: (list(g["leach_acid_cost_usd_per_t_ore"]), list(g["payable_sc_recovery_frac"]))
             for r, g in df.groupby("leach_route")}
    return line_chart(lines, "Acid cost against payable Sc recovery (ore to Sc2O3), crater-lake-sulfuric",
                      "leach acid cost, US$ per t ore", "payable Sc recovery (fraction)", (0.0, 300.0), (0.0, 1.0))


def alloy_validation_figure() -> str:
    """Model microhardness after Knipling et al.'s isochronal steps, with their published peaks."""
    from scandia.alloy.validation import KNIPLING_2011, knipling_isochronal

    short = {"Al-0.06Sc": "Sc", "Al-0.06Zr": "Zr", "Al-0.06Sc-0.06Zr": "Sc+Zr"}
    lines = {}
    for casting, tag in (("chill", "cast"), ("supersaturated", "uniform")):
        curves = knipling_isochronal(casting=casting)
        lines |= {f"{tag} {short[k]}": (list(c["temp_c"]), list(c["hardness_mpa"])) for k, c in curves.items()}
    for k, rec in KNIPLING_2011.items():
        lines[f"Knipling {short[k]}"] = ([rec["peak_c"]], [rec["peak_hv_mpa"]])
    return line_chart(lines, "Isochronal aging (3 h per 25 C step): model as chill cast (segregated) and in uniform "
                      "solution vs published peaks",
                      "aging step temperature, C", "microhardness, MPa", (150.0, 600.0), (0.0, 800.0))


def alloy_kawin_figure() -> str:
    """scandia's KWN against kawin 0.5.0 on the same Al-0.2Sc case (kawin values stored from its run)."""
    import json

    import numpy as np

    from scandia.alloy.kwn import PrecipitationModel, Schedule, Solute

    ref = json.loads((Path(__file__).parents[1] / "benchmarks" / "data" / "kawin_reference.json").read_text())
    sol = Solute("SC", 1.9e-4, 164000.0, 1.689, 52010.0, -109500.0, 2.5)  # kawin's AlScZr.tdb solvus
    model = PrecipitationModel(solutes=(sol,), bins=640, a_matrix_m=0.405e-9, a_precip_m=0.4196e-9,
                               nucleation_sites="solute")
    t_h = np.geomspace(0.05, 100.0, 30)
    res = model.solve(np.array([[0.002]]), Schedule([[623.0]], [[100 * 3600.0]]), t_h * 3600.0)
    lt = list(np.log10(t_h))
    lines = {"scandia r, nm": (lt, list(res.mean_radius_nm[0])),
             "kawin r, nm": (list(np.log10(ref["times_h"])), ref["radius_nm"]),
             "scandia N/1e21": (lt, list(res.number_density_m3[0] / 1e21)),
             "kawin N/1e21": (list(np.log10(ref["times_h"])), [v / 1e21 for v in ref["number_density_m3"]])}
    return line_chart(lines, "Al-0.2 at.% Sc at 623 K: scandia KWN vs kawin 0.5.0 (same inputs)",
                      "log10 aging time, h", "radius (nm) / number density (1e21 m-3)", (-1.4, 2.0), (0.0, 12.0))


def alloy_phase_figure() -> str:
    """Al-rich Al-Sc diagram from scandia's description, with the published anchors."""
    from scandia.alloy.report import binary_phase_table

    t = binary_phase_table()
    anchors = load_data("alloy/thermo.yaml")["anchors"]
    fuj = anchors["solvus"]["points"]
    lines = {c: (list(d["sc_at_pct"]), list(d["temp_c"])) for c, d in t.groupby("curve", sort=False)
             if c != "eutectic"}
    lines["Fujikawa solvus"] = ([100 * p[1] for p in fuj], [p[0] - 273.15 for p in fuj])
    lines["Gschneidner eut."] = ([100 * anchors["eutectic_x_sc"]["value"]],
                                 [anchors["eutectic_temp_k"]["value"] - 273.15])
    eut = t[t["curve"] == "eutectic"].iloc[0]
    return line_chart(lines, f"Al-rich Al-Sc (scandia description): eutectic {eut['temp_c']:.1f} C at "
                      f"{eut['sc_at_pct']:.2f} at.% Sc", "Sc, at.%", "temperature, C", (0.0, 0.6), (420.0, 700.0))


def alloy_pareto_figure() -> str:
    """Cost premium against yield strength for Sc/Zr-modified 535 (Pareto front of the design grid)."""
    from scandia.alloy.design import design

    res = design("535", 250.0)
    front = res.pareto
    return line_chart({"Pareto front": (list(front["yield_mpa"]),
                                                        list(front["cost_premium_usd_per_kg"]))},
                      "535 + Sc/Zr: cheapest cost premium for each yield strength (Sc2O3 US$3,000/kg)",
                      "yield strength, MPa", "cost premium, US$ per kg casting", (100.0, 400.0), (0.0, 25.0))


def economics_validation_figure() -> str:
    """Published against modelled NPV and IRR of two scandium project studies."""
    from scandia.economics.validation import PUBLISHED, nyngan, owendale

    ow = owendale()
    _, ny8, ny10 = nyngan()
    cats = ["Owendale\nNPV8, US$M", "Owendale\nIRR x 1000", "Nyngan\nNPV10, US$M", "Nyngan\nIRR x 1000"]
    published = [PUBLISHED["owendale"]["npv8_musd"], 1000 * PUBLISHED["owendale"]["irr_frac"],
                 PUBLISHED["nyngan"]["npv10_musd"], 1000 * PUBLISHED["nyngan"]["irr_frac"]]
    model = [ow.npv_usd[0] / 1e6, 1000 * ow.irr_frac[0], ny10.npv_usd[0] / 1e6, 1000 * ny8.irr_frac[0]]
    return bar_chart(cats, {"published": published, "scandia": model},
                     "Sc project studies from their stated inputs (Nyngan: price fitted to NPV8)", "value",
                     (0.0, 400.0))


def resource_grade_tonnage_figure() -> str:
    """Grade-tonnage of the synthetic deposit's mineralised domain: kriged blocks, the true block grades of the
    same blocks (the field the drill holes sampled, averaged over 8 points per block) and the P10-P50-P90 of 50
    conditional simulations averaged to the same blocks. Kriging smooths, so its curve falls below the truth
    at high cut-offs; the simulations carry the SMU's real spread. Blocks on the lens contact hold waste in
    the truth but not in the hard-boundary estimate, so the truth lies below both at low cut-offs."""
    import numpy as np

    from scandia.resource.estimate import estimate_resource, grade_tonnage
    from scandia.resource.kriging import discretisation_offsets
    from scandia.resource.simulate import simulate_resource
    from scandia.resource.synthetic import synthetic_deposit

    dep = synthetic_deposit()
    est = estimate_resource(dep.drillholes(), surface_m=float(dep.origin[2]))
    sim = simulate_resource(est)
    d = est.blocks.data
    m = sim.blocks
    c = est.blocks.grid.centres()[m]
    offs = discretisation_offsets(est.blocks.grid.size_m, (2, 2, 2))
    true = dep.truth((c[:, None, :] + offs[None]).reshape(-1, 3))["sc2o3_g_per_t"].to_numpy()
    true = true.reshape(len(c), -1).mean(axis=1)
    cut = np.arange(0.0, 501.0, 25.0)
    t = d["tonnes"].to_numpy()[m]
    kr = grade_tonnage(d["sc2o3_g_per_t"].to_numpy()[m], t, cut)
    tr = grade_tonnage(true, t, cut)
    band = sim.grade_tonnage_band(cut)
    lines = {"kriged blocks, Mt": (list(cut), list(kr["tonnes"] / 1e6)),
             "true blocks, Mt": (list(cut), list(tr["tonnes"] / 1e6))}
    for p in (10, 50, 90):
        lines[f"simulated P{p}, Mt"] = (list(cut), list(band[f"tonnes_mt_p{p}"]))
    return line_chart(lines, "Synthetic deposit, mineralised domain: tonnes above cut-off, kriged, simulated, true",
                      "cut-off, g/t Sc2O3", "tonnes above cut-off, Mt", (0.0, 500.0),
                      (0.0, 5.0 * math.ceil(float(kr["tonnes"].max()) / 5e6)))


def resource_babbitt_figure() -> str:
    """Distance between pygslib's desurveyed mid-points of its 12 Babbitt kriging samples and scandia's nearest
    composite mid-point (ft; tests/validation/test_babbitt.py), against the test's 1 ft bound."""
    from scandia.resource.validation import babbitt_desurvey_check

    _, near = babbitt_desurvey_check(Path(__file__).resolve().parents[1] / "tests" / "data" / "babbitt")
    cats = [f"{h} {f:.0f}" for h, f in zip(near["hole_id"], near["from_ft"], strict=True)]
    return bar_chart(cats, {"scandia vs pygslib, ft": list(near["distance_ft"]), "test bound, ft": [1.0] * len(cats)},
                     "Babbitt drill holes: desurveyed sample mid-points, scandia vs pygslib", "distance, ft",
                     (0.0, 1.2))


def market_validation_figure() -> str:
    """USGS MCS 2026 prices, the model's one-step-ahead forecasts (fitted on all years), the held-back 2025
    forecast (fitted without it) and the persistence forecasts (tests/validation/test_market_validation.py)."""
    from scandia.market.calibrate import fit_history, history, holdout_check

    years, prices, _ = history()
    fit = fit_history()
    hold = holdout_check()
    lines = {"USGS MCS 2026, US$/kg": (list(years), list(prices)),
             "model, one step ahead": (list(fit.years), list(fit.forecast_usd_per_kg)),
             "persistence (last year)": (list(years[1:]), list(prices[:-1])),
             "model fitted without 2025": ([2024.0, 2025.0], [float(prices[-2]), hold["model_usd_per_kg"]])}
    return line_chart(lines, "Sc2O3 price: fit and held-back 2025 (USGS MCS 2026 basis)", "year", "US$/kg Sc2O3",
                      (2021.0, 2025.0), (500.0, 1000.0))


def market_price_path_figure() -> str:
    """The default market with a 90 t/a project from 2031 (run alone) and without it, and the history."""
    from scandia.market.stage import run_market

    r = run_market(load_scenario(), 1)
    y = [float(v) for v in r.path.years if v <= 2070]
    k = len(y)
    lines = {"with the project (90 t/a from 2031)": (y, list(r.path.price_usd_per_kg[0, :k])),
             "without it": (y, list(r.baseline.price_usd_per_kg[0, :k]))}
    top = 500.0 * math.ceil(max(max(v) for _, v in lines.values()) / 500.0)
    return line_chart(lines, "Sc2O3 price path, default market (US$/kg, USGS basis)", "year", "US$/kg Sc2O3",
                      (2021.0, 2070.0), (0.0, top))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "beneficiation_calibration.svg").write_text(calibration_figure(), encoding="utf-8")
    (out / "grade_recovery.svg").write_text(grade_recovery_figure(), encoding="utf-8")
    (out / "hydromet_validation.svg").write_text(hydromet_validation_figure(), encoding="utf-8")
    (out / "leach_tradeoff.svg").write_text(leach_tradeoff_figure(), encoding="utf-8")
    (out / "caustic_validation.svg").write_text(caustic_validation_figure(), encoding="utf-8")
    (out / "acid_loop.svg").write_text(acid_loop_figure(), encoding="utf-8")
    (out / "footprint_by_route.svg").write_text(footprint_figure(), encoding="utf-8")
    (out / "alloy_validation.svg").write_text(alloy_validation_figure(), encoding="utf-8")
    (out / "alloy_kwn_kawin.svg").write_text(alloy_kawin_figure(), encoding="utf-8")
    (out / "alloy_phase.svg").write_text(alloy_phase_figure(), encoding="utf-8")
    (out / "alloy_pareto.svg").write_text(alloy_pareto_figure(), encoding="utf-8")
    (out / "economics_validation.svg").write_text(economics_validation_figure(), encoding="utf-8")
    (out / "resource_grade_tonnage.svg").write_text(resource_grade_tonnage_figure(), encoding="utf-8")
    (out / "resource_babbitt_desurvey.svg").write_text(resource_babbitt_figure(), encoding="utf-8")
    (out / "market_validation.svg").write_text(market_validation_figure(), encoding="utf-8")
    (out / "market_price_path.svg").write_text(market_price_path_figure(), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "figures")
