"""The run store: every run's scenario, version, seed, status, summary and artefact paths, kept by SQLAlchemy in a
SQLite file (WAL mode, so concurrent writers lose nothing) or any database URL (e.g. ``postgresql://...``).

Default location: ``$SCANDIA_DB`` if set, else ``~/.local/share/scandia/runs.db``. Run ids are random 128-bit hex
(unguessable); any unique prefix finds a run.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from .core.errors import ScenarioError
from .core.files import json_safe

__all__ = [
    "JOB_STATES",
    "abandon_jobs",
    "active_jobs",
    "check_writable",
    "compare_runs",
    "create_job",
    "default_db",
    "get_job",
    "get_run",
    "heartbeat",
    "list_runs",
    "open_store",
    "reap_jobs",
    "record_run",
    "update_job",
]

_meta = MetaData()
RUNS = Table("runs", _meta, Column("run_id", String(32), primary_key=True), Column("created_utc", DateTime),
             Column("scenario", String(200)), Column("version", String(40)), Column("seed", Integer),
             Column("n_scenarios", Integer), Column("status", Text), Column("summary", Text),
             Column("scenario_yaml", Text), Column("artefacts", Text))
#: work submitted to the service (runs and sweeps): state, progress and the error of a failed one
JOBS = Table("jobs", _meta, Column("job_id", String(32), primary_key=True), Column("kind", String(10)),
             Column("state", String(12)), Column("created_utc", DateTime), Column("updated_utc", DateTime),
             Column("done", Integer), Column("total", Integer), Column("message", Text), Column("error", Text),
             Column("request", Text), Column("result", Text), Column("owner", String(32)))
JOB_STATES = ("queued", "running", "done", "failed")
#: live servers: each beats here every few seconds (its lease); a job whose owner's lease ran out is failed
SERVERS = Table("servers", _meta, Column("server_id", String(32), primary_key=True),
                Column("heartbeat_utc", DateTime), Column("started_utc", DateTime))


def default_db() -> str:
    return os.environ.get("SCANDIA_DB") or str(Path.home() / ".local" / "share" / "scandia" / "runs.db")


def open_store(db: str | None = None) -> Engine:
    """Engine for a database URL or a SQLite file path (created with its folder, WAL journal)."""
    db = db or default_db()
    if "://" in db:
        url = _with_driver(db)
    else:
        path = Path(db).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError("--db", f"cannot create {path.parent}: {exc.strerror or exc}") from None
        url = f"sqlite:///{path.resolve()}"
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
    error: Exception | None = None
    for attempt in range(20):  # several processes may create the same new store at once: retry the race
        try:
            if engine is None:
                engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
            if url.startswith("sqlite"):
                with engine.connect() as con:
                    con.exec_driver_sql("PRAGMA journal_mode=WAL")
            _meta.create_all(engine)
            _upgrade(engine)
            with _ENGINES_LOCK:
                engine = _ENGINES.setdefault(url, engine)
            return engine
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            # concurrent first use: SQLite locks, or PostgreSQL's catalog races on CREATE TABLE; retry
            error = exc
            time.sleep(0.02 * (attempt + 1))
        except Exception as exc:  # driver errors have many types; one line names the store
            error = exc
            break
    if engine is not None:
        engine.dispose()
    raise ScenarioError("--db", f"cannot open run store {_shown(db)}: {type(error).__name__}")


#: one engine (and connection pool) per store URL for the life of the process; closed at exit
_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


@atexit.register
def _close_engines() -> None:
    for engine in list(_ENGINES.values()):
        engine.dispose()
    _ENGINES.clear()


def _upgrade(engine: Engine) -> None:
    """Add columns that stores made by earlier versions lack (create_all makes missing tables, not columns)."""
    from sqlalchemy import inspect

    have = {c["name"] for c in inspect(engine).get_columns("jobs")}
    if "owner" not in have:
        with engine.begin() as con:
            con.exec_driver_sql("ALTER TABLE jobs ADD COLUMN owner VARCHAR(32)")


def _shown(db: str) -> str:
    """A store location fit for an error message: a URL's password is masked."""
    if "://" not in db:
        return db
    try:
        from sqlalchemy.engine import make_url

        return make_url(db).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: show only its scheme
        return db.split("://", 1)[0] + "://..."


