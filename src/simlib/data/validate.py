"""Validation of raw tables into a typed :class:`~simlib.data.Dataset`, collecting every problem.

One mechanism checks a dataset: the tables are described once, declaratively, in
:mod:`simlib.data.columns` (each column's name, kind, whether it is required or
may be empty, allowed values and range, each table's key), and this module
coerces and checks raw files by that description; only the checks that span
tables or rows (known reps, units and KPIs, one tree, sales inside employment,
unique keys) are written out here. ``simlib docs`` writes
``docs/formats/dataset.md`` from the same description. There is no second,
schema-library contract beside it: one that checks tables already typed could
not name a file's row and column as a user sees them, and two descriptions of
the same columns drift apart.

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
  today's year + :data:`YEARS_AHEAD` is taken for a typo), true/false flags (also
  yes/no, 1/0, 是/否); required cells not empty;
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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from simlib.data.coerce import (
    EARLIEST_MONTH,
    YEARS_AHEAD,
    Table,
    clean_header,
    coerce_table,
    latest_month,
)
from simlib.data.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, REQUIRED_TABLES, SPECS, TABLES
from simlib.data.parse import NAT, TextCodes, missing_mask
from simlib.data.problems import (
    MAX_ROWS_PER_CHECK,
    ProblemList,
    TableSource,
    format_problems,
    short,
)
from simlib.errors import Problem
from simlib.i18n import _

__all__ = [
    "COMPETENCE_SCALE",
    "EARLIEST_MONTH",
    "MAX_AMOUNT",
    "MAX_ROWS_PER_CHECK",
    "YEARS_AHEAD",
    "TableSource",
    "format_problems",
    "latest_month",
    "summarize",
    "validate_cli",
    "validate_tables",
]

_SCORE = SPECS["competence"].column("score")
_SALARY = SPECS["reps"].column("base_salary")
#: Competence assessments use a 1-5 rating scale.
COMPETENCE_SCALE = (_SCORE.minimum, _SCORE.maximum)
#: Sales, targets, potential and salaries at or above this magnitude are refused: no
#: rep sells a quadrillion in a month, and sums of such values lose precision
#: (float64 holds whole numbers exactly only up to 2**53, about 9e15) or overflow.
MAX_AMOUNT = 1e15
#: Keys of a duplicate check are marked in an array (a byte per possible key) when
#: there are at most 4 per row plus this many; beyond, they are sorted.
DENSE_KEY_SPACE = 1 << 20


def _first_rows(ids: pd.Series) -> np.ndarray:
    """Mask of each id's first row (empty ids excluded): what references resolve to."""
    return (ids.notna() & ~ids.duplicated()).to_numpy(dtype=bool)


