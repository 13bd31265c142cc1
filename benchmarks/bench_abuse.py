"""Fault and abuse benchmark of ``scandia serve`` (issue 13): loopback only, bounded, stops by itself.

Run: ``python benchmarks/bench_abuse.py [--seconds 60]``. Starts a server on a free 127.0.0.1 port with its
default limits (data/service.yaml) and a temporary store, then, while a prober asks ``GET /health`` every 50 ms,
sends at once:

* 40 concurrent small synchronous runs (``samples=1``): answered 201, or 429 past the synchronous slots;
* a queue flood of 20 background runs (``samples=300``): 202 up to the active-job cap, then 429;
* hostile bodies: quantity strings with exponents (``"9**9**8 t/h"``), a 342-byte YAML alias bomb, YAML nested
  200 deep, 5,000-digit integers, NaN/Infinity in JSON, ``Origin: null``, a POST with no content type, runs of
  1e6 samples (over the sample limit) and 1e5 samples (over the memory estimate: the server takes 1,000 MB per
  job here, a chunked run of 1e5 samples needs about 1,125 MB).

It prints the /health latency (p50/p95/p99/max) while all this runs, the answers by kind (accepted vs refused),
and then, once the accepted work has finished (bounded by ``--seconds``), checks every accepted run: its folder
must be one complete run (:func:`scandia.core.rundir.check_complete`) with the requested sample count. The count
of lost or mixed results must be zero. Server peak RSS comes from /proc (VmHWM).

No peer tool serves a simulation over HTTP with these limits, so there is no side-by-side ratio here; the
figures to compare are the /health p99 with and without the hostile load (the prober also runs alone first).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np

from _proc import peak_rss_mib

JSON = {"content-type": "application/json"}
YAML = {"content-type": "application/yaml"}
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None,
            timeout: float = 120.0) -> tuple[int, dict]:
    req = urllib.request.Request(url, method=method, data=body if body is not None else (b"" if method == "POST"
                                                                                          else None),
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw[:1] in (b"{", b"[") else {}
    except urllib.error.HTTPError as e:
        return e.code, {}
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return -1, {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prober(threading.Thread):
    """GET /health every 50 ms; latencies in ms."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.ms, self.failed, self.stop = url, [], 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            status, _ = request(self.url + "/health", timeout=60)
            self.ms.append(1e3 * (time.perf_counter() - t0))
            self.failed += status != 200
            self.stop.wait(0.05)


def quantiles(ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, "
            f"p99 {np.percentile(a, 99):.1f} ms, max {a.max():.1f} ms ({a.size} probes)")


