"""schemathesis against the service's own OpenAPI spec: no generated request may cause a server error (5xx),
and every response must have a documented status code, the documented content type and a body that matches
the documented schema.

The app under test accepts at most 20 samples per run or sweep and answers runs of one sample at once, so the
generated work stays small; queued jobs are cancelled when the app shuts down.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from scandia.web.app import LOOPBACK, create_app

pytestmark = pytest.mark.integration


_TMP = tempfile.TemporaryDirectory(prefix="scandia-openapi-")
# schemathesis' ASGI client sends Host: testserver; only tests add that name to the loopback allow-list
APP = create_app(db=str(Path(_TMP.name) / "runs.db"), data_dir=Path(_TMP.name) / "data", sync_max_samples=1,
                 max_samples=20, allowed_hosts=(*LOOPBACK, "testserver"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    c = schemathesis.checks
    case.call_and_validate(checks=[c.not_a_server_error, c.status_code_conformance, c.content_type_conformance,
                                   c.response_schema_conformance])