def _key_codes(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Combine per-column integer codes (0..size-1, -1 for empty) into one int64 key."""
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    for codes, size in parts:  # in place: one key-sized array however many columns
        key *= size + 1
        key += codes
        key += 1
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


def _check_duplicates(t: Table, key_cols: list[str], pr: ProblemList) -> None:
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
    for part in parts:
        key_space *= part[1] + 1
    # The marking array holds key_space bytes: bounded by the row count (every key
    # part is dense over the values present), never by a span of months.
    usable = key if t.usable.all() else key[t.usable]
    if t.n and key_space <= 4 * t.n + DENSE_KEY_SPACE:
        # Dense keys: one pass marking the keys seen (a byte each) settles the usual
        # case, no duplicates, when as many keys are seen as there are rows.
        seen = np.zeros(key_space, dtype=bool)
        seen[usable] = True
        if np.count_nonzero(seen) == len(usable):
            return
        del seen
    else:
        # Sparse keys: sorted, no two neighbours equal (a hash table of every key
        # would hold several times the rows' memory).
        if usable is key:  # the key stays in row order for the report below
            usable = usable.copy()
        usable.sort()
        if not (usable[1:] == usable[:-1]).any():
            return
    del usable
    key = np.where(t.usable, key, -1 - np.arange(t.n))  # unusable rows never collide
    codes, _uniques = pd.factorize(key)
    dup = pd.Series(codes).duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first_of_code = np.flatnonzero(~dup)  # codes are numbered in order of first appearance
    pos = np.flatnonzero(dup)
    first = first_of_code[codes[pos]]
    label = ", ".join(key_cols)

    def values(p: np.ndarray) -> list[str]:
        return [" / ".join(short(t.cols[c].iloc[int(i)]) for c in key_cols) for i in p]

    def expected(p: np.ndarray) -> list[str]:
        f = first[np.searchsorted(pos, p)]
        text = _("one row per ({key}): the same key is already in row {row}")
        return [text.format(key=label, row=t.src.row(i)) for i in f]

    pr.rows(
        t.src,
        pos,
        key_cols[0] if len(key_cols) == 1 else label,
        values,
        expected,
        summary=_("one row per ({key})").format(key=label),
    )


def _lookup(t: Table, col: str, known: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's value in ``known`` (-1 unknown) and a mask of rows with a value."""
    tx = t.text[col]
    u_idx = (
        known.get_indexer(pd.Index(tx.uniques.astype(str))).astype(np.int32)
        if len(tx.uniques)
        else np.zeros(0, np.int32)
    )
    has = tx.codes >= 0
    idx = np.where(has, u_idx[np.maximum(tx.codes, 0)] if len(u_idx) else -1, -1)
    return idx.astype(np.int32, copy=False), has


def _check_refs(
    t: Table, col: str, known: pd.Index | None, target: str, pr: ProblemList, what: str
) -> np.ndarray:
    """Report values of ``col`` not in ``known``; returns each row's index into it (-1 = none)."""
    if known is None or col not in t.text:
        return np.full(t.n, -1, np.int32)
    idx, has = _lookup(t, col, known)
    bad = has & (idx < 0) & t.usable
    expected = _("{what} listed in {table}").format(what=what, table=target)
    pr.rows(t.src, np.flatnonzero(bad), col, t.found(col), expected)
    t.usable &= ~bad
    return idx


def _check_units(t: Table, pr: ProblemList) -> None:
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
        _("a parent_id that is a unit_id in units (or empty for the root): this unit is an orphan"),
    )
    roots = np.flatnonzero(~has_parent)
    if len(roots) == 0:
        pr.table(t.src, "parent_id", "", _("exactly one root unit (empty parent_id); found none"))
    elif len(roots) > 1:
        names = ", ".join(map(str, ids.iloc[roots[:5]]))
        pr.rows(
            t.src,
            roots,
            "parent_id",
            [""] * len(roots),
            _("exactly one root unit (empty parent_id); found {count}: {units}").format(
                count=len(roots), units=names
            ),
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
                _(
                    "a tree: following parent_id loops back ({units}); "
                    "every unit must lead up to the one root"
                ).format(units=names),
            )


@dataclass
class _Known:
    """What the fact tables are checked against: KPIs, units and reps as validated."""

    kpi_index: pd.Index | None = None
    allow_neg: np.ndarray | None = None
    is_rate: np.ndarray | None = None
    unit_index: pd.Index | None = None
    rep_index: pd.Index | None = None
    hire_m: np.ndarray | None = None
    exit_m: np.ndarray | None = None
    dates_ok: np.ndarray | None = None


def _check_kpis(k: Table, known: _Known, pr: ProblemList) -> None:
    if k.n == 0:
        pr.table(k.src, None, "", _("at least one KPI"))
    _check_duplicates(k, ["kpi"], pr)
    first_k = _first_rows(k.cols["kpi"])
    known.kpi_index = pd.Index(k.cols["kpi"][first_k].astype(str))
    if "weight_kpi" in k.text:
        _check_refs(
            k,
            "weight_kpi",
            known.kpi_index,
            _("kpis (or empty to weight by headcount)"),
            pr,
            _("a KPI"),
        )
        has_w = k.cols["weight_kpi"].notna().to_numpy()
        summed = (k.cols["aggregation"] == "sum").to_numpy(dtype=bool)
        pr.rows(
            k.src,
            np.flatnonzero(has_w & summed & k.usable),
            "weight_kpi",
            k.cols["weight_kpi"],
            _("empty: weight_kpi applies only to KPIs with aggregation 'mean'"),
        )
    if "allow_negative" not in k.cols:
        k.cols["allow_negative"] = pd.Series(np.zeros(k.n, bool))
    known.allow_neg = k.cols["allow_negative"].to_numpy(dtype=bool)[first_k]
    known.is_rate = (k.cols["unit"] == "rate").to_numpy(dtype=bool)[first_k]


def _check_unit_table(u: Table, known: _Known, pr: ProblemList) -> None:
    if u.n == 0:
        pr.table(u.src, None, "", _("at least one unit (the company)"))
    _check_duplicates(u, ["unit_id"], pr)
    _check_units(u, pr)
    known.unit_index = pd.Index(u.cols["unit_id"][_first_rows(u.cols["unit_id"])].astype(str))


