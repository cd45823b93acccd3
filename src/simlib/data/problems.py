"""Problems with a dataset's files: where each lies and how many are listed.

:class:`TableSource` says where a table was read from, so a problem names the file
and the row a spreadsheet shows; :class:`ProblemList` collects problems, listing at
most :data:`MAX_ROWS_PER_CHECK` rows per check plus one line counting the rest;
:func:`format_problems` prints them as the table ``simlib validate`` shows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import Problem
from simlib.i18n import _

__all__ = ["MAX_ROWS_PER_CHECK", "ProblemList", "TableSource", "format_problems", "short"]

#: At most this many rows are listed per check; the rest are counted in one line.
MAX_ROWS_PER_CHECK = 20


@dataclass(frozen=True)
class TableSource:
    """Where a table was read from, for naming problems.

    Attributes
    ----------
    file : str
        What a user sees: ``"sales.csv"``, ``"data.xlsx[sales]"``, ``"db.duckdb:sales"``.
    first_row : int
        Row number of the first record: 2 when a header row precedes it (CSV,
        Excel), 1 otherwise (Parquet, DuckDB, in-memory).
    format : str
        ``"csv"``, ``"parquet"``, ``"excel"``, ``"duckdb"`` or ``"memory"``.
    encoding : str or None
        The CSV text encoding used.
    encoding_detected : bool
        True when the encoding was detected rather than given.
    rows : numpy.ndarray or None
        The row number of each record when they are not consecutive (wholly
        blank lines of a CSV or sheet were skipped, so a record keeps the number
        of the line a user sees in the file); ``None`` when record *i* is row
        ``first_row + i``.
    """

    file: str
    first_row: int = 1
    format: str = "memory"
    encoding: str | None = None
    encoding_detected: bool = False
    rows: np.ndarray | None = field(default=None, compare=False, repr=False)

    def row(self, position: int) -> int:
        """The row number a user sees for the record at 0-based ``position``."""
        if self.rows is not None:
            return int(self.rows[int(position)])
        return self.first_row + int(position)


def short(v: Any, width: int = 40) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    s = str(v)
    return s if len(s) <= width else s[: width - 1] + "…"


class ProblemList:
    """Collects problems, listing at most ``cap`` rows per check."""

    def __init__(self, cap: int = MAX_ROWS_PER_CHECK) -> None:
        self.items: list[Problem] = []
        self.cap = cap

    def table(self, src: TableSource, column: str | None, value: Any, expected: str) -> None:
        self.items.append(Problem(src.file, None, column, short(value, 80), expected))

    def rows(
        self,
        src: TableSource,
        positions: np.ndarray,
        column: str | None,
        values: Callable[[np.ndarray], Sequence[Any]] | Sequence[Any] | pd.Series,
        expected: str | Callable[[np.ndarray], Sequence[str]],
        summary: str | None = None,
    ) -> None:
        """Report rows at 0-based ``positions``; values/expected may be callables on positions."""
        positions = np.asarray(positions)
        n = len(positions)
        if n == 0:
            return
        shown = positions[: self.cap]
        vals = values(shown) if callable(values) else values
        if isinstance(vals, pd.Series):  # a whole column: pick the rows shown
            vals = vals.iloc[shown].tolist()
        else:  # one value per reported row, aligned with ``positions``
            vals = list(vals)[: len(shown)]
        exps = expected(shown) if callable(expected) else [expected] * len(shown)
        for pos, v, e in zip(shown, vals, exps, strict=True):
            self.items.append(Problem(src.file, src.row(pos), column, short(v), e))
        if n > self.cap:
            base = summary or (expected if isinstance(expected, str) else exps[0])
            self.items.append(
                Problem(
                    src.file,
                    None,
                    column,
                    _("{count} more rows").format(count=f"{n - self.cap:,}"),
                    _(
                        "{expected} (the same problem; the first {cap} rows are listed above)"
                    ).format(expected=base, cap=self.cap),
                )
            )


def _width(text: str) -> int:
    """Columns a text takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns and padded to exactly that many."""
    out, used = [], 0
    for c in text:
        w = _width(c)
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out) + " " * (width - used)


def format_problems(problems: Sequence[Problem]) -> str:
    """Problems as an aligned plain-text table: file, row, column, value, expected."""
    head = (_("file"), _("row"), _("column"), _("value found"), _("expected"))
    rows = [
        (p.file, "" if p.row is None else str(p.row), p.column or "", p.value, p.expected)
        for p in problems
    ]
    widths = [
        max(_width(h), *(_width(r[i]) for r in rows)) if rows else _width(h)
        for i, h in enumerate(head)
    ]
    widths = [min(w, 40) for w in widths[:4]]

    def line(cells: Sequence[str]) -> str:
        parts = [_cut(c, w) for c, w in zip(cells[:4], widths, strict=True)]
        return "  ".join([*parts, cells[4]]).rstrip()

    out = [line(head), line(["-" * w for w in widths] + ["-" * 8])]
    out += [line(r) for r in rows]
    return "\n".join(out)
