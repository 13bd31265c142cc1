"""Opt-in process tuning for large vectorized runs.

numpy allocates each large temporary with ``mmap`` and frees it with ``munmap``, so a chunked run over millions
of scenarios spends a large share of its time in page faults (measured here: 1.2-2.2 s of system time for 1e5
scenarios of the concentration stage). :func:`tune_allocator` raises glibc's mmap and trim thresholds
(``mallopt``, see ``man 3 mallopt``) so those blocks are reused from the heap instead. It changes nothing but
speed, is a no-op off glibc, and is called by the CLI and the benchmarks, never on import.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["tune_allocator"]

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_done = False


def tune_allocator(mmap_threshold_bytes: int = 32 * 2**20, trim_threshold_bytes: int = 512 * 2**20) -> bool:
    """Keep freed blocks up to ``mmap_threshold_bytes`` on the heap (glibc only). Returns True if applied."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold_bytes)) == 1
    ok &= mallopt(_M_TRIM_THRESHOLD, int(trim_threshold_bytes)) == 1
    ok &= mallopt(_M_TOP_PAD, 64 * 2**20) == 1
    _done = bool(ok)
    return _done
