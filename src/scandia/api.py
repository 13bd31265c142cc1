"""The Python API for notebooks: load a scenario, change it with checks, run it, look at labelled results.

::

    import scandia
    s = scandia.load("crater-lake").set("hydromet.tank.temperature_c", "95 degC")
    r = scandia.run(s, samples=200)
    r.to_frame()                     # one row per scenario, one column per metric (units in .attrs["units"])
    r.dataset                        # xarray.Dataset: dims scenario, route, leach_route; units in attrs
    r.stream_table("hydromet")       # the base case's streams
    r.stage_dataset("hydromet")      # the stage's own Dataset: streams over (scenario, stream, element), status
    r.figure("histogram")            # a plotly Figure, as drawn in the HTML report

Nothing here holds model logic: it calls the chain (:mod:`scandia.runner`) and the report's own table and figure
builders, and labels what they return with the declared units (:mod:`scandia.core.outputs`).
"""

from __future__ import annotations

import html
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .core.errors import ScenarioError
from .core.outputs import FIGURES, TABLES, output
from .core.status import Status
from .scenario import ScenarioModel, load_scenario

__all__ = ["Result", "load", "metric_arrays", "run"]

#: headline metrics shown by ``repr`` and in a notebook
HEADLINE = ("economics.npv_musd", "hydromet.sc2o3_production_tpa", "alloy.yield_mpa",
            "hydromet.overall_sc_recovery_frac", "economics.irr_frac", "economics.breakeven_sc2o3_usd_per_kg")


def load(source: str | Path = "crater-lake") -> ScenarioModel:
    """A built-in scenario by name or a YAML file by path (one-line :class:`ScenarioError` otherwise)."""
    return load_scenario(source)


def metric_arrays(run_result: Any) -> dict[str, np.ndarray]:
    """Every per-scenario metric of a chain result as ``stage.metric`` (``beneficiation.<route>.<metric>``,
    ``hydromet[<route>].<metric>`` for the leach trade-off) and each stage's status, as float arrays."""
    out: dict[str, np.ndarray] = {}
    for stage, res in run_result.stages.items():
        if stage == "beneficiation":
            for route, rr in res.routes.items():
                out.update({f"beneficiation.{route}.{k}": np.asarray(v, float) for k, v in rr.metrics.items()})
                out[f"beneficiation.{route}.route_status"] = np.asarray(rr.status, float)
        elif hasattr(res, "metrics"):
            out.update({f"{stage}.{k}": np.asarray(v, float) for k, v in res.metrics.items()})
        if stage == "hydromet":
            for route, m in res.routes.items():
                out.update({f"hydromet[{route}].{k}": np.asarray(v, float) for k, v in m.items()})
        if hasattr(res, "status"):
            out[f"{stage}.status"] = np.asarray(res.status, float)
    return out


