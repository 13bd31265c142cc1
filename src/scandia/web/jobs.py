"""Background jobs of the service, each in its own worker process the server can kill.

Python cannot time out a thread, and a thread computing holds the GIL that the server's event loop and its
/health answer also need; so a queued run or sweep runs in a child process (``forkserver``, with the model
preloaded), at most ``workers`` at a time. The server waits on it with the job's time limit (``max_job_s`` in
``data/service.yaml``) and kills it past that limit, marking the job failed with the reason. A child whose
server dies (``kill -9``) notices that its parent has changed and exits within a second, so orphaned work never
writes results nobody will read; the job itself is then failed by the next server's lease check
(:func:`scandia.store.reap_jobs`).

The job bodies (:func:`execute_run`, :func:`execute_sweep`) are also what a synchronous run calls in a thread.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import traceback
from pathlib import Path
from typing import Any

from ..core.errors import ScandiaError
from ..core.files import json_safe
from ..store import open_store, record_run, update_job

__all__ = ["JobRunner", "execute_run", "execute_sweep"]


def execute_run(engine: Any, data_dir: Path, run_id: str, scen: Any, samples: int, stage: str | None,
                sobol: int) -> dict[str, Any]:
    """Run a scenario for job ``run_id``: results into ``data_dir/runs/<id>``, the run store and the job row."""
    from ..runner import execute, resolved_yaml, write_run_dir

    update_job(engine, run_id, state="running", message="running", total=samples)
    try:
        def progress(msg: str, done: float | None = None, total: float | None = None) -> None:
            """The job's message, and its progress in samples from the share of the work done."""
            extra = {"done": round(samples * done / total)} if done is not None and total else {}
            update_job(engine, run_id, message=msg, **extra)

        _, summary, tables = execute(scen, samples, stage, sobol, progress=progress)
        resolved = resolved_yaml(scen)
        summary["run_id"] = run_id
        folder = data_dir / "runs" / run_id
        write_run_dir(folder, tables, resolved, summary)
        artefacts = [str(folder / f) for f in summary.get("files", [])]
        record_run(engine, summary, resolved, artefacts, run_id=run_id)
        update_job(engine, run_id, state="done", done=samples, message="done", result={"folder": f"runs/{run_id}"})
        return json_safe(summary)
    except ScandiaError as exc:
        update_job(engine, run_id, state="failed", message="failed", error=str(exc),
                   result={"field": getattr(exc, "field", None)})
        raise
    except Exception as exc:  # a bug: keep the run's record honest, then let the caller answer 500
        update_job(engine, run_id, state="failed", message="failed",
                   error=f"internal error: {type(exc).__name__}: {exc}")
        traceback.print_exc()
        raise


