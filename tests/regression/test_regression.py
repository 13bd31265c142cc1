"""Every metric of every built-in scenario against the committed fixture (``make fixture`` regenerates it).

This guards refactors: a redesign must leave the numbers where they were (1e-9 relative) unless a change moves
them on purpose, in which case the fixture is regenerated and the diff stated in the commit.
"""

from __future__ import annotations

import json

import pytest

from tests.regression.fixture import PATH, collect, diff

pytestmark = pytest.mark.integration


def test_every_metric_matches_the_fixture():
    old = json.loads(PATH.read_text())
    moved = diff(old, collect())
    assert not moved, f"{len(moved)} metric(s) moved (run `make fixture` if on purpose):\n" + "\n".join(moved[:40])
