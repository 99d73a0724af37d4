"""What crmkit.frames raises for input it cannot turn into a frame without guessing."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from crmkit.errors import CrmkitError

__all__ = ["CSVFormatError", "DataWarning", "FramesError", "PayloadError", "warn_data"]

_PACKAGE = str(Path(__file__).resolve().parents[1])


class FramesError(CrmkitError, ValueError):
    """Input crmkit cannot turn into a frame without guessing."""


class CSVFormatError(FramesError):
    """A CSV export (or Bulk Read file) that cannot be read faithfully.

    `path`, `row` (spreadsheet row: the header is row 1), `column` and `fix` say where and what
    to do.
    """

    def __init__(
        self,
        path: str,
        problem: str,
        fix: str,
        *,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path, self.problem, self.fix = path, problem, fix
        self.row, self.column, self.line = row, column, line
        where = [path]
        if row is not None:
            where.append(f"row {row}")
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}. Fix: {fix}")


class PayloadError(FramesError):
    """An API payload that does not have the shape Zoho documents."""


class DataWarning(UserWarning):
    """Input crmkit read, with a caveat the user should know (encoding guessed, column missing).

    A warning, not an error: the result is usable, but something in it is not what the user may
    assume (e.g. no `Company` column, so no lead can match an Account by Company).
    """


def warn_data(message: str) -> None:
    """Issue a `DataWarning` attributed to the first caller outside crmkit (the user's line)."""
    level = 2
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    warnings.warn(message, DataWarning, stacklevel=level)
