"""The REST service (in process, through FastAPI's test client): runs, reports, sweeps, what-ifs, bad input."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scandia.cli import app as cli
from scandia.web.app import create_app

from .helpers import default_npv_musd

#: the test client's base URL: a loopback server answers only to its own address and the loopback names
LOCAL = "http://127.0.0.1"
#: every POST names its content type (the cross-site rule)
JSON = {"content-type": "application/json"}

pytestmark = pytest.mark.integration
SMALL = "name: small\nuncertainty:\n  samples: 1\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("service")
    with TestClient(create_app(db=str(tmp / "runs.db"), data_dir=tmp / "data", sync_max_samples=5),
                    base_url=LOCAL) as c:
        yield c


def _wait(client, url, until=("done", "failed"), timeout=120.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        body = client.get(url).json()
        if body["state"] in until:
            return body
        time.sleep(0.2)
    raise AssertionError(f"{url} still {body['state']} after {timeout} s")


def test_health_and_scenarios(client):
    assert client.get("/health").json()["status"] == "ok"
    names = [s["name"] for s in client.get("/scenarios").json()]
    assert "crater-lake" in names
    scen = client.get("/scenarios/crater-lake").json()
    assert scen["name"] == "crater-lake" and "economics" in scen
    assert client.get("/scenarios/nope").status_code == 404


def test_small_run_answers_at_once_with_summary_and_report(client):
    r = client.post("/runs", content=SMALL, headers={"content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"]) and body["state"] == "done"
    assert body["summary"]["stages"]["economics"]["metrics"]["npv_musd"] == pytest.approx(default_npv_musd(), abs=1.0)
    run_id = body["id"]
    assert client.get(f"/runs/{run_id}").json()["status"]["ok"] == 1
    summary = client.get(f"/runs/{run_id}/summary").json()
    assert summary["scenario"] == "small" and summary["n_scenarios"] == 1
    rep = client.get(f"/runs/{run_id}/report")
    assert rep.status_code == 200 and rep.headers["content-type"].startswith("text/html")
    assert "data-figure='sankey'" in rep.text and "Balance health" in rep.text
    assert any(r["run_id"] == run_id for r in client.get("/runs").json())


def test_json_body_and_builtin_by_name(client):
    r = client.post("/runs", json={"name": "j", "uncertainty": {"samples": 1}, "alloy": {"sc_wt_pct": 0.2}})
    assert r.status_code == 201
    assert r.json()["summary"]["stages"]["alloy"]["sc_wt_pct"] == 0.2
    r = client.post("/runs?scenario=crater-lake&samples=1&stage=beneficiation",
                    headers={"content-type": "application/json"})
    assert r.status_code == 201 and set(r.json()["summary"]["stages"]) == {"beneficiation"}


def test_large_run_becomes_a_background_job(client):
    r = client.post("/runs?scenario=crater-lake&samples=12", headers=JSON)
    assert r.status_code == 202
    done = _wait(client, f"/runs/{r.json()['id']}")
    assert done["state"] == "done" and done["n_scenarios"] == 12
    s = client.get(f"/runs/{done['id']}/summary").json()
    assert s["uncertainty"]["samples"] == 12 and "p50" in s["stages"]["economics"]["metrics"]["npv_musd"]


@pytest.mark.parametrize("body, ctype, loc", [
    ('{"plant": {"ore_feed_rate_tph": -5}}', "application/json", ["body", "plant", "ore_feed_rate_tph"]),
    ("alloy:\n  sc_wt_pct: 9\n", "application/yaml", ["body", "alloy", "sc_wt_pct"]),
    ("plant: [1, 2\n", "application/yaml", ["body", "scenario"]),
    ('{"nonsense": 1}', "application/json", ["body", "nonsense"]),
    ("[1, 2]", "application/json", ["body", "scenario"]),
])
def test_malformed_scenario_is_422_with_field_path(client, body, ctype, loc):
    r = client.post("/runs", content=body, headers={"content-type": ctype})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc


def test_unknown_ids_are_404(client):
    assert client.get("/runs/" + "0" * 32).status_code == 404
    assert client.get("/runs/not-an-id/summary").status_code == 404
    assert client.get("/runs/" + "f" * 32 + "/report").status_code == 404
    assert client.get("/sweeps/" + "0" * 32).status_code == 404


def test_oversize_body_is_413(tmp_path):
    with TestClient(create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, max_body_bytes=2_000),
                    base_url=LOCAL) as c:
        r = c.post("/runs", content="a" * 5_000, headers={"content-type": "application/yaml"})
        assert r.status_code == 413
        assert c.get("/health").status_code == 200  # the server carries on


def test_token_required_when_set(tmp_path):
    with TestClient(create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, token="s3cret"), base_url=LOCAL) as c:
        assert c.get("/health").status_code == 200  # liveness needs no token
        assert c.get("/scenarios").status_code == 401
        assert c.get("/scenarios", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/scenarios", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/scenarios", headers={"X-Scandia-Token": "s3cret"}).status_code == 200
        assert c.post("/runs", content=SMALL, headers={"content-type": "application/yaml"}).status_code == 401
        assert c.post("/whatif", json={}).status_code == 401
        assert c.get("/runs/" + "0" * 32, params={"token": "s3cret"}).status_code == 404  # past the token check
        # pages and assets without data load without it, so a browser can open /?token=... and the docs
        for path in ("/", "/static/plotly.min.js", "/docs", "/openapi.json"):
            assert c.get(path).status_code == 200, path


def test_failed_run_is_recorded_and_its_report_says_what_failed(client):
    # a stand-alone hydromet run without a feed assay fails after validation
    r = client.post("/runs?scenario=crater-lake&samples=1&stage=hydromet", headers=JSON)
    assert r.status_code == 422 and "hydromet.feed" in r.text
    run_id = r.json()["run_id"]
    view = client.get(f"/runs/{run_id}").json()
    assert view["state"] == "failed" and "hydromet.feed" in view["error"]
    assert client.get(f"/runs/{run_id}/summary").status_code == 409
    rep = client.get(f"/runs/{run_id}/report")
    assert rep.status_code == 200 and "This run failed" in rep.text and "hydromet.feed" in rep.text


def test_sweep_reports_progress_and_results(client):
    r = client.post("/sweeps", json={"scenario": "crater-lake", "samples": 16, "chunk_size": 8})
    assert r.status_code == 202
    done = _wait(client, f"/sweeps/{r.json()['id']}", timeout=180)
    assert done["state"] == "done", done
    assert done["progress"] == {"done": 2, "total": 2}
    assert done["result"]["rows"] == 16
    npv = done["result"]["metrics"]["economics.npv_musd"]
    assert npv["p10"] <= npv["p50"] <= npv["p90"]


@pytest.mark.parametrize("body, field", [
    ({"samples": 0}, "samples"), ({"samples": 10, "chunk_size": "x"}, "chunk_size"), ({"bogus": 1}, "bogus"),
    ({"scenario": "nope"}, "scenario"), ({"scenario": {"uncertainty": {"samples": 1}}, "samples": 4},
                                         "scenario.uncertainty.distributions"),
])
def test_bad_sweep_is_422(client, body, field):
    r = client.post("/sweeps", json=body)
    assert r.status_code == 422
    assert ".".join(r.json()["detail"][0]["loc"][1:]) == field


def test_whatif_moves_npv_and_rejects_bad_sliders(client):
    base = client.post("/whatif", json={}).json()
    higher = client.post("/whatif", json={"sc2o3_price_usd_per_kg": 3500}).json()
    # NPV rises with price (about US$384 M per US$1,000/kg at the default case: an invariant direction, with the
    # break-even between the two prices' NPVs)
    assert higher["metrics"]["economics.npv_musd"] > base["metrics"]["economics.npv_musd"] + 100
    assert base["metrics"]["economics.npv_musd"] == pytest.approx(default_npv_musd(), abs=1.0)
    s = base["sankey"]
    assert set(s) == {"mass", "Sc", "US$"} and len(s["mass"]["source"]) == len(s["mass"]["value"])
    assert len(base["strength_vs_sc"]["sc_wt_pct"]) == 51
    r = client.post("/whatif", json={"acid": 9999, "leach_route": "tank"})  # outside the schema's range: its path
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "hydromet", "tank", "free_acid_g_per_l"]
    r = client.post("/whatif", json={"acid": 350, "leach_route": "tank"})  # inside the schema (5-400 g/L),
    # outside the slider (20-300)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "acid"]
    assert client.post("/whatif", json={"sc_wt_pct": 3}).status_code == 422
    assert client.post("/whatif", json={"leach_route": "moon"}).status_code == 422


def test_whatif_bands_hold_the_sliders_and_reuse_the_sampled_process(tmp_path):
    """Issue 16 item 6: every what-if move also gets P10/P50/P90 of NPV, Sc2O3 output and yield strength from
    the scenario's uncertainty section (here 60 samples; the service default is 1,000). The sliders' fields are
    held, so a price move leaves the sampled process, and with it the output band, exactly as it was, and moves
    the NPV band up (NPV rises with price in every sample)."""
    with TestClient(create_app(db=str(tmp_path / "runs.db"), data_dir=tmp_path / "data", band_samples=60),
                    base_url=LOCAL) as c:
        sliders = {"sc2o3_price_usd_per_kg": 3000.0, "discount_rate_frac": 0.08, "sc_wt_pct": 0.15,
                   "zr_wt_pct": 0.1}
        a = c.post("/whatif/bands", json=sliders).json()
        b = c.post("/whatif/bands", json={**sliders, "sc2o3_price_usd_per_kg": 3500.0}).json()
        assert a["samples"] == 60 and "economics.params.sc2o3_price_usd_per_kg" in a["held"]
        assert "economics.params.sc2o3_price_usd_per_kg" not in a["varied"]
        assert "hydromet.sx.dosage_vol_pct" in a["varied"]
        for band in a["metrics"].values():
            assert band["p10"] <= band["p50"] <= band["p90"]
        npv_a, npv_b = a["metrics"]["economics.npv_musd"], b["metrics"]["economics.npv_musd"]
        assert npv_a["p90"] - npv_a["p10"] > 10.0  # the sampled process and costs spread the NPV
        assert all(npv_b[k] > npv_a[k] + 50.0 for k in ("p10", "p50", "p90"))
        assert b["metrics"]["hydromet.sc2o3_production_tpa"] == a["metrics"]["hydromet.sc2o3_production_tpa"]
        ys = a["metrics"]["alloy.yield_mpa"]
        assert ys["p10"] == ys["p90"]  # no alloy input varies in the default uncertainty section
        bad = c.post("/whatif/bands", json={"acid": 350, "leach_route": "tank"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "acid"]


def test_strength_band_has_width_once_an_alloy_input_varies(monkeypatch):
    """The yield band comes from the alloy stage over the samples once an alloy field is sampled (a slider that
    is not moved holds nothing): with Sc in the casting uniform in 0.10-0.20 wt% the band spans the model's
    strength over that range, which rises with Sc (about +136 MPa per 0.15 wt% at the default schedule)."""
    from scandia.scenario import load_scenario
    from scandia.web import whatif as w

    base = load_scenario("crater-lake")
    u = base.with_values({"uncertainty.correlations": [], "uncertainty.distributions": {
        "alloy.sc_wt_pct": {"dist": "uniform", "low": 0.10, "high": 0.20}}}).uncertainty
    monkeypatch.setattr(w, "_base_uncertainty", lambda name: u)
    ev = w.WhatIf(band_samples=12)
    out = ev.bands(w.WhatIfRequest(zr_wt_pct=0.1))
    ys = out["metrics"]["alloy.yield_mpa"]
    assert out["varied"] == ["alloy.sc_wt_pct"] and out["samples"] == 12
    assert ys["p90"] - ys["p10"] > 20.0


def test_dashboard_docs_and_assets_are_local(client):
    page = client.get("/").text
    assert '<script src="/static/plotly.min.js">' in page and "http" not in page.replace("http-equiv", "")
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    docs = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs and "cdn.jsdelivr" not in docs
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "scandia"


def test_cli_runs_are_visible_to_the_service(tmp_path):
    db = str(tmp_path / "shared.db")
    res = CliRunner().invoke(cli, ["run", "--stage", "beneficiation", "--db", db])
    assert res.exit_code == 0, res.output
    run_id = re.search(r"run ([0-9a-f]{32}) recorded", res.output).group(1)
    with TestClient(create_app(db=db, data_dir=tmp_path), base_url=LOCAL) as c:
        view = c.get(f"/runs/{run_id}").json()
        assert view["state"] == "done" and view["scenario"] == "crater-lake"
        assert "stored summary only" in c.get(f"/runs/{run_id}/report").text


def test_serve_refuses_public_address_without_token(monkeypatch):
    monkeypatch.delenv("SCANDIA_TOKEN", raising=False)
    res = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert res.exit_code == 2 and "SCANDIA_TOKEN" in res.output


def test_guards_chunked_oversize_nesting_content_type_origin_host(tmp_path):
    """Review findings: a chunked body over the limit is 413 too; deep nesting is 422, not 500; a body that is not
    JSON or YAML is 415; a state-changing request from another origin is 403; an unexpected Host is 400."""
    with TestClient(create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, max_body_bytes=2_000),
                    base_url=LOCAL) as c:
        def chunks():
            for _ in range(10):
                yield b"a" * 500

        for path in ("/runs", "/whatif", "/sweeps"):
            r = c.post(path, content=chunks(), headers={"content-type": "application/json"})
            assert r.status_code == 413, (path, r.status_code)
        r = c.post("/runs", content="[" * 1500, headers={"content-type": "application/json"})
        assert r.status_code == 422 and "nested" in r.text
        assert c.post("/runs", content="name: x\n", headers={"content-type": "text/plain"}).status_code == 415
        evil = {"content-type": "application/json", "origin": "http://evil.example"}
        assert c.post("/whatif", content="{}", headers=evil).status_code == 403
        assert c.post("/runs?scenario=crater-lake&samples=1", headers={"origin": "http://evil.example"}
                      ).status_code == 403
        assert c.get("/health", headers={"host": "rebind.evil.example"}).status_code == 400
        assert c.post("/whatif", json={}, headers={"origin": "http://127.0.0.1"}).status_code == 200


def test_sweep_ids_are_not_runs_and_nan_is_null(client):
    r = client.post("/sweeps", json={"scenario": "crater-lake", "samples": 4, "chunk_size": 4})
    sweep_id = r.json()["id"]
    for suffix in ("", "/summary", "/report"):
        assert client.get(f"/runs/{sweep_id}{suffix}").status_code == 404
    _wait(client, f"/sweeps/{sweep_id}", timeout=180)
    # no Sc: cost per MPa gained is undefined (NaN in the model); the API answers strict JSON with null
    body = {"alloy": {"sc_wt_pct": 0}, "uncertainty": {"samples": 2, "output": "alloy.cost_usd_per_mpa_per_kg",
            "distributions": {"economics.params.discount_rate_frac": {"dist": "uniform", "low": 0.05, "high": 0.1}}}}
    r = client.post("/runs", json=body)
    assert r.status_code == 201, r.text
    assert "NaN" not in r.text
    assert "NaN" not in client.get(f"/runs/{r.json()['id']}/summary").text


def test_query_errors_point_at_the_query(client):
    r = client.post("/runs?scenario=crater-lake&samples=3&stage=alloy", headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "stage"]
    r = client.post("/runs?scenario=crater-lake&samples=1&sobol=16", headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "sobol"]
    r = client.post("/sweeps", json={"scenario": {"plant": {"ore_feed_rate_tph": -1}}, "samples": 4})
    assert r.json()["detail"][0]["loc"] == ["body", "scenario", "plant", "ore_feed_rate_tph"]


def test_report_of_an_overwritten_folder_falls_back_to_the_stored_summary(tmp_path):
    db, out = str(tmp_path / "s.db"), tmp_path / "out"
    ids = []
    for scen in ("crater-lake", "crater-lake-olivine"):
        res = CliRunner().invoke(cli, ["run", scen, "--stage", "beneficiation", "--db", db, "--out", str(out)])
        assert res.exit_code == 0, res.output
        ids.append(re.search(r"run ([0-9a-f]{32}) recorded", res.output).group(1))
    with TestClient(create_app(db=db, data_dir=tmp_path), base_url=LOCAL) as c:
        first, second = (c.get(f"/runs/{i}/report").text for i in ids)
        assert "scandia report: crater-lake<" in first and "overwritten by a later run" in first
        assert "scandia report: crater-lake-olivine<" in second and "stored summary only" not in second


def test_background_jobs_survive_a_lifespan_restart(tmp_path):
    """The job pool is per lifespan: an app started, stopped and started again still queues work (was a 500)."""
    api = create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, sync_max_samples=1)
    with TestClient(api, base_url=LOCAL) as c:
        assert c.get("/health").status_code == 200
    with TestClient(api, base_url=LOCAL) as c:
        r = c.post("/sweeps", json={"scenario": "crater-lake", "samples": 2, "chunk_size": 2})
        assert r.status_code == 202
        assert _wait(c, f"/sweeps/{r.json()['id']}", timeout=180)["state"] == "done"


@pytest.mark.parametrize("path, body", [
    ("/runs", {"resource": {"feeds_chain": True}}),
    ("/runs?stage=resource", {}),
    ("/runs", {"resource": {"holes": "/etc"}}),
    ("/sweeps", {"scenario": {"resource": {"feeds_chain": True}}, "samples": 4}),
])
def test_the_resource_stage_is_refused_by_the_service(client, path, body):
    """A request cannot make the server read drill-hole folders or run a minute-long plan: 422 naming the
    resource section, and nothing is computed."""
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert "resource" in r.text and "not offered by the service" in r.text
