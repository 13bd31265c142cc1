"""Errors raised by scandia.

Every error a user can cause carries the path of the offending field and, where one exists, the allowed range,
so that the CLI can print it as one line and exit with code 2.
"""

from __future__ import annotations

__all__ = ["BalanceError", "ConvergenceError", "ScandiaError", "ScenarioError"]


class ScandiaError(Exception):
    """Base class of the errors scandia raises on purpose."""


class ScenarioError(ScandiaError, ValueError):
    """A scenario value is missing, malformed or out of range.

    Parameters
    ----------
    field:
        Dotted path of the offending field, e.g. ``beneficiation.whims.field_t``.
    message:
        What is wrong and what is allowed.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class BalanceError(ScandiaError):
    """An element balance failed to close: a modelling bug, never a user error."""


class ConvergenceError(ScandiaError):
    """Raised only when the caller asks for strict convergence (status codes are the default)."""
