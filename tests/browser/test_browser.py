"""Browser tests: Playwright (Python) driving Debian's Chromium, headless, against the dashboard served by
uvicorn on loopback and against a report file. Screenshots go to $SCANDIA_SCREENSHOTS (``docs/images`` makes the
README's pictures) or the test's temporary folder.

Chromium is looked for at /usr/bin/chromium (installed by .ci/run); where it is missing the tests skip, unless
SCANDIA_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.integration.helpers import default_npv_musd

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SCANDIA_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("SCANDIA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed here; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from scandia.web.app import create_app

    tmp = tmp_path_factory.mktemp("served")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(db=str(tmp / "runs.db"), data_dir=tmp / "data", band_samples=200)  # bands: fewer samples
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not srv.started:
        if time.monotonic() - t0 > 30:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _page(browser, viewport=(1400, 900)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def guard(route):
        url = route.request.url
        if url.startswith(("file://", "http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", guard)
    return page, errors, external


def test_dashboard_slider_moves_npv(browser, server, tmp_path):
    page, errors, external = _page(browser)
    page.goto(server + "/")
    page.wait_for_function("document.getElementById('npv').dataset.value !== undefined", timeout=60_000)
    npv0 = float(page.get_attribute("#npv", "data-value"))
    assert npv0 == pytest.approx(default_npv_musd(), abs=1.0)  # the default case, as `scandia run` prints it
    page.fill("#sc2o3_price_usd_per_kg", "4000")
    page.wait_for_function(f"document.getElementById('npv').dataset.value !== '{npv0!r}'", timeout=30_000)
    npv1 = float(page.get_attribute("#npv", "data-value"))
    assert npv1 > npv0 + 200  # US$1,000/kg more for ~70 t/a over the mine life: several hundred US$ M
    # issue 16 item 6: the move's uncertainty band arrives after the nominal figures and brackets a spread
    page.wait_for_function("document.getElementById('npv_band').dataset.p10 !== undefined && "
                           "!document.getElementById('npv_band').classList.contains('stale')", timeout=60_000)
    p10, p90 = (float(page.get_attribute("#npv_band", f"data-{k}")) for k in ("p10", "p90"))
    assert p90 - p10 > 10.0 and "P10" in page.inner_text("#npv_band")
    assert page.locator("#npvplot .errorbar").count() >= 1  # drawn on the NPV-vs-price chart
    ys0 = page.inner_text("#ys")
    page.fill("#sc_wt_pct", "0.25")
    page.wait_for_function(f"document.getElementById('ys').innerText !== {ys0!r}", timeout=60_000)
    for fig in ("sankey", "npvplot", "strength"):
        assert page.locator(f"#{fig} svg.main-svg").count() >= 1, fig
    page.screenshot(path=str(_shots(tmp_path) / "dashboard.png"))
    assert errors == [] and external == []
    page.close()


def test_dashboard_specs_diagram_locale_and_saving(browser, server, tmp_path):
    """Issue 15 item 7: the dashboard lists each specification with its target and margin, draws the hydromet
    flowsheet with every stream number, shows numbers in fr-CA format on request, saves the case as a scenario
    file that loads and validates as a scenario, and records it as a run in the store."""
    import re

    import yaml

    from scandia.scenario.loader import scenario_from_dict

    page, errors, external = _page(browser)
    page.goto(server + "/")
    page.wait_for_function("document.getElementById('npv').dataset.value !== undefined", timeout=60_000)
    specs = page.eval_on_selector_all("#specs li", "els => els.map(e => [e.textContent, e.dataset.met])")
    assert any(t.startswith("Sc2O3 purity") and "99.50 %" in t for t, _ in specs), specs
    assert all(met == "true" for _, met in specs)  # the default case meets its specifications
    numbers = page.eval_on_selector_all("#diagram text.stream-number", "els => els.map(e => +e.textContent)")
    assert len(numbers) >= 20 and sorted(numbers) == list(range(1, len(numbers) + 1))
    assert "." in page.inner_text("#prod")
    page.select_option("#locale", "fr-CA")
    prod = page.inner_text("#prod")
    assert re.fullmatch(r"\d+,\d t/a", prod), prod  # comma decimal, as a Québec reader writes it
    with page.expect_download() as dl:
        page.click("#save")
    saved = tmp_path / "case.yaml"
    dl.value.save_as(saved)
    scen = scenario_from_dict(yaml.safe_load(saved.read_text(encoding="utf-8")))
    assert scen.name == "crater-lake-whatif"
    page.click("#record")
    page.wait_for_function("document.getElementById('saved').dataset.run !== undefined", timeout=60_000)
    run_id = page.get_attribute("#saved", "data-run")
    job = page.evaluate(f"fetch('/runs/{run_id}').then(r => r.json())")
    assert job["scenario"] == "crater-lake-whatif" and job["state"] in ("queued", "running", "done"), job
    assert errors == [] and external == []
    page.close()


def test_report_renders_every_figure_offline(browser, sampled_run_dir, tmp_path):
    from typer.testing import CliRunner

    from scandia.cli import app

    html = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["report", str(sampled_run_dir), "--out", str(html)])
    assert res.exit_code == 0, res.output
    page, errors, external = _page(browser, (1280, 1000))
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    names = page.eval_on_selector_all("div.plot", "els => els.map(e => e.dataset.figure)")
    rendered = page.eval_on_selector_all("div.plot", "els => els.filter(e => e.querySelector('svg.main-svg')).length")
    assert len(names) == 18 and rendered == len(names), names  # every figure of a sampled run (Fe, Th not)
    page.screenshot(path=str(_shots(tmp_path) / "report.png"))
    # the Sankey switches basis: click "Scandium"
    page.locator("#sankey g.updatemenu-button").nth(1).click()
    title = page.evaluate("document.querySelector('div[data-figure=sankey]').layout.title.text")
    assert "Sc" in title and "kg/h" in title
    # the hydromet flowsheet diagram renders, laid out, with every stream number of the stream table
    import pandas as pd

    table = pd.read_csv(sampled_run_dir / "hydromet_streams.csv")
    drawn = page.eval_on_selector_all("#diagram-hydromet text.stream-number", "els => els.map(e => e.textContent)")
    assert sorted(int(n) for n in drawn) == sorted(table["no"].tolist())
    box = page.locator("#diagram-hydromet svg").bounding_box()
    assert box is not None and box["width"] > 1000 and box["height"] > 150
    page.evaluate("(() => { const s = document.querySelector('#diagram-hydromet svg');"
                  " s.style.width = '100%'; s.style.height = 'auto'; })()")  # the whole drawing in one picture
    page.locator("#diagram-hydromet").screenshot(path=str(_shots(tmp_path) / "diagram_hydromet.png"))
    assert errors == [] and external == []
    page.close()


#: every table, and every box around it, measured in the print layout: wider than the page, or cut by a box
#: that hides overflow, is clipped
_CLIPPED_JS = """() => {
  const page = document.documentElement.clientWidth;
  const out = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const r = t.getBoundingClientRect();
    const where = (t.closest('section') || {}).id || '?';
    if (r.right > page + 1 || r.left < -1)
      out.push(`${where} table ${i}: ${r.left.toFixed(0)}-${r.right.toFixed(0)} px of ${page}`);
    for (let e = t.parentElement; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      const hides = (v) => v !== 'visible';
      if ((hides(s.overflowX) && e.scrollWidth > e.clientWidth + 1)
          || (hides(s.overflowY) && e.scrollHeight > e.clientHeight + 1))
        out.push(`${where} table ${i}: cut by <${e.tagName.toLowerCase()} class=${e.className}>`);
    }
  });
  return out;
}"""


def test_report_prints_to_pdf_without_clipped_tables(browser, sampled_run_dir, tmp_path):
    """`scandia report --pdf` prints through headless Chromium to a multi-page PDF; laid out as it prints
    (print stylesheet, A4 landscape less margins = 1,039 px at 96 dpi, every section open), no table is wider
    than the page or cut by a box that hides its overflow, and the last hydromet stream row (the product) is on
    the page, not behind a scroll box."""
    import re

    from typer.testing import CliRunner

    from scandia.cli import app
    from scandia.report.html import build_report, load_run_dir

    out = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["report", str(sampled_run_dir), "--out", str(out), "--pdf"],
                             env={"SCANDIA_CHROMIUM": str(CHROMIUM)})
    assert res.exit_code == 0, res.output
    pdf = out.with_suffix(".pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf[:5] == b"%PDF-" and pages >= 6, pages
    summary, tables, resolved = load_run_dir(sampled_run_dir)
    printable = tmp_path / "printable.html"
    printable.write_text(build_report(summary, tables, resolved, printable=True), encoding="utf-8")
    page, errors, external = _page(browser, (1039, 1400))
    page.emulate_media(media="print")
    page.goto(printable.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate(_CLIPPED_JS) == []
    last = str(tables["hydromet_streams"]["stream"].iloc[-1])
    assert page.get_by_text(last, exact=True).first.is_visible()
    for anchor in ("summary", "basis", "costs"):  # the sections an analyst prints first and last
        assert page.locator(f"section#{anchor}").count() == 1, anchor
    page.screenshot(path=str(_shots(tmp_path) / "report_print.png"), full_page=False)
    assert errors == [] and external == []
    page.close()


def test_docs_site_loads_nothing_off_the_machine(browser, docs_site):
    """The built documentation site, served on loopback, opens its home, a stage guide and the API reference
    with no request to another host (the theme's web fonts are off) and no console error."""
    import functools
    import http.server

    site, _ = docs_site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        page, errors, external = _page(browser, (1200, 900))
        for name in ("index.html", "hydromet.html", "api.html"):
            page.goto(f"{base}/{name}")
            page.wait_for_load_state("networkidle")
            assert page.locator("article h1").count() >= 1, name
        assert page.locator("[id='scandia.api.run']").count() == 1
        assert errors == [] and external == [], (errors, external)
        page.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
