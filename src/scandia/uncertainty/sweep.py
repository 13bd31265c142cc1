"""Large sweeps: chunks of samples through the chain on Dask, Parquet per chunk, a SQLite (or any SQLAlchemy
URL) index, resumable.

The N samples are drawn once from the scenario's seed (so chunk k is always the same rows); each chunk runs the
whole chain as one vectorized call on a Dask worker and returns a table; the coordinator alone writes: the
chunk's Parquet file first (to a temporary name, then renamed), then its row in the index with the file's
sha256. A sweep killed midway resumes by skipping every chunk whose index row is present and whose file still has
that sha256; a missing, truncated or altered chunk is recomputed. A folder holds one sweep: ``manifest.json``
binds it to the sweep's scenario hash, samples, chunking, seed and scandia version, and a different sweep into
the same folder is refused, so results of two sweeps never mix. A write error (a full disk) is a one-line error
that keeps every finished chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.engine import Engine

from ..core.errors import ScenarioError
from ..scenario.schema import Scenario
from .sampling import sample, scenario_samples

__all__ = ["SweepResult", "local_cluster", "run_chunk", "sweep"]

METRICS = ("economics.npv_musd", "economics.irr_frac", "economics.breakeven_sc2o3_usd_per_kg",
           "economics.capex_musd", "hydromet.sc2o3_production_tpa", "hydromet.overall_sc_recovery_frac",
           "hydromet.reagent_cost_usd_per_kg_sc2o3")

_meta = MetaData()
SWEEPS = Table("sweeps", _meta, Column("sweep_id", String(64), primary_key=True), Column("scenario", String(200)),
               Column("samples", Integer), Column("chunk_size", Integer), Column("seed", Integer),
               Column("spec", String))
CHUNKS = Table("chunks", _meta, Column("sweep_id", String(64), primary_key=True),
               Column("chunk", Integer, primary_key=True), Column("rows", Integer), Column("path", String(500)),
               Column("sha256", String(64)), Column("seconds", Float))


@dataclass
class SweepResult:
    sweep_id: str
    table: pd.DataFrame
    computed_chunks: list[int]
    skipped_chunks: list[int]


def _spec(scenario: Scenario, n: int, chunk_size: int) -> tuple[str, str]:
    spec = json.dumps({"scenario": scenario.model_dump(mode="json"), "samples": n, "chunk_size": chunk_size},
                      sort_keys=True)
    return hashlib.sha256(spec.encode()).hexdigest()[:32], spec


def run_chunk(scenario_json: str, arrays: dict[str, np.ndarray], first_row: int) -> pd.DataFrame:
    """One chunk through the chain (runs on a worker): inputs, key metrics and status per sample; a chunk of more
    than :data:`scandia.chain.CHUNK_SAMPLES` samples runs in sub-chunks, so a worker's memory stays bounded."""
    import time

    from ..chain import CHUNK_SAMPLES, run_chunked
    from ..scenario import schema
    from .analysis import output_values

    scen = schema.Scenario.model_validate_json(scenario_json)
    n = next(iter(arrays.values())).size
    t0 = time.perf_counter()
    res = run_chunked(scen, n, arrays, CHUNK_SAMPLES)  # a large sweep chunk is itself run in bounded memory
    df = pd.DataFrame({"sample": np.arange(first_row, first_row + n)})
    for k, v in arrays.items():
        df[k] = v
    for m in METRICS:
        try:
            df[m] = output_values(res, m)
        except ScenarioError:
            continue
    df["status"] = res.status
    df.attrs["seconds"] = time.perf_counter() - t0
    return df


def _engine(db: str | Path) -> Engine:
    url = str(db) if "://" in str(db) else f"sqlite:///{Path(db).resolve()}"
    engine = create_engine(url)
    if url.startswith("sqlite"):
        with engine.connect() as con:
            con.exec_driver_sql("PRAGMA journal_mode=WAL")
    _meta.create_all(engine)
    return engine


def prepare_worker(scenario_json: str, single_thread: bool) -> float:
    """Make a worker warm before its first chunk (run on every worker by ``client.run``): the allocator tuned as
    the CLI tunes it (:mod:`scandia.core.perf`), the compiled kernels on one thread when the worker is one of
    several on a machine, and one sample of the chain run, so imports, data files and the disk-cached kernels
    are loaded once per worker, not in its first chunk. Returns the seconds it took."""
    import time

    from ..chain import run
    from ..core.jit import set_threads
    from ..core.perf import tune_allocator
    from ..scenario import schema

    global _PREPARED
    t0 = time.perf_counter()
    tune_allocator()
    if single_thread:
        set_threads(1)
    if not _PREPARED:  # once per worker process: later sweeps on the same cluster find it warm
        scen = schema.Scenario.model_validate_json(scenario_json)
        u = scen.uncertainty
        run(scen, n=2, arrays=sample(u.distributions, 2, u.method, scen.seed, u.correlations))
        _PREPARED = True
    return time.perf_counter() - t0


_PREPARED = False