def execute_sweep(engine: Any, data_dir: Path, sweep_id: str, scen: Any, n: int, chunk: int) -> None:
    """Run a sweep for job ``sweep_id`` (in-process Dask, one worker thread: the job process is the unit the
    server schedules and kills); P10/P50/P90 of its metrics into the job row."""
    from distributed import Client

    from ..uncertainty.sweep import local_cluster, sweep

    update_job(engine, sweep_id, state="running", message="starting workers", total=-(-n // chunk))
    try:
        with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
            res = sweep(scen, n, data_dir / "sweeps" / sweep_id, chunk_size=chunk, client=client,
                        on_chunk=lambda done, total: update_job(engine, sweep_id, done=done, total=total,
                                                                message=f"{done} of {total} chunks"))
        t = res.table
        stats = {}
        for col in t.columns:
            if col.startswith(("economics.", "hydromet.")) and t[col].dtype.kind == "f":
                q = t[col].quantile([0.1, 0.5, 0.9])
                stats[col] = {"p10": float(q.iloc[0]), "p50": float(q.iloc[1]), "p90": float(q.iloc[2])}
        update_job(engine, sweep_id, state="done", message="done",
                   result={"rows": len(t), "folder": f"sweeps/{sweep_id}", "metrics": stats})
    except ScandiaError as exc:
        update_job(engine, sweep_id, state="failed", message="failed", error=str(exc))
    except Exception as exc:
        update_job(engine, sweep_id, state="failed", message="failed",
                   error=f"internal error: {type(exc).__name__}: {exc}")
        traceback.print_exc()


def _watch_parent(server: int) -> None:
    """Exit at once when the server that queued this job is gone (with ``forkserver`` the job's parent is the fork
    server, so the server's own pid is watched)."""
    import time

    while True:
        try:
            os.kill(server, 0)
        except ProcessLookupError:
            os._exit(3)
        except PermissionError:  # the pid now belongs to another user's process: the server is gone
            os._exit(3)
        time.sleep(0.5)


def _child(kind: str, db: str, data_dir: str, job_id: str, scenario_json: str, args: tuple, parent: int) -> None:
    """Entry point of a job process (spawned: a fresh interpreter)."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from ..scenario import schema

    engine = open_store(db)
    scen = schema.Scenario.model_validate_json(scenario_json)
    try:
        if kind == "run":
            execute_run(engine, Path(data_dir), job_id, scen, *args)
        else:
            execute_sweep(engine, Path(data_dir), job_id, scen, *args)
    except Exception:  # recorded in the job row by the job body
        pass


_CTX: Any = None


def _context() -> Any:
    """The process context of job processes: ``forkserver`` (safe beside the server's threads, unlike ``fork``)
    with the model preloaded in the fork server, so a job starts in milliseconds instead of re-importing the
    package (about 3 s with ``spawn``); ``spawn`` where forkserver is not available."""
    global _CTX
    if _CTX is None:
        try:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["scandia.web.jobs", "scandia.runner", "scandia.chain",
                                        "scandia.uncertainty.sweep"])
        except ValueError:
            ctx = mp.get_context("spawn")
        _CTX = ctx
    return _CTX


class JobRunner:
    """Runs queued jobs in child processes, at most ``workers`` at once, each killed past ``max_job_s``."""

    def __init__(self, engine: Any, db: str, data_dir: Path, workers: int, max_job_s: float) -> None:
        self.engine, self.db, self.data_dir, self.max_job_s = engine, db, data_dir, max_job_s
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._procs: dict[str, Any] = {}
        self._closed = False

    def submit(self, kind: str, job_id: str, scen: Any, *args: Any) -> None:
        """Queue job ``job_id`` (``kind`` 'run' or 'sweep'); returns at once."""
        payload = (kind, self.db, str(self.data_dir), job_id, scen.model_dump_json(), args, os.getpid())
        threading.Thread(target=self._run, args=(job_id, payload), name=f"scandia-job-{job_id[:8]}",
                         daemon=True).start()

    def _run(self, job_id: str, payload: tuple) -> None:
        with self._slots:
            with self._lock:
                if self._closed:
                    return
                proc = _context().Process(target=_child, args=payload, daemon=True)
                proc.start()
                self._procs[job_id] = proc
            proc.join(self.max_job_s)
            if proc.is_alive():  # past the time limit: kill it and say so
                proc.kill()
                proc.join(10)
                update_job(self.engine, job_id, state="failed", message="failed",
                           error=f"stopped after the job time limit of {self.max_job_s:g} s")
            elif proc.exitcode not in (0, None):
                job = _state(self.engine, job_id)
                if job in ("queued", "running"):
                    update_job(self.engine, job_id, state="failed", message="failed",
                               error=f"the job process ended with exit code {proc.exitcode}")
            with self._lock:
                self._procs.pop(job_id, None)

    def close(self) -> None:
        """Kill every running job process (a server stopping); their jobs are failed by the caller."""
        with self._lock:
            self._closed = True
            procs = list(self._procs.values())
        for p in procs:
            if p.is_alive():
                p.kill()
        for p in procs:
            p.join(5)

    def reopen(self) -> None:
        with self._lock:
            self._closed = False


def _state(engine: Any, job_id: str) -> str | None:
    from ..store import get_job

    job = get_job(engine, job_id)
    return None if job is None else job["state"]
