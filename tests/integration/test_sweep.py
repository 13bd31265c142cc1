"""Sweeps on a 2-worker Dask LocalCluster: equal to a serial run; a killed sweep resumes without recomputing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scandia.cli import app
from scandia.scenario import load_scenario
from scandia.uncertainty.sampling import scenario_samples
from scandia.uncertainty.sweep import run_chunk, sweep

pytestmark = pytest.mark.integration
N, CHUNK = 18, 6


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal to 1e-9, except the break-even price: its root finder stops at a 0.01 US$/kg bracket, so inputs
    that differ by the SX solver's warm start (about 1e-10 relative between batch sizes) may move it by that."""
    be = "economics.breakeven_sc2o3_usd_per_kg"
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns=[be]), b.drop(columns=[be]), check_exact=False, rtol=1e-9)
    np.testing.assert_allclose(a[be], b[be], rtol=0, atol=0.02)


@pytest.fixture(scope="module")
def serial():
    scen = load_scenario()
    return run_chunk(scen.model_dump_json(), scenario_samples(scen, N), 0)


def test_killed_sweep_resumes_without_loss_and_equals_serial(tmp_path, client, serial):
    """Every chunk is computed on the cluster (one before the kill, two on resume), so the assembled table is also
    the check that a Dask sweep equals the serial run."""

    class KilledError(RuntimeError):
        pass

    def kill_after_first(done, total):
        if done == 1:
            raise KilledError

    with pytest.raises(KilledError):
        sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client, on_chunk=kill_after_first)
    kept = sorted(p.name for p in tmp_path.glob("chunk_*.parquet"))
    assert len(kept) == 1
    before = (tmp_path / kept[0]).read_bytes()
    res = sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client)
    assert len(res.skipped_chunks) == 1 and len(res.computed_chunks) == 2
    assert (tmp_path / kept[0]).read_bytes() == before  # the finished chunk was not recomputed
    _same(res.table, serial)
    again = sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client)
    assert again.computed_chunks == [] and len(again.skipped_chunks) == 3


