"""One table's cells to typed columns, by the table's description in :mod:`simlib.data.columns`.

:func:`coerce_table` checks that the columns a table needs are there (and that no
unknown ones are), then reads each column by its kind: text and ids, one of a
list of values, numbers, dates, calendar months, true/false. Every cell that
cannot be read is reported with its row; the rows whose cells all read are
marked usable, so the checks across tables (:mod:`simlib.data.validate`) never
report the same defect twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.data.columns import SPECS, Column
from simlib.data.parse import (
    DATE_EXPECTED,
    MONTH_EXPECTED,
    NAT,
    TextCodes,
    month_ordinals,
    text_codes,
    to_bool,
    to_dates,
    to_number,
)
from simlib.data.problems import ProblemList, TableSource
from simlib.i18n import _

__all__ = ["EARLIEST_MONTH", "YEARS_AHEAD", "Table", "coerce_table", "latest_month"]

#: The earliest month accepted in sales, targets and assessments. Earlier ones are
#: almost always typos (1926 for 2026) or placeholders; no sales-force history a
#: workbench simulates on goes back further.
EARLIEST_MONTH = pd.Period("1990-01", freq="M")
#: How far ahead a month may lie (targets are planned ahead, up to a few years).
YEARS_AHEAD = 5


def latest_month() -> pd.Period:
    """The latest month accepted: December of the year :data:`YEARS_AHEAD` from today."""
    from datetime import date

    return pd.Period(f"{date.today().year + YEARS_AHEAD}-12", freq="M")


@dataclass
class Table:
    """A table under validation: typed columns, row validity, text codes."""

    name: str
    src: TableSource
    n: int
    cols: dict[str, pd.Series]
    text: dict[str, TextCodes]
    ords: dict[str, np.ndarray]
    usable: np.ndarray  # rows whose columns all parsed
    extra: list[str]
    raw: pd.DataFrame  # the cells as found, for showing values

    def found(self, col: str) -> pd.Series:
        """The column as found in the file (typed column if absent)."""
        return self.raw[col] if col in self.raw.columns else self.cols[col]


def clean_header(columns: pd.Index) -> list[str]:
    """Column names without a byte-order mark or spaces around them."""
    return [str(c).replace("\ufeff", "").strip() for c in columns]


def _check_columns(name: str, present: list[str], src: TableSource, pr: ProblemList) -> bool:
    """Report duplicate, missing and unknown columns; False when the table cannot be read."""
    spec = SPECS[name]
    required = [c.name for c in spec.columns if c.required]
    optional = [c.name for c in spec.columns if not c.required]
    found = ", ".join(present[:12]) + (" ..." if len(present) > 12 else "")
    dups = sorted({c for c in present if present.count(c) > 1})
    for c in dups:
        pr.table(
            src,
            c,
            "",
            _("each column once: {column} appears {count} times").format(
                column=repr(c), count=present.count(c)
            ),
        )
    missing_cols = [c for c in required if c not in present]
    hint = ""
    if len(present) == 1 and any(sep in present[0] for sep in (";", "\t", "|")):
        hint = _("; the file looks separated by ';' or tabs: CSV files must be comma-separated")
    for c in missing_cols:
        pr.table(
            src,
            c,
            "",
            _("a column {column} (required in {table}; the file has: {found})").format(
                column=repr(c), table=name, found=found
            )
            + hint,
        )
    if not spec.extra_columns:
        allowed = ", ".join(required + optional)
        for c in present:
            if c not in required and c not in optional:
                pr.table(
                    src,
                    c,
                    "",
                    _(
                        "only the columns {allowed} in {table} "
                        "(extra columns are allowed in reps only)"
                    ).format(allowed=allowed, table=name),
                )
    if spec.one_of and not any(c in present for c in spec.one_of):
        pr.table(
            src,
            None,
            "",
            _("a {first} or a {second} column in {table}").format(
                first=spec.one_of[0], second=spec.one_of[1], table=name
            ),
        )
        return False
    return not (missing_cols or dups)


def coerce_table(name: str, raw: pd.DataFrame, src: TableSource, pr: ProblemList) -> Table | None:
    """Check columns and coerce types; ``None`` when required columns are missing."""
    raw = raw.reset_index(drop=True)
    raw.columns = clean_header(raw.columns)
    spec = SPECS[name]
    present = list(raw.columns)
    if not _check_columns(name, present, src, pr):
        return None
    known = {c.name for c in spec.columns}
    extra = [c for c in present if c not in known] if spec.extra_columns else []
    t = Table(name, src, len(raw), {}, {}, {}, np.ones(len(raw), bool), extra, raw)
    for col in spec.columns:
        if col.name in raw.columns:
            _COERCE[col.kind](t, col, raw[col.name], pr)
    return t


def _empty(t: Table, col: Column, empty: np.ndarray, expected: str, pr: ProblemList) -> None:
    """Report empty cells of a column that cannot be empty; they make their rows unusable."""
    if col.nullable:
        return
    pr.rows(t.src, np.flatnonzero(empty), col.name, [""] * int(empty.sum()), expected)
    t.usable &= ~empty


def _text(t: Table, col: Column, s: pd.Series, pr: ProblemList) -> None:
    tx = text_codes(s)
    if col.kind == "id":
        tx = strip_ids(tx, t.src, col.name, pr)
    _empty(t, col, tx.codes < 0, _("a value (this column cannot be empty)"), pr)
    t.text[col.name] = tx
    t.cols[col.name] = tx.series("string" if col.nullable else "str")


def _enum(t: Table, col: Column, s: pd.Series, pr: ProblemList) -> None:
    allowed = col.allowed
    tx = text_codes(s)
    norm = np.array([u.strip().lower() for u in tx.uniques], dtype=object)
    if len(norm):
        ok_u = np.isin(norm, allowed)
        bad = (tx.codes >= 0) & ~ok_u[np.maximum(tx.codes, 0)]
    else:
        bad = np.zeros(t.n, bool)
    empty = tx.codes < 0
    one_of = ", ".join(allowed)
    pr.rows(
        t.src,
        np.flatnonzero(bad),
        col.name,
        s,
        _("one of {allowed} ({meaning})").format(allowed=one_of, meaning=_(col.meaning)),
    )
    pr.rows(
        t.src,
        np.flatnonzero(empty),
        col.name,
        [""] * int(empty.sum()),
        _("one of {allowed} (cannot be empty)").format(allowed=one_of),
    )
    t.usable &= ~(bad | empty)
    tx = TextCodes(tx.codes, norm)
    t.text[col.name] = tx
    t.cols[col.name] = tx.series("str")


def _number(t: Table, col: Column, s: pd.Series, pr: ProblemList) -> None:
    vals, bad = to_number(s)
    pr.rows(
        t.src,
        np.flatnonzero(bad),
        col.name,
        s,
        _("a finite number (rates as fractions: 0.95, not 95%)"),
    )
    empty = vals.isna().to_numpy() & ~bad
    _empty(t, col, empty, _("a number (this column cannot be empty)"), pr)
    t.usable &= ~bad
    t.cols[col.name] = vals


def _date(t: Table, col: Column, s: pd.Series, pr: ProblemList) -> None:
    vals, empty, bad = to_dates(s)
    pr.rows(t.src, np.flatnonzero(bad), col.name, s, _(DATE_EXPECTED))
    _empty(t, col, empty, _(DATE_EXPECTED) + _(" (cannot be empty)"), pr)
    t.usable &= ~bad
    t.cols[col.name] = vals


def _month(t: Table, col: Column, s: pd.Series, pr: ProblemList) -> None:
    o, empty, bad, mid = month_ordinals(s)
    c = col.name
    pr.rows(t.src, np.flatnonzero(bad), c, s, _(MONTH_EXPECTED))
    pr.rows(
        t.src,
        np.flatnonzero(mid),
        c,
        s,
        _(
            "a month, not a day: sales, targets and assessments are monthly, so give "
            "the month (2026-01) or its first day (2026-01-01)"
        ),
    )
    pr.rows(
        t.src,
        np.flatnonzero(empty),
        c,
        [""] * int(empty.sum()),
        _(MONTH_EXPECTED) + _(" (cannot be empty)"),
    )
    lo, hi = EARLIEST_MONTH, latest_month()
    odd = (o != NAT) & ((o < lo.ordinal) | (o > hi.ordinal))
    pr.rows(
        t.src,
        np.flatnonzero(odd),
        c,
        s,
        _(
            "a plausible month, {first} to {last} (today's year + {years}): "
            "a year outside that is most likely a typo"
        ).format(first=lo, last=hi, years=YEARS_AHEAD),
    )
    o = np.where(odd, NAT, o)
    t.usable &= ~(bad | mid | empty | odd)
    t.ords[c] = o
    t.cols[c] = pd.Series(pd.PeriodIndex.from_ordinals(o, freq="M"))


def _bool(t: Table, col: Column, s: pd.Series, pr: ProblemList) -> None:
    vals, bad = to_bool(s)
    pr.rows(t.src, np.flatnonzero(bad), col.name, s, _("true or false (also yes/no, 1/0, 是/否)"))
    t.usable &= ~bad
    t.cols[col.name] = vals


_COERCE = {
    "id": _text,
    "text": _text,
    "enum": _enum,
    "number": _number,
    "date": _date,
    "month": _month,
    "bool": _bool,
}


def strip_ids(t: TextCodes, src: TableSource, col: str, pr: ProblemList) -> TextCodes:
    """Report ids with spaces before or after them, then match them stripped.

    ``"r4 "`` in reps.csv would otherwise make every sale of ``r4`` an unknown
    rep while the real defect, in reps.csv, went unnamed. The problem is
    reported once per row where it occurs; references then resolve on the
    stripped id, so no follow-on problems appear.
    """
    if not len(t.uniques):
        return t
    stripped = np.array([u.strip() for u in t.uniques], dtype=object)
    padded = stripped != t.uniques
    if not padded.any():
        return t
    rows = np.flatnonzero((t.codes >= 0) & padded[np.maximum(t.codes, 0)])
    pr.rows(
        src,
        rows,
        col,
        [repr(t.uniques[t.codes[i]]) for i in rows[: pr.cap]],
        lambda p: [
            _(
                "an id with no spaces before or after it ({id}); "
                "ids are matched exactly across files"
            ).format(id=repr(stripped[t.codes[i]]))
            for i in p
        ],
        summary=_("ids with no spaces before or after them"),
    )
    codes, uniques = pd.factorize(pd.Series(stripped, dtype=object))
    return TextCodes(
        np.where(t.codes >= 0, codes[np.maximum(t.codes, 0)], -1).astype(np.int32),
        np.asarray(uniques, dtype=object),
    )
