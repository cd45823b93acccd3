"""Validation of raw tables into a typed :class:`~simlib.data.Dataset`, collecting every problem.

:func:`validate_tables` takes the tables as read from disk (text from CSV, mixed
cells from Excel, typed columns from Parquet / DuckDB, or an in-memory dataset),
coerces each column to the dtype documented in :mod:`simlib.data.dataset`, and
checks the data the way an analyst would before trusting it. It never stops at
the first problem: each is reported as a :class:`~simlib.errors.Problem` naming
the file, the row (as a spreadsheet shows it), the column, the value found and
what was expected. Each check reports at most :data:`MAX_ROWS_PER_CHECK` rows
plus one line counting the rest, so a 10-million-row file with one bad column
gives a readable list, not 10 million lines.

Checks, in order
----------------
* required columns present; no unknown columns (extra ones are allowed in
  ``reps`` only, as optional rep attributes such as gender or tenure band);
* types: finite numbers (thousands separators such as ``1,234.50`` are read;
  ``95%`` is not: rates are fractions), dates (``YYYY-MM-DD``; also
  ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYYMMDD``, ``2024年3月1日``), calendar months
  (``2026-01``, ``2026-01-01``, ``2026/01``, ``2026.01``, ``202601``, ``2026年1月``;
  a mid-month day such as ``2026-01-15`` is rejected, because sales facts are
  monthly; a month before :data:`EARLIEST_MONTH` (1990-01) or after December of
  today's year + :data:`YEARS_AHEAD` is taken for a typo), true/false flags (also yes/no, 1/0, 是/否); required cells not empty;
* KPI definitions: ``direction`` in higher/lower, ``unit`` in
  currency/count/rate, ``aggregation`` in sum/mean, ``weight_kpi`` naming a KPI;
* keys unique in every table;
* the units form one tree: one root, no orphans, no cycles;
* reps belong to known units, were hired on or before they left, earn a
  non-negative salary;
* sales, potential and targets name known reps / units and known KPIs; values
  are non-negative unless the KPI allows it; rates lie in 0-1; no sales in a
  month entirely before a rep's hire month or after the exit month;
* competence scores lie on the 1-5 scale.

Everything is vectorized: text columns are factorized once and parsed per
distinct value (a 10.8-million-row sales table has a few dozen distinct months),
and row checks are numpy masks over integer codes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from simlib.data.dataset import (
    KPI_AGGREGATIONS,
    KPI_DIRECTIONS,
    KPI_UNITS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    REQUIRED_TABLES,
    TABLES,
)
from simlib.data.parse import (
    DATE_EXPECTED,
    MONTH_EXPECTED,
    NAT,
    TextCodes,
    missing_mask,
    month_ordinals,
    text_codes,
    to_bool,
    to_dates,
    to_number,
)
from simlib.errors import Problem

#: At most this many rows are listed per check; the rest are counted in one line.
MAX_ROWS_PER_CHECK = 20
#: Competence assessments use a 1-5 rating scale.
COMPETENCE_SCALE = (1.0, 5.0)
#: The earliest month accepted in sales, targets and assessments. Earlier ones are
#: almost always typos (1926 for 2026) or placeholders; no sales-force history a
#: workbench simulates on goes back further.
EARLIEST_MONTH = pd.Period("1990-01", freq="M")
#: How far ahead a month may lie (targets are planned ahead, up to a few years).
YEARS_AHEAD = 5
#: Sales, targets, potential and salaries at or above this magnitude are refused: no
#: rep sells a quadrillion in a month, and sums of such values lose precision
#: (float64 holds whole numbers exactly only up to 2**53, about 9e15) or overflow.
MAX_AMOUNT = 1e15


def latest_month() -> pd.Period:
    """The latest month accepted: December of the year :data:`YEARS_AHEAD` from today."""
    from datetime import date

    return pd.Period(f"{date.today().year + YEARS_AHEAD}-12", freq="M")


# Column kinds: "id" (text, required), "id?" (text, may be empty), "text",
# "text?", "month", "date", "date?", "number", "number?", "bool", and enums.
COLUMN_KINDS: dict[str, dict[str, str]] = {
    "kpis": {
        "kpi": "id",
        "direction": "enum:direction",
        "unit": "enum:unit",
        "aggregation": "enum:aggregation",
        "weight_kpi": "id?",
        "allow_negative": "bool",
        "label": "text?",
    },
    "units": {"unit_id": "id", "parent_id": "id?", "level": "text", "name": "text"},
    "reps": {
        "rep_id": "id",
        "unit_id": "id",
        "position": "text",
        "hire_date": "date",
        "exit_date": "date?",
        "base_salary": "number",
        "grade": "text",
    },
    "sales": {"rep_id": "id", "period": "month", "kpi": "id", "value": "number"},
    "potential": {"unit_id": "id?", "rep_id": "id?", "kpi": "id", "value": "number"},
    "targets": {
        "unit_id": "id?",
        "rep_id": "id?",
        "period": "month",
        "kpi": "id",
        "target": "number",
    },
    "competence": {"rep_id": "id", "period": "month", "item": "text", "score": "number"},
}
ENUMS: dict[str, tuple[str, ...]] = {
    "direction": KPI_DIRECTIONS,
    "unit": KPI_UNITS,
    "aggregation": KPI_AGGREGATIONS,
}


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


def _short(v: Any, width: int = 40) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    s = str(v)
    return s if len(s) <= width else s[: width - 1] + "…"


class _Problems:
    """Collects problems, listing at most ``cap`` rows per check."""

    def __init__(self, cap: int = MAX_ROWS_PER_CHECK) -> None:
        self.items: list[Problem] = []
        self.cap = cap

    def table(self, src: TableSource, column: str | None, value: Any, expected: str) -> None:
        self.items.append(Problem(src.file, None, column, _short(value, 80), expected))

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
            self.items.append(Problem(src.file, src.row(pos), column, _short(v), e))
        if n > self.cap:
            base = summary or (expected if isinstance(expected, str) else exps[0])
            self.items.append(
                Problem(
                    src.file,
                    None,
                    column,
                    f"{n - self.cap:,} more rows",
                    f"{base} (the same problem; the first {self.cap} rows are listed above)",
                )
            )


# ------------------------------------------------------------ the validator
@dataclass
class _Table:
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


def _coerce_table(name: str, raw: pd.DataFrame, src: TableSource, pr: _Problems) -> _Table | None:
    """Check columns and coerce types; ``None`` when required columns are missing."""
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).replace("\ufeff", "").strip() for c in raw.columns]
    kinds = COLUMN_KINDS[name]
    required = REQUIRED_COLUMNS[name]
    optional = OPTIONAL_COLUMNS[name]
    present = list(raw.columns)
    found = ", ".join(present[:12]) + (" ..." if len(present) > 12 else "")
    dups = sorted({c for c in present if present.count(c) > 1})
    for c in dups:
        pr.table(src, c, "", f"each column once: {c!r} appears {present.count(c)} times")
    missing_cols = [c for c in required if c not in present]
    hint = ""
    if len(present) == 1 and any(sep in present[0] for sep in (";", "\t", "|")):
        hint = "; the file looks separated by ';' or tabs: CSV files must be comma-separated"
    for c in missing_cols:
        pr.table(
            src,
            c,
            "",
            f"a column {c!r} (required in {name}; the file has: {found}){hint}",
        )
    extra = [c for c in present if c not in required and c not in optional]
    if name != "reps":
        allowed = ", ".join(required + optional)
        for c in extra:
            pr.table(
                src,
                c,
                "",
                f"only the columns {allowed} in {name} (extra columns are allowed in reps only)",
            )
    if name in ("potential", "targets") and "unit_id" not in present and "rep_id" not in present:
        pr.table(src, None, "", f"a unit_id or a rep_id column in {name}")
        return None
    if missing_cols or dups:
        return None

    n = len(raw)
    usable = np.ones(n, bool)
    cols: dict[str, pd.Series] = {}
    text: dict[str, TextCodes] = {}
    ords: dict[str, np.ndarray] = {}
    for col, kind in kinds.items():
        if col not in raw.columns:
            continue
        s = raw[col]
        nullable = kind.endswith("?")
        base = kind.rstrip("?")
        if base in ("id", "text"):
            t = text_codes(s)
            if base == "id":
                t = _strip_ids(t, src, col, pr)
            empty = t.codes < 0
            if not nullable and empty.any():
                pr.rows(
                    src,
                    np.flatnonzero(empty),
                    col,
                    [""] * empty.sum(),
                    "a value (this column cannot be empty)",
                )
                usable &= ~empty
            text[col] = t
            cols[col] = t.series("string" if nullable else "str")
        elif base.startswith("enum:"):
            allowed = ENUMS[base[5:]]
            t = text_codes(s)
            norm = np.array([u.strip().lower() for u in t.uniques], dtype=object)
            ok_u = np.isin(norm, allowed) if len(norm) else np.zeros(0, bool)
            bad = (t.codes >= 0) & ~ok_u[np.maximum(t.codes, 0)] if len(norm) else np.zeros(n, bool)
            empty = t.codes < 0
            what = {
                "direction": "whether higher or lower is better",
                "unit": "the KPI's unit",
                "aggregation": "how the KPI rolls up",
            }[base[5:]]
            pr.rows(src, np.flatnonzero(bad), col, s, f"one of {', '.join(allowed)} ({what})")
            pr.rows(
                src,
                np.flatnonzero(empty),
                col,
                [""] * empty.sum(),
                f"one of {', '.join(allowed)} (cannot be empty)",
            )
            usable &= ~(bad | empty)
            t = TextCodes(t.codes, norm)
            text[col] = t
            cols[col] = t.series("str")
        elif base == "number":
            vals, bad = to_number(s)
            pr.rows(
                src,
                np.flatnonzero(bad),
                col,
                s,
                "a finite number (rates as fractions: 0.95, not 95%)",
            )
            empty = vals.isna().to_numpy() & ~bad
            if not nullable:
                pr.rows(
                    src,
                    np.flatnonzero(empty),
                    col,
                    [""] * empty.sum(),
                    "a number (this column cannot be empty)",
                )
                usable &= ~empty
            usable &= ~bad
            cols[col] = vals
        elif base == "date":
            vals, empty, bad = to_dates(s)
            pr.rows(src, np.flatnonzero(bad), col, s, DATE_EXPECTED)
            if not nullable:
                pr.rows(
                    src,
                    np.flatnonzero(empty),
                    col,
                    [""] * empty.sum(),
                    DATE_EXPECTED + " (cannot be empty)",
                )
                usable &= ~empty
            usable &= ~bad
            cols[col] = vals
        elif base == "month":
            o, empty, bad, mid = month_ordinals(s)
            pr.rows(src, np.flatnonzero(bad), col, s, MONTH_EXPECTED)
            pr.rows(
                src,
                np.flatnonzero(mid),
                col,
                s,
                "a month, not a day: sales, targets and assessments are monthly, so give "
                "the month (2026-01) or its first day (2026-01-01)",
            )
            pr.rows(
                src,
                np.flatnonzero(empty),
                col,
                [""] * empty.sum(),
                MONTH_EXPECTED + " (cannot be empty)",
            )
            lo, hi = EARLIEST_MONTH, latest_month()
            odd = (o != NAT) & ((o < lo.ordinal) | (o > hi.ordinal))
            pr.rows(
                src,
                np.flatnonzero(odd),
                col,
                s,
                f"a plausible month, {lo} to {hi} (today's year + {YEARS_AHEAD}): "
                "a year outside that is most likely a typo",
            )
            o = np.where(odd, NAT, o)
            usable &= ~(bad | mid | empty | odd)
            ords[col] = o
            cols[col] = pd.Series(pd.PeriodIndex.from_ordinals(o, freq="M"))
        elif base == "bool":
            vals, bad = to_bool(s)
            pr.rows(src, np.flatnonzero(bad), col, s, "true or false (also yes/no, 1/0, 是/否)")
            usable &= ~bad
            cols[col] = vals
    return _Table(name, src, n, cols, text, ords, usable, extra if name == "reps" else [], raw)


def _strip_ids(t: TextCodes, src: TableSource, col: str, pr: _Problems) -> TextCodes:
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
            f"an id with no spaces before or after it ({stripped[t.codes[i]]!r}); "
            "ids are matched exactly across files"
            for i in p
        ],
        summary="ids with no spaces before or after them",
    )
    codes, uniques = pd.factorize(pd.Series(stripped, dtype=object))
    return TextCodes(
        np.where(t.codes >= 0, codes[np.maximum(t.codes, 0)], -1).astype(np.int64),
        np.asarray(uniques, dtype=object),
    )


def _first_rows(ids: pd.Series) -> np.ndarray:
    """Mask of each id's first row (empty ids excluded): what references resolve to."""
    return (ids.notna() & ~ids.duplicated()).to_numpy(dtype=bool)


