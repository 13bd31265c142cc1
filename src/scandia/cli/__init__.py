"""Command-line interface: ``scandia run | validate | scenarios | calibrate``.

User errors (bad scenario values, unknown names, unreadable files) print one line naming the field and the
allowed range, and exit with code 2, without a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from ..core.errors import ScandiaError
from . import alloy, commands, market, resource, runs  # noqa: F401  (register their commands on the app)
from .app import app
from .output import err_console, out_console

__all__ = ["app", "main"]


@app.callback(invoke_without_command=True)
def _version(version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False) -> None:
    if version:
        out_console.print(f"scandia {__version__}")
        raise typer.Exit()


def main() -> None:
    """Entry point of the ``scandia`` console script."""
    from ..core.perf import tune_allocator

    tune_allocator()
    try:
        app()
    except ScandiaError as exc:  # pragma: no cover - commands catch their own
        err_console.print(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()

