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
import os
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from .. import __version__
from ..store import abandon_jobs, default_db, heartbeat, open_store, reap_jobs
from .http import Limits, Service, _error
from .jobs import JobRunner
from .routes_pages import pages_router
from .routes_runs import runs_router
from .routes_sweeps import sweeps_router
from .whatif import WhatIf

__all__ = ["LOOPBACK", "create_app", "hosts_for", "is_loopback"]

LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: Host names a loopback server answers to by default
LOOPBACK_HOSTS = LOOPBACK


def hosts_for(bind: str) -> tuple[str, ...]:
    """The Host names a server bound to ``bind`` answers to: the bound address itself plus the loopback names
    (a server on 127.0.0.2 answers to 127.0.0.2, 127.0.0.1, ::1 and localhost)."""
    return tuple(dict.fromkeys((bind, *LOOPBACK)))


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
      header names another host, or is ``null``: a sandboxed iframe, a file: page or a redirect) is refused with
      403, so a web page cannot start runs on a local server; and it must name its content type (415
      otherwise), which a plain HTML form cannot send as JSON or YAML.
    """

    def __init__(self, app: Any, limit: int, hosts: tuple[str, ...] | None, post_paths: frozenset[str]) -> None:
        self.app, self.limit, self.hosts, self.post_paths = app, limit, hosts, post_paths

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
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):  # others change nothing (405 from the router)
            if origin is not None:
                from urllib.parse import urlsplit

                if origin.strip().lower() == "null" or urlsplit(origin).netloc != host:
                    await _error(403, "cross-origin request refused")(scope, receive, send)
                    return
            if (scope["method"] == "POST" and scope.get("path") in self.post_paths
                    and not headers.get("content-type", "").strip()):
                await _error(415, "a request that changes state must name its content type "
                                  "(application/json or application/yaml)")(scope, receive, send)
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



def create_app(db: str | None = None, data_dir: Path | None = None, token: str | None = None,
               max_body_bytes: int = 1_000_000, sync_max_samples: int | None = None, workers: int = 1,
               warm: bool = False, max_samples: int | None = None,
               allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS, **limits: Any) -> FastAPI:
    """Build the service. ``db``: run store (SQLite path or URL); ``data_dir``: run folders and sweeps
    (default beside the store); ``token``: required on every data request when set; ``warm``: precompute
    the dashboard's default scenario and alloy grid in a background thread; ``max_samples``,
    ``sync_max_samples`` and ``limits`` (``sync_slots``, ``max_active_jobs``, ``max_job_mb``, ``lease_s``,
    ``band_samples``):
    the limits of ``data/service.yaml`` (its defaults when not given); ``allowed_hosts``: Host header names
    accepted (default: loopback names, see :func:`hosts_for`; None: any)."""
    lim = Limits.from_data(max_samples=max_samples, sync_max_samples=sync_max_samples, **limits)

    engine = open_store(db)
    if data_dir is None:  # beside a store file ($SCANDIA_DB included), else in the default store's folder
        where = db or default_db()
        base = Path(where).expanduser().parent if "://" not in where else Path(default_db()).parent
        data_dir = base / "service"
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    # queued jobs run in worker processes the server can kill (scandia.web.jobs)
    jobs = JobRunner(engine, db or default_db(), data_dir, workers, lim.max_job_s)

    whatif = WhatIf(band_samples=int(lim.band_samples))

    server_id = secrets.token_hex(8)

    stop = threading.Event()

    def beat() -> None:
        """Renew this server's lease and fail the jobs of servers whose lease ran out (killed, not stopped)."""
        while True:
            try:
                heartbeat(engine, server_id)
                reap_jobs(engine, lim.lease_s, server_id)
            except Exception:  # the store is unreachable for a moment: try again next beat
                pass
            if stop.wait(lim.lease_s / 3.0):
                return

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop.clear()
        jobs.reopen()
        threading.Thread(target=beat, name="scandia-lease", daemon=True).start()
        if warm:
            threading.Thread(target=whatif.warm, name="scandia-warm", daemon=True).start()
        yield
        stop.set()
        jobs.close()
        # work this server accepted but will not finish is marked failed, not left 'queued' for ever
        abandon_jobs(engine, server_id, "the server stopped before this job finished; submit it again")

    common = {400: {"description": "malformed request (body, Host or Content-Length)"},
              401: {"description": "missing or wrong token (when the server has one)"},
              403: {"description": "cross-origin request refused"},
              413: {"description": "request body over the size limit, or work over the memory limit"},
              415: {"description": "a state-changing request without a JSON or YAML content type"},
              429: {"description": "at a limit (active jobs, synchronous slots): retry after Retry-After seconds"}}
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

    svc = Service(engine, data_dir, jobs.submit, whatif, server_id, lim, threading.BoundedSemaphore(lim.sync_slots))
    app.state.service = svc  # for operators and tests: limits, server id, synchronous gate
    for router in (runs_router(svc), sweeps_router(svc), pages_router(svc)):
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        """422 naming each bad field; the offending input is echoed only when it is plain JSON (a NaN or
        Infinity in the body cannot be written back as JSON, and used to turn the 422 into a 500)."""
        import json as _json

        out = []
        for e in exc.errors():
            item = {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            try:
                _json.dumps(e.get("input"), allow_nan=False)
                item["input"] = e.get("input")
            except (TypeError, ValueError):
                pass
            out.append(item)
        return _error(422, out)

    # the content-type rule applies where a POST is served (elsewhere the router answers 405)
    post_paths = frozenset(r.path for r in app.routes if "POST" in (getattr(r, "methods", None) or ()))
    app.add_middleware(_Guard, limit=max_body_bytes, hosts=allowed_hosts, post_paths=post_paths)
    return app


def token_from_env() -> str | None:
    t = os.environ.get("SCANDIA_TOKEN")
    return t if t else None
