"""Routes of sweeps: POST /sweeps and GET /sweeps/{id}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..core.errors import ScenarioError
from ..scenario.loader import builtin_scenarios, load_scenario, scenario_from_dict
from ..store import active_jobs, create_job, get_job
from .http import (
    _ID,
    Service,
    _error,
    _unprocessable,
    admit_job,
    refuse_resource_stage,
    sweep_request_model,
)


def sweeps_router(svc: Service) -> APIRouter:
    """The routes; ``svc`` is the shared service state (store, data folder, job pool, limits)."""
    engine, submit, server_id, max_samples = svc.engine, svc.submit, svc.server_id, svc.max_samples
    router = APIRouter()
    SweepBody = sweep_request_model(svc.limits)  # this server's limits in the schema

    def post_sweep(body: Any) -> Any:
        """Queue a sweep: ``samples`` draws of the scenario's distributions through the chain, in chunks
        (Parquet per chunk, resumable). ``scenario`` is a built-in name or a scenario object."""
        try:
            s = body.scenario
            if isinstance(s, str):
                if s not in builtin_scenarios():
                    raise ScenarioError("scenario", f"unknown built-in {s!r}")
                scen = load_scenario(s)
            elif not s:  # an empty object is no scenario: the default one (as for POST /runs)
                scen = load_scenario(None)
            else:
                try:
                    scen = scenario_from_dict(s)
                except ScenarioError as exc:
                    raise ScenarioError(f"scenario.{exc.field}", exc.message) from None
            refuse_resource_stage(scen, prefix="scenario.")
            n, chunk = body.samples, body.chunk_size
            if n > max_samples:
                raise ScenarioError("samples", f"must be at most {max_samples:,} on this server")
            if n > 10_000 * chunk:
                raise ScenarioError("chunk_size", f"at most 10,000 chunks: use chunk_size >= {-(-n // 10_000)}")
            if not scen.uncertainty.distributions:
                raise ScenarioError("scenario.uncertainty.distributions", "a sweep needs at least one distribution")
        except ScenarioError as exc:
            return _unprocessable(exc)
        refused = admit_job(svc.limits, chunk, active_jobs(engine, server_id), "use a smaller chunk_size")
        if refused is not None:
            return refused
        sweep_id = create_job(engine, "sweep", {"scenario": scen.name, "samples": n, "chunk_size": chunk},
                              owner=server_id)
        submit("sweep", sweep_id, scen, n, chunk)
        return {"id": sweep_id, "state": "queued", "links": {"self": f"/sweeps/{sweep_id}"}}

    # the body model is made per server (its limits), so the annotation is set here: with postponed annotations a
    # local class name would not resolve
    post_sweep.__annotations__["body"] = SweepBody
    router.post("/sweeps", status_code=202, responses={422: {"description": "bad request"}})(post_sweep)

    @router.get("/sweeps/{sweep_id}", responses={404: {"description": "unknown sweep"}})
    def get_sweep(sweep_id: str) -> Any:
        """A sweep's state and progress (chunks done of total) and, when done, P10/P50/P90 of its metrics."""
        job = get_job(engine, sweep_id) if _ID.fullmatch(sweep_id) else None
        if job is None or job["kind"] != "sweep":
            return _error(404, f"no sweep {sweep_id!r}")
        return {"id": sweep_id, "state": job["state"], "message": job["message"], "error": job["error"],
                "progress": {"done": job["done"], "total": job["total"]}, "request": job["request"],
                "result": job["result"]}

    return router
