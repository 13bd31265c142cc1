"""Generic units: mixer, splitter and component separator.

These are the mass-balance building blocks (BioSTEAM's Mixer, Splitter and component-split separator have the
same meaning), vectorized over scenarios.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .stream import Stream
from .unit import Unit, UnitResult, per_scenario

__all__ = ["ComponentSplitter", "Mixer", "Splitter"]


class Mixer(Unit):
    """Mixes ``n_inlets`` streams (ports ``in0``, ``in1``, ...) into ``product``."""

    outlets = ("product",)

    def __init__(self, n_inlets: int = 2) -> None:
        self.n_inlets = n_inlets

    @property
    def inlets(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"in{i}" for i in range(self.n_inlets))

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        streams = [inlets[p] for p in self.inlets]
        total = streams[0]
        for s in streams[1:]:
            total = total + s
        return UnitResult({"product": total}, self.ok(total.n))


class Splitter(Unit):
    """Splits a stream without changing its composition: ``split_frac`` (0-1) of every class to ``product``."""

    outlets = ("product", "rest")

    def __init__(self, split_frac: Any = 0.5) -> None:
        self.split_frac = split_frac

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["feed"]
        f = per_scenario(self.split_frac, feed.n, "Splitter.split_frac", 0.0, 1.0)
        product, rest = feed.split(f)
        return UnitResult({"product": product, "rest": rest}, self.ok(feed.n))


class ComponentSplitter(Unit):
    """Sends ``split[c]`` (0-1) of each component to ``product`` and the rest to ``rest``.

    ``split`` maps component names to fractions (scalar or per scenario); unnamed components go to ``rest``.
    """

    outlets = ("product", "rest")

    def __init__(self, split: dict[str, Any] | None = None) -> None:
        self.split = split or {}

    def _run(self, inlets: dict[str, Stream]) -> UnitResult:
        feed = inlets["feed"]
        frac = np.zeros((feed.n, 1, len(feed.components)))
        for name, value in self.split.items():
            idx = feed.components.index(name)
            frac[:, 0, idx] = per_scenario(value, feed.n, f"ComponentSplitter.split.{name}", 0.0, 1.0)[:, 0]
        product, rest = feed.split_components(frac)
        return UnitResult({"product": product, "rest": rest}, self.ok(feed.n))
