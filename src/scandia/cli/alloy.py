"""``scandia alloy design | tdb``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import Progress
from rich.table import Table

from ..core.errors import ScandiaError, ScenarioError
from .app import app
from .output import (
    OutputFormat,
    _aging_text,
    _fail,
    err_console,
    out_console,
)

alloy_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="alloy tools: inverse design, phase diagram data, TDB export")
app.add_typer(alloy_app, name="alloy")


@alloy_app.command("design")
def alloy_design(
    base: Annotated[str, typer.Option(help="base alloy (535 | al)")] = "535",
    target_yield: Annotated[str, typer.Option(help='target yield strength, e.g. "250 MPa"')] = "250 MPa",
    sc2o3_price: Annotated[str, typer.Option(help="Sc2O3 price, US$/kg")] = "3000",
    route: Annotated[str, typer.Option(help="master-alloy route")] = "aluminothermic_sc2o3",
    second_step: Annotated[str | None, typer.Option(
        help='a second aging step after each design\'s aging, priced, e.g. "400 C, 8 h"')] = None,
    exposure: Annotated[str | None, typer.Option(
        help='a thermal exposure the part must survive after aging, not priced, e.g. "400 C, 8 h"')] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the design table and Pareto front")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="stdout: a table or JSON")] = OutputFormat.table,
) -> None:
    """Cheapest Sc/Zr content and aging schedule meeting a target yield; the cost-strength Pareto front."""
    from ..alloy.design import design
    from ..alloy.master_alloy import MASTER_ROUTES
    from ..scenario.quantity import to_unit

    try:
        try:
            bare = target_yield.strip().replace(".", "", 1).isdigit()
            target = to_unit(float(target_yield) if bare else target_yield, "megapascal")
        except ValueError as exc:
            raise ScenarioError("--target-yield", str(exc)) from None
        try:
            price = float(sc2o3_price)
        except ValueError:
            raise ScenarioError("--sc2o3-price", f"expected a number of US$/kg, got {sc2o3_price!r}") from None
        if not 100.0 <= price <= 20000.0:
            raise ScenarioError("--sc2o3-price", "must be between 100 and 20000 US$/kg")
        second = None if second_step is None else _parse_step(second_step, "--second-step")
        expo = None if exposure is None else _parse_step(exposure, "--exposure")
        if route not in MASTER_ROUTES:
            raise ScenarioError("--route", f"unknown route {route!r}; available: {', '.join(MASTER_ROUTES)}")
        if out is not None:
            if out.exists() and not out.is_dir():
                raise ScenarioError("--out", f"{out} exists and is not a folder")
            try:  # fail before the computation, not after it
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ScenarioError("--out", f"cannot create {out}: {exc.strerror or exc}") from None
        with Progress(transient=True, console=err_console) as progress:
            task = progress.add_task("evaluating the design grid (KWN + strength), by casting process", total=1.0)
            res = design(base, target, sc2o3_usd_per_kg=price, master_route=route, second_step=second, exposure=expo,
                         progress=lambda done: progress.update(task, completed=done))
        if out is not None:
            try:
                res.table.to_csv(out / "alloy_design_grid.csv", index=False)
                res.pareto.to_csv(out / "alloy_design_pareto.csv", index=False)
            except OSError as exc:
                raise ScenarioError("--out", f"cannot write results: {exc.strerror or exc}") from None
    except ScandiaError as exc:
        _fail(str(exc))
    best = res.best_dict()
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps({"base": base, "target_yield_mpa": target, "base_yield_mpa": res.base_yield_mpa,
                                     "feasible": res.feasible, "best": best,
                                     "pareto": res.pareto.to_dict(orient="records")}, indent=2, default=float) + "\n")
        return
    table = Table(title=f"Cost-strength Pareto front, {base} (base yield {res.base_yield_mpa:.0f} MPa)",
                  title_justify="left")
    for col in ("Sc wt%", "Zr wt%", "casting", "aging", "yield, MPa", "UTS, MPa", "premium US$/kg", "US$/MPa per t"):
        table.add_column(col, justify="right")
    for _, r in res.pareto.iterrows():
        per_mpa = r["cost_usd_per_mpa_per_kg"]
        mark = best is not None and all(r[c] == best[c] for c in ("sc_wt_pct", "zr_wt_pct", "casting", "hours",
                                                                   "yield_mpa"))
        table.add_row(f"{r['sc_wt_pct']:g}", f"{r['zr_wt_pct']:g}", str(r["casting"]), _aging_text(r),
                      f"{r['yield_mpa']:.0f}" + (" *" if mark else ""), f"{r['uts_mpa']:.0f}",
                      f"{r['cost_premium_usd_per_kg']:.2f}",
                      "-" if pd.isna(per_mpa) else f"{1000 * per_mpa:.1f}")
    out_console.print(table)
    if best is None:
        out_console.print(f"[yellow]infeasible[/]: no design on the grid reaches {target:g} MPa")
    else:
        out_console.print(f"cheapest design for {target:g} MPa (*): {best['sc_wt_pct']:g} wt% Sc, "
                          f"{best['zr_wt_pct']:g} wt% Zr, {best['casting']}, {_aging_text(best)}: "
                          f"{best['yield_mpa']:.0f} MPa, "
                          f"US${best['cost_premium_usd_per_kg']:.2f} per kg casting")


_STEP = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(?:C|degC)?\s*[,/]\s*([0-9]+(?:\.[0-9]*)?)\s*(?:h)?\s*$")


def _parse_step(text: str, option: str) -> tuple[float, float]:
    """'400 C, 8 h' (or '400,8') to (temp_c, hours); anything else is a one-line error naming the option."""
    m = _STEP.match(text[:64])
    if m is None or len(text) > 64:
        raise ScenarioError(option, f'expected "<temp> C, <hours> h", e.g. "400 C, 8 h"; got {text[:40]!r}')
    return float(m.group(1)), float(m.group(2))


@alloy_app.command("tdb")
def alloy_tdb(out: Annotated[Path, typer.Argument(help="TDB file to write")]) -> None:
    """Write scandia's Al-Mg-Sc-Zr description as a TDB file (for pycalphad or other CALPHAD tools)."""
    from ..alloy.thermo import to_tdb

    try:
        out.write_text(to_tdb())
    except OSError as exc:
        _fail(str(ScenarioError("OUT", f"cannot write {out}: {exc.strerror or exc}")))
    out_console.print(f"wrote {out}")