def test_unreachable_scheduler_is_one_line(tmp_path):
    res = CliRunner().invoke(app, ["sweep", "--samples", "4", "--out", str(tmp_path),
                                   "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2 and "--scheduler" in res.stderr and "Traceback" not in res.output


def test_bad_sample_count(tmp_path):
    res = CliRunner().invoke(app, ["sweep", "--samples", "0", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--samples" in res.stderr


def test_a_folder_holds_one_sweep_and_bad_chunks_are_recomputed(tmp_path, client, serial):
    """Issue 13 item 4: a sweep of other size into the same folder is refused (it used to report "0 computed,
    all done" and mix results); a truncated or altered chunk fails its sha256 and is recomputed on resume."""
    from scandia.core import ScenarioError

    res = sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client)
    with pytest.raises(ScenarioError, match="holds another sweep"):
        sweep(load_scenario(), N // 2, tmp_path, chunk_size=CHUNK, client=client)
    cli = CliRunner().invoke(app, ["sweep", "--samples", str(N // 2), "--chunk-size", str(CHUNK),
                                   "--out", str(tmp_path)])
    assert cli.exit_code == 2 and "holds another sweep" in cli.stderr and "Traceback" not in cli.output
    chunk = tmp_path / "chunk_000001.parquet"
    chunk.write_bytes(chunk.read_bytes()[:100])  # truncated, as by a kill or a full disk
    (tmp_path / "chunk_000002.parquet.tmp").write_bytes(b"partial")  # a stale temporary file
    again = sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client)
    assert again.computed_chunks == [1] and sorted(again.skipped_chunks) == [0, 2]
    assert not list(tmp_path.glob("*.tmp"))
    pd.testing.assert_frame_equal(again.table.reset_index(drop=True), res.table.reset_index(drop=True),
                                  check_exact=False, rtol=1e-12)


def test_write_error_is_one_line_and_keeps_finished_chunks(tmp_path, client, monkeypatch):
    """A full disk while a chunk is written: one-line error, finished chunks kept, a rerun resumes."""
    import errno

    from scandia.core import ScenarioError

    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def full_after_one(self, path, *a, **k):
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_after_one)
    with pytest.raises(ScenarioError, match="No space left on device") as e:
        sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client)
    assert "finished chunks are kept" in str(e.value) and "\n" not in str(e.value)
    assert len(list(tmp_path.glob("chunk_*.parquet"))) == 1 and not list(tmp_path.glob("*.tmp"))
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    res = sweep(load_scenario(), N, tmp_path, chunk_size=CHUNK, client=client)
    assert len(res.skipped_chunks) == 1 and len(res.computed_chunks) == 2


def test_local_cluster_exposes_no_dashboard_and_needs_tls():
    """Issue 13 item 10: the sweep's own cluster starts no dashboard or HTTP routes (dashboard_address=None alone
    still listened on 127.0.0.1:8787) and its scheduler takes only TLS with the cluster's own certificates."""
    from distributed import Client

    from scandia.uncertainty.sweep import local_cluster

    with local_cluster(1, processes=True) as cluster:
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
        import urllib.error
        import urllib.request

        addrs = [s.getsockname() for s in cluster.scheduler.http_server._sockets.values()]
        assert addrs and all(a[0] == "127.0.0.1" and a[1] != 8787 for a in addrs), addrs
        for path in ("/health", "/status", "/info/main/workers.html", "/json/counts.json"):  # no routes at all
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"http://127.0.0.1:{addrs[0][1]}{path}", timeout=5)
            assert e.value.code == 404
        with Client(cluster) as c:
            assert c.submit(sum, [1, 2]).result() == 3
        # a client without the cluster's certificates cannot connect
        with pytest.raises((OSError, TimeoutError, TypeError, ValueError)):
            Client(cluster.scheduler_address.replace("tls://", "tcp://"), timeout="2s")


def test_a_finished_sweep_is_a_run_folder_the_report_and_the_store_take(tmp_path, client):
    """Issue 15 item 6: a finished sweep's folder is also a run folder (summary, base-case tables, samples), so
    `scandia report` reports it and the run store lists it with its sample count; the distribution in the summary
    is over every usable sample of the sweep (its P50 lies between its P10 and P90, and n_usable <= samples)."""
    import json

    from scandia.runner import resolved_yaml, sweep_run_folder
    from scandia.store import list_runs, open_store, record_run

    scen = load_scenario()
    res = sweep(scen, N, tmp_path, chunk_size=CHUNK, client=client)
    summary = sweep_run_folder(scen, res, tmp_path)
    d = summary["uncertainty"]["distribution"]
    assert summary["n_scenarios"] == N and 0 < d["n_usable"] <= N and d["p10"] <= d["p50"] <= d["p90"]
    assert summary["uncertainty"]["sweep_id"] == res.sweep_id
    # the metrics kept per sample are summarised over the samples, as a sampled run's (not the base case's)
    npv = summary["stages"]["economics"]["metrics"]["npv_musd"]
    assert isinstance(npv, dict) and npv["p50"] == pytest.approx(d["p50"], rel=1e-12)
    assert "economics.npv_musd" in summary["metrics_basis"]["sampled"]
    assert json.loads((tmp_path / "summary.json").read_text())["n_scenarios"] == N
    assert sorted(p.name for p in tmp_path.glob("chunk_*.parquet")) == [f"chunk_{k:06d}.parquet" for k in range(3)]
    report = tmp_path / "report.html"
    out = CliRunner().invoke(app, ["report", str(tmp_path), "--out", str(report)])
    assert out.exit_code == 0, out.output
    assert "data-figure='histogram'" in report.read_text(encoding="utf-8")
    db = tmp_path / "runs.db"
    run_id = record_run(open_store(str(db)), summary, resolved_yaml(scen), [str(tmp_path)])
    listed = list_runs(open_store(str(db)))
    assert listed.loc[listed["run_id"] == run_id, "n_scenarios"].item() == N


def test_prepare_worker_tunes_and_warms_and_leaves_results_alone():
    """A warm worker (one kernel thread, tables loaded) computes the same chunk as a cold process."""
    from scandia.core.jit import set_threads, threads
    from scandia.uncertainty.sweep import prepare_worker

    scen = load_scenario("crater-lake")
    arrays = scenario_samples(scen, 6)
    cold = run_chunk(scen.model_dump_json(), arrays, 0)
    try:
        assert prepare_worker(scen.model_dump_json(), True) > 0.0
        assert threads() == 1
        warm = run_chunk(scen.model_dump_json(), arrays, 0)
    finally:
        set_threads(None)
    pd.testing.assert_frame_equal(cold, warm)


def test_chunked_run_equals_one_call_and_keeps_metrics_only(serial):
    """Issue 16 item 4: a Monte Carlo past its chunk size runs chunk by chunk (here 3 chunks of 6) and keeps per
    sample only metrics and status; scenarios are independent, so every metric equals the one-call run's (to the
    tolerance of :func:`_same`), and the summary is over every sample."""
    import scandia
    from scandia.core import ScenarioError
    from scandia.core.status import Status

    r = scandia.run(load_scenario(), samples=N, chunk_size=CHUNK)
    df = r.to_frame()
    assert len(df) == N
    cols = [c for c in serial.columns if c in df.columns]
    assert "economics.npv_musd" in cols and "hydromet.sc2o3_production_tpa" in cols
    _same(df[cols], serial[cols])
    np.testing.assert_array_equal(r.status, serial["status"])
    assert r.summary["chunks"]["chunks"] == 3 and r.summary["n_scenarios"] == N
    ok = df["economics.status"].to_numpy() < Status.not_converged  # the stage summarises its usable scenarios
    npv = r.summary["stages"]["economics"]["metrics"]["npv_musd"]
    assert npv["p50"] == pytest.approx(np.percentile(serial["economics.npv_musd"][ok], 50), rel=1e-9)
    with pytest.raises(ScenarioError, match="ran in chunks"):
        r.stage_dataset("hydromet")