def _with_driver(url: str) -> str:
    """``postgresql://`` means psycopg (3) here, the driver scandia installs, unless psycopg2 is present."""
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _store_error(engine: Engine, exc: Exception, doing: str) -> ScenarioError:
    orig = getattr(exc, "orig", None) or exc
    why = str(orig).splitlines()[0][:160]
    return ScenarioError("--db", f"cannot {doing} the run store {engine.url.render_as_string(hide_password=True)}: "
                                 f"{why}")


def check_writable(engine: Engine) -> None:
    """Refuse a store that cannot take a write (a read-only file or database, a locked or full disk) before a
    run is computed, not after: a probe row is written and rolled back."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as con:
            trans = con.begin()
            try:
                con.execute(SERVERS.insert().values(server_id="write-probe", heartbeat_utc=_now(),
                                                    started_utc=_now()))
            finally:
                trans.rollback()
    except SQLAlchemyError as exc:
        raise _store_error(engine, exc, "write to") from None


def record_run(engine: Engine, summary: dict[str, Any], scenario_yaml: str, artefacts: list[str],
               run_id: str | None = None) -> str:
    """Store one run (a new random id unless ``run_id`` is given, e.g. the service's job id); returns its id.
    A store that cannot take the write (full disk, read-only) is a one-line :class:`ScenarioError`."""
    from sqlalchemy.exc import SQLAlchemyError

    run_id = run_id or secrets.token_hex(16)
    try:
        with engine.begin() as con:
            con.execute(RUNS.insert().values(
                run_id=run_id, created_utc=datetime.now(UTC).replace(tzinfo=None), scenario=summary.get("scenario"),
                version=summary.get("scandia_version"), seed=summary.get("seed"),
                n_scenarios=summary.get("n_scenarios"), status=json.dumps(summary.get("status")),
                summary=json.dumps(json_safe(summary)), scenario_yaml=scenario_yaml,
                artefacts=json.dumps(artefacts)))
    except SQLAlchemyError as exc:
        raise _store_error(engine, exc, "record the run in") from None
    return run_id


def list_runs(engine: Engine, limit: int = 20) -> pd.DataFrame:
    """Newest runs first: id, time, scenario, version, seed, scenarios, status counts."""
    with engine.connect() as con:
        rows = con.execute(select(RUNS.c.run_id, RUNS.c.created_utc, RUNS.c.scenario, RUNS.c.version, RUNS.c.seed,
                                  RUNS.c.n_scenarios, RUNS.c.status)
                           .order_by(RUNS.c.created_utc.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=["run_id", "created_utc", "scenario", "version", "seed", "n_scenarios",
                                       "status"])


def get_run(engine: Engine, prefix: str) -> dict[str, Any]:
    """The run whose id starts with ``prefix`` (unique), with its summary decoded."""
    if not prefix or not all(c in "0123456789abcdef" for c in prefix.lower()):
        raise ScenarioError("run id", f"{prefix!r} is not a run id (hex)")
    with engine.connect() as con:
        rows = con.execute(select(RUNS).where(RUNS.c.run_id.like(f"{prefix.lower()}%")).limit(2)).mappings().all()
    if not rows:
        raise ScenarioError("run id", f"no run {prefix}")
    if len(rows) > 1:
        raise ScenarioError("run id", f"{prefix} matches several runs; give more characters")
    row = dict(rows[0])
    row["summary"] = json.loads(row["summary"])
    row["artefacts"] = json.loads(row["artefacts"])
    return row


def _flat_metrics(summary: dict[str, Any]) -> dict[str, float]:
    out = {}
    for stage, s in summary.get("stages", {}).items():
        for k, v in (s.get("metrics") or {}).items():
            v = v.get("p50") if isinstance(v, dict) else v
            if isinstance(v, int | float):
                out[f"{stage}.{k}"] = float(v)
    return out


def compare_runs(engine: Engine, a: str, b: str) -> pd.DataFrame:
    """Key figures of two runs side by side with their difference (P50 for sampled runs)."""
    ra, rb = get_run(engine, a), get_run(engine, b)
    ma, mb = _flat_metrics(ra["summary"]), _flat_metrics(rb["summary"])
    keys = [k for k in ma if k in mb]
    df = pd.DataFrame({"metric": keys, "a": [ma[k] for k in keys], "b": [mb[k] for k in keys]})
    df["b_minus_a"] = df["b"] - df["a"]
    df.attrs.update(a=ra["run_id"], b=rb["run_id"])
    return df


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_job(engine: Engine, kind: str, request: dict[str, Any], owner: str | None = None) -> str:
    """Register queued work (``kind`` 'run' or 'sweep') of server ``owner``; returns its unguessable 128-bit id."""
    job_id = secrets.token_hex(16)
    with engine.begin() as con:
        con.execute(JOBS.insert().values(job_id=job_id, kind=kind, state="queued", created_utc=_now(),
                                         updated_utc=_now(), done=0, total=0, message="queued",
                                         request=json.dumps(request), error=None, result=None, owner=owner))
    return job_id


def abandon_jobs(engine: Engine, owner: str, reason: str) -> int:
    """Mark ``owner``'s queued or running jobs failed with ``reason`` (a server shutting down); returns how many."""
    with engine.begin() as con:
        res = con.execute(JOBS.update().where((JOBS.c.owner == owner) & JOBS.c.state.in_(("queued", "running")))
                          .values(state="failed", message="failed", error=reason, updated_utc=_now()))
    return int(res.rowcount or 0)


def update_job(engine: Engine, job_id: str, **fields: Any) -> None:
    """Set a job's state, progress (done/total), message, error or result (JSON-encoded when not a string)."""
    if "state" in fields and fields["state"] not in JOB_STATES:
        raise ValueError(f"unknown job state {fields['state']!r}")
    if "result" in fields and not isinstance(fields["result"], str):
        fields["result"] = json.dumps(fields["result"])
    with engine.begin() as con:
        con.execute(JOBS.update().where(JOBS.c.job_id == job_id).values(updated_utc=_now(), **fields))


def get_job(engine: Engine, job_id: str) -> dict[str, Any] | None:
    """A job by its full id, or None."""
    with engine.connect() as con:
        row = con.execute(select(JOBS).where(JOBS.c.job_id == job_id)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["request"] = json.loads(out["request"] or "{}")
    out["result"] = json.loads(out["result"]) if out["result"] else None
    return out


def heartbeat(engine: Engine, server_id: str) -> None:
    """Renew server ``server_id``'s lease (insert on the first beat)."""
    now = _now()
    with engine.begin() as con:
        res = con.execute(SERVERS.update().where(SERVERS.c.server_id == server_id).values(heartbeat_utc=now))
        if not res.rowcount:
            con.execute(SERVERS.insert().values(server_id=server_id, heartbeat_utc=now, started_utc=now))


def reap_jobs(engine: Engine, lease_s: float, server_id: str | None = None) -> int:
    """Fail queued or running jobs whose owning server has not renewed its lease for ``lease_s`` seconds (it was
    killed, or its machine went down), or whose owner never held one; the caller's own jobs (``server_id``) are
    left alone. Returns how many were failed."""
    from datetime import timedelta

    cutoff = _now() - timedelta(seconds=lease_s)
    with engine.begin() as con:
        live = {r[0] for r in con.execute(select(SERVERS.c.server_id).where(SERVERS.c.heartbeat_utc >= cutoff))}
        if server_id is not None:
            live.add(server_id)
        rows = con.execute(select(JOBS.c.job_id, JOBS.c.owner).where(JOBS.c.state.in_(("queued", "running"))))
        dead = [job for job, owner in rows if owner not in live]
        for job in dead:
            con.execute(JOBS.update().where((JOBS.c.job_id == job) & JOBS.c.state.in_(("queued", "running")))
                        .values(state="failed", message="failed", updated_utc=_now(),
                                error=f"the server running this job stopped (no heartbeat for {lease_s:g} s); "
                                      "submit it again"))
        con.execute(SERVERS.delete().where(SERVERS.c.heartbeat_utc < cutoff))
    return len(dead)


def active_jobs(engine: Engine, owner: str) -> int:
    """How many of server ``owner``'s jobs are queued or running."""
    from sqlalchemy import func

    with engine.connect() as con:
        return int(con.execute(select(func.count()).select_from(JOBS).where(
            (JOBS.c.owner == owner) & JOBS.c.state.in_(("queued", "running")))).scalar() or 0)
