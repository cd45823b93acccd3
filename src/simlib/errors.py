"""Exceptions with messages a user can act on.

Every error simlib raises on bad input names *where* the problem is (a file, row
and column, or a spec path such as ``plan.components[1].curve[2]``) and *what was
expected*. They derive from ``ValueError`` so that callers who only know the
standard library still catch them.

Every warning simlib issues on purpose derives from :class:`SimlibWarning`, so one
filter silences, records or escalates them all::

    warnings.simplefilter("error", simlib.SimlibWarning)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SimlibError(Exception):
    """Base class for every error simlib raises on purpose."""


class SimlibWarning(UserWarning):
    """Base class for every warning simlib issues on purpose (plans, appraisal, sales
    model, scenario, data checks). A ``UserWarning``, so default filters show it."""


@dataclass(frozen=True)
class Problem:
    """One problem found in input data.

    Attributes
    ----------
    file : str
        The file (or table, for a database) the problem is in.
    row : int or None
        1-based row as a spreadsheet shows it: for CSV and Excel the header is
        row 1, so the first record is row 2. For Parquet and DuckDB tables the
        first record is row 1. ``None`` when the problem is about a whole table
        or column.
    column : str or None
        The column, or ``None`` when the problem is about a whole row or table.
    value : str
        The offending value as found (shortened), or ``""``.
    expected : str
        What was expected instead, in words.
    """

    file: str
    row: int | None
    column: str | None
    value: str
    expected: str

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }

    def __str__(self) -> str:
        from simlib.i18n import _  # i18n imports this module: read at call time

        where = self.file
        if self.row is not None:
            where += _(", row {row}").format(row=self.row)
        if self.column is not None:
            where += _(", column {column!r}").format(column=self.column)
        if self.value != "":
            return _("{where}: found {value!r}; expected {expected}").format(
                where=where, value=self.value, expected=self.expected
            )
        return _("{where}: expected {expected}").format(where=where, expected=self.expected)


class DataValidationError(SimlibError, ValueError):
    """Input data failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem], source: str = "") -> None:
        from simlib.i18n import _  # i18n imports this module: read at call time

        self.problems = list(problems)
        self.source = source
        head = _("{n} problem(s) in {source}").format(
            n=len(self.problems), source=source or _("the data")
        )
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = (
            "\n  " + _("... and {n} more (see .problems)").format(n=len(self.problems) - 50)
            if len(self.problems) > 50
            else ""
        )
        super().__init__(f"{head}:\n{shown}{more}")


class SpecError(SimlibError, ValueError):
    """A plan, cascade, appraisal or scenario spec is invalid.

    ``errors`` holds ``(path, message)`` pairs, e.g.
    ``("plan.components[1].curve[2]", "attainment must increase")``.
    """

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        lines = [f"{path}: {msg}" for path, msg in self.errors]
        super().__init__(lines[0] if len(lines) == 1 else "\n".join(lines))