def _check_reps(r: Table, known: _Known, pr: ProblemList) -> None:
    if r.n == 0:
        pr.table(r.src, None, "", _("at least one rep"))
    _check_duplicates(r, ["rep_id"], pr)
    _check_refs(r, "unit_id", known.unit_index, "units", pr, _("a unit_id"))
    hire = r.cols["hire_date"]
    exit_ = r.cols["exit_date"]
    after = (hire > exit_).to_numpy(dtype=bool) & exit_.notna().to_numpy()
    pr.rows(
        r.src,
        np.flatnonzero(after),
        "exit_date",
        r.found("exit_date"),
        lambda p: [
            _("an exit_date on or after the hire_date ({hired})").format(
                hired=f"{hire.iloc[int(i)]:%Y-%m-%d}"
            )
            for i in p
        ],
        summary=_("an exit_date on or after the hire_date"),
    )
    r.usable &= ~after
    huge = (r.cols["base_salary"].abs() >= MAX_AMOUNT).to_numpy(dtype=bool)
    pr.rows(
        r.src,
        np.flatnonzero(huge),
        "base_salary",
        r.found("base_salary"),
        _("a plausible annual salary: below {limit}").format(limit=f"{MAX_AMOUNT:.0e}"),
    )
    r.usable &= ~huge
    neg = (r.cols["base_salary"] < _SALARY.minimum).to_numpy(dtype=bool)
    pr.rows(
        r.src,
        np.flatnonzero(neg),
        "base_salary",
        r.found("base_salary"),
        _("a salary of 0 or more (annual, in the dataset currency)"),
    )
    first_r = _first_rows(r.cols["rep_id"])
    known.rep_index = pd.Index(r.cols["rep_id"][first_r].astype(str))
    # Reps whose own dates are wrong are reported once, above, not for every sale.
    known.dates_ok = (~after & hire.notna().to_numpy())[first_r]
    known.hire_m = np.where(hire.notna(), hire.dt.to_period("M").array.asi8, NAT)[first_r]
    known.exit_m = np.where(
        exit_.notna(), exit_.dt.to_period("M").array.asi8, np.iinfo(np.int64).max
    )[first_r]


def _check_values(t: Table, value_col: str, what: str, known: _Known, pr: ProblemList) -> None:
    """Unknown KPIs, negatives, absurd magnitudes and rates out of range in a fact table."""
    v_all = t.cols[value_col].to_numpy(dtype=float)
    huge = t.usable & (np.abs(v_all) >= MAX_AMOUNT)  # an empty value (NaN) is not huge
    pr.rows(
        t.src,
        np.flatnonzero(huge),
        value_col,
        t.found(value_col),
        _(
            "a plausible {what}: below {limit} in magnitude (a typo, or a "
            "placeholder such as 1e308, would turn every total built on it wrong)"
        ).format(what=what, limit=f"{MAX_AMOUNT:.0e}"),
    )
    t.usable &= ~huge
    idx = _check_refs(t, "kpi", known.kpi_index, "kpis", pr, _("a KPI"))
    allow_neg, is_rate = known.allow_neg, known.is_rate
    if known.kpi_index is None or allow_neg is None or is_rate is None or len(allow_neg) == 0:
        return
    found = idx >= 0
    vals = t.cols[value_col].to_numpy(dtype=float)
    kp = np.maximum(idx, 0)
    kname = t.cols["kpi"]
    neg = found & t.usable & (vals < 0) & ~allow_neg[kp]
    pr.rows(
        t.src,
        np.flatnonzero(neg),
        value_col,
        t.found(value_col),
        lambda p: [
            _(
                "a {what} of 0 or more: KPI {kpi} cannot be negative "
                "(set allow_negative to true in kpis if it can)"
            ).format(what=what, kpi=repr(kname.iloc[int(i)]))
            for i in p
        ],
        summary=_("a {what} of 0 or more for KPIs that cannot be negative").format(what=what),
    )
    out = found & t.usable & is_rate[kp] & ((vals < 0) | (vals > 1)) & ~neg
    pr.rows(
        t.src,
        np.flatnonzero(out),
        value_col,
        t.found(value_col),
        lambda p: [
            _("a share between 0 and 1: KPI {kpi} is a rate (write 95% as 0.95)").format(
                kpi=repr(kname.iloc[int(i)])
            )
            for i in p
        ],
        summary=_("a share between 0 and 1 for rate KPIs"),
    )


