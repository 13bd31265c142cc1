"""schemathesis against the service's own OpenAPI spec with every check it has (``--checks all``): no server
error (5xx); documented status codes, content types, headers and bodies; schema-invalid data refused;
undeclared methods answered 405; auth and resource checks.

One check is not applied to the five POST endpoints: ``positive_data_acceptance`` ("every schema-valid request
is accepted"). Their bodies carry rules between fields that OpenAPI cannot state (Sobol indices need
``samples`` > 1, ``stage`` needs a one-sample run, a distribution's ``low`` must lie below its ``high``, the
what-if acid dose, also when the case is saved as a scenario, must lie in the chosen leach route's range), so a
schema-valid request can rightly be refused with 422. What the schema can say it now says (built-in names,
routes and samples enumerated; sample and chunk limits from this server's limits), and the check runs on every
other endpoint.

The app under test accepts at most 20 samples per run or sweep, answers runs of one sample at once and draws the
dashboard's bands from 10 samples, so the generated work stays small; queued jobs are cancelled when the app shuts down.
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
                 max_samples=20, allowed_hosts=(*LOOPBACK, "testserver"), band_samples=10)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

_C = schemathesis.checks
ALL = (_C.not_a_server_error, _C.status_code_conformance, _C.content_type_conformance,
       _C.response_schema_conformance, _C.response_headers_conformance, _C.negative_data_rejection,
       _C.positive_data_acceptance, _C.missing_required_header, _C.unsupported_method, _C.use_after_free,
       _C.ensure_resource_availability, _C.ignored_auth)
#: endpoints whose bodies carry cross-field rules (see the module docstring)
CROSS_FIELD = {("POST", "/runs"), ("POST", "/sweeps"), ("POST", "/whatif"), ("POST", "/whatif/scenario"),
               ("POST", "/whatif/bands")}


@schema.parametrize()
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_check(case):
    checks = [c for c in ALL if not (c is _C.positive_data_acceptance
                                     and (case.method.upper(), case.path) in CROSS_FIELD)]
    # a what-if on the regeneration route solves two recycles (about 7 s alone, more on a loaded CI core): the
    # default 10 s read timeout is too short for it, and a slow answer is not what this test checks
    case.call_and_validate(checks=checks, timeout=60)
