"""Hostile-but-fair input and faults (issue 13): each test reproduces the attack or fault and shows the fixed
behaviour: a one-line refusal (CLI exit 2, HTTP 4xx) instead of a frozen server, a traceback or lost work."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scandia.cli import app as cli
from scandia.scenario.loader import parse_yaml
from scandia.store import create_job, get_job, open_store
from scandia.web.app import create_app, hosts_for

pytestmark = pytest.mark.integration

LOCAL = "http://127.0.0.1"
JSON = {"content-type": "application/json"}
YAML = {"content-type": "application/yaml"}

#: 9 levels of 9 aliases each: 342 bytes that expand to 9**9 (387 million) strings if aliases are followed
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def _one_line_cli_error(res) -> str:
    assert res.exit_code == 2, res.output
    text = res.output.strip()
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    return text


@pytest.fixture()
def client(tmp_path):
    with TestClient(create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, sync_max_samples=2),
                    base_url=LOCAL) as c:
        yield c


def test_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, client):
    """Item 1: nested aliases are refused from the event stream (nothing is built), in a file and a body."""
    with pytest.raises(Exception, match="anchors and aliases are not accepted"):
        parse_yaml(BOMB)
    f = tmp_path / "bomb.yaml"
    f.write_text(BOMB)
    assert "anchors and aliases" in _one_line_cli_error(CliRunner().invoke(cli, ["validate", str(f)]))
    r = client.post("/runs", content=BOMB, headers=YAML)
    assert r.status_code == 422 and "aliases" in r.text
    deep = "a: " + "[" * 200 + "]" * 200
    assert client.post("/runs", content=deep, headers=YAML).status_code == 422
    # the exponent that pint would evaluate for minutes is refused by the quantity grammar
    r = client.post("/runs", json={"plant": {"ore_feed_rate_tph": "9**9**8 t/h"}})
    assert r.status_code == 422 and "ore_feed_rate_tph" in r.text
    assert client.get("/health").status_code == 200


def test_binary_and_utf16_scenario_files_are_one_line_errors(tmp_path):
    """Item 8: a binary or UTF-16 file is a one-line error naming the file, not a UnicodeDecodeError."""
    utf16 = tmp_path / "u16.yaml"
    utf16.write_bytes("name: x\n".encode("utf-16"))
    assert "not UTF-8" in _one_line_cli_error(CliRunner().invoke(cli, ["validate", str(utf16)]))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(bytes(range(256)))
    assert "not UTF-8" in _one_line_cli_error(CliRunner().invoke(cli, ["validate", str(binary)]))


def test_cross_site_rule(client):
    """Item 3: ``Origin: null`` (a sandboxed iframe) and a POST without a content type are refused."""
    r = client.post("/runs?scenario=crater-lake&samples=1", headers={**JSON, "origin": "null"})
    assert r.status_code == 403
    r = client.post("/runs?scenario=crater-lake&samples=1")  # an empty body with no content type
    assert r.status_code == 415 and "content type" in r.json()["detail"]
    r = client.post("/runs?scenario=crater-lake&samples=1", headers={**JSON, "origin": LOCAL})
    assert r.status_code == 201


def test_limits_refuse_work_up_front(tmp_path):
    """Item 2: over the memory estimate -> 413 before a job exists; past the job cap or the synchronous slots
    -> 429 with Retry-After; /health still answers."""
    api = create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, sync_max_samples=2, max_job_mb=400,
                     max_active_jobs=2, sync_slots=1)
    svc = api.state.service
    with TestClient(api, base_url=LOCAL) as c:
        r = c.post("/runs?scenario=crater-lake&samples=1000", headers=JSON)  # 300 + 0.25 x 1000 = 550 MB > 400
        assert r.status_code == 413 and "MB" in r.json()["detail"]
        for _ in range(2):  # the cap is reached (jobs of this server, queued)
            create_job(svc.engine, "run", {}, owner=svc.server_id)
        r = c.post("/runs?scenario=crater-lake&samples=10", headers=JSON)
        assert r.status_code == 429 and "Retry-After" in r.headers
        assert c.post("/sweeps", json={"samples": 20, "chunk_size": 10}).status_code == 429
        assert svc.sync_gate.acquire(blocking=False)  # the one synchronous slot is busy
        try:
            r = c.post("/runs?scenario=crater-lake&samples=1", headers=JSON)
            assert r.status_code == 429
        finally:
            svc.sync_gate.release()
        assert c.get("/health").status_code == 200
        assert c.post("/runs?scenario=crater-lake&samples=1", headers=JSON).status_code == 201


def test_bad_stage_leaves_no_job_row(client):
    """Item 10: ``?stage=bad`` is refused before a job row is made."""
    r = client.post("/runs?scenario=crater-lake&samples=1&stage=bad", headers=JSON)
    assert r.status_code == 422 and "unknown stage" in r.text
    assert client.get("/runs").json() == []


def test_host_allow_list_follows_the_bound_address(tmp_path):
    """Item 9: a server bound to 127.0.0.2 answers Host 127.0.0.2; the test client's name is not allowed by
    default."""
    assert hosts_for("127.0.0.2") == ("127.0.0.2", "127.0.0.1", "::1", "localhost")
    api = create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, allowed_hosts=hosts_for("127.0.0.2"))
    with TestClient(api, base_url="http://127.0.0.2:8000") as c:
        assert c.get("/scenarios").status_code == 200
    with TestClient(create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path)) as c:  # Host: testserver
        assert c.get("/scenarios").status_code == 400


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(method: str, url: str, headers: dict | None = None) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, method=method, headers=headers or {}, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {}


def test_jobs_of_a_killed_server_are_failed_by_the_next(tmp_path):
    """Item 6: ``kill -9`` of a serving process with a queued job; a server started on the same store fails it
    once the dead server's lease (2 s here) has run out."""
    import urllib.error

    db, port = str(tmp_path / "r.db"), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SCANDIA_TOKEN"}
    exe = Path(sys.executable).parent / "scandia"
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", db, "--data-dir", str(tmp_path / "d"),
                             "--no-warm", "--lease", "2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if _http("GET", url + "/health")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        status, body = _http("POST", url + "/runs?scenario=crater-lake&samples=400", JSON)
        assert status == 202, body
        job_id = body["id"]
        assert get_job(open_store(db), job_id)["state"] in ("queued", "running")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    time.sleep(2.5)  # past the dead server's lease
    with TestClient(create_app(db=db, data_dir=tmp_path / "d", lease_s=2), base_url=LOCAL) as c:
        for _ in range(50):  # the new server's first beat reaps at start
            job = c.get(f"/runs/{job_id}").json()
            if job["state"] == "failed":
                break
            time.sleep(0.1)
        assert job["state"] == "failed" and "no heartbeat" in job["error"]