def _check_sales(s: Table, known: _Known, pr: ProblemList) -> None:
    if s.n == 0:
        pr.table(s.src, None, "", _("at least one sales row"))
    rep_idx = _check_refs(s, "rep_id", known.rep_index, "reps", pr, _("a rep_id"))
    _check_values(s, "value", _("value"), known, pr)
    _check_duplicates(s, list(SPECS["sales"].key), pr)
    hire_m, exit_m, dates_ok = known.hire_m, known.exit_m, known.dates_ok
    if hire_m is None or exit_m is None or dates_ok is None or not len(hire_m):
        return
    o = s.ords["period"]
    ri = np.maximum(rep_idx, 0)
    ok = (rep_idx >= 0) & s.usable & (o != NAT)
    ok &= dates_ok[ri]
    outside = ok & ((o < hire_m[ri]) | (o > exit_m[ri]))

    def emp(p: np.ndarray) -> list[str]:
        out = []
        for i in p:
            h = hire_m[ri[i]]
            e = exit_m[ri[i]]
            hs = str(pd.Period(ordinal=int(h), freq="M")) if h != NAT else "?"
            es = (
                _("left {month}").format(month=pd.Period(ordinal=int(e), freq="M"))
                if e != np.iinfo(np.int64).max
                else _("still employed")
            )
            out.append(
                _(
                    "a month within the rep's employment (hired {hired}, {left}): "
                    "no sales before the hire month or after the exit month"
                ).format(hired=hs, left=es)
            )
        return out

    pr.rows(
        s.src,
        np.flatnonzero(outside),
        "period",
        s.found("period"),
        emp,
        summary=_("a month within the rep's employment"),
    )


def _check_assigned(t: Table, value_col: str, known: _Known, pr: ProblemList) -> None:
    """Potential and targets: per unit or per rep, known KPIs, one row per key."""
    for c in ("unit_id", "rep_id"):
        if c not in t.cols:
            t.text[c] = TextCodes(np.full(t.n, -1, np.int32), np.array([], dtype=object))
            t.cols[c] = t.text[c].series("string")  # every cell empty, built from codes
    u, r = t.cols["unit_id"], t.cols["rep_id"]
    has_u, has_r = u.notna().to_numpy(), r.notna().to_numpy()
    pr.rows(
        t.src,
        np.flatnonzero(has_u == has_r),  # both ids, or neither (found: nothing)
        "unit_id, rep_id",
        lambda p: [f"{u.iloc[i]} / {r.iloc[i]}" if has_u[i] else "" for i in p],
        _("exactly one of unit_id or rep_id in each row"),
    )
    t.usable &= has_u != has_r
    _check_refs(t, "unit_id", known.unit_index, "units", pr, _("a unit_id"))
    _check_refs(t, "rep_id", known.rep_index, "reps", pr, _("a rep_id"))
    _check_values(t, value_col, _("target") if t.name == "targets" else _("value"), known, pr)
    _check_duplicates(t, list(SPECS[t.name].key), pr)


def _check_competence(c: Table, known: _Known, pr: ProblemList) -> None:
    _check_refs(c, "rep_id", known.rep_index, "reps", pr, _("a rep_id"))
    sc = c.cols["score"]
    lo, hi = COMPETENCE_SCALE
    bad = (sc.notna() & ((sc < lo) | (sc > hi))).to_numpy(dtype=bool)
    pr.rows(
        c.src,
        np.flatnonzero(bad),
        "score",
        c.found("score"),
        _("a score on the {low}-{high} scale").format(low=f"{lo:g}", high=f"{hi:g}"),
    )
    _check_duplicates(c, list(SPECS["competence"].key), pr)


def _sources(
    raw_tables: Mapping[str, pd.DataFrame], sources: Mapping[str, TableSource | str] | None
) -> dict[str, TableSource]:
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
    return srcs


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
    srcs = _sources(raw_tables, sources)
    pr = ProblemList()
    for name in REQUIRED_TABLES:
        if name not in raw_tables:
            pr.table(
                TableSource(name),
                None,
                "",
                _("a table {table} (required)").format(table=repr(name)),
            )
    for n in raw_tables:
        if n not in TABLES:
            pr.table(
                srcs[n], None, "", _("one of the tables {tables}").format(tables=", ".join(TABLES))
            )

    tabs: dict[str, Table] = {}
    for name in TABLES:
        if name in raw_tables:
            t = coerce_table(name, raw_tables[name], srcs[name], pr)
            if t is not None:
                tabs[name] = t

    known = _Known()
    if "kpis" in tabs:
        _check_kpis(tabs["kpis"], known, pr)
    if "units" in tabs:
        _check_unit_table(tabs["units"], known, pr)
    if "reps" in tabs:
        _check_reps(tabs["reps"], known, pr)
    if "sales" in tabs:
        _check_sales(tabs["sales"], known, pr)
    for name, value_col in (("potential", "value"), ("targets", "target")):
        if name in tabs:
            _check_assigned(tabs[name], value_col, known, pr)
    if "competence" in tabs:
        _check_competence(tabs["competence"], known, pr)
    return _assemble(tabs, raw_tables), pr.items


