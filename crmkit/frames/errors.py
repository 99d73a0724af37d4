"""What crmkit.frames raises for input it cannot turn into a frame without guessing."""

from __future__ import annotations

from crmkit.errors import CrmkitError

__all__ = ["CSVFormatError", "FramesError", "PayloadError"]


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
