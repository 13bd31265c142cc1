"""Routes of runs: POST /runs, GET /runs, /runs/{id}, /summary, /report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import __version__
from ..core.errors import ScandiaError, ScenarioError
from ..core.files import json_safe
from ..scenario.loader import builtin_scenarios, load_scenario, scenario_from_dict
from ..store import active_jobs, create_job, get_job, get_run, list_runs
from .http import (
    _ID,
    _JSON_TYPES,
    _SCENARIO_BODY,
    _YAML_TYPES,
    Service,
    _error,
    _media_type,
    _parse_body,
    _unprocessable,
    admit_job,
    busy,
    refuse_resource_stage,
)
from .jobs import execute_run


def runs_router(svc: Service) -> APIRouter:
    """The routes; ``svc`` is the shared service state (store, data folder, job pool, limits)."""
    engine, data_dir, submit, server_id = svc.engine, svc.data_dir, svc.submit, svc.server_id
    max_samples, sync_max_samples = svc.max_samples, svc.sync_max_samples
    router = APIRouter()

    def _run_record(run_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(the run's public view, its stored row or None); the view is None for an unknown id."""
        job = get_job(engine, run_id)
        if job is not None and job["kind"] != "run":
            return None, None  # a sweep's id: not a run
        try:
            stored = get_run(engine, run_id)
        except ScenarioError:
            stored = None
        if job is None and stored is None:
            return None, None
        view: dict[str, Any] = {"id": run_id, "kind": "run"}
        if job is not None:
            view.update(state=job["state"], message=job["message"], error=job["error"],
                        created_utc=str(job["created_utc"]), updated_utc=str(job["updated_utc"]),
                        request=job["request"])
        else:
            view.update(state="done", message="recorded by the CLI", error=None,
                        created_utc=str(stored["created_utc"]))
        if stored is not None:
            view.update(scenario=stored["scenario"], version=stored["version"], seed=stored["seed"],
                        n_scenarios=stored["n_scenarios"], status=json.loads(stored["status"] or "{}"))
        view["links"] = {"self": f"/runs/{run_id}", "summary": f"/runs/{run_id}/summary",
                         "report": f"/runs/{run_id}/report"}
        return view, stored

    def _run_view(run_id: str) -> dict[str, Any] | None:
        return _run_record(run_id)[0]

    @router.post("/runs", status_code=201, openapi_extra={"requestBody": _SCENARIO_BODY},
              responses={201: {"description": "finished run with its summary"},
                         202: {"description": "queued as a background job"},
                         415: {"description": "not JSON or YAML"},
                         422: {"description": "bad scenario"}})
    async def post_run(request: Request,
                       scenario: str | None = Query(None, max_length=200, description="built-in scenario name",
                                                    json_schema_extra={"enum": list(builtin_scenarios())}),
                       samples: int | None = Query(None, ge=1, le=svc.limits.max_samples,
                                                   description="Monte Carlo samples (default: the scenario's); a run "
                                                               "over this server's memory limit is refused with "
                                                               "413"),
                       stage: str | None = Query(None, max_length=40, description="run one stage alone"),
                       sobol: int = Query(0, ge=0, le=100_000, description="Sobol base count N (0 = off, else >= 8)",
                                          json_schema_extra={"anyOf": [{"const": 0}, {"minimum": 8}]}),
                       ) -> Response:
        """Run a scenario. Small runs answer at once (201) with the summary; large ones are queued (202)."""
        raw = await request.body()
        kind = _media_type(request.headers.get("content-type", ""))
        if kind not in _JSON_TYPES + _YAML_TYPES:
            return _error(415, f"send the scenario as JSON ({_JSON_TYPES[0]}) or YAML ({_YAML_TYPES[0]}), "
                               f"not {kind or 'no content type'}")
        from starlette.concurrency import run_in_threadpool

        # parsing and validating user text runs off the event loop, so /health and other requests keep answering
        try:
            scen, n = await run_in_threadpool(_prepare, raw, kind, scenario, samples, stage, sobol)
        except ScenarioError as exc:
            return _unprocessable(exc)
        lim = svc.limits
        sync = n <= sync_max_samples and not sobol
        refused = admit_job(lim, n, None if sync else active_jobs(engine, server_id), "use POST /sweeps for more")
        if refused is not None:
            return refused
        if sync and not svc.sync_gate.acquire(blocking=False):
            return busy(f"{lim.sync_slots} synchronous runs are computing; try again in a few seconds", 2)
        run_id = create_job(engine, "run", {"scenario": scen.name, "samples": n, "stage": stage, "sobol": sobol},
                            owner=server_id)
        if sync:
            try:
                summary = await run_in_threadpool(execute_run, engine, data_dir, run_id, scen, n, stage, sobol)
            except ScenarioError as exc:
                return _unprocessable(exc, run_id=run_id)
            except ScandiaError as exc:
                return _error(422, [{"loc": ["body"], "msg": str(exc), "type": "value_error"}], run_id=run_id)
            finally:
                svc.sync_gate.release()
            return JSONResponse({**_run_view(run_id), "summary": summary}, status_code=201)
        submit("run", run_id, scen, n, stage, sobol)
        return JSONResponse(_run_view(run_id), status_code=202)

    def _prepare(raw: bytes, kind: str, scenario: str | None, samples: int | None, stage: str | None,
                 sobol: int) -> tuple[Any, int]:
        """The scenario and sample count of a POST /runs, checked (one-line ScenarioError otherwise)."""
        if raw.strip() == b"{}":  # an empty object is no scenario: the default one, or ?scenario
            raw = b""
        if scenario is not None:
            if raw.strip():
                raise ScenarioError("scenario", "give a body or ?scenario=NAME, not both")
            if scenario not in builtin_scenarios():
                raise ScenarioError("scenario", f"unknown built-in {scenario!r}; known: "
                                                f"{', '.join(builtin_scenarios())}")
            scen = load_scenario(scenario)
        elif not raw.strip():
            scen = load_scenario(None)  # the default scenario
        else:
            data = _parse_body(raw, kind)
            scen = load_scenario(None) if data is None else scenario_from_dict(data)
        from ..chain import STAGES

        if stage is not None and stage not in STAGES:  # refused before a job row is made
            raise ScenarioError("stage", f"unknown stage {stage!r}; available: {', '.join(STAGES)}")
        refuse_resource_stage(scen, stage)
        n = scen.uncertainty.samples if samples is None else samples
        if n > max_samples:
            raise ScenarioError("samples", f"must be at most {max_samples:,} on this server")
        if n > 1 and not scen.uncertainty.distributions:
            raise ScenarioError("uncertainty.distributions", f"{n} samples asked for, but no field has a "
                                                              "distribution")
        if stage is not None and n > 1:
            raise ScenarioError("stage", "a Monte Carlo run (samples > 1) runs the whole chain; leave out stage")
        if sobol and not 8 <= sobol:
            raise ScenarioError("sobol", "base sample count must be 0 (off) or >= 8")
        if sobol and n == 1:
            raise ScenarioError("sobol", "Sobol indices need a sampled run: give samples > 1")
        return scen, n

    @router.get("/runs")
    def runs(limit: int = Query(20, ge=1, le=1000)) -> list[dict[str, Any]]:
        """Newest runs first (CLI and service runs)."""
        df = list_runs(engine, limit)
        df["created_utc"] = df["created_utc"].astype(str)
        return json.loads(df.to_json(orient="records"))

    def _lookup(run_id: str) -> tuple[dict[str, Any], dict[str, Any] | None] | JSONResponse:
        """(view, stored row) of a run, or the 404 answer."""
        if not _ID.fullmatch(run_id):
            return _error(404, f"no run {run_id!r} (ids are 32 hex digits)")
        view, stored = _run_record(run_id)
        return _error(404, f"no run {run_id}") if view is None else (view, stored)

    @router.get("/runs/{run_id}", responses={404: {"description": "unknown run"}})
    def get_run_view(run_id: str) -> Any:
        """A run's state (queued, running, done, failed), status counts and links."""
        found = _lookup(run_id)
        return found if isinstance(found, JSONResponse) else found[0]

    @router.get("/runs/{run_id}/summary", responses={404: {"description": "unknown run"},
                                                  409: {"description": "not finished or failed"}})
    def get_summary(run_id: str) -> Any:
        """The run's JSON summary (the same object `scandia run --format json` prints)."""
        found = _lookup(run_id)
        if isinstance(found, JSONResponse):
            return found
        view, stored = found
        if view["state"] != "done" or stored is None:
            return _error(409, f"run is {view['state']}" + (f": {view['error']}" if view.get("error") else ""))
        return JSONResponse(json_safe(stored["summary"]))

    @router.get("/runs/{run_id}/report", response_class=HTMLResponse,
             responses={404: {"description": "unknown run"}, 409: {"description": "not finished"}})
    def get_report(run_id: str) -> Any:
        """The self-contained HTML report; for a failed run, a report that says what failed."""
        from ..report.html import build_report, load_run_dir

        found = _lookup(run_id)
        if isinstance(found, JSONResponse):
            return found
        view, stored = found
        if view["state"] in ("queued", "running"):
            return _error(409, f"run is {view['state']}")
        if view["state"] == "failed":
            summary = {"scenario": (view.get("request") or {}).get("scenario"), "scandia_version": __version__,
                       "seed": None, "n_scenarios": (view.get("request") or {}).get("samples", 1),
                       "status": {}, "stages": {}, "error": view["error"]}
            return HTMLResponse(build_report(summary, {}, "", source=f"service run {run_id} (failed)"))
        if stored is None:
            return _error(409, f"run {run_id} has no stored summary")
        folders = {Path(a).parent for a in stored["artefacts"] if a.endswith("summary.json")}
        for folder in folders:
            try:
                summary, tables, resolved = load_run_dir(folder)
            except ScenarioError:
                break  # the folder was moved or deleted: fall back to the stored summary
            if summary.get("run_id") == run_id:  # a later run may have written into the same folder
                return HTMLResponse(build_report(summary, tables, resolved, source=f"run {run_id}"))
        return HTMLResponse(build_report(stored["summary"], {}, stored["scenario_yaml"] or "",
                                         source=f"run {run_id} (stored summary only; its result tables are not "
                                                "where it wrote them, or were overwritten by a later run)"))

    return router
