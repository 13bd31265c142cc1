"""Run store: record, list, show, compare; concurrent writers lose nothing; bad input exit 2."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from scandia.cli import app
from scandia.core.errors import ScenarioError
from scandia.store import abandon_jobs, create_job, get_job, get_run, list_runs, open_store, record_run, update_job

from .helpers import write_scenario

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_runs_are_recorded_and_compared(tmp_path, store_db):
    db = store_db
    a = runner.invoke(app, ["run", "--stage", "alloy", "--db", db, "--out", str(tmp_path / "a")])
    b = runner.invoke(app, ["run", write_scenario(tmp_path, "alloy:\n  sc_wt_pct: 0.1\n"), "--stage", "alloy",
                            "--db", db])
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    runs = list_runs(open_store(db))
    assert len(runs) == 2 and all(len(r) == 32 for r in runs.run_id)
    first = get_run(open_store(db), runs.run_id[1][:10])
    assert first["summary"]["stages"]["alloy"]["sc_wt_pct"] == 0.15
    assert any(p.endswith("summary.json") for p in first["artefacts"])
    shown = runner.invoke(app, ["runs", "show", runs.run_id[0][:8], "--db", db])
    assert json.loads(shown.stdout)["run_id"] == runs.run_id[0]
    cmp = runner.invoke(app, ["runs", "compare", runs.run_id[1][:8], runs.run_id[0][:8], "--db", db],
                        env={"COLUMNS": "200"})
    assert cmp.exit_code == 0 and "alloy.yield_mpa" in cmp.output
    assert "(b - a) / |a|" in cmp.output and " %" in cmp.output  # the relative difference, signed
    assert runner.invoke(app, ["runs", "list", "--db", db]).exit_code == 0


def test_concurrent_writers_lose_no_run(store_db):
    """Eight threads, 25 runs each, one store (SQLite in WAL mode, or PostgreSQL): all 200 runs are there."""
    db = store_db
    summary = {"scenario": "x", "scandia_version": "t", "seed": 0, "n_scenarios": 1, "status": {"ok": 1}}

    def writer():
        engine = open_store(db)
        for _ in range(25):
            record_run(engine, summary, "name: x\n", [])

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list_runs(open_store(db), limit=1000)) == 200


@pytest.mark.parametrize("args", [["runs", "show", "zz"], ["runs", "show", "abcdef0123"],
                                  ["runs", "list", "--db", "/proc/nope/runs.db"]])
def test_bad_store_input_exit_2(tmp_path, args):
    if "--db" not in args:
        args = [*args, "--db", str(tmp_path / "e.db")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_jobs_track_state_and_progress(store_db):
    engine = open_store(store_db)
    job = create_job(engine, "sweep", {"samples": 10})
    assert get_job(engine, job)["state"] == "queued"
    update_job(engine, job, state="running", done=1, total=2, message="1 of 2 chunks")
    update_job(engine, job, state="done", done=2, result={"rows": 10})
    got = get_job(engine, job)
    assert (got["state"], got["done"], got["total"], got["result"]) == ("done", 2, 2, {"rows": 10})
    assert got["request"] == {"samples": 10} and get_job(engine, "0" * 32) is None
    with pytest.raises(ValueError, match="unknown job state"):
        update_job(engine, job, state="exploded")


def test_sqlite_store_uses_wal(tmp_path):
    engine = open_store(str(tmp_path / "w.db"))
    with engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_stopping_server_abandons_only_its_own_unfinished_jobs(store_db):
    engine = open_store(store_db)
    mine, done, other = (create_job(engine, "run", {}, owner=o) for o in ("a", "a", "b"))
    update_job(engine, done, state="done")
    assert abandon_jobs(engine, "a", "server stopped") == 1
    assert get_job(engine, mine)["state"] == "failed" and get_job(engine, mine)["error"] == "server stopped"
    assert get_job(engine, done)["state"] == "done" and get_job(engine, other)["state"] == "queued"


def test_store_error_hides_the_password():
    with pytest.raises(ScenarioError) as err:
        open_store("postgresql://user:hunter2@127.0.0.1:1/none")
    assert "hunter2" not in str(err.value) and "***" in str(err.value)
