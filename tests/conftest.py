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


@pytest.fixture(scope="session")
def sampled_run_dir(tmp_path_factory):
    """A run folder of the default scenario with 40 Monte Carlo samples and Sobol indices (N = 8), written once
    per test session by ``scandia run`` and shared by the report and browser tests (read-only for them)."""
    from typer.testing import CliRunner

    from scandia.cli import app

    out = tmp_path_factory.mktemp("sampled_run")
    res = CliRunner().invoke(app, ["run", "--out", str(out), "--samples", "40", "--sobol", "8", "--routes",
                                   "--no-store"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def synthetic_case():
    """The default synthetic deposit and its resource estimate (flat surface at the collars), built once per
    test session and shared read-only by the resource tests."""
    from scandia.resource.estimate import estimate_resource
    from scandia.resource.synthetic import synthetic_deposit

    dep = synthetic_deposit()
    return dep, estimate_resource(dep.drillholes(), surface_m=float(dep.origin[2]))


@pytest.fixture(scope="session")
def synthetic_plan(synthetic_case):
    """(scenario, mine plan, mine settings) of the default scenario on the synthetic estimate, with four
    simulations and four price factors (fewer shells than the default: a faster fixture, the same method)."""
    from scandia.resource.mine import mine_settings
    from scandia.resource.plan import grade_realisations, plan_mine
    from scandia.resource.simulate import simulate_resource
    from scandia.scenario import load_scenario

    dep, est = synthetic_case
    sim = simulate_resource(est, 4, seed=1)
    s = dict(mine_settings())
    s["price_factors"] = {"value": [0.2, 0.25, 0.4, 1.0]}
    scen = load_scenario(None)
    return scen, plan_mine(scen, est, grade_realisations(est, sim), top_m=float(dep.origin[2]), settings=s), s


def _postgres_url() -> str | None:
    """The PostgreSQL test database (set by .ci/run); None when not configured."""
    url = os.environ.get("SCANDIA_TEST_PG")
    if not url and os.environ.get("SCANDIA_REQUIRE_PG") == "1":
        pytest.fail("SCANDIA_REQUIRE_PG=1 but SCANDIA_TEST_PG (a postgresql:// URL) is not set")
    return url or None


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path):
    """A fresh, empty run store on each backend: a SQLite file, or the PostgreSQL test database with its tables
    dropped first. PostgreSQL is skipped where it is not configured (CI configures and requires it)."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL not configured here (SCANDIA_TEST_PG); .ci/run starts one")
    from scandia.store import _meta, open_store

    engine = open_store(url)
    _meta.drop_all(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def docs_site(tmp_path_factory):
    """The documentation site built as `make docs` builds it (mkdocs, strict), once per session; returns
    (site folder, build log). A warning from any page fails strict mode, so the build must succeed."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    site = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site, proc.stdout + proc.stderr