def test_reaper_leaves_live_servers_jobs_alone(tmp_path):
    """The store's reaper fails only jobs whose owner holds no live lease."""
    from scandia.store import heartbeat, reap_jobs

    engine = open_store(str(tmp_path / "reap.db"))
    heartbeat(engine, "live")
    job = create_job(engine, "run", {}, owner="live")
    assert reap_jobs(engine, 60.0) == 0 and get_job(engine, job)["state"] == "queued"
    orphan = create_job(engine, "run", {}, owner="gone")
    assert reap_jobs(engine, 60.0) == 1 and get_job(engine, orphan)["state"] == "failed"


def test_non_finite_json_and_small_cli_gaps(client):
    """Items 8 and 10: NaN/Infinity in JSON bodies answer 422 (the handler used to fail echoing them: 500), and
    the what-if memo cannot answer a NaN with a cached result; ``--sobol`` without samples is refused, not
    ignored."""
    assert client.post("/whatif", json={}).status_code == 200  # fills the memo
    for body in ('{"acid": NaN}', '{"acid": Infinity}', '{"sc2o3_price_usd_per_kg": -Infinity}'):
        r = client.post("/whatif", content=body, headers=JSON)
        assert r.status_code == 422, (body, r.status_code)
    r = client.post("/sweeps", content='{"samples": NaN}', headers=JSON)
    assert r.status_code == 422
    res = CliRunner().invoke(cli, ["run", "--sobol", "16", "--samples", "1", "--no-store"])
    assert "--sobol" in _one_line_cli_error(res)


