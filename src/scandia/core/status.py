"""Per-scenario status codes shared by every stage (see DESIGN.md).

A status array has shape ``(n_scenarios,)`` and dtype int8. Codes are ordered by severity so that the status
of a chain is the element-wise maximum of its parts.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["Status", "combine", "count", "ok_array"]


class Status(IntEnum):
    """Per-scenario outcome, ordered from best to worst."""

    ok = 0
    clipped = 1  #: a value was clipped to its physical range (reported, result still usable)
    out_of_range = 2  #: an input lay outside the range a model is calibrated for
    not_converged = 3  #: an iterative solve (recycle, equilibrium) did not meet its tolerance
    infeasible = 4  #: no physical solution exists for this scenario


def ok_array(n: int) -> np.ndarray:
    """An all-ok status array of length ``n``."""
    return np.zeros(n, dtype=np.int8)


def combine(*statuses: np.ndarray) -> np.ndarray:
    """Worst status per scenario (arrays of one scenario broadcast: a stage shared by all scenarios)."""
    shape = np.broadcast_shapes(*(np.shape(s) for s in statuses))
    out = np.broadcast_to(np.asarray(statuses[0], dtype=np.int8), shape).copy()
    for s in statuses[1:]:
        np.maximum(out, np.asarray(s, dtype=np.int8), out=out)
    return out


def count(status: np.ndarray) -> dict[str, int]:
    """Number of scenarios with each status, by name (all names present)."""
    codes = np.bincount(np.asarray(status, dtype=np.int64), minlength=len(Status))
    return {s.name: int(codes[s.value]) for s in Status}
