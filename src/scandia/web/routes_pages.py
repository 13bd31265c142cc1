"""Scenarios, health, the what-if dashboard, its static assets and the offline API docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from .. import __version__
from ..core.errors import ScenarioError
from ..scenario.loader import DEFAULT_SCENARIO, builtin_scenarios, load_scenario
from .http import (
    Service,
    _error,
    _unprocessable,
    busy,
)
from .whatif import WhatIfRequest, acid_fields


def pages_router(svc: Service) -> APIRouter:
    """The routes; ``svc`` is the shared service state (store, data folder, job pool, limits)."""
    engine, whatif = svc.engine, svc.whatif
    router = APIRouter()

    @router.get("/scenarios")
    def scenarios() -> list[dict[str, str]]:
        """Built-in scenarios with their one-line descriptions."""
        return [{"name": k, "description": v} for k, v in builtin_scenarios().items()]

    @router.get("/scenarios/{name}", responses={404: {"description": "unknown scenario"}})
    def scenario(name: str) -> Any:
        """A built-in scenario as a complete object (POST it back to /runs, edited)."""
        if name not in builtin_scenarios():
            return _error(404, f"no built-in scenario {name!r}")
        return load_scenario(name).model_dump(mode="json")

    @router.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness: version and store backend (no token needed). Answered on the event loop itself, so it
        never waits for a worker thread."""
        return {"status": "ok", "version": __version__, "store": engine.dialect.name,
                "dashboard_warm": whatif.warmed}

    # ------------------------------------------------------------------ dashboard
    @router.post("/whatif", responses={422: {"description": "bad slider value"}})
    def post_whatif(req: WhatIfRequest) -> Any:
        """Evaluate the chain for slider values (stage results and the alloy grid are cached)."""
        try:
            return whatif.evaluate(req)
        except ScenarioError as exc:
            return _unprocessable(exc)

    @router.post("/whatif/bands", responses={422: {"description": "bad slider value"},
                                             429: {"description": "every synchronous slot is computing"}})
    def post_whatif_bands(req: WhatIfRequest) -> Any:
        """Uncertainty bands at the slider values: P10/P50/P90 of NPV, Sc2O3 output and yield strength over the
        server's ``band_samples`` samples of the scenario's uncertainty section, the slider fields held. A move
        of the price, discount rate or alloy reuses the sampled process results (about 0.2 s); a process move
        re-runs the sampled chain (seconds)."""
        if not svc.sync_gate.acquire(blocking=False):
            return busy(f"{svc.limits.sync_slots} synchronous computations are running; try again shortly", 2)
        try:
            return whatif.bands(req)
        except ScenarioError as exc:
            return _unprocessable(exc)
        finally:
            svc.sync_gate.release()

    @router.post("/whatif/scenario", responses={422: {"description": "bad slider value"}})
    def post_whatif_scenario(req: WhatIfRequest) -> Any:
        """The what-if case as a scenario: the resolved YAML to save as a file (`scandia run FILE` reruns it),
        and the same scenario as JSON, which POST /runs takes to record the case as a run."""
        import json

        from ..runner import resolved_yaml
        from .whatif import scenario_for

        try:
            scen = scenario_for(req)
            scen = scen.with_values({"name": f"{scen.name}-whatif",
                                     "description": f"what-if case of {scen.name} saved from the dashboard"})
        except ScenarioError as exc:
            return _unprocessable(exc)
        return {"name": scen.name, "yaml": resolved_yaml(scen), "scenario": json.loads(scen.model_dump_json())}

    @router.get("/whatif/controls")
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

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse((Path(__file__).parent / "dashboard.html").read_text(encoding="utf-8"))

    @router.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @router.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="application/javascript")

    @router.get("/static/swagger/{name}", include_in_schema=False)
    def swagger_asset(name: str) -> Any:
        import swagger_ui_bundle

        if name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
            return _error(404, "no such asset")
        return FileResponse(Path(swagger_ui_bundle.swagger_ui_path) / name)

    @router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url="/openapi.json", title="scandia API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css", swagger_favicon_url="")

    return router
