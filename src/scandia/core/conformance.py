"""One reusable conformance checker that every unit must pass (STYLE.md, "Tests").

:func:`check_unit` runs a unit on a batch of scenarios and asserts: outlets are the declared ports, flows are
finite and non-negative, the element balance closes to ``rtol``, the status has one entry per scenario, the
unit survives pickling with identical results, and the batch result equals running each scenario alone
(vectorized == loop) - exactly for closed-form units, to ``result_rtol`` for iterative ones.
"""

from __future__ import annotations

import pickle

import numpy as np

from .stream import Stream
from .unit import Unit, check_element_balance

__all__ = ["check_unit"]


def check_unit(unit: Unit, inlets: dict[str, Stream], rtol: float = 1e-9) -> None:
    """Raise ``AssertionError`` with a message if ``unit`` breaks the unit contract on ``inlets``."""
    name = type(unit).__name__
    res = unit.run(inlets)
    n = next(iter(inlets.values())).n
    assert set(res.outlets) == set(unit.outlets), f"{name}: outlets {sorted(res.outlets)} != {unit.outlets}"
    assert res.status.shape == (n,), f"{name}: status shape {res.status.shape} != ({n},)"
    for port, s in res.outlets.items():
        assert np.all(np.isfinite(s.mass_tph)), f"{name}.{port}: non-finite flow"
        assert np.all(s.mass_tph >= 0), f"{name}.{port}: negative flow"
    check_element_balance([*inlets.values(), *res.reagents.values()], list(res.outlets.values()), rtol, where=name)
    rtol = type(unit).result_rtol
    unit.reset()
    again = pickle.loads(pickle.dumps(unit)).run(inlets)
    for port in unit.outlets:
        np.testing.assert_allclose(again.outlets[port].class_tph, res.outlets[port].class_tph, rtol=rtol,
                                   atol=rtol * 1e-3, err_msg=f"{name}: pickled unit differs")
    # vectorized == loop over scenarios (per-scenario parameters sliced alongside)
    for i in range(n):
        single = _slice_unit(unit, i, n)
        single.reset()
        one = single.run({p: s.take(np.array([i])) for p, s in inlets.items()})
        for port in unit.outlets:
            scale = float(np.abs(res.outlets[port].mass_tph[i]).max(initial=0.0))
            np.testing.assert_allclose(one.outlets[port].mass_tph[0], res.outlets[port].mass_tph[i],
                                       rtol=rtol, atol=max(1e-12, rtol * scale * 1e-3),
                                       err_msg=f"{name}.{port}: scenario {i} differs")


def _slice_unit(unit: Unit, i: int, n: int) -> Unit:
    clone = pickle.loads(pickle.dumps(unit))
    params = {}
    for key, value in unit.get_params().items():
        if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n:
            params[key] = value[i : i + 1]
    return clone.set_params(**params)