class Result:
    """A run's results: per-scenario metrics labelled with units, the run summary, tables and figures.

    Tables and figures of a sampled run show the base case (the scenario's own values); :attr:`dataset` and
    :meth:`to_frame` hold every scenario.
    """

    def __init__(self, scenario: ScenarioModel, run_result: Any, summary: dict[str, Any], tables: dict[str, Any],
                 samples: dict[str, np.ndarray] | None = None) -> None:
        self.scenario = scenario
        self.run_result = run_result
        self.summary = summary
        self.tables = tables
        self.samples = samples or {}

    # the chain result's own attributes, for code written against scandia.chain.run
    @property
    def n(self) -> int:
        return int(self.run_result.n)

    @property
    def stages(self) -> dict[str, Any]:
        return self.run_result.stages

    @property
    def status(self) -> np.ndarray:
        return self.run_result.status

    @property
    def beneficiation(self) -> Any:
        return self.run_result.stages["beneficiation"]

    @property
    def hydromet(self) -> Any:
        return self.run_result.stages["hydromet"]

    @cached_property
    def dataset(self) -> Any:
        """An ``xarray.Dataset`` over ``scenario`` (and ``route`` for concentration, ``leach_route`` for the
        leach trade-off): every metric with its declared ``units``, each stage's status, sampled inputs."""
        import xarray as xr

        n = self.n
        flat = metric_arrays(self.run_result)
        data: dict[str, Any] = {}
        coords: dict[str, Any] = {"scenario": np.arange(n)}
        b_routes = list(self.stages["beneficiation"].routes) if "beneficiation" in self.stages else []
        l_routes = list(self.stages["hydromet"].routes) if "hydromet" in self.stages else []
        if b_routes:
            coords["route"] = b_routes
        if l_routes:
            coords["leach_route"] = l_routes

        def attrs(metric: str, stage: str) -> dict[str, str]:
            o = output(metric)
            a = {"stage": stage, "units": o.unit if o else "", "display_units": o.display_unit if o else ""}
            if o and o.basis:
                a["basis"] = o.basis
            if metric == "status":
                a["codes"] = ", ".join(f"{s.value}={s.name}" for s in Status)
            return a

        def col(v: np.ndarray) -> np.ndarray:
            return np.broadcast_to(v, (n,)) if v.size in (1, n) else v

        grouped: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        for key, v in flat.items():
            if key.startswith("beneficiation.") and key.count(".") == 2:
                _, route, metric = key.split(".", 2)
                grouped.setdefault(("beneficiation", metric), {})[route] = col(v)
            elif key.startswith("hydromet["):
                route, metric = key[len("hydromet["):].split("].", 1)
                grouped.setdefault(("hydromet.routes", metric), {})[route] = col(v)
            else:
                stage, metric = key.split(".", 1)
                if v.size in (1, n):
                    data[key] = xr.DataArray(col(v), dims=("scenario",), attrs=attrs(metric, stage))
        for (stage, metric), by_route in grouped.items():
            routes, dim = (b_routes, "route") if stage == "beneficiation" else (l_routes, "leach_route")
            arr = np.stack([by_route.get(r, np.full(n, np.nan)) for r in routes], axis=1)
            data[f"{stage}.{metric}"] = xr.DataArray(arr, dims=("scenario", dim), attrs=attrs(metric, stage))
        for path, v in self.samples.items():
            data[f"input.{path}"] = xr.DataArray(np.asarray(v, float), dims=("scenario",),
                                                 attrs={**attrs(path, "input"), "sampled": "yes"})
        data["status"] = xr.DataArray(np.asarray(self.status), dims=("scenario",), attrs=attrs("status", "chain"))
        return xr.Dataset(data, coords=coords, attrs={
            "scenario": self.scenario.name, "seed": int(self.scenario.seed),
            "scandia_version": self.summary.get("scandia_version", ""), "n_scenarios": n})

    def stage_dataset(self, stage: str) -> Any:
        """One stage's own ``xarray.Dataset``: metrics over ``scenario`` (and ``route``), its status, the streams
        of its solved flowsheet (``element_tph`` over scenario, stream, element) and, for economics, the cash flow
        over ``year`` and capex/opex by item; units in each variable's attributes."""
        if stage not in self.stages:
            raise ScenarioError("stage", f"no stage {stage!r} in this run; stages: {', '.join(self.stages)}")
        if not hasattr(self.stages[stage], "dataset"):
            raise ScenarioError("stage", f"this run of {self.n:,} samples ran in chunks and kept metrics only; the "
                                         "stage's streams are in a run of fewer samples (or of the base case)")
        return self.stages[stage].dataset

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario, one column per metric (``beneficiation.<route>.<metric>``, ``hydromet.<metric>``,
        ``input.<field>`` for sampled inputs, ``status``); ``df.attrs["units"]`` maps columns to units."""
        ds = self.dataset
        cols: dict[str, np.ndarray] = {}
        units: dict[str, str] = {}
        for name, da in ds.data_vars.items():
            if da.ndim == 1:
                cols[str(name)] = da.values
                units[str(name)] = da.attrs.get("units", "")
            else:
                dim = da.dims[1]
                for j, label in enumerate(ds.coords[dim].values):
                    stage, metric = str(name).rsplit(".", 1)
                    key = f"{stage}.{label}.{metric}"
                    cols[key] = da.values[:, j]
                    units[key] = da.attrs.get("units", "")
        df = pd.DataFrame(cols, index=pd.RangeIndex(self.n, name="scenario"))
        df.attrs["units"] = units
        return df

    def table(self, name: str) -> pd.DataFrame:
        """One of the run's tables by name (as written to the run folder; every table is declared in
        :data:`scandia.core.outputs.TABLES` with its title); the base case of a sampled run."""
        if name not in self.tables:
            raise ScenarioError("table", f"no table {name!r} in this run; tables: {', '.join(self.tables)}")
        df = self.tables[name]
        spec = TABLES.get(name)
        if spec is not None:
            df.attrs.setdefault("title", spec.title)
            df.attrs.setdefault("basis", self.summary.get("tables_basis", "") if spec.basis == "base"
                                else "one row per Monte Carlo sample")
        return df

    def stream_table(self, stage: str = "hydromet") -> pd.DataFrame:
        """The streams of ``beneficiation`` (selected route) or ``hydromet``: every unit outlet of the base case."""
        if stage not in ("beneficiation", "hydromet"):
            raise ScenarioError("stage", "stream tables exist for beneficiation and hydromet")
        df = self.table(f"{stage}_streams")
        if stage == "beneficiation" and "route" in df:
            df = df[df["route"] == self.summary["stages"]["beneficiation"]["selected_route"]]
        df = df.reset_index(drop=True)  # a copy: the run's own table is not relabelled
        df.attrs["basis"] = self.summary.get("tables_basis", "")
        return df

    def diagram(self, stage: str = "hydromet") -> str:
        """The flowsheet diagram of ``chain``, ``beneficiation`` (selected route) or ``hydromet`` as SVG text;
        its stream numbers are the ``no`` column of :meth:`stream_table`."""
        from .report.html import stage_diagrams

        svgs = stage_diagrams(self.summary)
        if stage not in svgs:
            raise ScenarioError("stage", f"no diagram {stage!r} in this run; diagrams: {', '.join(svgs)}")
        return svgs[stage]

    def figures(self) -> dict[str, Any]:
        """Every figure of the HTML report as a plotly Figure, by name."""
        from .report.html import build_figures

        return build_figures(self.summary, self.tables)

    def figure(self, name: str) -> Any:
        """One report figure as a plotly Figure (``sankey``, ``grade_recovery``, ``histogram``, ``tornado``, ...)."""
        if name not in FIGURES:
            raise ScenarioError("figure", f"no figure {name!r}; declared figures: {', '.join(FIGURES)}")
        figs = self.figures()
        if name not in figs:
            needs = ", ".join(FIGURES[name].tables)
            raise ScenarioError("figure", f"{name!r} is not drawn in this run (it needs the tables {needs}; run "
                                          f"with curves=True for the sweeps, samples > 1 for the uncertainty "
                                          f"figures); figures here: {', '.join(figs)}")
        return figs[name]

    def _headline(self) -> list[tuple[str, str, str]]:
        rows = []
        for key in HEADLINE:
            stage, metric = key.split(".", 1)
            v = self.summary.get("stages", {}).get(stage, {}).get("metrics", {}).get(metric)
            if v is None:
                continue
            o = output(metric)
            unit = o.display_unit if o else ""
            if isinstance(v, dict):
                text = f"{v['p50']:.4g} (P10 {v['p10']:.4g}, P90 {v['p90']:.4g})"
            else:
                text = f"{v:.4g}"
            rows.append((key, text, unit))
        return rows

    def __repr__(self) -> str:
        status = ", ".join(f"{k} {v}" for k, v in self.summary.get("status", {}).items() if v)
        head = "; ".join(f"{k.split('.', 1)[1]} {t} {u}".rstrip() for k, t, u in self._headline()[:3])
        return f"<scandia.Result {self.scenario.name!r}: {self.n} scenario(s), {status}; {head}>"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(t)}</td><td>{html.escape(u)}</td></tr>"
                       for k, t, u in self._headline())
        status = ", ".join(f"{k} {v}" for k, v in self.summary.get("status", {}).items() if v)
        return (f"<div><b>scandia result</b> {html.escape(self.scenario.name)}: {self.n} scenario(s), "
                f"status {html.escape(status)}<table><tr><th>metric</th><th>value</th><th>unit</th></tr>{rows}"
                "</table></div>")


def run(scenario: ScenarioModel | str | Path = "crater-lake", samples: int = 1, stage: str | None = None,
        sobol: int = 0, curves: bool = False, routes: bool = False, chunk_size: int | None = None) -> Result:
    """Run a scenario (or a built-in name / YAML path): deterministic with ``samples=1``, else a Monte Carlo of
    its distributions with the tornado (and Sobol indices with ``sobol`` base samples); ``curves=True`` adds the
    grade-recovery, leach trade-off and strength-vs-Sc sweeps to the tables and figures; ``routes=True`` the
    route table (every registered leach route through the whole chain, :mod:`scandia.compare`). A Monte Carlo of
    more than ``chunk_size`` samples (default :data:`scandia.chain.CHUNK_SAMPLES`) runs chunk by chunk and keeps
    per sample only metrics and status, so its memory stays bounded (:meth:`Result.stage_dataset` then refuses)."""
    from .runner import execute

    scen = scenario if isinstance(scenario, ScenarioModel) else load_scenario(scenario)
    result, summary, tables = execute(scen, samples=samples, stage=stage, sobol=sobol, curves=curves,
                                      routes=routes, chunk_size=chunk_size)
    drawn = tables.get("uncertainty_samples")
    samples_ = ({p: drawn[p].to_numpy() for p in scen.uncertainty.distributions if p in drawn}
                if drawn is not None else {})
    return Result(scen, result, summary, tables, samples_)
