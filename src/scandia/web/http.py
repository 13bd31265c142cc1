"""What the service's routers share: the service state, error answers, body parsing and request models."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..core.errors import ScenarioError
from .whatif import WhatIf

_ID = re.compile(r"[0-9a-f]{32}")  # used with fullmatch
MAX_SAMPLES = 1_000_000


def default_limits() -> dict[str, float]:
    """The service's limits from ``data/service.yaml`` (each value with its reason there)."""
    from ..core.datafiles import load_data

    return {k: v["value"] for k, v in load_data("service.yaml").items()}


@dataclass
class Limits:
    """What one server accepts (``data/service.yaml``): samples per request, synchronous slots, active jobs,
    the memory estimate of a run, and the job lease."""

    max_samples: int
    sync_max_samples: int
    band_samples: int
    sync_slots: int
    max_active_jobs: int
    max_job_mb: float
    run_mb_per_sample: float
    run_mb_base: float
    run_kept_mb_per_sample: float
    lease_s: float
    max_job_s: float

    @classmethod
    def from_data(cls, **overrides: Any) -> Limits:
        values = {**default_limits(), **{k: v for k, v in overrides.items() if v is not None}}
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})

    def run_mb(self, samples: int) -> float:
        """Estimated peak memory of a run of ``samples`` samples, MB: one chunk's work (a Monte Carlo runs in
        chunks of :data:`scandia.chain.CHUNK_SAMPLES`) plus what is kept of every sample."""
        from ..chain import CHUNK_SAMPLES

        return (self.run_mb_base + self.run_mb_per_sample * min(samples, CHUNK_SAMPLES)
                + self.run_kept_mb_per_sample * samples)

    @property
    def max_run_samples(self) -> int:
        """The most samples one run may take here: the sample limit or the memory limit, whichever binds
        (published in the OpenAPI schema, so a schema-valid request is not refused for its size)."""
        from ..chain import CHUNK_SAMPLES

        room = self.max_job_mb - self.run_mb_base
        if room <= (self.run_mb_per_sample + self.run_kept_mb_per_sample) * CHUNK_SAMPLES:  # within one chunk
            by_memory = int(room / (self.run_mb_per_sample + self.run_kept_mb_per_sample))
        else:
            by_memory = int((room - self.run_mb_per_sample * CHUNK_SAMPLES) / self.run_kept_mb_per_sample)
        return max(1, min(self.max_samples, by_memory))


@dataclass
class Service:
    """The state a service's routers share: run store engine, data folder, background-job submit, what-if
    evaluator, this server's id, its limits and the gate of synchronous work."""

    engine: Any
    data_dir: Path
    submit: Callable[..., None]
    whatif: WhatIf
    server_id: str
    limits: Limits
    sync_gate: Any  # asyncio-free threading.BoundedSemaphore of limits.sync_slots

    @property
    def max_samples(self) -> int:
        return self.limits.max_samples

    @property
    def sync_max_samples(self) -> int:
        return self.limits.sync_max_samples


def busy(message: str, retry_s: int = 5) -> JSONResponse:
    """429 with Retry-After: the server is at a limit now; the same request may succeed later."""
    return JSONResponse({"detail": message}, status_code=429, headers={"Retry-After": str(retry_s)})


def admit_job(lim: Limits, samples: int, active: int | None, too_big: str) -> JSONResponse | None:
    """The admission checks POST /runs and POST /sweeps share: 413 when a job of ``samples`` samples (a run, or one
    sweep chunk) would need more memory than a job may take (``too_big`` says what to do instead), 429 when this
    server already has its most active jobs (``active``; None: a synchronous run, not a job). None: admitted."""
    if lim.run_mb(samples) > lim.max_job_mb:
        return _error(413, f"{samples:,} samples need about {lim.run_mb(samples):,.0f} MB; this server takes up to "
                           f"{lim.max_job_mb:,.0f} MB per job (about {lim.max_run_samples:,} samples): {too_big}")
    if active is not None and active >= lim.max_active_jobs:
        return busy(f"{lim.max_active_jobs} jobs are queued or running on this server; try again later")
    return None


def _error(status: int, detail: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


class SweepRequest(BaseModel):
    """A sweep: ``samples`` draws of the scenario's distributions, run in chunks of ``chunk_size``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    scenario: str | dict[str, Any] = Field("crater-lake", description="built-in scenario name or scenario object",
                                           examples=["crater-lake"])
    samples: int = Field(1000, ge=1, le=MAX_SAMPLES, description="number of samples")
    chunk_size: int = Field(500, ge=1, le=MAX_SAMPLES, description="samples per chunk (one Parquet file each)")


def sweep_request_model(limits: Limits) -> type[SweepRequest]:
    """The sweep request with this server's limits in its schema (samples up to ``max_samples``, a chunk within
    the memory limit, built-in names enumerated)."""
    from pydantic import create_model

    from ..scenario.loader import builtin_scenarios

    chunk_max = limits.max_run_samples
    names = list(builtin_scenarios())
    return create_model(
        "SweepRequest", __base__=SweepRequest,
        scenario=(str | dict[str, Any], Field("crater-lake", description="built-in scenario name or scenario object",
                                             examples=["crater-lake"],
                                             json_schema_extra=lambda s: _enum_str(s, names))),
        samples=(int, Field(min(1000, limits.max_samples), ge=1, le=limits.max_samples,
                            description="number of samples")),
        chunk_size=(int, Field(min(500, chunk_max), ge=1, le=chunk_max,
                               description="samples per chunk (one Parquet file each)")))


def _enum_str(schema: dict[str, Any], names: list[str]) -> None:
    """Enumerate the string alternative of a ``str | object`` field."""
    for alt in schema.get("anyOf", []):
        if alt.get("type") == "string":
            alt["enum"] = names


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


def _parse_body(raw: bytes, kind: str) -> dict[str, Any] | None:
    """A scenario mapping from a JSON or YAML body (``kind`` one of the accepted media types); ``None`` for a YAML
    body of comments only, which means the default scenario as an empty body does."""
    from ..scenario.loader import parse_yaml

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("scenario", "body is not UTF-8 text") from None
    if kind in _JSON_TYPES:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScenarioError("scenario", f"malformed JSON ({exc})") from None
        except RecursionError:
            raise ScenarioError("scenario", "JSON nested too deeply") from None
    else:
        data = parse_yaml(text)
        bare = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
                and ln.strip() not in ("---", "...")]
        if data is None and not bare:  # only comments or document markers: as an empty body, the default
            return None
    if not isinstance(data, dict):  # `null`, a list or a number is not a scenario (an empty body is the default)
        raise ScenarioError("scenario", f"the body must be a mapping (a scenario), not {type(data).__name__}; "
                                        "send an empty body for the default scenario")
    return data


_SCENARIO_BODY = {
    "required": False,
    "description": "A scenario (see GET /scenarios/{name} for a complete one and `scandia validate --schema`); "
                   "an empty body runs the default scenario. `name` may instead name a built-in scenario with "
                   "the query parameter `scenario`.",
    "content": {"application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "object"}}},
}


def refuse_resource_stage(scenario: Any, stage: str | None = None, prefix: str = "") -> None:
    """The service does not run the resource stage: it would read drill-hole folders named by the request on
    the server's disk, and one plan takes about a minute. A one-line error (422) says so."""
    if stage == "resource" or scenario.resource.feeds_chain or scenario.resource.holes is not None:
        raise ScenarioError(f"{prefix}resource", "the resource stage is not offered by the service (it reads "
                                                 "drill-hole files on the server and a plan takes about a minute); "
                                                 "run it with `scandia run` or `scandia resource`")

