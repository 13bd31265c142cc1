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


@dataclass
class Service:
    """The state a service's routers share: run store engine, data folder, background-job submit, what-if
    evaluator, this server's id and its limits."""

    engine: Any
    data_dir: Path
    submit: Callable[..., None]
    whatif: WhatIf
    server_id: str
    max_samples: int
    sync_max_samples: int


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