def _key_codes(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Combine per-column integer codes (0..size-1, -1 for empty) into one int64 key."""
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    for codes, size in parts:
        key = key * (size + 1) + (codes + 1)
    return key


def _ord_codes(o: np.ndarray) -> tuple[np.ndarray, int]:
    """Month ordinals as codes 0..k-1 over the k distinct months (-1 for none).

    Codes are dense over the months present, not over the span between the first
    and the last: one far-off month (a typo'd year) must not widen the key space
    of the duplicate check, whose counting array is as long as that space.
    """
    codes, uniques = pd.factorize(np.asarray(o, dtype=np.int64))
    size = len(uniques)
    valid = o != NAT
    if not valid.all():  # NAT was numbered like a month: take it out
        nat = codes[np.argmin(valid)]
        codes = np.where(valid, codes - (codes > nat), -1)
        size -= 1
    return codes.astype(np.int64, copy=False), max(size, 1)


def _check_duplicates(t: _Table, key_cols: list[str], pr: _Problems) -> None:
    parts = []
    for c in key_cols:
        if c in t.text:
            parts.append((t.text[c].codes, len(t.text[c].uniques)))
        elif c in t.ords:
            parts.append(_ord_codes(t.ords[c]))
        else:
            return
    key = _key_codes(parts)
    key_space = 1
    for _, size in parts:
        key_space *= size + 1
    # The counting array holds key_space int64s: bounded by the row count (every
    # key part is dense over the values present), never by a span of months.
    if t.n and key_space <= 4 * t.n + (1 << 20):
        # Dense keys: one counting pass settles the usual case (no duplicates).
        if np.bincount(key[t.usable], minlength=key_space).max(initial=0) <= 1:
            return
    key = np.where(t.usable, key, -1 - np.arange(t.n))  # unusable rows never collide
    codes, _ = pd.factorize(key)
    dup = pd.Series(codes).duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first_of_code = np.flatnonzero(~dup)  # codes are numbered in order of first appearance
    pos = np.flatnonzero(dup)
    first = first_of_code[codes[pos]]
    label = ", ".join(key_cols)

    def values(p: np.ndarray) -> list[str]:
        return [" / ".join(_short(t.cols[c].iloc[int(i)]) for c in key_cols) for i in p]

    def expected(p: np.ndarray) -> list[str]:
        f = first[np.searchsorted(pos, p)]
        return [f"one row per ({label}): the same key is already in row {t.src.row(i)}" for i in f]

    pr.rows(
        t.src,
        pos,
        key_cols[0] if len(key_cols) == 1 else label,
        values,
        expected,
        summary=f"one row per ({label})",
    )


def _lookup(t: _Table, col: str, known: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's value in ``known`` (-1 unknown) and a mask of rows with a value."""
    tx = t.text[col]
    u_idx = (
        known.get_indexer(pd.Index(tx.uniques.astype(str)))
        if len(tx.uniques)
        else np.zeros(0, np.int64)
    )
    has = tx.codes >= 0
    idx = np.where(has, u_idx[np.maximum(tx.codes, 0)] if len(u_idx) else -1, -1)
    return idx.astype(np.int64), has


def _check_refs(
    t: _Table, col: str, known: pd.Index | None, target: str, pr: _Problems, what: str
) -> np.ndarray:
    """Report values of ``col`` not in ``known``; returns each row's index into it (-1 = none)."""
    if known is None or col not in t.text:
        return np.full(t.n, -1, np.int64)
    idx, has = _lookup(t, col, known)
    bad = has & (idx < 0) & t.usable
    pr.rows(t.src, np.flatnonzero(bad), col, t.found(col), f"{what} listed in {target}")
    t.usable &= ~bad
    return idx


def _check_units(t: _Table, pr: _Problems) -> None:
    ids = t.cols["unit_id"]
    index = pd.Index(ids.astype(str))
    first = ~index.duplicated()
    row_of_id = np.flatnonzero(first)  # a repeated unit_id resolves to its first row
    parents = t.cols["parent_id"]
    has_parent = parents.notna().to_numpy()
    parent = np.full(t.n, -1, np.int64)
    if has_parent.any():
        found = index[first].get_indexer(parents[has_parent].astype(str))
        parent[has_parent] = np.where(found >= 0, row_of_id[np.maximum(found, 0)], -1)
    orphans = has_parent & (parent < 0)
    pr.rows(
        t.src,
        np.flatnonzero(orphans),
        "parent_id",
        parents,
        "a parent_id that is a unit_id in units (or empty for the root): this unit is an orphan",
    )
    roots = np.flatnonzero(~has_parent)
    if len(roots) == 0:
        pr.table(t.src, "parent_id", "", "exactly one root unit (empty parent_id); found none")
    elif len(roots) > 1:
        names = ", ".join(map(str, ids.iloc[roots[:5]]))
        pr.rows(
            t.src,
            roots,
            "parent_id",
            [""] * len(roots),
            f"exactly one root unit (empty parent_id); found {len(roots)}: {names}",
        )
    # Cycles: follow parents n steps (by pointer doubling); a unit still not at
    # the top afterwards is on a cycle or below one.
    up = parent.copy()
    up[orphans] = -1
    jump = up.copy()
    steps = 1
    while steps < max(t.n, 1):
        nxt = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
        jump = nxt
        steps *= 2
    in_loop = jump >= 0
    if in_loop.any():
        # Units on a cycle are those the long walk lands on.
        on_cycle = np.unique(jump[in_loop])
        seen: set[int] = set()
        for start in on_cycle:
            if int(start) in seen:
                continue
            chain = [int(start)]
            nxt = int(up[start])
            while nxt != start and len(chain) <= t.n:
                chain.append(nxt)
                nxt = int(up[nxt])
            seen.update(chain)
            names = " → ".join(str(ids.iloc[i]) for i in [*chain, chain[0]])
            pr.rows(
                t.src,
                np.array([min(chain)]),
                "parent_id",
                parents,
                f"a tree: following parent_id loops back ({names}); "
                "every unit must lead up to the one root",
            )


def validate_tables(
    raw_tables: Mapping[str, pd.DataFrame],
    sources: Mapping[str, TableSource | str] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Coerce raw tables to the documented dtypes and collect every problem.

    Parameters
    ----------
    raw_tables : mapping of str to DataFrame
        Tables by name (``kpis``, ``units``, ``reps``, ``sales`` and optionally
        ``potential``, ``targets``, ``competence``), as read: text, mixed Excel
        cells, or already typed columns.
    sources : mapping of str to TableSource or str, optional
        Where each table came from, so problems name the file and the row as a
        spreadsheet shows it. A plain string is a file name; ``.csv`` and
        ``.xlsx`` names count the header as row 1.

    Returns
    -------
    typed_tables : dict of str to DataFrame
        The tables with the dtypes documented in :mod:`simlib.data.dataset`
        (only meaningful when ``problems`` is empty).
    problems : list of Problem
        Every problem found, at most :data:`MAX_ROWS_PER_CHECK` rows per check.
    """
    srcs: dict[str, TableSource] = {}
    for name in raw_tables:
        s = (sources or {}).get(name)
        if s is None:
            srcs[name] = TableSource(name)
        elif isinstance(s, str):
            text_like = Path(s).suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
            srcs[name] = TableSource(s, 2 if text_like else 1)
        else:
            srcs[name] = s
    pr = _Problems()
    for name in REQUIRED_TABLES:
        if name not in raw_tables:
            pr.table(TableSource(name), None, "", f"a table {name!r} (required)")
    unknown = [n for n in raw_tables if n not in TABLES]
    for n in unknown:
        pr.table(srcs[n], None, "", f"one of the tables {', '.join(TABLES)}")

    tabs: dict[str, _Table] = {}
    for name in TABLES:
        if name in raw_tables:
            t = _coerce_table(name, raw_tables[name], srcs[name], pr)
            if t is not None:
                tabs[name] = t

    # ----- kpis
    kpi_index: pd.Index | None = None
    allow_neg = is_rate = None
    k = tabs.get("kpis")
    if k is not None:
        if k.n == 0:
            pr.table(k.src, None, "", "at least one KPI")
        _check_duplicates(k, ["kpi"], pr)
        first_k = _first_rows(k.cols["kpi"])
        kpi_index = pd.Index(k.cols["kpi"][first_k].astype(str))
        if "weight_kpi" in k.text:
            idx = _check_refs(
                k, "weight_kpi", kpi_index, "kpis (or empty to weight by headcount)", pr, "a KPI"
            )
            del idx
            has_w = k.cols["weight_kpi"].notna().to_numpy()
            summed = (k.cols["aggregation"] == "sum").to_numpy(dtype=bool)
            pr.rows(
                k.src,
                np.flatnonzero(has_w & summed & k.usable),
                "weight_kpi",
                k.cols["weight_kpi"],
                "empty: weight_kpi applies only to KPIs with aggregation 'mean'",
            )
        if "allow_negative" not in k.cols:
            k.cols["allow_negative"] = pd.Series(np.zeros(k.n, bool))
        allow_neg = k.cols["allow_negative"].to_numpy(dtype=bool)[first_k]
        is_rate = (k.cols["unit"] == "rate").to_numpy(dtype=bool)[first_k]

    # ----- units
    unit_index: pd.Index | None = None
    u = tabs.get("units")
    if u is not None:
        if u.n == 0:
            pr.table(u.src, None, "", "at least one unit (the company)")
        _check_duplicates(u, ["unit_id"], pr)
        _check_units(u, pr)
        unit_index = pd.Index(u.cols["unit_id"][_first_rows(u.cols["unit_id"])].astype(str))

    # ----- reps
    rep_index: pd.Index | None = None
    hire_m = exit_m = dates_ok = None
    r = tabs.get("reps")
    if r is not None:
        if r.n == 0:
            pr.table(r.src, None, "", "at least one rep")
        _check_duplicates(r, ["rep_id"], pr)
        _check_refs(r, "unit_id", unit_index, "units", pr, "a unit_id")
        hire = r.cols["hire_date"]
        exit_ = r.cols["exit_date"]
        after = (hire > exit_).to_numpy(dtype=bool) & exit_.notna().to_numpy()
        pr.rows(
            r.src,
            np.flatnonzero(after),
            "exit_date",
            r.found("exit_date"),
            lambda p: [
                f"an exit_date on or after the hire_date ({hire.iloc[int(i)]:%Y-%m-%d})" for i in p
            ],
            summary="an exit_date on or after the hire_date",
        )
        r.usable &= ~after
        huge = (r.cols["base_salary"].abs() >= MAX_AMOUNT).to_numpy(dtype=bool)
        pr.rows(
            r.src,
            np.flatnonzero(huge),
            "base_salary",
            r.found("base_salary"),
            f"a plausible annual salary: below {MAX_AMOUNT:.0e}",
        )
        r.usable &= ~huge
        neg = (r.cols["base_salary"] < 0).to_numpy(dtype=bool)
        pr.rows(
            r.src,
            np.flatnonzero(neg),
            "base_salary",
            r.found("base_salary"),
            "a salary of 0 or more (annual, in the dataset currency)",
        )
        first_r = _first_rows(r.cols["rep_id"])
        rep_index = pd.Index(r.cols["rep_id"][first_r].astype(str))
        # Reps whose own dates are wrong are reported once, above, not for every sale.
        dates_ok = (~after & hire.notna().to_numpy())[first_r]
        hire_m = np.where(hire.notna(), hire.dt.to_period("M").array.asi8, NAT)[first_r]
        exit_m = np.where(
            exit_.notna(), exit_.dt.to_period("M").array.asi8, np.iinfo(np.int64).max
        )[first_r]

    def kpi_rows(t: _Table, value_col: str, what: str) -> None:
        """Unknown KPIs, negatives, absurd magnitudes and rates out of range in a fact table."""
        v_all = t.cols[value_col].to_numpy(dtype=float)
        huge = t.usable & (np.abs(np.nan_to_num(v_all)) >= MAX_AMOUNT)
        pr.rows(
            t.src,
            np.flatnonzero(huge),
            value_col,
            t.found(value_col),
            f"a plausible {what}: below {MAX_AMOUNT:.0e} in magnitude (a typo, or a "
            "placeholder such as 1e308, would turn every total built on it wrong)",
        )
        t.usable &= ~huge
        idx = _check_refs(t, "kpi", kpi_index, "kpis", pr, "a KPI")
        if kpi_index is None or allow_neg is None or is_rate is None or len(allow_neg) == 0:
            return
        known = idx >= 0
        vals = t.cols[value_col].to_numpy(dtype=float)
        kp = np.maximum(idx, 0)
        kname = t.cols["kpi"]
        neg = known & t.usable & (vals < 0) & ~allow_neg[kp]
        pr.rows(
            t.src,
            np.flatnonzero(neg),
            value_col,
            t.found(value_col),
            lambda p: [
                f"a {what} of 0 or more: KPI {kname.iloc[int(i)]!r} cannot be negative "
                "(set allow_negative to true in kpis if it can)"
                for i in p
            ],
            summary=f"a {what} of 0 or more for KPIs that cannot be negative",
        )
        out = known & t.usable & is_rate[kp] & ((vals < 0) | (vals > 1)) & ~neg
        pr.rows(
            t.src,
            np.flatnonzero(out),
            value_col,
            t.found(value_col),
            lambda p: [
                f"a share between 0 and 1: KPI {kname.iloc[int(i)]!r} is a rate (write 95% as 0.95)"
                for i in p
            ],
            summary="a share between 0 and 1 for rate KPIs",
        )

    # ----- sales
    s = tabs.get("sales")
    if s is not None:
        if s.n == 0:
            pr.table(s.src, None, "", "at least one sales row")
        rep_idx = _check_refs(s, "rep_id", rep_index, "reps", pr, "a rep_id")
        kpi_rows(s, "value", "value")
        _check_duplicates(s, ["rep_id", "period", "kpi"], pr)
        if hire_m is not None and exit_m is not None and dates_ok is not None and len(hire_m):
            o = s.ords["period"]
            ri = np.maximum(rep_idx, 0)
            ok = (rep_idx >= 0) & s.usable & (o != NAT)
            ok &= dates_ok[ri]
            outside = ok & ((o < hire_m[ri]) | (o > exit_m[ri]))
            pos = np.flatnonzero(outside)

            def emp(p: np.ndarray) -> list[str]:
                out = []
                for i in p:
                    h = hire_m[ri[i]]
                    e = exit_m[ri[i]]
                    hs = str(pd.Period(ordinal=int(h), freq="M")) if h != NAT else "?"
                    es = (
                        f"left {pd.Period(ordinal=int(e), freq='M')}"
                        if e != np.iinfo(np.int64).max
                        else "still employed"
                    )
                    out.append(
                        f"a month within the rep's employment (hired {hs}, {es}): "
                        "no sales before the hire month or after the exit month"
                    )
                return out

            pr.rows(
                s.src,
                pos,
                "period",
                s.found("period"),
                emp,
                summary="a month within the rep's employment",
            )

    # ----- potential / targets
    for name, value_col in (("potential", "value"), ("targets", "target")):
        t = tabs.get(name)
        if t is None:
            continue
        for c in ("unit_id", "rep_id"):
            if c not in t.cols:
                t.cols[c] = pd.Series(pd.array([pd.NA] * t.n, dtype="string"))
                t.text[c] = TextCodes(np.full(t.n, -1, np.int64), np.array([], dtype=object))
        has_u = t.cols["unit_id"].notna().to_numpy()
        has_r = t.cols["rep_id"].notna().to_numpy()
        pr.rows(
            t.src,
            np.flatnonzero(has_u == has_r),
            "unit_id, rep_id",
            (t.cols["unit_id"].astype(str) + " / " + t.cols["rep_id"].astype(str)),
            "exactly one of unit_id or rep_id in each row",
        )
        t.usable &= has_u != has_r
        _check_refs(t, "unit_id", unit_index, "units", pr, "a unit_id")
        _check_refs(t, "rep_id", rep_index, "reps", pr, "a rep_id")
        kpi_rows(t, value_col, "target" if name == "targets" else "value")
        keys = (
            ["unit_id", "rep_id", "period", "kpi"]
            if name == "targets"
            else ["unit_id", "rep_id", "kpi"]
        )
        _check_duplicates(t, keys, pr)

    # ----- competence
    c = tabs.get("competence")
    if c is not None:
        _check_refs(c, "rep_id", rep_index, "reps", pr, "a rep_id")
        sc = c.cols["score"]
        lo, hi = COMPETENCE_SCALE
        bad = (sc.notna() & ((sc < lo) | (sc > hi))).to_numpy(dtype=bool)
        pr.rows(
            c.src,
            np.flatnonzero(bad),
            "score",
            c.found("score"),
            f"a score on the {lo:g}-{hi:g} scale",
        )
        _check_duplicates(c, ["rep_id", "period", "item"], pr)

    return _assemble(tabs, raw_tables), pr.items


def _assemble(tabs: dict[str, _Table], raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for name, t in tabs.items():
        order = [c for c in (*REQUIRED_COLUMNS[name], *OPTIONAL_COLUMNS[name]) if c in t.cols]
        if name in ("potential", "targets"):
            order = ["unit_id", "rep_id", *[c for c in order if c not in ("unit_id", "rep_id")]]
        df = pd.DataFrame({c: t.cols[c] for c in order})
        if name == "kpis":
            if "weight_kpi" not in df:
                df["weight_kpi"] = pd.array([pd.NA] * t.n, dtype="string")
            if "allow_negative" not in df:
                df["allow_negative"] = np.zeros(t.n, bool)
            if "label" not in df:
                df["label"] = df["kpi"]
            else:
                df["label"] = df["label"].fillna(df["kpi"]).astype("str")
            df = df[
                ["kpi", "direction", "unit", "aggregation", "weight_kpi", "allow_negative", "label"]
            ]
        if name == "reps" and t.extra:
            r = raw[name].reset_index(drop=True)
            r.columns = [str(c).replace("\ufeff", "").strip() for c in r.columns]
            for c in t.extra:
                col = r[c]
                if isinstance(col.dtype, pd.CategoricalDtype):  # dictionary-read text
                    col = col.astype(col.cat.categories.dtype)
                if col.dtype == object:
                    col = col.where(~missing_mask(col)).astype("str")
                df[c] = col
        out[name] = df
    return out


# ----------------------------------------------------------------- the CLI
def format_problems(problems: Sequence[Problem]) -> str:
    """Problems as an aligned plain-text table: file, row, column, value, expected."""
    head = ("file", "row", "column", "value found", "expected")
    rows = [
        (p.file, "" if p.row is None else str(p.row), p.column or "", p.value, p.expected)
        for p in problems
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)
    ]
    widths = [min(w, 40) for w in widths[:4]]

    def line(cells: Sequence[str]) -> str:
        parts = [c[:w].ljust(w) for c, w in zip(cells[:4], widths, strict=True)]
        return "  ".join([*parts, cells[4]]).rstrip()

    out = [line(head), line(["-" * w for w in widths] + ["-" * 8])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def summarize(ds: Any, sources: Mapping[str, TableSource] | None = None) -> str:
    """A one-screen summary of a valid dataset: reps, units, KPIs, months, rows, encodings."""
    from simlib.data.org import Hierarchy

    lines = [f"Dataset {ds.source}: valid"]
    reps = ds.reps
    p = ds.periods
    if len(p):
        last = p[-1]
        active = ds.employed_mask(pd.PeriodIndex([last]))[:, 0].sum()
        lines.append(f"  reps         {len(reps):,} ({active:,} employed in {last})")
        lines.append(f"  months       {len(p)}: {p[0]} to {p[-1]}")
    else:
        lines.append(f"  reps         {len(reps):,}")
    try:
        h = Hierarchy.of(ds)
        counts = ds.units["level"].value_counts()
        by_level = ", ".join(f"{lvl} {int(counts.get(lvl, 0))}" for lvl in h.levels)
    except Exception as exc:  # the summary must not fail on an odd but valid tree
        by_level = f"(hierarchy not built: {exc})"
    lines.append(f"  units        {len(ds.units):,} by level: {by_level}")
    lines.append("  KPIs")
    for row in ds.kpis.itertuples(index=False):
        extra = f", weighted by {row.weight_kpi}" if isinstance(row.weight_kpi, str) else ""
        neg = ", may be negative" if row.allow_negative else ""
        lines.append(
            f"    {row.kpi:<20} unit {row.unit:<8} {row.direction} is better, "
            f"rolls up by {row.aggregation}{extra}{neg}"
        )
    lines.append("  rows per table")
    for name, df in ds.tables().items():
        src = (sources or {}).get(name)
        how = ""
        if src is not None:
            how = f"  from {src.file}"
            if src.encoding:
                how += f" (encoding {src.encoding}{', detected' if src.encoding_detected else ''})"
        lines.append(f"    {name:<12} {len(df):>12,}{how}")
    return "\n".join(lines)


def validate_cli(path: str | Path, encoding: str | None = None, out: IO[str] = sys.stdout) -> int:
    """``simlib validate PATH``: print every problem (exit code 1) or a summary (0).

    Parameters
    ----------
    path : str or Path
        A dataset folder (CSV / Parquet / Excel files), an Excel workbook with
        one sheet per table, or a DuckDB file. Never modified.
    encoding : str, optional
        CSV encoding; detected (UTF-8, UTF-8 with BOM, GB18030) when omitted.
    out : text stream
        Where to print.

    Returns
    -------
    int
        0 when the data are valid, 1 when there are problems, 2 when the path
        does not exist or the encoding name is unknown.
    """
    from simlib.data.dataset import Dataset
    from simlib.data.io import (
        DatasetPathError,
        EncodingNameError,
        describe_source,
        merge_problems,
        read_raw,
    )

    try:
        raw, sources, problems = read_raw(path, encoding=encoding)
    except (DatasetPathError, EncodingNameError) as exc:
        print(f"error: {exc}", file=out)
        return 2
    typed, more = validate_tables(raw, sources)
    problems = merge_problems(problems, more)
    if problems:
        print(f"{len(problems)} problem(s) in {path}:\n", file=out)
        print(format_problems(problems), file=out)
        print("\nNothing was changed; fix the files and run `simlib validate` again.", file=out)
        return 1
    ds = Dataset(**typed, source=describe_source(path, sources))
    print(summarize(ds, sources), file=out)
    from simlib.data.checks import check_dataset

    checks = check_dataset(ds)
    if checks:
        print(f"\n{len(checks)} warning(s) from the data checks:", file=out)
        for f in checks:
            print(f"  warning: [{f.check}] {f.text()}", file=out)
        print(
            "\nThe data are usable; each warning is repeated by every run and shown as a "
            "caveat on its reports. A scenario's data_checks can make any of them an error.",
            file=out,
        )
    else:
        print("  data checks  nothing found (coverage, targets, plausible values)", file=out)
    return 0
