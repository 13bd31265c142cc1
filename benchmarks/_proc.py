"""What the benchmarks read from /proc (Linux): a process's peak resident memory."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mib(pid: int) -> float:
    """Peak resident set size (VmHWM) of process ``pid`` in MiB; NaN where /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
