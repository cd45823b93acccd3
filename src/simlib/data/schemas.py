"""pandera schemas: the typed contract of a :class:`~simlib.data.Dataset`'s tables.

These schemas state what every module may rely on once a Dataset exists (the
dtypes in :mod:`simlib.data.dataset`'s docstring, value ranges and unique keys).
They check tables that are *already typed*, so they suit code that builds a
Dataset itself, such as :mod:`simlib.data.synthetic` or a user's own
pipeline::

    from simlib.data.schemas import check_dataset
    problems = check_dataset(ds)        # [] when the tables keep the contract

Raw files from users go through :func:`simlib.data.validate.validate_tables`
instead, which coerces text to types, reports each bad cell with the row a
spreadsheet shows, and adds the checks that span tables (known reps, units and
KPIs, one tree, sales inside employment). The two agree: what
``validate_tables`` returns satisfies these schemas (tested).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from simlib.data.dataset import KPI_AGGREGATIONS, KPI_DIRECTIONS, KPI_UNITS, Dataset
from simlib.errors import Problem

__all__ = ["SCHEMAS", "check_dataset", "schema"]


def _dtype_check(test: Callable[[pd.Series], bool], what: str) -> pa.Check:
    return pa.Check(test, element_wise=False, error=what, name=f"dtype is {what}")


_TEXT = _dtype_check(lambda s: pd.api.types.is_string_dtype(s.dtype) and s.dtype != object, "text")
_MONTH = _dtype_check(lambda s: s.dtype == pd.PeriodDtype("M"), "a calendar month (Period[M])")
_DATE = _dtype_check(lambda s: pd.api.types.is_datetime64_dtype(s.dtype), "a date (datetime64)")
_FLOAT = _dtype_check(lambda s: s.dtype == "float64", "a float64 number")
_BOOL = _dtype_check(lambda s: s.dtype == bool, "true/false (bool)")


def _text(nullable: bool = False, unique: bool = False, isin: tuple[str, ...] = ()) -> pa.Column:
    checks = [_TEXT]
    if isin:
        checks.append(pa.Check.isin(list(isin), error=f"one of {', '.join(isin)}"))
    return pa.Column(None, checks, nullable=nullable, unique=unique)


def _number(nullable: bool = False, *checks: pa.Check) -> pa.Column:
    return pa.Column(None, [_FLOAT, *checks], nullable=nullable)


_NON_NEGATIVE = pa.Check.ge(0, error="0 or more")

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "kpis": pa.DataFrameSchema(
        {
            "kpi": _text(unique=True),
            "direction": _text(isin=KPI_DIRECTIONS),
            "unit": _text(isin=KPI_UNITS),
            "aggregation": _text(isin=KPI_AGGREGATIONS),
            "weight_kpi": _text(nullable=True),
            "allow_negative": pa.Column(None, [_BOOL]),
            "label": _text(),
        },
        strict=True,
        ordered=True,
    ),
    "units": pa.DataFrameSchema(
        {
            "unit_id": _text(unique=True),
            "parent_id": _text(nullable=True),
            "level": _text(),
            "name": _text(),
        },
        strict=True,
    ),
    "reps": pa.DataFrameSchema(
        {
            "rep_id": _text(unique=True),
            "unit_id": _text(),
            "position": _text(),
            "hire_date": pa.Column(None, [_DATE]),
            "exit_date": pa.Column(None, [_DATE], nullable=True),
            "base_salary": _number(False, _NON_NEGATIVE),
            "grade": _text(),
        },
        strict=False,  # further columns are optional rep attributes
    ),
    "sales": pa.DataFrameSchema(
        {
            "rep_id": _text(),
            "period": pa.Column(None, [_MONTH]),
            "kpi": _text(),
            "value": _number(),
        },
        strict=True,
        unique=["rep_id", "period", "kpi"],
    ),
    "potential": pa.DataFrameSchema(
        {
            "unit_id": _text(nullable=True),
            "rep_id": _text(nullable=True),
            "kpi": _text(),
            "value": _number(),
        },
        strict=True,
        checks=[
            pa.Check(
                lambda df: df["unit_id"].isna() != df["rep_id"].isna(),
                error="exactly one of unit_id or rep_id",
            )
        ],
    ),
    "targets": pa.DataFrameSchema(
        {
            "unit_id": _text(nullable=True),
            "rep_id": _text(nullable=True),
            "period": pa.Column(None, [_MONTH]),
            "kpi": _text(),
            "target": _number(),
        },
        strict=True,
        checks=[
            pa.Check(
                lambda df: df["unit_id"].isna() != df["rep_id"].isna(),
                error="exactly one of unit_id or rep_id",
            )
        ],
    ),
    "competence": pa.DataFrameSchema(
        {
            "rep_id": _text(),
            "period": pa.Column(None, [_MONTH]),
            "item": _text(),
            "score": _number(False, pa.Check.in_range(1, 5, error="a score on the 1-5 scale")),
        },
        strict=True,
        unique=["rep_id", "period", "item"],
    ),
}


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one table (``"kpis"``, ``"sales"`` ...)."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; tables are {list(SCHEMAS)}") from None


def check_dataset(ds: Dataset, max_rows_per_check: int = 20) -> list[Problem]:
    """Check a Dataset's tables against their schemas; every failure as a :class:`Problem`.

    Parameters
    ----------
    ds : Dataset
        Typed tables (e.g. from a generator). Raw files belong to
        :func:`simlib.data.load_dataset`.
    max_rows_per_check : int
        Rows listed per (column, check); the rest are counted in one line.

    Returns
    -------
    list of Problem
        Empty when every table keeps the contract. ``file`` is the table name,
        ``row`` the 1-based record number (``None`` for whole-column checks such
        as dtypes).
    """
    problems: list[Problem] = []

    def add(name: str, rows: list[tuple[int | None, str]], col: str | None, expected: str) -> None:
        for row, value in rows[:max_rows_per_check]:
            problems.append(Problem(name, row, col, value, expected))
        if len(rows) > max_rows_per_check:
            more = f"{len(rows) - max_rows_per_check:,} more rows"
            problems.append(Problem(name, None, col, more, f"{expected} (the same problem)"))

    for name, df in ds.tables().items():
        df = df.reset_index(drop=True)  # rows are counted by position
        sch = SCHEMAS[name]
        try:
            sch.validate(df, lazy=True)
        except pa.errors.SchemaErrors as err:
            fc = err.failure_cases
            for (column, check), group in fc.groupby(["column", "check"], dropna=False, sort=False):
                col = None if pd.isna(column) else str(column)
                check = str(check)
                if check == "multiple_fields_uniqueness":
                    keys = list(sch.unique or [])
                    if col != keys[0]:
                        continue  # one line per row, not one per key column
                    idx = sorted({int(i) for i in group["index"]})
                    rows = [(i + 1, " / ".join(str(df[k].iloc[i]) for k in keys)) for i in idx]
                    add(name, rows, ", ".join(keys), f"one row per ({', '.join(keys)})")
                    continue
                if check == "column_in_dataframe":
                    # pandera puts the missing column's name in failure_case, not column.
                    for missing in group["failure_case"]:
                        add(name, [(None, "")], str(missing), f"a column {missing!r} (required)")
                    continue
                if check == "field_uniqueness":
                    check = "unique values (this column is the table's key)"
                rows = []
                for rec in group.itertuples(index=False):
                    whole = pd.isna(rec.index)
                    value = "" if whole or pd.isna(rec.failure_case) else str(rec.failure_case)
                    rows.append((None if whole else int(rec.index) + 1, value[:40]))
                add(name, rows, col, check)
    return problems
