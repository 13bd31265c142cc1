"""Compiled kernels: the one place scandia configures numba (https://numba.pydata.org, BSD-2-Clause).

Every hot loop that cannot be written as a few whole-array numpy operations (fixed points with a per-scenario stop,
stage-by-stage recurrences) is a numba kernel compiled with the settings here:

- ``cache=True``: machine code is written beside the source (or in numba's user cache when the package folder
  is read-only) and reused by later processes, so compile time is paid once per machine and source version;
- ``nogil=True``: the GIL is released while a kernel runs, so threads of one process run kernels side by side;
- ``parallel=True`` for kernels over the scenario axis (``prange``): scenarios are shared among the threads of
  numba's thread pool, whose size :func:`set_threads` sets (``scandia run --threads``; default: every core).

The threading layer is chosen ``"threadsafe"`` (OpenMP or TBB) where one is available, so kernels may be called
from several Python threads at once (the web service); numba's own work queue is not safe for that, so where it
is the only layer, parallel kernels are called under a lock (:func:`parallel_lock`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from functools import partial

import numba

__all__ = ["jit", "parallel_lock", "pjit", "prange", "set_threads", "threads"]

prange = numba.prange


def _pick_layer() -> bool:
    """Select a thread-safe threading layer when one imports; returns True if one was selected."""
    if os.environ.get("NUMBA_THREADING_LAYER"):
        return os.environ["NUMBA_THREADING_LAYER"] in ("omp", "tbb", "threadsafe")
    for layer, module in (("omp", "numba.np.ufunc.omppool"), ("tbb", "numba.np.ufunc.tbbpool")):
        try:
            __import__(module)
        except ImportError:
            continue
        numba.config.THREADING_LAYER = layer
        return True
    numba.config.THREADING_LAYER = "workqueue"
    return False


_THREADSAFE = _pick_layer()
_LOCK = threading.Lock()

#: scalar and per-scenario kernels: compiled once, cached on disk, GIL released
jit = partial(numba.njit, cache=True, nogil=True)
#: kernels over the scenario axis: as :data:`jit`, with ``prange`` loops shared among numba's threads
pjit = partial(numba.njit, cache=True, nogil=True, parallel=True)


@contextlib.contextmanager
def parallel_lock() -> Iterator[None]:
    """Hold around a parallel kernel call: a no-op with a thread-safe layer, a process-wide lock otherwise."""
    if _THREADSAFE:
        yield
        return
    with _LOCK:
        yield


def threads() -> int:
    """Threads numba's parallel kernels use now."""
    return int(numba.get_num_threads())


def set_threads(n: int | None) -> int:
    """Use ``n`` threads in parallel kernels (``None``: every core numba sees). Returns the number set.

    Raises ``ValueError`` naming the allowed range when ``n`` is outside [1, cores]."""
    cores = int(numba.config.NUMBA_NUM_THREADS)
    if n is None:
        n = cores
    if not (1 <= int(n) <= cores):
        raise ValueError(f"threads must be an integer in [1, {cores}], got {n}")
    numba.set_num_threads(int(n))
    return int(n)
