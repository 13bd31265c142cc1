"""The documentation site: strict build with no warning, an API reference generated from the docstrings, a
user-guide page per stage, and nothing loaded from off the machine (the browser test checks it in Chromium)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration


def test_docs_build_strict_with_no_warning(docs_site):
    site, log = docs_site
    assert "WARNING" not in log, log
    for page in ("index", "beneficiation", "hydromet", "alloy", "economics", "uncertainty", "examples", "api"):
        assert (site / f"{page}.html").exists(), page
    api = (site / "api.html").read_text(encoding="utf-8")
    # the reference is generated: functions appear with their docstrings
    assert 'id="scandia.api.run"' in api and 'id="scandia.economics.cashflow.irr"' in api
    assert "investment-type root" in api  # a phrase of irr's docstring
    # nothing in any page is loaded from another host (links to sources may exist; loads may not)
    for f in site.rglob("*.html"):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", text), f.name
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, f.name
