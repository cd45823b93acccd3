"""Reading what a plan is paid on: months, dates, numbers and required columns of tidy
inputs, each refused with the row and column that is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import SimlibError, SimlibWarning
from simlib.i18n import _


class PlanInputError(SimlibError, ValueError):
    """Actuals, targets or reps handed to a plan are not what it needs."""


class PlanWarning(SimlibWarning):
    """Inputs a plan can pay but that probably are not what was meant (e.g. no targets)."""


def _periods(values: Any, where: str = "periods") -> pd.PeriodIndex:
    """Months from Periods, dates or strings like ``"2026-03"``; a clear error naming
    ``where`` (and the row) for anything that is not a month."""
    if isinstance(values, pd.PeriodIndex):
        return values.asfreq("M")
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(s).asfreq("M")
    txt = s.astype(str)
    got = pd.to_datetime(txt, errors="coerce", format="mixed")
    # A month needs its year: "March" alone must not become March of this year.
    bad = got.isna().to_numpy() | ~txt.str.contains(r"\d{4}", regex=True).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanInputError(
            _("{where}, row {row}: {value!r} is not a month; expected e.g. '2026-03'").format(
                where=where, row=i + 1, value=s.iloc[i]
            )
        )
    return pd.PeriodIndex(got, freq="M")


def _dates(reps: pd.DataFrame, col: str, name: str = "reps") -> np.ndarray:
    """A date column as datetime64 (missing -> NaT), naming the row of a bad cell."""
    raw = reps[col]
    got = pd.to_datetime(raw, errors="coerce", format="mixed")
    bad = got.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanInputError(
            _(
                "{name}, row {row}, column {column!r}: {value!r} is not a date; "
                "expected e.g. '2026-03-15'"
            ).format(name=name, row=i + 1, column=col, value=raw.iloc[i])
        )
    return got.to_numpy(dtype="datetime64[ns]")


def _numbers(frame: pd.DataFrame, col: str, name: str) -> np.ndarray:
    raw = frame[col]
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(vals) & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanInputError(
            _("{name}, row {row}, column {column!r}: found {value!r}; expected a number").format(
                name=name, row=i + 1, column=col, value=raw.iloc[i]
            )
        )
    return vals


def _unique_reps(reps: pd.DataFrame) -> None:
    dup = reps["rep_id"].duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise PlanInputError(
            _(
                "reps, row {row}, column 'rep_id': {value!r} appears twice; "
                "expected one row per rep"
            ).format(row=i + 1, value=reps["rep_id"].iloc[i])
        )


def _require(frame: pd.DataFrame, name: str, cols: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise PlanInputError(
            _("{name}: expected a DataFrame with columns {columns}").format(
                name=name, columns=list(cols)
            )
        )
    miss = [c for c in cols if c not in frame.columns]
    if miss:
        raise PlanInputError(
            _("{name}: missing column(s) {missing}; expected {expected}, found {found}").format(
                name=name, missing=miss, expected=list(cols), found=list(frame.columns)
            )
        )


#: Public names of the input readers, for the other plan modules.
periods_of = _periods
dates_of = _dates
number_column = _numbers
unique_reps = _unique_reps
require_columns = _require
