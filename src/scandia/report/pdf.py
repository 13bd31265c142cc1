"""The report printed to PDF by a headless Chromium or Chrome (``scandia report --pdf``).

The browser is found as ``SCANDIA_CHROMIUM`` or on the PATH (chromium, chromium-browser, google-chrome); it prints
the printable report (every section open, one figure per row; :func:`scandia.report.html.build_report`) with the
report's print stylesheet (A4 landscape), offline: the page is a local file and the browser's background
networking is switched off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import ScenarioError

__all__ = ["chromium", "print_pdf"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def chromium() -> str:
    """Path of the browser that prints; a one-line error naming what to install when there is none."""
    env = os.environ.get("SCANDIA_CHROMIUM")
    if env:
        if not Path(env).is_file():
            raise ScenarioError("--pdf", f"SCANDIA_CHROMIUM={env} is not a file")
        return env
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ScenarioError("--pdf", "printing to PDF needs Chromium or Chrome (apt-get install chromium, or set "
                        "SCANDIA_CHROMIUM to the browser's path)")


def print_pdf(html_text: str, pdf_path: Path, timeout_s: float = 180.0) -> Path:
    """Print ``html_text`` (a whole report page) to ``pdf_path``, written atomically; returns the path."""
    browser = chromium()
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="scandia-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        args = [browser, "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
                f"--user-data-dir={Path(tmp) / 'profile'}", "--window-size=1040,1400",
                "--virtual-time-budget=30000", f"--print-to-pdf={out}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(2, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise ScenarioError("--pdf", f"{browser} did not finish printing within {timeout_s:.0f} s") from None
        if not out.exists() or out.read_bytes()[:5] != b"%PDF-":
            last = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise ScenarioError("--pdf", f"{browser} wrote no PDF (exit {proc.returncode}: {last[0][:200]})")
        try:
            tmp_dst = pdf_path.with_name(pdf_path.name + ".tmp")
            shutil.copyfile(out, tmp_dst)
            os.replace(tmp_dst, pdf_path)
        except OSError as exc:
            raise ScenarioError("--pdf", f"cannot write {pdf_path}: {exc.strerror or exc}") from None
    return pdf_path