def local_cluster(workers: int = 2, processes: bool = True) -> Any:
    """A Dask LocalCluster that exposes nothing: no dashboard and no HTTP routes (``dashboard_address=None``
    alone still starts an HTTP server on 127.0.0.1:8787), and, with worker processes, a scheduler that accepts
    only TLS connections with this cluster's temporary certificates (``security=True``, which needs the
    ``cryptography`` package), so another local user cannot submit work to it."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None,
                            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                            security=True if processes else None)


def _bind_folder(out: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` on the first run into ``out``; refuse a folder that holds another sweep."""
    from ..core.files import atomic_write_text

    path = out / "manifest.json"
    if path.exists():
        try:
            held = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ScenarioError("--out", f"{path} is unreadable; remove the folder or use another") from None
        keys = ("sweep_id", "samples", "chunk_size", "seed", "version")
        if any(held.get(k) != manifest[k] for k in keys):
            raise ScenarioError("--out", f"{out} holds another sweep (scenario {held.get('scenario')!r}, "
                                         f"{held.get('samples')} samples in chunks of {held.get('chunk_size')}, "
                                         f"seed {held.get('seed')}, scandia {held.get('version')}); use another "
                                         "folder, or remove this one to start again")
        return
    try:
        atomic_write_text(path, json.dumps(manifest, indent=2))
    except OSError as exc:
        raise ScenarioError("--out", f"cannot write to {out}: {exc.strerror or exc}") from None


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def sweep(scenario: Scenario, n: int, out: Path, chunk_size: int = 1000, scheduler: str | None = None,
          workers: int = 2, db: str | None = None, on_chunk: Callable[[int, int], None] | None = None,
          client: Any = None) -> SweepResult:
    """Run (or resume) a sweep of ``n`` samples in chunks; returns the assembled table.

    ``scheduler``: address of an existing Dask scheduler; otherwise a LocalCluster of ``workers`` processes.
    ``client``: an existing ``distributed.Client`` to use instead. ``on_chunk(done, total)`` is called after
    each chunk is stored (progress bars; an exception there stops the sweep, as a kill would).
    """
    from distributed import Client, as_completed

    u = scenario.uncertainty
    if not u.distributions:
        raise ScenarioError("uncertainty.distributions", "a sweep needs at least one distribution")
    if not 1 <= chunk_size <= 10_000_000:
        raise ScenarioError("--chunk-size", "must be between 1 and 10,000,000")
    from .. import __version__

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot create {out}: {exc.strerror or exc}") from None
    sweep_id, spec = _spec(scenario, n, chunk_size)
    _bind_folder(out, {"sweep_id": sweep_id, "scenario": scenario.name, "samples": n, "chunk_size": chunk_size,
                       "seed": scenario.seed, "method": u.method, "version": __version__})
    for stale in out.glob("chunk_*.parquet.tmp"):  # left by a sweep killed while writing
        stale.unlink(missing_ok=True)
    engine = _engine(db or out / "sweep.db")
    with engine.begin() as con:
        if con.execute(select(SWEEPS.c.sweep_id).where(SWEEPS.c.sweep_id == sweep_id)).first() is None:
            con.execute(SWEEPS.insert().values(sweep_id=sweep_id, scenario=scenario.name, samples=n,
                                               chunk_size=chunk_size, seed=scenario.seed, spec=spec))
        done = {r.chunk: (r.path, r.sha256)
                for r in con.execute(select(CHUNKS).where(CHUNKS.c.sweep_id == sweep_id))}
    samples = scenario_samples(scenario, n)
    n_chunks = (n + chunk_size - 1) // chunk_size
    # a chunk counts as done only when its file still has the sha256 recorded when it was written
    todo = [k for k in range(n_chunks) if not (k in done and _sha256(Path(done[k][0])) == done[k][1])]
    skipped = [k for k in range(n_chunks) if k not in todo]
    computed: list[int] = []
    if todo:
        own = None
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout="5s")
                except (OSError, TimeoutError) as exc:
                    raise ScenarioError("--scheduler", f"cannot reach Dask scheduler {scheduler} ({exc})") from None
            else:
                own = local_cluster(workers, processes=True)
                client = Client(own)
        try:
            scen_json = scenario.model_dump_json()
            # warm workers: one kernel thread each on our own cluster (the workers share the machine's cores)
            client.run(prepare_worker, scen_json, own is not None and workers > 1)
            futures = {}
            for k in todo:
                lo, hi = k * chunk_size, min(n, (k + 1) * chunk_size)
                fut = client.submit(run_chunk, scen_json, {p: v[lo:hi] for p, v in samples.items()}, lo,
                                    key=f"scandia-{sweep_id}-{k}", pure=False)
                futures[fut] = k
            for fut in as_completed(futures):
                k = futures[fut]
                df = fut.result()
                path = out / f"chunk_{k:06d}.parquet"
                tmp = path.with_suffix(".parquet.tmp")
                try:
                    df.to_parquet(tmp, index=False)
                    os.replace(tmp, path)
                except OSError as exc:
                    tmp.unlink(missing_ok=True)
                    raise ScenarioError("--out", f"cannot write chunk {k} to {out}: {exc.strerror or exc}; the "
                                                 f"{len(skipped) + len(computed)} finished chunks are kept, run "
                                                 "again to resume") from None
                digest = _sha256(path)
                with engine.begin() as con:
                    con.execute(CHUNKS.delete().where((CHUNKS.c.sweep_id == sweep_id) & (CHUNKS.c.chunk == k)))
                    con.execute(CHUNKS.insert().values(sweep_id=sweep_id, chunk=k, rows=len(df), path=str(path),
                                                       sha256=digest, seconds=float(df.attrs.get("seconds", 0.0))))
                computed.append(k)
                if on_chunk is not None:
                    on_chunk(len(skipped) + len(computed), n_chunks)
        finally:
            if own is not None:
                client.close()
                own.close()
    files = [out / f"chunk_{k:06d}.parquet" for k in range(n_chunks)]
    table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return SweepResult(sweep_id, table, computed, skipped)
