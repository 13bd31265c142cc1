"""The scandia service (FastAPI): runs, reports, sweeps and the what-if dashboard over HTTP.

``scandia serve`` starts it with uvicorn, on 127.0.0.1 by default. Bound to any other address it refuses to start
without a token (``SCANDIA_TOKEN``); with a token set, every request except ``GET /health``, the dashboard
page, the API docs and static assets (which carry no data) must carry it as ``Authorization: Bearer <token>``
or ``X-Scandia-Token``, or for a GET ``?token=``; open the dashboard as ``/?token=...`` and it sends the token
with every request.

Endpoints: ``POST /runs`` (scenario as YAML or JSON; runs of at most ``sync_max_samples`` samples answer at once
with 201, larger ones are queued as background jobs and answer 202), ``GET /runs``, ``GET /runs/{id}``,
``/runs/{id}/summary``, ``/runs/{id}/report`` (the HTML report; for a failed run it says what failed),
``POST /sweeps`` and ``GET /sweeps/{id}`` (progress by chunk), ``GET /scenarios``, ``GET /scenarios/{name}``,
``GET /health``, ``POST /whatif`` and the dashboard at ``/``. OpenAPI docs at ``/docs`` are served from the
installed ``swagger-ui-bundle`` package (no CDN), as is plotly.js from the ``plotly`` package.

Bad input: a malformed scenario answers 422 with the field path, an unknown id 404, a body over the size limit
413, a missing or wrong token 401. Run ids are random 128-bit hex. No model logic lives here.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import threading
import traceback
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..core.errors import ScandiaError, ScenarioError
from ..core.files import json_safe
from ..store import (
    abandon_jobs,
    create_job,
    default_db,
    get_job,
    get_run,
    list_runs,
    open_store,
    record_run,
    update_job,
)
from .whatif import WhatIf, WhatIfRequest, acid_fields

__all__ = ["LOOPBACK", "create_app", "is_loopback"]

LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: Host names a loopback server answers to ("testserver" is the in-process test client's)
LOOPBACK_HOSTS = (*LOOPBACK, "testserver")
_ID = re.compile(r"[0-9a-f]{32}")  # used with fullmatch
MAX_SAMPLES = 1_000_000


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Guard:
    """ASGI middleware in front of everything: the request body size limit, the Host allow-list and the
    cross-origin check.

    * The body is read here, up to ``limit`` bytes, whether or not it declares a Content-Length; a larger one is
      refused with 413 before any handler runs, and the body read is replayed to the application.
    * ``hosts``: Host header values accepted (DNS-rebinding defence for a loopback server); None accepts any.
    * A request that changes state (not GET/HEAD/OPTIONS) from a browser page of another origin (its Origin
      header names another host) is refused with 403, so a web page cannot start runs on a local server.
    """

    def __init__(self, app: Any, limit: int, hosts: tuple[str, ...] | None) -> None:
        self.app, self.limit, self.hosts = app, limit, hosts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host", "")
        if self.hosts is not None and _hostname(host) not in self.hosts:
            await _error(400, f"unexpected Host header {host!r}")(scope, receive, send)
            return
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin and origin != "null":
            from urllib.parse import urlsplit

            if urlsplit(origin).netloc != host:
                await _error(403, "cross-origin request refused")(scope, receive, send)
                return
        too_big = _error(413, f"request body over {self.limit:,} bytes")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await _error(400, "bad Content-Length")(scope, receive, send)
                return
            if int(length) > self.limit:
                await too_big(scope, receive, send)
                return
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":  # the client went away
                return
            body = msg.get("body", b"")
            seen += len(body)
            if seen > self.limit:
                await too_big(scope, receive, send)
                return
            chunks.append(body)
            more = msg.get("more_body", False)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _hostname(host: str) -> str:
    """The host part of a Host header value ('[::1]:8000' -> '::1', 'localhost:80' -> 'localhost')."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


