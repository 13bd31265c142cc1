"""``scandia market [show] | calibrate``: the Sc2O3 market alone, its charts, and its fit to the price history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..core.errors import ScandiaError, ScenarioError
from .app import app
from .output import OutputFormat, _fail, out_console, out_folder

market_app = typer.Typer(add_completion=False, no_args_is_help=False, invoke_without_command=True,
                         help="market model: supply stack, demand by application, price path; its calibration")
app.add_typer(market_app, name="market")


@market_app.callback()
def market_main(
    ctx: typer.Context,
    scenario: Annotated[str | None, typer.Option(help="built-in name or YAML file (default crater-lake)")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the tables (CSV) and charts (market.html)")] = None,
    chain: Annotated[bool, typer.Option("--chain/--alone", help="the project's volume from the whole chain")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="stdout: tables or the JSON summary")] = (
        OutputFormat.table),
) -> None:
    """Without a sub-command: ``scandia market show`` (the options are show's)."""
    if ctx.invoked_subcommand is None:
        market_show(scenario, out, chain, format)


@market_app.command("show")
def market_show(
    scenario: Annotated[str | None, typer.Argument(help="built-in name or YAML file (default crater-lake)")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the tables (CSV) and charts (market.html)")] = None,
    chain: Annotated[bool, typer.Option("--chain/--alone", help="take the project's volume and cash cost from the "
                                        "whole chain (default: market.project_capacity_tpa, alone)")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="stdout: tables or the JSON summary")] = (
        OutputFormat.table),
) -> None:
    """Supply stack, demand by application and the price path with and without the project."""
    from ..chain import run
    from ..core.outputs import TABLES
    from ..market.figures import market_figures
    from ..scenario import load_scenario

    try:
        out_folder(out)
        scen = load_scenario(scenario)
        res = run(scen, stage=None if chain else "market", skip=("resource",) if chain else ())
        tables = {n: TABLES[n].build(scen, res.stages) for n in ("market_price_path", "market_supply",
                                                                 "market_demand", "market_cost_curve")}
        if out is not None:
            import plotly.io as pio

            try:
                for n, df in tables.items():
                    df.to_csv(out / f"{n}.csv", index=False)
                figs = market_figures(tables)
                html = "".join(pio.to_html(f, include_plotlyjs=(i == 0), full_html=False) for i, f in
                               enumerate(figs.values()))
                (out / "market.html").write_text(f"<html><head><meta charset='utf-8'><title>scandia market</title>"
                                                 f"</head><body>{html}</body></html>", encoding="utf-8")
            except OSError as exc:
                raise ScenarioError("--out", f"cannot write results: {exc.strerror or exc}") from None
    except ScandiaError as exc:
        _fail(str(exc))
    summary = res.summary["stages"]["market"]
    if format is OutputFormat.json:
        from ..core.files import json_safe

        sys.stdout.write(json.dumps(json_safe(summary), indent=2) + "\n")
        return
    from .output import _print_market

    _print_market(res.summary)
    cc = tables["market_cost_curve"]
    t = Table(title=f"Supply stack in {int(cc['year'].iloc[0])}: available capacity by cash cost",
              title_justify="left")
    for c in ("producer", "region", "kind", "available t/a", "cash cost US$/kg", "cumulative t/a"):
        t.add_column(c, justify="left" if c in ("producer", "region", "kind") else "right")
    for _, r in cc.iterrows():
        t.add_row(str(r["producer"]) + (" *" if r["is_project"] else ""), r["region"], r["kind"],
                  f"{r['available_tpa']:.1f}", f"{r['cash_cost_usd_per_kg']:.0f}", f"{r['cumulative_tpa']:.1f}")
    out_console.print(t)
    pp = tables["market_price_path"]
    t = Table(title="Price path, US$/kg Sc2O3 (median; P10-P90 when sampled), and the balance, t/a",
              title_justify="left")
    for c in ("year", "price", "without project", "demand", "supply", "project sold", "stock t"):
        t.add_column(c, justify="right")
    for _, r in pp[pp["year"] % 5 == 0].iterrows():
        t.add_row(str(int(r["year"])), f"{r['price_p50_usd_per_kg']:.0f}",
                  f"{r['price_without_project_p50_usd_per_kg']:.0f}",
                  f"{r['demand_tpa']:.1f}", f"{r['supply_tpa']:.1f}", f"{r['project_sold_tpa']:.1f}",
                  f"{r['stock_t']:.1f}")
    out_console.print(t)
    if out is not None:
        out_console.print(f"wrote 4 tables and market.html (charts, offline) to {out}/")


@market_app.command("calibrate")
def market_calibrate(
    write: Annotated[bool, typer.Option(help="write the fitted values (market/fitted.yaml)")] = False,
    to: Annotated[Path | None, typer.Option(help="folder to write to (default: the package's data folder, or "
                                                 "$SCANDIA_FITTED_DIR)")] = None,
) -> None:
    """Fit the by-product offer factor and the price-adjustment speed to the USGS price history; the held-back
    year against a persistence forecast."""
    from ..core.datafiles import fitted_dir, package_data_dir, reload_data
    from ..market.calibrate import fit_history, holdout_check, write_fitted

    fit = fit_history()
    hold = holdout_check()
    t = Table(title="Market fit to data/market/prices.yaml (one-step-ahead, log price)", title_justify="left")
    for c in ("year", "observed US$/kg", "forecast US$/kg"):
        t.add_column(c, justify="right")
    for y, o, f in zip(fit.years, fit.observed_usd_per_kg, fit.forecast_usd_per_kg, strict=True):
        t.add_row(str(int(y)), f"{o:.0f}", f"{f:.0f}")
    out_console.print(t)
    out_console.print(f"byproduct_offer_factor {fit.byproduct_offer_factor:.4f}, price_adjust_frac "
                      f"{fit.price_adjust_frac:.4f}, RMSE {100 * fit.rmse_log:.1f} % (log)")
    out_console.print(f"held back {int(hold['year'])}: observed {hold['observed_usd_per_kg']:.0f}, model "
                      f"{hold['model_usd_per_kg']:.0f} (|log error| {hold['model_abs_log_error']:.4f}), persistence "
                      f"{hold['persistence_usd_per_kg']:.0f} ({hold['persistence_abs_log_error']:.4f})")
    if write:
        root = to or fitted_dir() or package_data_dir()
        try:
            path = write_fitted(fit, root / "market" / "fitted.yaml")
        except OSError as exc:
            _fail(f"--to: cannot write to {root}: {exc.strerror or exc}")
        reload_data()
        out_console.print(f"wrote {path}")


@market_app.command("fixed-point")
def market_fixed_point(
    scenario: Annotated[str | None, typer.Argument(help="a scenario whose mine plan feeds the chain "
                                                        "(default examples/crater-lake-mine.yaml's settings)")] = None,
    tol: Annotated[float, typer.Option(help="relative change of price that ends the iteration")] = 0.01,
    max_iter: Annotated[int, typer.Option(help="most iterations")] = 12,
    out: Annotated[Path | None, typer.Option(help="CSV of the iterations")] = None,
) -> None:
    """Iterate the plan's Sc2O3 price (NSR cut-off, pit, schedule) to the price the market pays for its output."""
    from ..market.fixedpoint import price_fixed_point
    from ..scenario import load_scenario
    from .output import _spinner

    try:
        scen = load_scenario(scenario)
        if scenario is None:
            scen = scen.with_values({"resource.feeds_chain": True})
        with _spinner() as say:
            fp = price_fixed_point(scen, tol=tol, max_iter=max_iter,
                                   progress=lambda p: say(f"chain with the mine planned at {p:.0f} US$/kg"))
        if out is not None:
            try:
                fp.iterations.to_csv(out, index=False)
            except OSError as exc:
                raise ScenarioError("--out", f"cannot write {out}: {exc.strerror or exc}") from None
    except ScandiaError as exc:
        _fail(str(exc))
    t = Table(title="Plan price against the market's realised price (discounted, by tonnes sold)",
              title_justify="left")
    for c in ("it", "plan US$/kg", "realised US$/kg", "change", "NSR cut-off g/t", "mill cut-off g/t",
              "life a", "sold", "NPV market US$M"):
        t.add_column(c, justify="right")
    for _, r in fp.iterations.iterrows():
        t.add_row(str(int(r["iteration"])), f"{r['plan_price_usd_per_kg']:.0f}",
                  f"{r['realised_price_usd_per_kg']:.0f}",
                  f"{100 * r['change_frac']:+.1f} %", f"{r['nsr_cutoff_sc2o3_g_per_t']:.0f}",
                  f"{r['mill_cutoff_sc2o3_g_per_t']:.0f}", f"{r['mine_life_years']:.0f}",
                  f"{100 * r['project_sold_frac']:.0f} %", f"{r['npv_market_musd']:.0f}")
    out_console.print(t)
    word = "converged" if fp.converged else f"not converged in {max_iter} iterations"
    out_console.print(f"{word}: plan price {fp.price_usd_per_kg:.0f} US$/kg (tolerance {100 * tol:g} %)")