def attacks(url: str) -> list[tuple[str, str, str, bytes | None, dict]]:
    """(kind, method, path, body, headers) of every hostile or heavy request."""
    out = [("small sync run", "POST", "/runs?scenario=crater-lake&samples=1", None, JSON) for _ in range(40)]
    out += [("queue flood (samples=300)", "POST", "/runs?scenario=crater-lake&samples=300", None, JSON)
            for _ in range(20)]
    out += [("exponent quantity", "POST", "/runs", json.dumps({"plant": {"ore_feed_rate_tph": "9**9**8 t/h"}}).encode(),
             JSON) for _ in range(10)]
    out += [("YAML alias bomb", "POST", "/runs", BOMB.encode(), YAML) for _ in range(10)]
    out += [("YAML nested 200 deep", "POST", "/runs", ("a: " + "[" * 200 + "]" * 200).encode(), YAML)
            for _ in range(5)]
    out += [("5,000-digit integer", "POST", "/runs",
             ('{"hydromet": {"tank": {"n_tanks": ' + "9" * 5000 + "}}}").encode(), JSON) for _ in range(5)]
    out += [("NaN in what-if", "POST", "/whatif", b'{"acid": NaN}', JSON) for _ in range(10)]
    out += [("Origin: null", "POST", "/runs?scenario=crater-lake&samples=1", None, {**JSON, "origin": "null"})
            for _ in range(10)]
    out += [("no content type", "POST", "/runs?scenario=crater-lake&samples=1", None, {}) for _ in range(10)]
    out += [("1e6 samples", "POST", "/runs?scenario=crater-lake&samples=1000000", None, JSON) for _ in range(5)]
    out += [("1e5 samples (memory)", "POST", "/runs?scenario=crater-lake&samples=100000", None, JSON)
            for _ in range(5)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0, help="longest wait for accepted work to finish")
    args = ap.parse_args()

    from scandia.core.rundir import check_complete

    tmp = Path(tempfile.mkdtemp(prefix="scandia-abuse-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).parent / "scandia"
    env = {k: v for k, v in os.environ.items() if k != "SCANDIA_TOKEN"}
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", str(tmp / "runs.db"),
                               "--data-dir", str(tmp / "data"), "--no-warm", "--max-job-mb", "1000"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t_start = time.perf_counter()
    try:
        for _ in range(600):
            if request(url + "/health", timeout=1)[0] == 200:
                break
            time.sleep(0.1)
        idle = Prober(url)
        idle.start()
        time.sleep(3.0)
        idle.stop.set()
        idle.join()
        print(f"/health, idle server:       {quantiles(idle.ms)}")

        prober = Prober(url)
        prober.start()
        answers: list[tuple[str, int, dict, str]] = []
        lock = threading.Lock()

        def send(kind: str, method: str, path: str, body: bytes | None, headers: dict) -> None:
            status, data = request(url + path, method, body, headers)
            with lock:
                answers.append((kind, status, data, path))

        threads = [threading.Thread(target=send, args=a, daemon=True) for a in attacks(url)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        burst_s = time.perf_counter() - t0
        # accepted background work: wait until done or failed (bounded)
        accepted = [(d["id"], path) for kind, s, d, path in answers if s in (201, 202) and "id" in d]
        deadline = time.perf_counter() + args.seconds
        states: dict[str, str] = {}
        while time.perf_counter() < deadline:
            states = {rid: request(f"{url}/runs/{rid}")[1].get("state", "?") for rid, _ in accepted}
            if all(s in ("done", "failed") for s in states.values()):
                break
            time.sleep(1.0)
        prober.stop.set()
        prober.join()
        print(f"/health, under attack:      {quantiles(prober.ms)}; {prober.failed} probes failed")
        print(f"burst of {len(threads)} requests answered in {burst_s:.1f} s")
        by_kind: dict[str, Counter] = {}
        for kind, status, _, _ in answers:
            by_kind.setdefault(kind, Counter())[status] += 1
        print(f"{'request':<28} answers (status: count)")
        for kind, c in by_kind.items():
            print(f"{kind:<28} " + ", ".join(f"{s}: {n}" for s, n in sorted(c.items())))
        n_acc = sum(1 for _, s, _, _ in answers if s in (201, 202))
        print(f"accepted {n_acc}, refused {len(answers) - n_acc} (of {len(answers)})")
        lost = mixed = 0
        for rid, path in accepted:
            if states.get(rid) != "done":
                lost += states.get(rid) not in ("done", "failed")
                continue
            folder = tmp / "data" / "runs" / rid
            try:
                summary = json.loads((folder / "summary.json").read_text())
                check_complete(folder, summary)
                want = int(path.split("samples=")[1].split("&")[0])
                mixed += summary.get("n_scenarios") != want
            except Exception:  # a missing or incomplete folder of a run reported done
                lost += 1
        failed = sum(1 for s in states.values() if s == "failed")
        print(f"accepted runs: {sum(1 for s in states.values() if s == 'done')} done, {failed} failed, "
              f"{lost} lost, {mixed} mixed")
        print(f"server peak RSS {peak_rss_mib(server.pid):,.0f} MiB; "
              f"whole benchmark {time.perf_counter() - t_start:.0f} s")
    finally:
        server.kill()
        server.wait(10)


if __name__ == "__main__":
    main()