#: pages and assets that carry no data: served without a token so a browser can load the dashboard and the API
#: docs (which then send the token with every data request)
_PUBLIC = ("/", "/health", "/favicon.ico", "/docs", "/openapi.json")


def _public(path: str) -> bool:
    return path in _PUBLIC or path.startswith("/static/")


def _error(status: int, detail: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


class SweepRequest(BaseModel):
    """A sweep: ``samples`` draws of the scenario's distributions, run in chunks of ``chunk_size``."""

    model_config = ConfigDict(extra="forbid")

    scenario: str | dict[str, Any] = Field("crater-lake", description="built-in scenario name or scenario object",
                                           examples=["crater-lake"])
    samples: int = Field(1000, ge=1, le=MAX_SAMPLES, description="number of samples")
    chunk_size: int = Field(500, ge=1, le=MAX_SAMPLES, description="samples per chunk (one Parquet file each)")


_QUERY_FIELDS = ("samples", "stage", "sobol")


def _unprocessable(exc: ScenarioError, **extra: Any) -> JSONResponse:
    if exc.field in _QUERY_FIELDS:
        loc = ["query", exc.field]
    else:
        loc = ["body", *[p for p in exc.field.split(".") if p]] if exc.field else ["body"]
    return _error(422, [{"loc": loc, "msg": exc.message, "type": "value_error"}], **extra)


_JSON_TYPES = ("application/json",)
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _parse_body(raw: bytes, kind: str) -> Any:
    """A scenario mapping from a JSON or YAML body (``kind`` one of the accepted media types)."""
    from ..scenario.loader import parse_yaml

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("scenario", "body is not UTF-8 text") from None
    if kind in _JSON_TYPES:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ScenarioError("scenario", f"malformed JSON ({exc})") from None
        except RecursionError:
            raise ScenarioError("scenario", "JSON nested too deeply") from None
    return parse_yaml(text)


_SCENARIO_BODY = {
    "required": False,
    "description": "A scenario (see GET /scenarios/{name} for a complete one and `scandia validate --schema`); "
                   "an empty body runs the default scenario. `name` may instead name a built-in scenario with "
                   "the query parameter `scenario`.",
    "content": {"application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}}},
}


def create_app(db: str | None = None, data_dir: Path | None = None, token: str | None = None,
               max_body_bytes: int = 1_000_000, sync_max_samples: int = 200, workers: int = 1,
               warm: bool = False, max_samples: int = MAX_SAMPLES,
               allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS) -> FastAPI:
    """Build the service. ``db``: run store (SQLite path or URL); ``data_dir``: run folders and sweeps
    (default beside the store); ``token``: required on every data request when set; ``warm``: precompute
    the dashboard's default scenario and alloy grid in a background thread; ``max_samples``: largest run or
    sweep accepted; ``allowed_hosts``: Host header names accepted (default: loopback names; None: any)."""
    from ..scenario.loader import DEFAULT_SCENARIO, builtin_scenarios, load_scenario, scenario_from_dict

    engine = open_store(db)
    if data_dir is None:  # beside a store file ($SCANDIA_DB included), else in the default store's folder
        where = db or default_db()
        base = Path(where).expanduser().parent if "://" not in where else Path(default_db()).parent
        data_dir = base / "service"
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    pools: list[ThreadPoolExecutor] = []  # the background-job pool of the current lifespan
    pool_lock = threading.Lock()

    def submit(fn: Any, *args: Any) -> None:
        """Run ``fn`` on the background pool (made on first use, and again after a lifespan shut it down)."""
        with pool_lock:
            if not pools:
                pools.append(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scandia-job"))
            pools[0].submit(fn, *args)

    whatif = WhatIf()

    server_id = secrets.token_hex(8)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=whatif.warm, name="scandia-warm", daemon=True).start()
        yield
        with pool_lock:
            for pool in pools:
                pool.shutdown(wait=False, cancel_futures=True)
            pools.clear()
        # work this server accepted but will not finish is marked failed, not left 'queued' for ever
        abandon_jobs(engine, server_id, "the server stopped before this job finished; submit it again")

    common = {400: {"description": "malformed request (body, Host or Content-Length)"},
              401: {"description": "missing or wrong token (when the server has one)"},
              403: {"description": "cross-origin request refused"},
              413: {"description": "request body over the size limit"}}
    app = FastAPI(title="scandia", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  responses=common,
                  description="Scandium supply-chain simulation: runs, reports, sweeps and what-ifs.")

    @app.middleware("http")
    async def _auth(request: Request, call_next: Any) -> Response:
        if token is not None and not _public(request.url.path):
            given = request.headers.get("authorization", "")
            given = given[7:] if given.lower().startswith("bearer ") else request.headers.get("x-scandia-token", "")
            if not given and request.method == "GET":
                given = request.query_params.get("token", "")
            if not secrets.compare_digest(given.encode(), token.encode()):
                return _error(401, "missing or wrong token (Authorization: Bearer <SCANDIA_TOKEN>)")
        return await call_next(request)

    # ------------------------------------------------------------------ runs
    def _execute_run(run_id: str, scen: Any, samples: int, stage: str | None, sobol: int) -> dict[str, Any]:
        from ..runner import execute, resolved_yaml, write_run_dir

        update_job(engine, run_id, state="running", message="running", total=samples)
        try:
            _, summary, tables = execute(scen, samples, stage, sobol,
                                         progress=lambda msg: update_job(engine, run_id, message=msg))
            resolved = resolved_yaml(scen)
            summary["run_id"] = run_id
            folder = data_dir / "runs" / run_id
            write_run_dir(folder, tables, resolved, summary)
            artefacts = [str(folder / f) for f in summary.get("files", [])]
            record_run(engine, summary, resolved, artefacts, run_id=run_id)
            update_job(engine, run_id, state="done", done=samples, message="done", result={"folder": str(folder)})
            return json_safe(summary)
        except ScandiaError as exc:
            update_job(engine, run_id, state="failed", message="failed", error=str(exc),
                       result={"field": getattr(exc, "field", None)})
            raise
        except Exception as exc:  # a bug: keep the run's record honest, then let the server answer 500
            update_job(engine, run_id, state="failed", message="failed",
                       error=f"internal error: {type(exc).__name__}: {exc}")
            traceback.print_exc()
            raise

    def _background(run_id: str, *args: Any) -> None:
        try:
            _execute_run(run_id, *args)
        except Exception:  # recorded in the job row by _execute_run
            pass

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

    @app.post("/runs", status_code=201, openapi_extra={"requestBody": _SCENARIO_BODY},
              responses={201: {"description": "finished run with its summary"},
                         202: {"description": "queued as a background job"},
                         415: {"description": "not JSON or YAML"},
                         422: {"description": "bad scenario"}})
    async def post_run(request: Request,
                       scenario: str | None = Query(None, max_length=200, description="built-in scenario name"),
                       samples: int | None = Query(None, ge=1, le=MAX_SAMPLES,
                                                   description="Monte Carlo samples (default: the scenario's)"),
                       stage: str | None = Query(None, max_length=40, description="run one stage alone"),
                       sobol: int = Query(0, ge=0, le=100_000, description="Sobol base count N (0 = off)"),
                       ) -> Response:
        """Run a scenario. Small runs answer at once (201) with the summary; large ones are queued (202)."""
        raw = await request.body()
        kind = _media_type(request.headers.get("content-type", ""))
        if raw.strip() and kind not in _JSON_TYPES + _YAML_TYPES:
            return _error(415, f"send the scenario as JSON ({_JSON_TYPES[0]}) or YAML ({_YAML_TYPES[0]}), "
                               f"not {kind or 'no content type'}")
        try:
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
                scen = scenario_from_dict(_parse_body(raw, kind))
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
        except ScenarioError as exc:
            return _unprocessable(exc)
        run_id = create_job(engine, "run", {"scenario": scen.name, "samples": n, "stage": stage, "sobol": sobol},
                            owner=server_id)
        if n <= sync_max_samples and not sobol:
            from starlette.concurrency import run_in_threadpool

            try:
                summary = await run_in_threadpool(_execute_run, run_id, scen, n, stage, sobol)
            except ScenarioError as exc:
                return _unprocessable(exc, run_id=run_id)
            except ScandiaError as exc:
                return _error(422, [{"loc": ["body"], "msg": str(exc), "type": "value_error"}], run_id=run_id)
            return JSONResponse({**_run_view(run_id), "summary": summary}, status_code=201)
        submit(_background, run_id, scen, n, stage, sobol)
        return JSONResponse(_run_view(run_id), status_code=202)

    @app.get("/runs")
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

    @app.get("/runs/{run_id}", responses={404: {"description": "unknown run"}})
    def get_run_view(run_id: str) -> Any:
        """A run's state (queued, running, done, failed), status counts and links."""
        found = _lookup(run_id)
        return found if isinstance(found, JSONResponse) else found[0]

    @app.get("/runs/{run_id}/summary", responses={404: {"description": "unknown run"},
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

    @app.get("/runs/{run_id}/report", response_class=HTMLResponse,
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

    # ------------------------------------------------------------------ sweeps
    def _execute_sweep(sweep_id: str, scen: Any, n: int, chunk: int) -> None:
        from distributed import Client

        from ..uncertainty.sweep import sweep

        update_job(engine, sweep_id, state="running", message="starting workers", total=-(-n // chunk))
        try:
            with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
                res = sweep(scen, n, data_dir / "sweeps" / sweep_id, chunk_size=chunk, client=client,
                            on_chunk=lambda done, total: update_job(engine, sweep_id, done=done, total=total,
                                                                    message=f"{done} of {total} chunks"))
            t = res.table
            stats = {}
            for col in t.columns:
                if col.startswith(("economics.", "hydromet.")) and t[col].dtype.kind == "f":
                    q = t[col].quantile([0.1, 0.5, 0.9])
                    stats[col] = {"p10": float(q.iloc[0]), "p50": float(q.iloc[1]), "p90": float(q.iloc[2])}
            update_job(engine, sweep_id, state="done", message="done",
                       result={"rows": len(t), "folder": str(data_dir / "sweeps" / sweep_id), "metrics": stats})
        except ScandiaError as exc:
            update_job(engine, sweep_id, state="failed", message="failed", error=str(exc))
        except Exception as exc:
            update_job(engine, sweep_id, state="failed", message="failed",
                       error=f"internal error: {type(exc).__name__}: {exc}")
            traceback.print_exc()

    @app.post("/sweeps", status_code=202, responses={422: {"description": "bad request"}})
    def post_sweep(body: SweepRequest) -> Any:
        """Queue a sweep: ``samples`` draws of the scenario's distributions through the chain, in chunks
        (Parquet per chunk, resumable). ``scenario`` is a built-in name or a scenario object."""
        try:
            s = body.scenario
            if isinstance(s, str):
                if s not in builtin_scenarios():
                    raise ScenarioError("scenario", f"unknown built-in {s!r}")
                scen = load_scenario(s)
            else:
                try:
                    scen = scenario_from_dict(s)
                except ScenarioError as exc:
                    raise ScenarioError(f"scenario.{exc.field}", exc.message) from None
            n, chunk = body.samples, body.chunk_size
            if n > max_samples:
                raise ScenarioError("samples", f"must be at most {max_samples:,} on this server")
            if n > 10_000 * chunk:
                raise ScenarioError("chunk_size", f"at most 10,000 chunks: use chunk_size >= {-(-n // 10_000)}")
            if not scen.uncertainty.distributions:
                raise ScenarioError("scenario.uncertainty.distributions", "a sweep needs at least one distribution")
        except ScenarioError as exc:
            return _unprocessable(exc)
        sweep_id = create_job(engine, "sweep", {"scenario": scen.name, "samples": n, "chunk_size": chunk},
                              owner=server_id)
        submit(_execute_sweep, sweep_id, scen, n, chunk)
        return {"id": sweep_id, "state": "queued", "links": {"self": f"/sweeps/{sweep_id}"}}

    @app.get("/sweeps/{sweep_id}", responses={404: {"description": "unknown sweep"}})
    def get_sweep(sweep_id: str) -> Any:
        """A sweep's state and progress (chunks done of total) and, when done, P10/P50/P90 of its metrics."""
        job = get_job(engine, sweep_id) if _ID.fullmatch(sweep_id) else None
        if job is None or job["kind"] != "sweep":
            return _error(404, f"no sweep {sweep_id!r}")
        return {"id": sweep_id, "state": job["state"], "message": job["message"], "error": job["error"],
                "progress": {"done": job["done"], "total": job["total"]}, "request": job["request"],
                "result": job["result"]}

    # ------------------------------------------------------------------ scenarios, health
    @app.get("/scenarios")
    def scenarios() -> list[dict[str, str]]:
        """Built-in scenarios with their one-line descriptions."""
        return [{"name": k, "description": v} for k, v in builtin_scenarios().items()]

    @app.get("/scenarios/{name}", responses={404: {"description": "unknown scenario"}})
    def scenario(name: str) -> Any:
        """A built-in scenario as a complete object (POST it back to /runs, edited)."""
        if name not in builtin_scenarios():
            return _error(404, f"no built-in scenario {name!r}")
        return load_scenario(name).model_dump(mode="json")

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness: version and store backend (no token needed)."""
        return {"status": "ok", "version": __version__, "store": engine.dialect.name,
                "dashboard_warm": whatif.warmed}

    # ------------------------------------------------------------------ dashboard
    @app.post("/whatif", responses={422: {"description": "bad slider value"}})
    def post_whatif(req: WhatIfRequest) -> Any:
        """Evaluate the chain for slider values (stage results and the alloy grid are cached)."""
        try:
            return whatif.evaluate(req)
        except ScenarioError as exc:
            return _unprocessable(exc)

    @app.get("/whatif/controls")
    def controls() -> dict[str, Any]:
        """Choices and ranges of the dashboard's selectors and sliders."""
        from ..beneficiation.routes import CONCENTRATION_ROUTES
        from ..core.datafiles import load_data
        from ..hydromet.routes import LEACH_ROUTES

        samples = load_data("beneficiation/samples.yaml")["samples"]
        acid = acid_fields()
        labels = {**{r: CONCENTRATION_ROUTES[r].label for r in CONCENTRATION_ROUTES},
                  **{r: f"{LEACH_ROUTES[r].label} ({'/'.join(LEACH_ROUTES[r].reagents)})" for r in LEACH_ROUTES}}
        return {"scenarios": list(builtin_scenarios()), "default_scenario": DEFAULT_SCENARIO,
                "samples": {k: v.get("description", "") for k, v in samples.items()},
                "concentration_routes": [r for r in CONCENTRATION_ROUTES if CONCENTRATION_ROUTES[r].offered],
                "leach_routes": list(acid), "labels": labels,
                "acid": {k: {"field": f, "unit": u, "min": lo, "max": hi} for k, (f, u, lo, hi) in acid.items()}}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse((Path(__file__).parent / "dashboard.html").read_text(encoding="utf-8"))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="application/javascript")

    @app.get("/static/swagger/{name}", include_in_schema=False)
    def swagger_asset(name: str) -> Any:
        import swagger_ui_bundle

        if name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
            return _error(404, "no such asset")
        return FileResponse(Path(swagger_ui_bundle.swagger_ui_path) / name)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url="/openapi.json", title="scandia API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css", swagger_favicon_url="")

    app.add_middleware(_Guard, limit=max_body_bytes, hosts=allowed_hosts)
    return app


def token_from_env() -> str | None:
    t = os.environ.get("SCANDIA_TOKEN")
    return t if t else None
