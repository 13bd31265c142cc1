"""Each stage's results as an ``xarray.Dataset``: named dimensions, units in attributes, the stage's status.

Dimensions: ``scenario`` always; ``route`` (concentration routes), ``leach_route`` (the leach trade-off),
``stream`` and ``element`` (every unit outlet of a solved flowsheet, in solve order), ``year`` (the cash flow),
``capex_area`` and ``opex_item``. Units come from the declarations (``data/outputs.yaml`` through
:func:`scandia.core.outputs.output`); stream flows are element flows in t/h, the unit every stream carries.
Nothing is recomputed: the arrays are the stage result's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .outputs import output
from .status import Status

__all__ = ["stage_dataset", "streams_dataset"]

_STATUS_CODES = ", ".join(f"{s.value}={s.name}" for s in Status)


def _attrs(metric: str, stage: str) -> dict[str, str]:
    o = output(metric)
    a = {"stage": stage, "units": o.unit if o else "", "display_units": o.display_unit if o else ""}
    if o is not None and o.basis:
        a["basis"] = o.basis
    if metric.endswith("status"):
        a["codes"] = _STATUS_CODES
    return a


def _per_scenario(v: Any, n: int) -> np.ndarray | None:
    a = np.asarray(v, dtype=float)
    if a.ndim == 0 or a.size == 1:
        return np.full(n, float(a.reshape(-1)[0]))
    return a if a.shape == (n,) else None


def _metrics(metrics: Mapping[str, Any], n: int, stage: str) -> dict[str, Any]:
    import xarray as xr

    out = {}
    for k, v in metrics.items():
        a = _per_scenario(v, n)
        if a is not None:
            out[k] = xr.DataArray(a, dims=("scenario",), attrs=_attrs(k, stage))
    return out


def streams_dataset(flowsheet: Any, stage: str) -> Any:
    """Every outlet stream of a solved flowsheet: ``element_tph`` (scenario, stream, element) and ``mass_tph``
    (scenario, stream), t/h; the stream coordinate is ``unit.port`` in solve order; feeds come first."""
    import xarray as xr

    streams = {**{f"feed:{k}": s for k, s in flowsheet.feeds.items()}, **flowsheet.streams}
    names = list(streams)
    first = next(iter(streams.values()))
    els = list(first.components.elements)
    e = np.stack([s.element_tph for s in streams.values()], axis=1)  # (n, stream, element)
    mass = np.stack([s.total_tph for s in streams.values()], axis=1)
    return xr.Dataset(
        {"element_tph": xr.DataArray(e, dims=("scenario", "stream", "element"),
                                     attrs={"stage": stage, "units": "tonne/hour", "display_units": "t/h"}),
         "mass_tph": xr.DataArray(mass, dims=("scenario", "stream"),
                                  attrs={"stage": stage, "units": "tonne/hour", "display_units": "t/h"})},
        coords={"scenario": np.arange(e.shape[0]), "stream": names, "element": els,
                "product": ("stream", [n in flowsheet.products for n in names])})


def stage_dataset(stage: str, result: Any) -> Any:
    """One stage result as a Dataset (see the module docstring for its dimensions)."""
    import xarray as xr

    status = np.asarray(result.status)
    n = status.shape[0]
    data: dict[str, Any] = {"status": xr.DataArray(status, dims=("scenario",), attrs=_attrs("status", stage))}
    coords: dict[str, Any] = {"scenario": np.arange(n)}
    attrs: dict[str, Any] = {"stage": stage}
    flowsheet = None
    if stage == "beneficiation":
        routes = list(result.routes)
        coords["route"] = routes
        names = sorted({k for rr in result.routes.values() for k in rr.metrics})
        for k in names:
            cols = [_per_scenario(rr.metrics.get(k, np.nan), n) for rr in result.routes.values()]
            if all(c is not None for c in cols):
                data[k] = xr.DataArray(np.stack(cols, axis=1), dims=("scenario", "route"), attrs=_attrs(k, stage))
        data["route_status"] = xr.DataArray(np.stack([np.asarray(rr.status) for rr in result.routes.values()], 1),
                                            dims=("scenario", "route"), attrs=_attrs("route_status", stage))
        attrs["selected_route"] = result.selected_route
        flowsheet = result.routes[result.selected_route].flowsheet
    else:
        data.update(_metrics(getattr(result, "metrics", {}) or {}, n, stage))
    if stage == "hydromet":
        attrs["leach_route"] = result.route
        flowsheet = result.flowsheet
        if result.routes:
            coords["leach_route"] = list(result.routes)
            names = sorted({k for m in result.routes.values() for k in m})
            for k in names:
                cols = [_per_scenario(m.get(k, np.nan), n) for m in result.routes.values()]
                if all(c is not None for c in cols):
                    data[f"routes.{k}"] = xr.DataArray(np.stack(cols, axis=1), dims=("scenario", "leach_route"),
                                                       attrs=_attrs(k, stage))
    if stage == "economics":
        cf = result.cashflow
        coords["year"] = np.asarray(cf.years)
        for k, v in cf.lines.items():
            # the cash-flow table's names and scale (US$ M, t), whose units are declared
            name = k.replace("_usd", "_musd").replace("production_kg", "sc2o3_production_t")
            scale = 1e-6 if k.endswith("_usd") else 1e-3
            arr = np.asarray(v, dtype=float)
            if arr.ndim == 2 and arr.shape == (n, coords["year"].size):
                data[f"cashflow.{name}"] = xr.DataArray(arr * scale, dims=("scenario", "year"),
                                                        attrs=_attrs(name, stage))
        for dim, items, label in (("capex_area", result.capex_usd, "capex_musd"),
                                  ("opex_item", result.opex_usd_per_yr, "opex_musd_per_yr")):
            cols = [_per_scenario(v, n) for v in items.values()]
            if items and all(c is not None for c in cols):
                coords[dim] = list(items)
                data[label] = xr.DataArray(np.stack(cols, axis=1) * 1e-6, dims=("scenario", dim),
                                           attrs=_attrs(label, stage))
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    if flowsheet is not None and flowsheet.streams:
        ds = ds.merge(streams_dataset(flowsheet, stage))
        ds.attrs.update(attrs)
    return ds
