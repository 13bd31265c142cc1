"""Test-session settings: runs are recorded in a throw-away run store, never in the user's."""

from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_run_store():
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("SCANDIA_DB")
        os.environ["SCANDIA_DB"] = os.path.join(tmp, "runs.db")
        yield
        if old is None:
            os.environ.pop("SCANDIA_DB", None)
        else:
            os.environ["SCANDIA_DB"] = old