def _assemble(tabs: dict[str, Table], raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
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
            r.columns = clean_header(r.columns)
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
def _pad(label: str, width: int = 13) -> str:
    """``label`` followed by spaces up to ``width`` columns, a Chinese character taking two."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)
    return label + " " * max(1, width - used)


def summarize(ds: Any, sources: Mapping[str, TableSource] | None = None) -> str:
    """A one-screen summary of a valid dataset: reps, units, KPIs, months, rows, encodings."""
    from simlib.data.org import Hierarchy

    lines = [_("Dataset {source}: valid").format(source=ds.source)]
    reps = ds.reps
    p = ds.periods
    if len(p):
        last = p[-1]
        active = ds.employed_mask(pd.PeriodIndex([last]))[:, 0].sum()
        lines.append(
            "  "
            + _pad(_("reps"))
            + _("{n} ({active} employed in {month})").format(
                n=f"{len(reps):,}", active=f"{active:,}", month=last
            )
        )
        lines.append(
            "  "
            + _pad(_("months"))
            + _("{n}: {first} to {last}").format(n=len(p), first=p[0], last=p[-1])
        )
    else:
        lines.append("  " + _pad(_("reps")) + f"{len(reps):,}")
    try:
        h = Hierarchy.of(ds)
        counts = ds.units["level"].value_counts()
        by_level = ", ".join(f"{lvl} {int(counts.get(lvl, 0))}" for lvl in h.levels)
    except Exception as exc:  # the summary must not fail on an odd but valid tree
        by_level = _("(hierarchy not built: {error})").format(error=exc)
    lines.append(
        "  "
        + _pad(_("units"))
        + _("{n} by level: {levels}").format(n=f"{len(ds.units):,}", levels=by_level)
    )
    lines.append("  " + _("KPIs"))
    for row in ds.kpis.itertuples(index=False):
        extra = (
            _(", weighted by {kpi}").format(kpi=row.weight_kpi)
            if isinstance(row.weight_kpi, str)
            else ""
        )
        neg = _(", may be negative") if row.allow_negative else ""
        lines.append(
            f"    {row.kpi:<20} "
            + _("unit {unit} {direction} is better, rolls up by {aggregation}").format(
                unit=f"{row.unit:<8}", direction=row.direction, aggregation=row.aggregation
            )
            + extra
            + neg
        )
    lines.append("  " + _("rows per table"))
    for name, df in ds.tables().items():
        src = (sources or {}).get(name)
        how = ""
        if src is not None:
            how = "  " + _("from {file}").format(file=src.file)
            if src.encoding:
                how += (
                    _(" (encoding {encoding}, detected)")
                    if src.encoding_detected
                    else _(" (encoding {encoding})")
                ).format(encoding=src.encoding)
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
        print(_("error: {message}").format(message=exc), file=out)
        return 2
    typed, more = validate_tables(raw, sources)
    problems = merge_problems(problems, more)
    if problems:
        print(
            _("{count} problem(s) in {path}:").format(count=len(problems), path=path) + "\n",
            file=out,
        )
        print(format_problems(problems), file=out)
        print(
            "\n" + _("Nothing was changed; fix the files and run `simlib validate` again."),
            file=out,
        )
        return 1
    ds = Dataset(**typed, source=describe_source(path, sources))
    print(summarize(ds, sources), file=out)
    from simlib.data.checks import check_dataset

    checks = check_dataset(ds)
    if checks:
        print(
            "\n" + _("{count} warning(s) from the data checks:").format(count=len(checks)), file=out
        )
        for f in checks:
            print(
                "  " + _("warning: [{check}] {text}").format(check=f.check, text=f.text()), file=out
            )
        print(
            "\n"
            + _(
                "The data are usable; each warning is repeated by every run and shown as a "
                "caveat on its reports. A scenario's data_checks can make any of them an error."
            ),
            file=out,
        )
    else:
        print(
            "  " + _("data checks  nothing found (coverage, targets, plausible values)"), file=out
        )
    return 0