def test_a_job_past_its_time_limit_is_killed(tmp_path):
    """Item 1: queued work runs in a worker process the server kills past ``max_job_s`` (a thread could not be
    stopped); the job says why."""
    api = create_app(db=str(tmp_path / "r.db"), data_dir=tmp_path, sync_max_samples=1, max_job_s=1)
    with TestClient(api, base_url=LOCAL) as c:
        r = c.post("/runs?scenario=crater-lake&samples=2000", headers=JSON)
        assert r.status_code == 202
        job_id = r.json()["id"]
        for _ in range(200):
            job = c.get(f"/runs/{job_id}").json()
            if job["state"] == "failed":
                break
            time.sleep(0.1)
        assert job["state"] == "failed" and "time limit of 1 s" in job["error"]
        assert c.get("/health").status_code == 200


def test_read_only_store_is_found_before_the_run(tmp_path):
    """Item 10: a store that cannot take a write is a one-line error before any computation (it used to fail
    after the run), and nothing is written to --out."""
    from scandia.store import open_store as _open

    db = tmp_path / "r.db"
    _open(str(db))
    ro = f"sqlite:///file:{db}?mode=ro&uri=true"
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "--db", ro, "--out", str(out)])
    assert "readonly" in _one_line_cli_error(res).replace("-", "") and not out.exists()


@pytest.mark.parametrize("body,kind", [
    ('{"hydromet": {"tank": {"n_tanks": 1e300}}}', JSON),
    ('{"hydromet": {"tank": {"n_tanks": ' + "9" * 400 + "}}}", JSON),
    ('{"hydromet": {"tank": {"n_tanks": ' + "9" * 5000 + "}}}", JSON),
    ("hydromet: {tank: {n_tanks: .inf}}", YAML),
    ("hydromet: {ccd: {stages: " + "9" * 5000 + "}}", YAML),
    ("economics: {params: {life_years: .nan}}", YAML),
    ('{"plant": {"ore_feed_rate_tph": Infinity}}', JSON),
])
def test_absurd_numbers_through_the_api_are_422(client, body, kind):
    """Item 8: 400- and 5,000-digit integers, 1e300, .inf and NaN in integer and float fields are 422 with the
    field named, never a 500."""
    r = client.post("/runs", content=body, headers=kind)
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert "Traceback" not in r.text


def test_schema_and_server_agree_on_empty_values(client):
    """The schemathesis mismatches of the issue: ``sample: ""`` is outside the published enum (and refused);
    ``scenario: {}`` is the default scenario for a sweep, as an empty body is for a run."""
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    sample = schema["WhatIfRequest"]["properties"]["sample"]["anyOf"][0]
    assert "" not in sample["enum"] and "met01" in sample["enum"]
    assert client.post("/whatif", json={"sample": ""}).status_code == 422
    r = client.post("/sweeps", json={"scenario": {}, "samples": 4, "chunk_size": 2})
    assert r.status_code == 202, r.text


@pytest.mark.parametrize("body,kind", [("null\n", YAML), ("- 1\n- 2\n", YAML), ("3", JSON), ("null", JSON)])
def test_a_body_that_is_not_a_mapping_is_422(client, body, kind):
    """Found by schemathesis (2026-12-01): a YAML body `null` was accepted and ran the default scenario under the
    name "unnamed"; a body that is not a mapping is not a scenario (an empty body still means the default)."""
    r = client.post("/runs", content=body, headers=kind)
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert "mapping" in r.text and "Traceback" not in r.text


def test_a_yaml_body_of_comments_only_is_the_default_scenario(client):
    """Review follow-up: a YAML body holding only comments or document markers is empty, as an empty body is
    (the default scenario), while an explicit `null` stays a 422."""
    r = client.post("/runs", content="# nothing but a comment\n---\n", headers=YAML)
    assert r.status_code in (200, 201, 202), (r.status_code, r.text[:300])
    assert r.json()["scenario"] == "crater-lake"


def test_threads_option_is_checked_and_applied(tmp_path):
    import numba

    from scandia.core.jit import set_threads, threads

    cores = numba.config.NUMBA_NUM_THREADS
    text = _one_line_cli_error(CliRunner().invoke(cli, ["run", "--threads", str(cores + 1), "--no-store"]))
    assert "--threads" in text and f"[1, {cores}]" in text, text
    try:
        res = CliRunner().invoke(cli, ["run", "--stage", "beneficiation", "--threads", "1", "--no-store"])
        assert res.exit_code == 0, res.output
        assert threads() == 1
    finally:
        set_threads(None)
